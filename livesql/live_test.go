package livesql

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// apiCall renders an expected request as loggedCalls does: path and sorted
// parameters.
func apiCall(path string, params ...string) string {
	var parts []string
	for _, p := range params {
		if p != "" {
			parts = append(parts, strings.Split(strings.TrimSuffix(p, "&"), "&")...)
		}
	}
	slices.Sort(parts)
	return "/api/v2" + path + "?" + strings.Join(parts, "&")
}

// commentCalls are the requests that read an issue's comments: pages of
// 100 by id.
func commentCalls(tr *truth, id string) []string {
	all := tr.cursorAll("/issues/"+id+"/comments", nil, "id")
	out := []string{apiCall("/issues/"+id+"/comments", "count=100", "order=asc")}
	for i := 100; i <= len(all); i += 100 {
		out = append(out, apiCall("/issues/"+id+"/comments", "count=100", "order=asc", "minId="+str(all[i-1]["id"])))
	}
	return out
}

// runLive prepares and runs a statement against the space.
func runLive(t *testing.T, s *space, text string, full bool) *Result {
	t.Helper()
	lq, err := PrepareLive(context.Background(), text)
	if err != nil {
		t.Fatalf("PrepareLive: %v", err)
	}
	defer lq.Close()
	if full {
		for _, tp := range lq.Plans {
			tp.Where, tp.SemiJoins = nil, nil
		}
	}
	res, err := lq.Run(context.Background(), s.client, "demo")
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

// TestLivePushdown runs representative statements and checks that the
// requests made (read from the emulator's request log) are the minimal
// ones, and that the result equals the same SQL over a full, unfiltered
// fetch of every table it reads.
func TestLivePushdown(t *testing.T) {
	t.Parallel()
	s := newSpace(t, 3)
	tr := s.tr
	projects := tr.projects()
	p1, p2 := str(projects[0]["id"]), str(projects[1]["id"])
	all := projectParams(projects)
	// A day in the middle of the issues' updates, and one later.
	issues := tr.issues()
	var updates []string
	for _, is := range issues {
		updates = append(updates, str(is["updated"]))
	}
	slices.Sort(updates)
	mid, _ := time.Parse(time.RFC3339, updates[len(updates)/2])
	late, _ := time.Parse(time.RFC3339, updates[len(updates)*4/5])
	day := func(t time.Time, d int) string { return t.AddDate(0, 0, d).Format("2006-01-02") }
	// The issues of p1 in list order, for the join.
	var p1Issues []string
	for _, is := range tr.offsetAll("/issues", url.Values{"projectId[]": {p1}, "sort": {"created"}, "order": {"asc"}}) {
		p1Issues = append(p1Issues, str(is["id"]))
	}
	idParams := slices.Clone(p1Issues)
	sort.Slice(idParams, func(i, j int) bool { return mustInt(idParams[i]) < mustInt(idParams[j]) })
	for i, id := range idParams {
		idParams[i] = "id[]=" + id
	}
	joinCalls := []string{
		apiCall("/issues", "count=100", "order=asc", "sort=created", "projectId[]="+p1),
		apiCall("/issues", append([]string{"count=100", "order=asc", "sort=created", "projectId[]=" + p1}, idParams...)...),
	}
	for _, id := range p1Issues {
		joinCalls = append(joinCalls, commentCalls(tr, id)...)
	}
	everyIssue := []string{apiCall("/projects", "all=true"), apiCall("/issues", "count=100", "order=asc", "sort=created", all)}

	tests := []struct {
		name string
		sql  string
		want []string
	}{
		{
			name: "issues by ProjectId =",
			sql:  "SELECT Id, IssueKey, Summary, StatusName FROM Issues WHERE ProjectId = " + p1 + " ORDER BY Id",
			want: []string{apiCall("/issues", "count=100", "order=asc", "sort=created", "projectId[]="+p1)},
		},
		{
			name: "issues by ProjectId IN, the other conjunct local",
			sql:  "SELECT IssueKey FROM Issues WHERE ProjectId IN (" + p1 + ", " + p2 + ") AND Summary LIKE '%a%' ORDER BY 1",
			want: []string{apiCall("/issues", "count=100", "order=asc", "sort=created", "projectId[]="+p1, "projectId[]="+p2)},
		},
		{
			name: "issues by StatusId IN name every project",
			sql:  "SELECT StatusId, count(*) FROM Issues WHERE StatusId IN (1, 2) GROUP BY StatusId ORDER BY 1",
			want: []string{apiCall("/projects", "all=true"), apiCall("/issues", "count=100", "order=asc", "sort=created", all, "statusId[]=1", "statusId[]=2")},
		},
		{
			name: "Updated >= a date is widened a day",
			sql:  fmt.Sprintf("SELECT IssueKey, Updated FROM Issues WHERE ProjectId = %s AND Updated >= '%s' ORDER BY Updated DESC, Id LIMIT 10", p1, day(mid, 0)),
			want: []string{apiCall("/issues", "count=100", "order=asc", "sort=created", "projectId[]="+p1, "updatedSince="+day(mid, -1))},
		},
		{
			name: "Updated range with strict bounds keeps the whole first day",
			sql:  fmt.Sprintf("SELECT IssueKey, Updated FROM Issues WHERE Updated > '%s' AND '%s' > Updated ORDER BY Id", day(mid, 0), day(late, 0)),
			want: []string{apiCall("/projects", "all=true"), apiCall("/issues", "count=100", "order=asc", "sort=created", all,
				"updatedSince="+day(mid, -1), "updatedUntil="+day(late, 1))},
		},
		{
			// SQLite compares text: every time of that day is >= 'day 23:59:59'
			// ('T' sorts after ' '), so the pushdown must keep the whole day.
			name: "a lower bound is compared as ISO text",
			sql:  fmt.Sprintf("SELECT IssueKey, Updated FROM Issues WHERE Updated >= '%s 23:59:59' AND Updated < '%s' ORDER BY Id", day(mid, 0), day(mid, 1)),
			want: []string{apiCall("/projects", "all=true"), apiCall("/issues", "count=100", "order=asc", "sort=created", all,
				"updatedSince="+day(mid, -1), "updatedUntil="+day(mid, 2))},
		},
		{
			name: "BETWEEN on a timestamp",
			sql:  fmt.Sprintf("SELECT Id FROM Issues WHERE ProjectId = %s AND Created BETWEEN '%s' AND '%s 12:00:00' ORDER BY Id", p1, day(mid, -200), day(mid, 0)),
			want: []string{apiCall("/issues", "count=100", "order=asc", "sort=created", "projectId[]="+p1, "createdSince="+day(mid, -201), "createdUntil="+day(mid, 1))},
		},
		{
			name: "join Issues × IssueComments on one project",
			sql: "SELECT i.IssueKey, c.Id, c.Content, c.CreatedUserName FROM Issues i JOIN IssueComments c ON c.IssueId = i.Id " +
				"WHERE i.ProjectId = " + p1 + " ORDER BY c.Id",
			want: joinCalls,
		},
		{
			name: "aggregate GROUP BY StatusName",
			sql:  "SELECT StatusName, count(*) AS n, sum(EstimatedHours) FROM Issues WHERE ProjectId = " + p1 + " GROUP BY StatusName ORDER BY StatusName",
			want: []string{apiCall("/issues", "count=100", "order=asc", "sort=created", "projectId[]="+p1)},
		},
		{
			name: "LEFT JOIN: the ON conjunct narrows only the right table",
			sql: "SELECT p.ProjectKey, count(i.Id) FROM Projects p LEFT JOIN Issues i ON i.ProjectId = p.Id AND i.StatusId = 1 " +
				"GROUP BY p.ProjectKey ORDER BY 1",
			want: []string{apiCall("/projects", "all=true"), apiCall("/issues", "count=100", "order=asc", "sort=created", all, "statusId[]=1"),
				apiCall("/projects", "all=true")},
		},
		{
			name: "a top-level OR pushes nothing",
			sql:  "SELECT count(*) FROM Issues WHERE ProjectId = " + p1 + " OR StatusId = 1",
			want: everyIssue,
		},
		{
			name: "a table read twice is read in full once",
			sql:  "SELECT a.IssueKey, b.IssueKey FROM Issues a JOIN Issues b ON a.ParentIssueId = b.Id WHERE a.ProjectId = " + p1 + " ORDER BY 1",
			want: everyIssue,
		},
		{
			name: "a subquery's predicates are not pushed",
			sql:  "SELECT count(*) FROM Issues WHERE Id IN (SELECT IssueId FROM IssueComments WHERE ProjectId = " + p1 + ") AND ProjectId = " + p1,
			want: append([]string{apiCall("/issues", "count=100", "order=asc", "sort=created", "projectId[]="+p1), apiCall("/projects", "all=true"),
				apiCall("/issues", "count=100", "order=asc", "sort=created", all)}, allCommentCalls(tr, issues)...),
		},
		{
			name: "contradictory ids make no call",
			sql:  "SELECT * FROM Issues WHERE Id = 1 AND Id = 2",
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.srv.ClearRequests()
			got := runLive(t, s, tt.sql, false)
			calls := loggedCalls(s.srv.Requests())
			if !slices.Equal(calls, tt.want) {
				t.Errorf("calls:\n  %s\nwant:\n  %s", strings.Join(calls, "\n  "), strings.Join(tt.want, "\n  "))
			}
			full := runLive(t, s, tt.sql, true)
			g, w := fmt.Sprint(got.Rows), fmt.Sprint(full.Rows)
			if g != w {
				t.Errorf("result differs from the full scan:\n got %s\nwant %s", g, w)
			}
			if tt.want != nil && len(full.Rows) == 0 {
				t.Error("the case selects no rows; pick data that exercises it")
			}
		})
	}
}

