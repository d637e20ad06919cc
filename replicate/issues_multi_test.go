package replicate

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/catalog"
)

// destIssues returns the rows of a destination table over Issues as
// "id|summary|status|updated" strings, sorted.
func (e *env) destIssues(t *testing.T, table string) []string {
	t.Helper()
	var out []string
	err := e.dest.Query(context.Background(), table, backlogsync.Query{Columns: []string{"Id", "Summary", "StatusId", "Updated"}},
		func(r backlogsync.Row) error {
			n := norm(r)
			out = append(out, fmt.Sprint(n...))
			return nil
		})
	if err != nil {
		t.Fatalf("%s: %v", table, err)
	}
	slices.Sort(out)
	return out
}

// truthIssues is destIssues of the emulator's issues that keep(status).
func (e *env) truthIssues(t *testing.T, keep func(status int64) bool) []string {
	t.Helper()
	ct, _ := catalog.Lookup("Issues")
	idx := func(name string) int {
		for i, c := range ct.Columns {
			if c.Name == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	id, sum, st, up := idx("Id"), idx("Summary"), idx("StatusId"), idx("Updated")
	var out []string
	err := catalog.Fetch(context.Background(), e.client, "Issues", catalog.Query{Account: "demo"}, func(r backlogsync.Row) error {
		if s, _ := r[st].(int64); keep(s) {
			out = append(out, fmt.Sprint(norm(backlogsync.Row{r[id], r[sum], r[st], r[up]})...))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// TestSeveralStatementsOverIssues is issue 13 item 3: a jobs file with
// three statements over Issues (the table itself, a copy under another
// name, a filtered subset) writes all three, on the first load and after
// churn, reading the issue list once for all of them.
func TestSeveralStatementsOverIssues(t *testing.T) {
	ctx := context.Background()
	size := testSize
	size.Issues, size.Comments = 250, 500
	e := newEnv(t, size, 91)
	stmts := parse(t, `REPLICATE Issues;
REPLICATE PROD_Issues SELECT * FROM Issues;
REPLICATE P1_New SELECT Id, Summary, StatusId, Updated FROM Issues WHERE StatusId = 1;
REPLICATE IssueComments;`)
	single := parse(t, `REPLICATE Issues; REPLICATE IssueComments;`)
	all := func(int64) bool { return true }
	open := func(s int64) bool { return s == 1 }
	check := func(when string) {
		t.Helper()
		want, wantOpen := e.truthIssues(t, all), e.truthIssues(t, open)
		if len(wantOpen) == 0 || len(wantOpen) == len(want) {
			t.Fatalf("%s: the filter must keep some issues and drop others: %d of %d", when, len(wantOpen), len(want))
		}
		for _, c := range []struct {
			table string
			want  []string
		}{{"Issues", want}, {"PROD_Issues", want}, {"P1_New", wantOpen}} {
			if got := e.destIssues(t, c.table); !slices.Equal(got, c.want) {
				t.Errorf("%s: %s holds %d rows, want %d", when, c.table, len(got), len(c.want))
			}
		}
		e.checkEqualTables(t, "Issues", "IssueComments")
	}
	multi := countPaths(e, func() {
		if _, err := e.eng.Run(ctx, stmts); err != nil {
			t.Fatal(err)
		}
	})
	check("first load")
	e.srv.Churn(80, 5)
	if _, err := e.eng.Run(ctx, stmts); err != nil {
		t.Fatal(err)
	}
	check("after churn")
	// The issue list and the comments are read once for the three
	// statements: a run of Issues alone into a fresh destination reads as
	// many.
	e2 := newEnv(t, size, 91)
	one := countPaths(e2, func() {
		if _, err := e2.eng.Run(ctx, single); err != nil {
			t.Fatal(err)
		}
	})
	if multi["issues"] != one["issues"] || multi["comments"] != one["comments"] {
		t.Errorf("three statements over Issues read %v, one reads %v", multi, one)
	}
}
