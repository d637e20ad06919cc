package replicate

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/emulator"
)

// panicDest wraps a destination that has leases and panics in its at-th
// Write or WriteAll, as a bug in a destination or the engine would.
type panicDest struct {
	backlogsync.Destination
	at int64
	n  atomic.Int64
}

func (p *panicDest) Lease(ctx context.Context, scope string, ttl time.Duration) (func() error, error) {
	return p.Destination.(backlogsync.Leaser).Lease(ctx, scope, ttl)
}

func (p *panicDest) Write(ctx context.Context, b backlogsync.Batch) (backlogsync.WriteResult, error) {
	if p.n.Add(1) == p.at {
		panic("injected panic in Write")
	}
	return p.Destination.Write(ctx, b)
}

func (p *panicDest) WriteAll(ctx context.Context, bs []backlogsync.Batch) ([]backlogsync.WriteResult, error) {
	if p.n.Add(1) == p.at {
		panic("injected panic in WriteAll")
	}
	return writeAll(ctx, p.Destination, bs)
}

// TestRunPanicIsAFailedRun: a panic in the middle of a run (here in a
// destination write, after the lease was taken and the run recorded) ends
// that run, not the process (serve runs every job in it): the run is
// recorded failed with the panic and what to do, the lease is given back
// at once, and the next run starts without waiting and ends equal to the
// source. The panic comes in the run's goroutine (its first or third
// write), or in the goroutine that writes a first load's group while the
// next is read. The panic ends the run wherever it comes, ContinueOnError
// or not: it is a bug, not a table's failure.
func TestRunPanicIsAFailedRun(t *testing.T) {
	continuing := strings.ReplaceAll(panicStatements, ";", " WITH ContinueOnError=true;")
	for _, c := range []struct {
		name  string
		at    int64
		group bool // every page of the first load is a group written in the background
		stmts string
	}{
		{"first write", 1, false, panicStatements},
		{"third write", 3, false, panicStatements},
		{"background group write", 2, true, panicStatements},
		{"first write, ContinueOnError", 1, false, continuing},
		{"background group write, ContinueOnError", 2, true, continuing},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.group {
				withGroups(t, 1, 1)
			}
			testRunPanic(t, c.at, c.stmts)
		})
	}
}

func testRunPanic(t *testing.T, at int64, stmts string) {
	e := newEnv(t, testSize, 29)
	pd := &panicDest{Destination: e.dest, at: at}
	eng := *e.eng
	eng.Dest = pd
	checkPanickedRun(t, e, &eng, stmts, func() bool { return pd.n.Load() >= at })
}

const panicStatements = familyStatements + " REPLICATE WikiPages; REPLICATE Projects; REPLICATE PullRequestComments;"

// panicTransport panics at the at-th request match accepts, as a bug
// decoding an answer would, in the goroutine that reads it.
type panicTransport struct {
	inner http.RoundTripper
	match func(*http.Request) bool
	at    int64
	n     atomic.Int64
}

func (p *panicTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if p.match(r) && p.n.Add(1) == p.at {
		panic("injected panic reading " + r.URL.Path)
	}
	return p.inner.RoundTrip(r)
}

// TestRunPanicReadingIsAFailedRun is TestRunPanicIsAFailedRun with the
// panic in a read: in the run's goroutine (a wiki), in a goroutine the
// catalog starts to read issues' comments ahead, and in one that reads the
// next page of issues while one is written (a first load of more than two
// pages).
func TestRunPanicReadingIsAFailedRun(t *testing.T) {
	big := testSize
	big.Issues = 350
	path := func(sub string) func(*http.Request) bool {
		return func(r *http.Request) bool { return strings.Contains(r.URL.Path, sub) }
	}
	for _, c := range []struct {
		name  string
		match func(*http.Request) bool
		at    int64
		size  emulator.Size
		// elsewhere: the panic comes in a goroutine other than the
		// run's, whose stack the log then has too (panic_stack).
		elsewhere bool
	}{
		{"a wiki", path("/wikis/"), 2, testSize, false},
		{"comments read ahead", path("/comments"), 2, testSize, true},
		// Pages at offsets 100 and 200 are read ahead while the first is
		// written.
		{"issues read ahead", func(r *http.Request) bool {
			return r.URL.Path == "/api/v2/issues" && r.URL.Query().Get("offset") == "200"
		}, 1, big, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, c.size, 29)
			pt := &panicTransport{inner: e.srv.Client().Transport, match: c.match, at: c.at}
			client, err := backlog.NewClient("http://127.0.0.1", backlog.WithAPIKey(e.srv.AdminAPIKey()), backlog.WithHTTPClient(&http.Client{Transport: pt}))
			if err != nil {
				t.Fatal(err)
			}
			eng := *e.eng
			eng.Client = client
			var logged strings.Builder // the handler writes one record at a time
			eng.Logger = slog.New(slog.NewTextHandler(&logged, nil))
			checkPanickedRun(t, e, &eng, panicStatements, func() bool { return pt.n.Load() >= pt.at })
			_, stack, got := strings.Cut(logged.String(), "panic_stack=")
			if got != c.elsewhere {
				t.Errorf("the log has the stack of the goroutine that panicked: %v, want %v:\n%s", got, c.elsewhere, logged.String())
			}
			if got && !strings.Contains(stack, "panicTransport).RoundTrip") {
				t.Errorf("the goroutine's stack in the log does not reach where it panicked:\n%s", stack)
			}
		})
	}
}

// checkPanickedRun runs stmts with eng, which panics somewhere (reached
// says whether it did), and checks that the run failed and was recorded
// so, that the lease is free and that e's engine then replicates the
// tables exactly.
func checkPanickedRun(t *testing.T, e *env, eng *Engine, stmts string, reached func() bool) {
	t.Helper()
	ctx := context.Background()
	st := parse(t, stmts)
	res, err := eng.Run(ctx, st)
	if !reached() {
		t.Fatalf("the panic was not reached (run: %s, %v)", res.Status, err)
	}
	if err == nil || !strings.Contains(err.Error(), "injected panic") || !strings.Contains(err.Error(), "report") {
		t.Fatalf("run that panicked: err %v; want the panic and what to do", err)
	}
	if res.RunID == 0 || res.Status != backlogsync.RunFailed {
		t.Fatalf("run that panicked: id %d, status %s; want a failed run", res.RunID, res.Status)
	}
	runs, err := e.dest.Runs(ctx, "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Status != backlogsync.RunFailed || runs[0].Finished.IsZero() ||
		!strings.Contains(runs[0].Error, "injected panic") {
		t.Fatalf("runs table after the panic: %+v; want one finished failed run naming the panic", runs)
	}
	// It is recorded as a run that ends otherwise is: with the requests
	// it made before the panic (each case reads before it panics).
	if runs[0].Requests.Read == 0 || runs[0].Requests != res.Requests {
		t.Errorf("run that panicked recorded with requests %+v (result %+v); want those it made", runs[0].Requests, res.Requests)
	}
	// The lease was given back: taking it succeeds at once.
	release, err := e.dest.(backlogsync.Leaser).Lease(ctx, "test/demo", 10*time.Second)
	if err != nil {
		t.Fatalf("the lease after the panic: %v", err)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.Run(ctx, st); err != nil {
		t.Fatalf("run after the panic: %v", err)
	}
	e.checkEqualTables(t, "Issues", "IssueComments", "IssueCommentChangeLog", "IssueCategories", "IssueCustomFieldValues", "IssueParticipants", "WikiPages", "Projects", "PullRequestComments")
}
