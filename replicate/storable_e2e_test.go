package replicate_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"testing"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/emulator"
)

// apiForm sends a form to the emulator's API as the admin.
func apiForm(t *testing.T, s *scenario, method, path string, form url.Values) {
	t.Helper()
	apiID(t, s, method, path, form)
}

// TestE2ENULIsStorable is issue 13 item 2: a comment and an issue summary
// holding NUL (valid in Backlog's JSON) replicate on every destination
// under one policy: the NUL is removed, the run succeeds, the runs table
// counts the altered values per table, and every other value equals the
// emulator's.
func TestE2ENULIsStorable(t *testing.T) {
	forEachDest(t, func(t *testing.T, open func(t *testing.T) bs.Destination) {
		size := emulator.Size{Projects: 1, Users: 3, Issues: 12, Comments: 20}
		s := newScenario(t, size, 5, open, false)
		ctx := context.Background()
		tables := []string{"Issues", "IssueComments"}
		stmts := statements(t, tables)
		s.mustRun(stmts, "first load")
		// An incremental run meets a NUL in a new comment and in an edited
		// summary.
		issues, _, err := truthClient(t, s.srv).Issues.List(ctx, nil)
		if err != nil || len(issues) == 0 {
			t.Fatalf("issues: %v", err)
		}
		id := issues[0].ID
		apiForm(t, s, "POST", fmt.Sprintf("issues/%d/comments", id), url.Values{"content": {"before\x00after"}})
		apiForm(t, s, "PATCH", fmt.Sprintf("issues/%d", id), url.Values{"summary": {"sum\x00mary"}})
		res, _ := s.mustRun(stmts, "incremental with NUL")
		altered := map[string]int64{}
		for _, rt := range res.Tables {
			altered[rt.Table] = rt.Altered
		}
		if altered["Issues"] < 1 || altered["IssueComments"] < 1 {
			t.Errorf("altered values per table %v; want at least 1 for Issues and IssueComments", altered)
		}
		runs, err := s.dest.Runs(ctx, s.job, 1)
		if err != nil || len(runs) != 1 {
			t.Fatalf("runs: %v %v", runs, err)
		}
		for _, rt := range runs[0].Tables {
			if rt.Altered != altered[rt.Table] {
				t.Errorf("runs table: %s altered %d; the run reported %d", rt.Table, rt.Altered, altered[rt.Table])
			}
		}
		// Each table with altered values is a warning of the run.
		warned := map[string]bool{}
		for _, w := range runs[0].Warnings {
			if w.Kind == bs.WarnAltered {
				warned[w.Table] = true
			}
		}
		if !warned["Issues"] || !warned["IssueComments"] || !slices.Equal(runs[0].Warnings, res.Warnings) {
			t.Errorf("runs table warnings %+v (run reported %+v); want altered_values for Issues and IssueComments", runs[0].Warnings, res.Warnings)
		}
		found := false
		err = s.dest.Query(ctx, "IssueComments", bs.Query{Columns: []string{"Content"}}, func(r bs.Row) error {
			if c, _ := r[0].(string); c == "beforeafter" {
				found = true
			}
			return nil
		})
		if err != nil || !found {
			t.Errorf("the comment is not stored as \"beforeafter\" (%v)", err)
		}
		checkTruth(t, s.srv, s.dest, s.account, tables)
	})
}
