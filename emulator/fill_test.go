package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestGeneratedSpaceFillsEveryField walks every GET endpoint of a generated
// space of DefaultSize, with its path parameters bound to the objects the
// space holds, and records for every JSON path of every response whether it
// was ever filled: an array with an element, an object or a value that is
// not null. A path that stays empty or null in every response means that no
// test and no client ever sees that part of Backlog's shape, so it fails —
// unless allowEmpty lists it with the reason Backlog itself leaves it empty.
func TestGeneratedSpaceFillsEveryField(t *testing.T) {
	s, err := New(Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	w := newFieldWalker(t, s)
	w.walkAll()
	var empty []string
	for _, k := range w.keys() {
		if w.filled[k] {
			continue
		}
		if _, ok := allowEmpty[k]; ok {
			continue
		}
		empty = append(empty, k)
	}
	for k := range allowEmpty {
		if _, seen := w.seen[k]; !seen {
			t.Errorf("allowEmpty lists %q, which no response contains: remove it", k)
		} else if w.filled[k] {
			t.Errorf("allowEmpty lists %q, which the generated space fills: remove it", k)
		}
	}
	t.Logf("%d endpoints, %d requests, %d JSON paths, %d filled, %d allowed empty",
		w.endpoints, w.requests, len(w.seen), len(w.seen)-len(empty)-len(allowEmpty), len(allowEmpty))
	if len(empty) > 0 {
		t.Errorf("%d JSON paths are empty ([] or null) in every response of a generated space:\n  %s",
			len(empty), strings.Join(empty, "\n  "))
	}
}

// allowEmpty lists JSON paths (endpoint pattern, a space, the path inside the
// response with [] for array elements) that Backlog itself leaves empty or
// null in these responses, with the reason.
var allowEmpty = map[string]string{
	"Issue.externalFileLinks":                                                     "links to files in external storage come from Backlog's integrations; no API call creates one",
	"/api/v2/issues [].externalFileLinks":                                         "see Issue.externalFileLinks",
	"/api/v2/issues/{issueIdOrKey} externalFileLinks":                             "see Issue.externalFileLinks",
	"/api/v2/issues/{issueIdOrKey}/relatedIssues [].externalFileLinks":            "see Issue.externalFileLinks",
	"/api/v2/activities/{activityId} content.external_file_links":                 "see Issue.externalFileLinks",
	"/api/v2/space/activities [].content.external_file_links":                     "see Issue.externalFileLinks",
	"/api/v2/projects/{projectIdOrKey}/activities [].content.external_file_links": "see Issue.externalFileLinks",
	"/api/v2/users/{userId}/activities [].content.external_file_links":            "see Issue.externalFileLinks",
	"/api/v2/space/activities [].notifications":                                   "always [] in activity lists since 2022-02-09 (behaviour.md); GET /activities/:id fills them",
	"/api/v2/projects/{projectIdOrKey}/activities [].notifications":               "always [] in activity lists since 2022-02-09 (behaviour.md)",
	"/api/v2/users/{userId}/activities [].notifications":                          "always [] in activity lists since 2022-02-09 (behaviour.md)",
	"/api/v2/activities/{activityId} content.group_project_activities": "activity 15/16 content: documented by name only ({id, type}); " +
		"when Backlog fills it is not known, so the emulator sends []",
	"/api/v2/space/activities [].content.group_project_activities":                     "see /api/v2/activities/{activityId} content.group_project_activities",
	"/api/v2/projects/{projectIdOrKey}/activities [].content.group_project_activities": "see /api/v2/activities/{activityId} content.group_project_activities",
	"/api/v2/users/{userId}/activities [].content.group_project_activities":            "see /api/v2/activities/{activityId} content.group_project_activities",
	"Star.comment": "add-star has no comment parameter and the DOC examples show null",
	"/api/v2/users/{userId}/stars [].comment":                 "see Star.comment",
	"/api/v2/wikis/{wikiId}/stars [].comment":                 "see Star.comment",
	"/api/v2/teams [].displayOrder":                           "set only by reordering teams in the web UI (no API call); null until then",
	"/api/v2/teams/{teamId} displayOrder":                     "see /api/v2/teams [].displayOrder",
	"/api/v2/projects/{projectIdOrKey}/teams [].displayOrder": "see /api/v2/teams [].displayOrder",
	"/api/v2/projects/{projectIdOrKey}/files/metadata [].updatedUser": "generated files live in directories, so the root " +
		"lists directories only, which are never updated (their subdirectory listings fill it)",
}

// entityOf names the entity embedded under a key. The fields of an embedded
// entity are checked once per entity (an issue's stars must be filled
// somewhere, not in every response that embeds an issue); whether the
// embedded object or array itself is filled is checked per response. Keys
// inside an activity's content (its own snake_case shapes) are not mapped.
var entityOf = map[string]string{
	"createdUser": "User", "updatedUser": "User", "presenter": "User", "assignee": "User",
	"user": "User", "sender": "User", "members": "User",
	"issue": "Issue", "stars": "Star", "attachments": "Attachment", "sharedFiles": "SharedFile",
	"project": "Project", "pullRequest": "PullRequest", "pullRequestComment": "PullRequestComment",
	"comment": "Comment", "notifications": "CommentNotification", "children": "DocumentNode",
}

// endpointEntity names the entity some endpoints answer with (one or a
// list), so that their fields count for the entity as well.
var endpointEntity = map[string]string{
	"/api/v2/issues/{issueIdOrKey}/comments":             "Comment",
	"/api/v2/issues/{issueIdOrKey}/comments/{commentId}": "Comment",
	"/api/v2/issues":                "Issue",
	"/api/v2/issues/{issueIdOrKey}": "Issue",
	"/api/v2/projects/{projectIdOrKey}/git/repositories/{repoIdOrName}/pullRequests":                   "PullRequest",
	"/api/v2/projects/{projectIdOrKey}/git/repositories/{repoIdOrName}/pullRequests/{number}":          "PullRequest",
	"/api/v2/projects/{projectIdOrKey}/git/repositories/{repoIdOrName}/pullRequests/{number}/comments": "PullRequestComment",
	"/api/v2/users":                "User",
	"/api/v2/users/{userId}/stars": "Star",
	"/api/v2/projects":             "Project",
}

// fieldWalker requests endpoints and records which JSON paths were filled.
type fieldWalker struct {
	t         *testing.T
	s         *Server
	key       string
	seen      map[string]bool
	filled    map[string]bool
	endpoints int
	requests  int
}

func newFieldWalker(t *testing.T, s *Server) *fieldWalker {
	key := ""
	for _, u := range s.store.userList {
		if u.RoleType == RoleAdmin && len(u.APIKeys) > 0 {
			key = u.APIKeys[0]
			break
		}
	}
	return &fieldWalker{t: t, s: s, key: key, seen: map[string]bool{}, filled: map[string]bool{}}
}

func (w *fieldWalker) keys() []string {
	ks := make([]string, 0, len(w.seen))
	for k := range w.seen {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// walkAll requests every GET route once per binding of its path parameters.
func (w *fieldWalker) walkAll() {
	var patterns []string
	for p, ms := range w.s.routeTable {
		if _, ok := ms.methods[http.MethodGet]; ok && strings.HasPrefix(p, "/api/v2/") {
			patterns = append(patterns, p)
		}
	}
	sort.Strings(patterns)
	for _, p := range patterns {
		if p == "/api/v2/oauth2/token" || strings.HasSuffix(p, "/icon") || strings.HasSuffix(p, "/image") {
			continue
		}
		binds := w.bindings(p)
		if len(binds) == 0 {
			w.t.Errorf("%s: the generated space has nothing to bind its path parameters to", p)
			continue
		}
		w.endpoints++
		for _, b := range binds {
			path := p
			for name, v := range b {
				if name == "path..." {
					path = strings.Replace(path, "{path...}", v, 1)
					continue
				}
				path = strings.Replace(path, "{"+name+"}", url.PathEscape(v), 1)
			}
			if !perUser[p] {
				w.get(p, path, listQuery[p])
				continue
			}
			admin := w.key
			for _, u := range w.s.store.userList {
				if len(u.APIKeys) > 0 {
					w.key = u.APIKeys[0]
					w.get(p, path, listQuery[p])
				}
			}
			w.key = admin
		}
		if p == "/api/v2/issues" {
			for off := 100; off < len(w.s.store.issueList); off += 100 {
				w.get(p, p, url.Values{"count": {"100"}, "offset": {strconv.Itoa(off)}})
			}
		}
	}
}

// listQuery holds query parameters some endpoints need to show their whole
// shape (documents are listed per project).
var listQuery = map[string]url.Values{
	"/api/v2/issues":           {"count": {"100"}},
	"/api/v2/space/activities": {"count": {"100"}},
	"/api/v2/notifications":    {"count": {"100"}},
	"/api/v2/documents":        {"offset": {"0"}, "count": {"100"}},
}

// perUser lists the endpoints that answer about the caller: they are walked
// with the key of every user.
var perUser = map[string]bool{
	"/api/v2/notifications":                       true,
	"/api/v2/notifications/count":                 true,
	"/api/v2/users/myself":                        true,
	"/api/v2/users/myself/recentlyViewedIssues":   true,
	"/api/v2/users/myself/recentlyViewedProjects": true,
	"/api/v2/users/myself/recentlyViewedWikis":    true,
}

// get requests one path and records its JSON paths under pattern.
func (w *fieldWalker) get(pattern, path string, q url.Values) {
	v := url.Values{}
	for k, x := range q {
		v[k] = x
	}
	v.Set("apiKey", w.key)
	if strings.HasPrefix(pattern, "/api/v2/documents") || pattern == "/api/v2/wikis" ||
		pattern == "/api/v2/wikis/count" || pattern == "/api/v2/wikis/tags" {
		if v.Get("projectIdOrKey") == "" && v.Get("projectId[]") == "" {
			for _, p := range w.s.store.projectList {
				pq := url.Values{"projectIdOrKey": {p.Key}, "projectId[]": {strconv.FormatInt(p.ID, 10)}}
				for k, x := range q {
					pq[k] = x
				}
				w.get(pattern, path, pq)
			}
			return
		}
	}
	req := httptest.NewRequest(http.MethodGet, path+"?"+v.Encode(), nil)
	rec := httptest.NewRecorder()
	w.s.ServeHTTP(rec, req)
	w.requests++
	if rec.Code != http.StatusOK {
		w.t.Errorf("GET %s: status %d: %s", path, rec.Code, rec.Body.String())
		return
	}
	if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		return
	}
	var doc any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		w.t.Errorf("GET %s: %v", path, err)
		return
	}
	w.record(pattern+" ", doc)
	if ent := endpointEntity[pattern]; ent != "" {
		if list, ok := doc.([]any); ok {
			for _, e := range list {
				w.record(ent, e)
			}
		} else {
			w.record(ent, doc)
		}
	}
	// Activity lists are walked to their end (maxId cursor).
	if list, ok := doc.([]any); ok && len(list) > 0 && strings.HasSuffix(pattern, "activities") {
		last, _ := list[len(list)-1].(map[string]any)["id"].(float64)
		next := url.Values{"count": {"100"}, "maxId": {strconv.FormatInt(int64(last), 10)}}
		w.get(pattern, path, next)
	}
}

// record marks path and everything below it.
func (w *fieldWalker) record(path string, v any) {
	w.seen[path] = true
	switch x := v.(type) {
	case nil:
	case []any:
		if len(x) > 0 {
			w.filled[path] = true
		}
		for _, e := range x {
			w.record(path+"[]", e)
		}
	case map[string]any:
		w.filled[path] = true
		for k, e := range x {
			sep := "."
			if strings.HasSuffix(path, " ") {
				sep = ""
			}
			ent, ok := entityOf[k]
			if !ok || strings.Contains(path, "content") {
				w.record(path+sep+k, e)
				continue
			}
			// An embedded entity: whether it is there counts for this
			// path, its fields count for the entity wherever it appears.
			w.seen[path+sep+k] = true
			switch y := e.(type) {
			case nil:
			case []any:
				if len(y) > 0 {
					w.filled[path+sep+k] = true
				}
				for _, el := range y {
					w.record(ent, el)
				}
			default:
				w.filled[path+sep+k] = true
				w.record(ent, e)
			}
		}
	default:
		w.filled[path] = true
	}
}

// bindings returns the values to substitute for the path parameters of
// pattern: every object of the generated space that the parameters can name.
func (w *fieldWalker) bindings(pattern string) []map[string]string {
	st := w.s.store
	has := func(name string) bool { return strings.Contains(pattern, "{"+name+"}") }
	id := func(v int64) string { return strconv.FormatInt(v, 10) }
	var out []map[string]string
	switch {
	case has("activityId"):
		for _, a := range st.activities {
			out = append(out, map[string]string{"activityId": id(a.ID)})
		}
	case has("documentId"):
		for _, d := range st.docList {
			if has("attachmentId") {
				for _, a := range d.Attachments {
					out = append(out, map[string]string{"documentId": d.ID, "attachmentId": id(a.ID)})
				}
				continue
			}
			out = append(out, map[string]string{"documentId": d.ID})
		}
	case has("issueIdOrKey"):
		for _, is := range st.issueList {
			b := map[string]string{"issueIdOrKey": id(is.ID)}
			switch {
			case has("commentId"):
				for _, c := range is.Comments {
					out = append(out, map[string]string{"issueIdOrKey": id(is.ID), "commentId": id(c.ID)})
				}
			case has("attachmentId"):
				for _, a := range is.Attachments {
					out = append(out, map[string]string{"issueIdOrKey": id(is.ID), "attachmentId": id(a.ID)})
				}
			default:
				out = append(out, b)
			}
		}
	case has("wikiId"):
		for _, wk := range st.wikiList {
			if has("attachmentId") {
				for _, a := range wk.Attachments {
					out = append(out, map[string]string{"wikiId": id(wk.ID), "attachmentId": id(a.ID)})
				}
				continue
			}
			out = append(out, map[string]string{"wikiId": id(wk.ID)})
		}
	case has("repoIdOrName"):
		for _, p := range st.projectList {
			for _, r := range p.Repositories {
				b := map[string]string{"projectIdOrKey": p.Key, "repoIdOrName": r.Name}
				if !has("number") {
					out = append(out, b)
					continue
				}
				for _, pr := range r.PullRequests {
					nb := map[string]string{"projectIdOrKey": p.Key, "repoIdOrName": r.Name, "number": id(pr.Number)}
					switch {
					case has("attachmentId"):
						for _, a := range pr.Attachments {
							m := maps2(nb)
							m["attachmentId"] = id(a.ID)
							out = append(out, m)
						}
					case has("commentId"):
						for _, c := range pr.Comments {
							m := maps2(nb)
							m["commentId"] = id(c.ID)
							out = append(out, m)
						}
					default:
						out = append(out, nb)
					}
				}
			}
		}
	case has("projectIdOrKey"):
		for _, p := range st.projectList {
			b := map[string]string{"projectIdOrKey": p.Key}
			switch {
			case has("webhookId"):
				for _, h := range p.Webhooks {
					out = append(out, map[string]string{"projectIdOrKey": p.Key, "webhookId": id(h.ID)})
				}
			case has("sharedFileId"):
				for _, f := range p.SharedFiles {
					if f.Type == "file" {
						out = append(out, map[string]string{"projectIdOrKey": p.Key, "sharedFileId": id(f.ID)})
					}
				}
			case has("path..."):
				dirs := map[string]bool{}
				for _, f := range p.SharedFiles {
					if f.Type == "directory" {
						dirs[strings.Trim(f.Dir+f.Name, "/")] = true
					}
				}
				for _, d := range slices.Sorted(mapKeys(dirs)) {
					out = append(out, map[string]string{"projectIdOrKey": p.Key, "path...": d})
				}
			case has("id"), has("customFieldId"), has("issueTypeId"), has("statusId"):
				w.t.Errorf("%s: no binding for its parameters", pattern)
			default:
				out = append(out, b)
			}
		}
	case has("userId"):
		for _, u := range st.userList {
			out = append(out, map[string]string{"userId": id(u.ID)})
		}
	case has("teamId"):
		for _, tm := range st.teamList {
			out = append(out, map[string]string{"teamId": id(tm.ID)})
		}
	case has("watchingId"):
		for _, wt := range st.watchList {
			out = append(out, map[string]string{"watchingId": id(wt.ID)})
		}
	case strings.Contains(pattern, "{"):
		w.t.Errorf("%s: no binding for its parameters", pattern)
	default:
		out = append(out, map[string]string{})
	}
	return out
}

func maps2(m map[string]string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

var _ = fmt.Sprint
