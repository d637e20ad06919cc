package replicate

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/emulator"
)

// useServer points e's engine and truth client at another emulator, as if
// the account's URL now answered from it.
func (e *env) useServer(t *testing.T, opts emulator.Options) {
	t.Helper()
	srv, err := emulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	c, err := backlog.NewClient("http://127.0.0.1", backlog.WithAPIKey(srv.AdminAPIKey()), backlog.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	e.srv, e.client, e.eng.Client = srv, c, c
}

// TestSourceRollback is issue 13 item 6: the space restored from a backup
// (the same space, older: its newest activity is below what the
// destination holds, and it then changes differently) is detected and the
// affected tables are resynchronised in the same run; another space at the
// account's URL is refused with the command that starts over.
func TestSourceRollback(t *testing.T) {
	ctx := context.Background()
	size := testSize
	e := newEnv(t, size, 61)
	var logs bytes.Buffer
	e.eng.Logger = newLogger(&logs)
	tables := []string{"Issues", "IssueComments", "IssueParticipants", "WikiPages", "WikiPageTags", "SpaceUpdates", "Projects"}
	stmts := parse(t, "REPLICATE "+strings.Join(tables, "; REPLICATE ")+";")
	if _, err := e.eng.Run(ctx, stmts); err != nil {
		t.Fatal(err)
	}
	e.srv.Churn(80, 1)
	if _, err := e.eng.Run(ctx, stmts); err != nil {
		t.Fatal(err)
	}
	// The backup: the space as generated, which then lives on differently.
	e.useServer(t, emulator.Options{Seed: 61, Size: size})
	e.srv.Churn(25, 2)
	res, err := e.eng.Run(ctx, stmts)
	if err != nil || res.Status != backlogsync.RunOK {
		t.Fatalf("run after the rollback: %s, %v", res.Status, err)
	}
	if !strings.Contains(logs.String(), "SOURCE ROLLBACK") {
		t.Errorf("the rollback was not reported; logs:\n%s", logs.String())
	}
	e.checkEqualTables(t, tables...)
	// The next run is an ordinary incremental one.
	e.srv.Churn(10, 3)
	logs.Reset()
	if _, err := e.eng.Run(ctx, stmts); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "SOURCE ROLLBACK") {
		t.Errorf("a rollback reported again after the resync:\n%s", logs.String())
	}
	e.checkEqualTables(t, tables...)

	// Another space at the same URL: refused, nothing written.
	e.useServer(t, emulator.Options{Seed: 62, Size: size, SpaceKey: "other"})
	_, err = e.eng.Run(ctx, stmts)
	if backlogsync.ErrorCode(err) != backlogsync.ECONFLICT || !strings.Contains(err.Error(), "backlogsync state reset") ||
		!strings.Contains(err.Error(), `"spaceKey":"other"`) {
		t.Errorf("another space: %v; want a conflict naming the space and the command", err)
	}
}

// TestRollbackCheckCost: an incremental run of the Issues family whose feed
// shows activity above the cursor proves there was no rollback and spends
// no request on the newest activity; a quiet run checks with one request.
// The space's identity is read once per run.
func TestRollbackCheckCost(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, testSize, 63)
	stmts := parse(t, "REPLICATE Issues;")
	if _, err := e.eng.Run(ctx, stmts); err != nil {
		t.Fatal(err)
	}
	count := func() (feed, newest, space int) {
		for _, rq := range e.srv.Requests() {
			switch {
			case rq.Path == "/api/v2/space":
				space++
			case rq.Path == "/api/v2/space/activities" && strings.Contains(rq.Query, "order=desc") && strings.Contains(rq.Query, "count=1") && !strings.Contains(rq.Query, "count=10"):
				newest++
			case rq.Path == "/api/v2/space/activities":
				feed++
			}
		}
		return
	}
	e.srv.Churn(30, 4)
	e.srv.ClearRequests()
	if _, err := e.eng.Run(ctx, stmts); err != nil {
		t.Fatal(err)
	}
	if feed, newest, space := count(); feed != 1 || newest != 0 || space != 1 {
		t.Errorf("incremental run after churn: %d feed pages, %d newest-activity reads, %d space reads; want 1, 0, 1", feed, newest, space)
	}
	e.checkEqualTables(t, "Issues")
	e.srv.ClearRequests()
	if _, err := e.eng.Run(ctx, stmts); err != nil {
		t.Fatal(err)
	}
	if feed, newest, space := count(); feed != 1 || newest != 1 || space != 1 {
		t.Errorf("quiet incremental run: %d feed pages, %d newest-activity reads, %d space reads; want 1, 1, 1", feed, newest, space)
	}
}
