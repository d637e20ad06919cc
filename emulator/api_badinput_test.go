package emulator

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestBadInputNeverFails500 sends every registered route malformed path
// segments and malformed parameters, as the admin and as a member, and
// checks that the emulator answers each with a success or one of Backlog's
// error bodies: never a panic, a 500 or a non-JSON error.
func TestBadInputNeverFails500(t *testing.T) {
	s := newTestServer(t, Options{Seed: 3, AdminAPIKey: "adm", Size: Size{Projects: 2, Users: 6, Teams: 1,
		Issues: 60, Comments: 120, Wikis: 6, Documents: 4, Repositories: 1, PullRequests: 4, SharedFiles: 8}})
	member := ""
	for _, u := range s.Users() {
		if u.RoleType == RoleNormal {
			member = u.APIKey
			break
		}
	}
	if member == "" {
		t.Fatal("no member in the generated space")
	}

	// Real values for some wildcards reach the handlers' deeper checks.
	real := map[string]string{}
	st := s.store
	st.mu.RLock()
	p := st.projectList[0]
	real["projectIdOrKey"] = p.Key
	if len(st.issueList) > 0 {
		real["issueIdOrKey"] = st.issueKey(st.issueList[0])
		if cs := st.issueList[len(st.issueList)-1].Comments; len(cs) > 0 {
			real["commentId"] = strconv.FormatInt(cs[0].ID, 10)
		}
	}
	real["userId"] = strconv.FormatInt(st.userList[len(st.userList)-1].ID, 10)
	if len(st.wikiList) > 0 {
		real["wikiId"] = strconv.FormatInt(st.wikiList[0].ID, 10)
	}
	if len(st.docList) > 0 {
		real["documentId"] = st.docList[0].ID
	}
	for _, pp := range st.projectList {
		if len(pp.Repositories) > 0 {
			real["repoIdOrName"] = pp.Repositories[0].Name
			if len(pp.Repositories[0].PullRequests) > 0 {
				real["number"] = "1"
			}
		}
	}
	if len(st.activities) > 0 {
		real["activityId"] = strconv.FormatInt(st.activities[0].ID, 10)
	}
	st.mu.RUnlock()

	garbage := []string{"0", "-1", "abc", "99999999999999999999", "%E3%81%82", "1.5", "%00"}
	params := []string{
		"",
		"count=abc", "count=0", "count=101", "count=1001", "offset=-1", "offset=x",
		"order=sideways", "minId=abc&maxId=-3", "minId=5&maxId=1", "sort=nope",
		"projectId%5B%5D=abc", "projectId[]=-5&statusId[]=x", "createdSince=2020-13-45&updatedUntil=yesterday",
		"hasDueDate=true", "keyword=%00%ff%fe", "activityTypeId[]=999&activityTypeId[]=x",
		"customField_1=x&customField_99_min=abc&customField_2%5B0%5D=zz", "expand[]=nothing", "archived=maybe&all=yes",
		"typeId=99&name=&color=bad", "summary=&projectId=x&issueTypeId=y&priorityId=z", "content=",
		"projectId=1&summary=s&issueTypeId=1&priorityId=9&startDate=2020-02-30&estimatedHours=-1",
		"fileId[]=abc", "userId=abc", "teamId=-1", "statusId[]=1&statusId[]=1", "since=x&until=y",
		"projectIdOrKey=", "tagNames[]=&tagNames[]=" + strings.Repeat("x", 300),
		"name=" + strings.Repeat("あ", 2000), "issueIdOrKey=NOPE-1&note=x", "substituteStatusId=abc",
	}
	wild := regexp.MustCompile(`\{([A-Za-z]+)(\.\.\.)?\}`)

	var patterns []string
	for pat := range s.routeTable {
		patterns = append(patterns, pat)
	}
	sort.Strings(patterns)
	requests := 0
	for _, pat := range patterns {
		ms := s.routeTable[pat]
		var methods []string
		for m := range ms.methods {
			methods = append(methods, m)
		}
		sort.Strings(methods)
		methods = append(methods, "PUT") // often a wrong method
		paths := map[string]bool{}
		for _, g := range garbage {
			paths[wild.ReplaceAllStringFunc(pat, func(string) string { return g })] = true
		}
		paths[wild.ReplaceAllStringFunc(pat, func(m string) string {
			if v, ok := real[wild.FindStringSubmatch(m)[1]]; ok {
				return url.PathEscape(v)
			}
			return "1"
		})] = true
		for path := range paths {
			for _, method := range methods {
				for i, q := range params {
					key := "adm"
					if i%2 == 1 {
						key = member
					}
					req := httptest.NewRequest(method, "http://emu"+path+"?"+q, nil)
					if method != http.MethodGet {
						req = httptest.NewRequest(method, "http://emu"+path, strings.NewReader(q))
						req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					}
					req.Header.Set("Backlog-API-Key", key)
					rec := httptest.NewRecorder()
					s.ServeHTTP(rec, req)
					requests++
					checkAnswer(t, method+" "+path+"?"+q, rec)
				}
			}
		}
	}
	if requests < 10000 {
		t.Fatalf("only %d requests sent", requests)
	}
	t.Logf("%d requests over %d route patterns, none answered 500", requests, len(patterns))
}

// checkAnswer fails unless rec holds a success or a Backlog error body.
func checkAnswer(t *testing.T, what string, rec *httptest.ResponseRecorder) {
	t.Helper()
	code := rec.Code
	if code >= 500 {
		t.Errorf("%s: %d %.300s", what, code, rec.Body.String())
		return
	}
	if code < 400 {
		if ct := rec.Header().Get("Content-Type"); strings.HasPrefix(ct, "application/json") && !json.Valid(rec.Body.Bytes()) {
			t.Errorf("%s: %d with invalid JSON %.300s", what, code, rec.Body.String())
		}
		return
	}
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") && strings.Contains(what, "/OAuth2AccessRequest.action") {
		return // the authorization page answers humans with an HTML error page
	}
	var e struct {
		Errors []struct {
			Message string `json:"message"`
			Code    int    `json:"code"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || len(e.Errors) == 0 || e.Errors[0].Message == "" || e.Errors[0].Code == 0 {
		// OAuth's token endpoint answers RFC 6749 errors instead.
		if !strings.Contains(rec.Body.String(), `"error"`) {
			t.Errorf("%s: %d without a Backlog error body: %.300s", what, code, rec.Body.String())
		}
	}
}
