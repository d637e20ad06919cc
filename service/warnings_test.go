package service_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/schedule"
)

// TestZeroRowWarningIsRecordedAndNotified: a scheduled run whose full
// refresh of a table reads no rows where rows were stored (every document
// deleted in the space) succeeds, records a zero_rows warning for that
// table in the runs table's warnings (_backlogsync_run_warnings), and,
// with errors-only notifications, is notified because of it.
func TestZeroRowWarningIsRecordedAndNotified(t *testing.T) {
	f := newFixture(t)
	job := f.cfg.Jobs[0].Name
	if r := f.tick(t0.Add(6 * time.Minute)); r.Status != schedule.StatusSucceeded {
		t.Fatalf("first run: %s %v", r.Status, r.Err)
	}
	var ids []string
	if err := f.dest().Query(t.Context(), "Documents", backlogsync.Query{Columns: []string{"Id"}}, func(r backlogsync.Row) error {
		ids = append(ids, fmt.Sprint(r[0]))
		return nil
	}); err != nil || len(ids) == 0 {
		t.Fatalf("documents %v %v", ids, err)
	}
	for _, id := range ids {
		req, _ := http.NewRequest(http.MethodDelete, "http://127.0.0.1/api/v2/documents/"+id, nil)
		req.Header.Set("Backlog-API-Key", f.emu.AdminAPIKey())
		resp, err := f.emu.Client().Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("DELETE document %s: %v %v", id, resp, err)
		}
		resp.Body.Close()
	}
	if r := f.tick(t0.Add(21 * time.Minute)); r.Status != schedule.StatusSucceeded {
		t.Fatalf("second run: %s %v", r.Status, r.Err)
	}
	runs, err := f.dest().Runs(t.Context(), job, 0)
	if err != nil || len(runs) != 2 {
		t.Fatalf("runs %d %v", len(runs), err)
	}
	if len(runs[1].Warnings) != 0 {
		t.Errorf("first run warnings %+v; want none", runs[1].Warnings)
	}
	found := false
	for _, w := range runs[0].Warnings {
		if w.Table == "Documents" && w.Kind == backlogsync.WarnZeroRows &&
			strings.Contains(w.Message, fmt.Sprintf("had %d stored (%d deleted)", len(ids), len(ids))) {
			found = true
		}
	}
	if !found {
		t.Errorf("the runs table holds no zero_rows warning for Documents: %+v", runs[0].Warnings)
	}
	f.mu.Lock()
	hooks := f.hooks
	f.mu.Unlock()
	if len(hooks) != 1 {
		t.Fatalf("%d notifications; want 1 (errors only, and the run has warnings)", len(hooks))
	}
	b, _ := json.Marshal(hooks[0]["warnings"])
	if !strings.Contains(string(b), `"kind":"zero_rows"`) || !strings.Contains(string(b), `"table":"Documents"`) {
		t.Errorf("notification warnings %s", b)
	}
}