// allCommentCalls are the comment reads of every issue.
func allCommentCalls(tr *truth, issues []obj) []string {
	var out []string
	for _, is := range issues {
		out = append(out, commentCalls(tr, str(is["id"]))...)
	}
	return out
}

// TestLiveErrors checks that bad statements are reported with their
// position and, for unknown names, the nearest known one, without a
// request.
func TestLiveErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ sql, want string }{
		{"SELECT * FROM Isues", "1:15: no table Isues; did you mean Issues?"},
		{"SELECT * FROM Issues i JOIN IssueComent c ON c.IssueId = i.Id", "1:29: no table IssueComent; did you mean IssueComments?"},
		{"SELECT StatusNmae FROM Issues", "1:8: no column StatusNmae in Issues; did you mean StatusName?"},
		{"SELECT i.StatusNmae FROM Issues i", "1:8: no column i.StatusNmae in Issues; did you mean StatusName?"},
		{"SELECT Id\nFROM Issues\nWHERE StatusId = 1 AND Sumary = 'x'", "3:24: no column Sumary in Issues; did you mean Summary?"},
		{"SELECT c.Contnt FROM Issues i JOIN IssueComments c ON c.IssueId = i.Id", "1:8: no column c.Contnt in IssueComments; did you mean Content?"},
		{"SELECT Xyzzy FROM Projects", "1:8: no column Xyzzy in Projects (run 'backlogsync tables Projects' for its columns)"},
		{"SELECT * FORM Issues", "1:10: syntax error near FORM"},
		{"SELECT Id, Id FROM Issues WHERE Id = = 1", "1:38: syntax error near ="},
		{"SELECT Id FROM Issues WHERE", "1:28: syntax error: the statement ends too early"},
		{"SELECT Id FROM Issues WHERE (Id = 1", "1:29: unbalanced parenthesis: ( without )"},
		{"SELECT 'abc FROM Issues", "1:8: unterminated string: ' without a closing '"},
		{"DELETE FROM Issues", "1:1: only queries can be run: the statement must start with SELECT (or WITH … SELECT), not DELETE"},
		{"SELECT 1; SELECT 2", "1:11: give one statement: a second statement starts here"},
		{"SELECT Id FROM Issues i JOIN IssueComments c ON c.IssueId = i.Id", "1:8: column Id is in several tables of the query: qualify it (e.g. i.Id)"},
		{"SELECT nosuch(Id) FROM Issues", "1:8: no SQL function nosuch"},
		{"", "1:1: empty statement: give a query such as SELECT * FROM Issues"},
	}
	for _, tt := range tests {
		_, err := PrepareLive(context.Background(), tt.sql)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%q:\n got %v\nwant %s", tt.sql, err, tt.want)
		}
		if err != nil && !IsSQLError(err) {
			t.Errorf("%q: %T is not an SQLError", tt.sql, err)
		}
	}
}

