package catalog

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/emulator"
)

// call is a logged request reduced to what the pushdown tests assert.
type call struct {
	path  string
	query url.Values
}

func (c call) String() string { return c.path + "?" + c.query.Encode() }

// TestPushdown runs representative queries and checks that the API calls
// made (read from the emulator's request log) are the minimal ones, with
// the predicates in their parameters, and that the rows equal a full scan
// filtered locally.
func TestPushdown(t *testing.T) {
	t.Parallel()
	s := newSpace(t, 3)
	populate(s.tr)
	tr := s.tr
	projects := tr.projects()
	pid := mustInt(projects[0]["id"])
	issues := tr.issues()
	var issue obj // an issue of the first project with comments
	for _, is := range issues {
		if mustInt(is["projectId"]) == pid && len(tr.cursorAll("/issues/"+str(is["id"])+"/comments", nil, "id")) >= 3 {
			issue = is
			break
		}
	}
	iid := mustInt(issue["id"])
	comments := tr.cursorAll("/issues/"+str(iid)+"/comments", nil, "id")
	midComment := mustInt(comments[1]["id"])
	users := tr.users()
	uid := mustInt(users[1]["id"])
	wikis := tr.wikis()
	wid := mustInt(wikis[0]["id"])
	docs := tr.documents()
	acts := tr.cursorAll("/space/activities", nil, "id")
	midAct := mustInt(acts[len(acts)/2]["id"])
	updated := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	wikiCut := mustTime(wikis[len(wikis)/2]["updated"])

	tests := []struct {
		name  string
		table string
		where []Predicate
		want  []string // expected calls, in order: "path?sorted query"
	}{
		{
			name: "issues by project, status and updated", table: "Issues",
			where: []Predicate{Eq("ProjectId", pid), In("StatusId", int64(1), int64(2)), Cmp("Updated", OpGE, updated)},
			want:  []string{fmt.Sprintf("/api/v2/issues?count=100&order=asc&projectId[]=%d&sort=created&statusId[]=1&statusId[]=2&updatedSince=2024-12-31", pid)},
		},
		{
			name: "issues without a project name every visible project", table: "Issues",
			where: []Predicate{Cmp("DueDate", OpLT, "2025-06-30"), Cmp("DueDate", OpGE, "2025-01-01")},
			want: []string{"/api/v2/projects?all=true",
				fmt.Sprintf("/api/v2/issues?count=100&dueDateSince=2025-01-01&dueDateUntil=2025-06-30&order=asc&%ssort=created", projectParams(projects))},
		},
		{
			name: "contradictory ids make no call", table: "Issues",
			where: []Predicate{Eq("Id", int64(1)), Eq("Id", int64(2))},
			want:  nil,
		},
		{
			name: "comments of one issue from an id on", table: "IssueComments",
			where: []Predicate{Eq("IssueId", iid), Cmp("Id", OpGE, midComment)},
			want: []string{
				"/api/v2/projects?all=true",
				fmt.Sprintf("/api/v2/issues?count=100&id[]=%d&order=asc&%ssort=created", iid, projectParams(projects)),
				fmt.Sprintf("/api/v2/issues/%d/comments?count=100&minId=%d&order=asc", iid, midComment-1),
			},
		},
		{
			name: "change log of one issue's comments", table: "IssueCommentChangeLog",
			where: []Predicate{Eq("IssueId", iid), Eq("ProjectId", pid)},
			want: []string{
				fmt.Sprintf("/api/v2/issues?count=100&id[]=%d&order=asc&projectId[]=%d&sort=created", iid, pid),
				fmt.Sprintf("/api/v2/issues/%d/comments?count=100&order=asc", iid),
			},
		},
		{
			name: "stars of one user without listing users", table: "UserReceivedStars",
			where: []Predicate{Eq("UserId", uid)},
			want:  []string{fmt.Sprintf("/api/v2/users/%d/stars?count=100&order=asc", uid)},
		},
		{
			name: "members of one project", table: "ProjectUsers",
			where: []Predicate{Eq("ProjectId", pid)},
			want:  []string{fmt.Sprintf("/api/v2/projects/%d/users?", pid)},
		},
		{
			name: "one wiki page by id", table: "WikiPages",
			where: []Predicate{Eq("Id", wid)},
			want:  []string{fmt.Sprintf("/api/v2/wikis/%d?", wid)},
		},
		{
			name: "wiki pages updated since: only those are read in full", table: "WikiPages",
			where: []Predicate{Eq("ProjectId", pid), Cmp("Updated", OpGE, wikiCut)},
			want:  wikiCalls(tr, pid, wikiCut),
		},
		{
			name: "feed by type above an id", table: "SpaceUpdates",
			where: []Predicate{In("Type", int64(2), int64(1)), Cmp("Id", OpGT, midAct)},
			want:  []string{fmt.Sprintf("/api/v2/space/activities?activityTypeId[]=1&activityTypeId[]=2&count=100&minId=%d&order=asc", midAct)},
		},
		{
			name: "merged pull requests", table: "PullRequests",
			where: []Predicate{Eq("StatusId", int64(3)), Eq("ProjectId", pid)},
			want:  prCalls(tr, pid, "statusId[]=3&"),
		},
		{
			name: "one document by id", table: "Documents",
			where: []Predicate{Eq("Id", str(docs[0]["id"]))},
			want:  []string{"/api/v2/documents/" + str(docs[0]["id"]) + "?"},
		},
		{
			name: "documents updated since, newest first", table: "Documents",
			where: []Predicate{Cmp("Updated", OpGE, mustTime(docs[0]["updated"]))},
			want: []string{"/api/v2/projects?all=true",
				fmt.Sprintf("/api/v2/documents?count=100&offset=0&order=desc&%ssort=updated", projectParams(projects))},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Not parallel: each case reads the shared request log.
			s.srv.ClearRequests()
			got := s.fetchAll(t, tt.table, Query{Where: tt.where})
			calls := loggedCalls(s.srv.Requests())
			if !slices.Equal(calls, tt.want) {
				t.Errorf("calls:\n  %s\nwant:\n  %s", strings.Join(calls, "\n  "), strings.Join(tt.want, "\n  "))
			}
			tab, _ := Lookup(tt.table)
			full := s.fetchAll(t, tt.table, Query{})
			q := Query{Where: tt.where}
			if err := q.check(tab); err != nil {
				t.Fatal(err)
			}
			var want []backlogsync.Row
			for _, r := range full {
				if q.match(tab, r) {
					want = append(want, r)
				}
			}
			if g, w := render(got), render(want); !slices.Equal(g, w) {
				t.Errorf("pushed-down rows differ from a filtered full scan: got %d rows, want %d", len(g), len(w))
			}
			if tt.want != nil && len(want) == 0 {
				t.Errorf("the case selects no rows; pick data that exercises it")
			}
		})
	}
}