// TestLiveAccepted checks statements that must prepare: CTEs, subqueries,
// table functions, SQLite's own tables, quoted names, catalog aliases.
func TestLiveAccepted(t *testing.T) {
	t.Parallel()
	for _, sql := range []string{
		"WITH open AS (SELECT * FROM Issues WHERE StatusId <> 4) SELECT count(*) FROM open",
		"SELECT * FROM (SELECT Id FROM Issues) AS x JOIN Projects p ON p.Id = x.Id",
		`SELECT "i"."Id", [StatusName] FROM "Issues" AS "i" WHERE i.Updated >= '2025-01-01' -- comment`,
		"SELECT j.value FROM Issues, json_each('[1,2]') AS j",
		"SELECT name FROM sqlite_schema",
		"SELECT Id FROM Issues WHERE Id IS DISTINCT FROM 3;",
		"VALUES (1, 'a')",
	} {
		lq, err := PrepareLive(context.Background(), sql)
		if err != nil {
			t.Errorf("%q: %v", sql, err)
			continue
		}
		lq.Close()
	}
}

// TestLivePlan checks what is pushed for statements the emulator tests do
// not cover, without running them.
func TestLivePlan(t *testing.T) {
	t.Parallel()
	tests := []struct{ sql, want string }{
		{"SELECT * FROM Issues WHERE ProjectId = 12 AND StatusId IN (1,2) AND Updated >= '2025-01-01' ORDER BY Updated DESC LIMIT 50",
			"Issues: ProjectId = 12; StatusId IN (1, 2); Updated >= '2025-01-01T00:00:00Z'"},
		{"SELECT * FROM Issues WHERE 12 = ProjectId AND DueDate < '2025-06-30'",
			"Issues: ProjectId = 12; DueDate <= '2025-06-30T00:00:00Z'"},
		{"SELECT * FROM Issues WHERE Updated = '2025-01-01T10:00:00Z'",
			"Issues: Updated >= '2025-01-01T00:00:00Z'; Updated <= '2025-01-01T23:59:59Z'"},
		{"SELECT * FROM Issues WHERE ProjectId = '12' AND StatusId = 1.0 AND Summary = 'x' AND NOT Id = 3 AND Id + 0 = 4",
			"Issues: -"},
		{"SELECT * FROM Issues WHERE (ProjectId = 1 AND (StatusId = 2)) AND (Id = 5 OR Id = 6)",
			"Issues: ProjectId = 1; StatusId = 2"},
		{"SELECT * FROM Issues i JOIN IssueComments c ON c.IssueId = i.Id WHERE i.Id IN (7, 8)",
			"Issues: Id IN (7, 8) | IssueComments: IssueId IN (7, 8)"},
		{"SELECT * FROM Issues i LEFT JOIN IssueComments c ON c.IssueId = i.Id AND i.ProjectId = 3",
			"Issues: - | IssueComments: -"},
		{"SELECT * FROM Issues i RIGHT JOIN IssueComments c ON c.IssueId = i.Id AND c.ProjectId = 3",
			"Issues: - | IssueComments: -"},
		{"SELECT * FROM Projects WHERE Archived = false",
			"Projects: Archived = false"},
		{"SELECT * FROM Issues WHERE CASE WHEN Id = 1 AND Id = 2 THEN 1 END AND ProjectId = 4",
			"Issues: ProjectId = 4"},
	}
	for _, tt := range tests {
		lq, err := PrepareLive(context.Background(), tt.sql)
		if err != nil {
			t.Errorf("%q: %v", tt.sql, err)
			continue
		}
		var parts []string
		for _, tp := range lq.Plans {
			var ps []string
			for _, p := range tp.Where {
				ps = append(ps, p.String())
			}
			if len(ps) == 0 {
				ps = []string{"-"}
			}
			parts = append(parts, tp.Table.Name+": "+strings.Join(ps, "; "))
		}
		lq.Close()
		if got := strings.Join(parts, " | "); got != tt.want {
			t.Errorf("%q:\n got %s\nwant %s", tt.sql, got, tt.want)
		}
	}
}