// loggedCalls renders the API requests of a log with sorted, decoded
// query parameters.
func loggedCalls(log []emulator.LoggedRequest) []string {
	var out []string
	for _, r := range log {
		q, _ := url.ParseQuery(r.Query)
		var parts []string
		for k, vs := range q {
			for _, v := range vs {
				parts = append(parts, k+"="+v)
			}
		}
		slices.Sort(parts)
		out = append(out, r.Path+"?"+strings.Join(parts, "&"))
	}
	return out
}

// projectParams renders projectId[]=… for every project, in id order.
func projectParams(projects []obj) string {
	var ids []int64
	for _, p := range projects {
		ids = append(ids, mustInt(p["id"]))
	}
	slices.Sort(ids)
	var b strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&b, "projectId[]=%d&", id)
	}
	return b.String()
}

// wikiCalls is the expected calls of WikiPages with ProjectId and an
// Updated lower bound: the list, then only the pages at or after cut.
func wikiCalls(tr *truth, pid int64, cut time.Time) []string {
	calls := []string{fmt.Sprintf("/api/v2/wikis?projectIdOrKey=%d", pid)}
	for _, w := range tr.list("/wikis", url.Values{"projectIdOrKey": {fmt.Sprint(pid)}}) {
		if !mustTime(w["updated"]).Before(cut) {
			calls = append(calls, fmt.Sprintf("/api/v2/wikis/%s?", str(w["id"])))
		}
	}
	return calls
}

// prCalls is the expected calls of PullRequests in one project with extra
// list parameters.
func prCalls(tr *truth, pid int64, params string) []string {
	calls := []string{fmt.Sprintf("/api/v2/projects/%d/git/repositories?", pid)}
	for _, r := range tr.list(fmt.Sprintf("/projects/%d/git/repositories", pid), nil) {
		calls = append(calls, fmt.Sprintf("/api/v2/projects/%d/git/repositories/%s/pullRequests?count=100&%s", pid, str(r["id"]), strings.TrimSuffix(params, "&")))
	}
	return calls
}

func render(rows []backlogsync.Row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = fmt.Sprint(r)
	}
	slices.Sort(out)
	return out
}

func mustInt(v any) int64 {
	var n int64
	if _, err := fmt.Sscan(str(v), &n); err != nil {
		panic(err)
	}
	return n
}

func mustTime(v any) time.Time {
	ts, err := time.Parse(time.RFC3339, str(v))
	if err != nil {
		panic(err)
	}
	return ts
}
