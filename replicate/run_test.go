package replicate_test

// Tests of replicate.Run, the runner every caller uses: a job of several
// accounts, cancellation, and the Result values.

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/dest/memory"
	"github.com/backlogsync/backlogsync/emulator"
	"github.com/backlogsync/backlogsync/jobsql"
	"github.com/backlogsync/backlogsync/replicate"
)

var runSize = emulator.Size{Projects: 2, Users: 6, Teams: 1, Issues: 40, Comments: 90, Wikis: 4,
	Documents: 2, Repositories: 1, PullRequests: 4, SharedFiles: 4}

var runTables = []string{"Issues", "IssueComments", "WikiPages", "Users"}

// runAccount is one emulated space and the job account reading it.
type runAccount struct {
	srv *emulator.Server
	ct  *countingTransport
	acc replicate.Account
}

// newRunAccount generates a space (seed) read by account name through a
// counting transport.
func newRunAccount(t *testing.T, name string, seed int64) *runAccount {
	t.Helper()
	srv, err := emulator.New(emulator.Options{Seed: seed, Size: runSize, RateWindow: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ra := &runAccount{srv: srv, ct: &countingTransport{inner: srv.Client().Transport}}
	c, err := backlog.NewClient("http://127.0.0.1", backlog.WithAPIKey(srv.AdminAPIKey()),
		backlog.WithHTTPClient(&http.Client{Transport: ra.ct}), backlog.WithRetry(fastRetry))
	if err != nil {
		t.Fatal(err)
	}
	ra.acc = replicate.Account{Name: name, Client: c}
	return ra
}

// eventLog records a run's events (Events is called concurrently).
type eventLog struct {
	mu     sync.Mutex
	events []replicate.Event
}

func (l *eventLog) add(ev replicate.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, ev)
}

// kinds counts the events of each kind per account.
func (l *eventLog) kinds() map[string]map[replicate.EventKind]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]map[replicate.EventKind]int{}
	for _, ev := range l.events {
		if out[ev.Account] == nil {
			out[ev.Account] = map[replicate.EventKind]int{}
		}
		out[ev.Account][ev.Kind]++
	}
	return out
}

func parse(t *testing.T, text string) []jobsql.Statement {
	t.Helper()
	st, err := jobsql.Parse("run.sql", text)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// A job of two accounts (two spaces) and a third whose key is refused:
// the two replicate their spaces exactly into the shared tables, each as
// its own run; the third fails with an authentication error without
// stopping them. The Result holds what the runs table holds, per account
// and table, and the events arrive in order per account.
func TestRunTwoAccounts(t *testing.T) {
	t.Parallel()
	forEachDest(t, func(t *testing.T, open func(*testing.T) bs.Destination) {
		d := open(t)
		acme, beta := newRunAccount(t, "acme", 11), newRunAccount(t, "beta", 12)
		bad := newRunAccount(t, "bad", 13)
		badClient, err := backlog.NewClient("http://127.0.0.1", backlog.WithAPIKey("wrong-key"),
			backlog.WithHTTPClient(bad.srv.Client()), backlog.WithRetry(fastRetry))
		if err != nil {
			t.Fatal(err)
		}
		bad.acc.Client = badClient
		stmts := statements(t, runTables)
		job := &replicate.Job{Name: "two", Dest: d, Statements: stmts,
			Accounts: []replicate.Account{acme.acc, bad.acc, beta.acc}}
		var events eventLog
		res, err := replicate.Run(context.Background(), job, replicate.Options{Logger: slog.New(slog.DiscardHandler), Events: events.add})
		if err != nil {
			t.Fatal(err)
		}
		if res.Job != "two" || len(res.Accounts) != 3 || res.Duration <= 0 {
			t.Fatalf("result: job %q, %d accounts, duration %v", res.Job, len(res.Accounts), res.Duration)
		}
		for i, want := range []string{"acme", "bad", "beta"} {
			if res.Accounts[i].Account != want {
				t.Errorf("Accounts[%d] is %s; want %s (the job's order)", i, res.Accounts[i].Account, want)
			}
		}
		if b := res.Accounts[1]; bs.ErrorCode(b.Err) != bs.EUNAUTHORIZED || b.Status != bs.RunFailed {
			t.Errorf("bad account: status %s, err %v; want failed with an authentication error", b.Status, b.Err)
		}
		if bs.ErrorCode(res.Err()) != bs.EUNAUTHORIZED {
			t.Errorf("Result.Err() = %v; want the bad account's error", res.Err())
		}
		runs, err := d.Runs(context.Background(), "two", 10)
		if err != nil {
			t.Fatal(err)
		}
		byID := map[int64]bs.Run{}
		for _, r := range runs {
			byID[r.ID] = r
		}
		for _, ra := range []*runAccount{acme, beta} {
			ar := res.Accounts[0]
			if ra == beta {
				ar = res.Accounts[2]
			}
			if ar.Err != nil || ar.Status != bs.RunOK {
				t.Fatalf("%s: status %s, err %v", ar.Account, ar.Status, ar.Err)
			}
			truth := checkTruth(t, ra.srv, accountView{d, ar.Account}, ar.Account, runTables)
			if len(ar.Tables) != len(runTables) {
				t.Fatalf("%s: %d tables in the result; want %d", ar.Account, len(ar.Tables), len(runTables))
			}
			for i, rt := range ar.Tables {
				if rt.Table != runTables[i] || rt.Inserted != int64(truth[rt.Table]) || rt.Updated != 0 || rt.Deleted != 0 {
					t.Errorf("%s: table %+v; want %s with %d inserted", ar.Account, rt, runTables[i], truth[runTables[i]])
				}
			}
			if got := ar.Requests.Read + ar.Requests.Search + ar.Requests.Update + ar.Requests.Icon; got != ra.ct.n.Load() || got == 0 {
				t.Errorf("%s: %d requests in the result (%+v); the transport saw %d", ar.Account, got, ar.Requests, ra.ct.n.Load())
			}
			if ar.API.Classes[backlog.RateRead].Requests != ar.Requests.Read || ar.API.Total().Requests != ra.ct.n.Load() {
				t.Errorf("%s: per-class stats %v do not match the requests %+v", ar.Account, ar.API, ar.Requests)
			}
			if ar.Waits429 != 0 || ar.Duration <= 0 {
				t.Errorf("%s: %d 429 waits, duration %v", ar.Account, ar.Waits429, ar.Duration)
			}
			r, ok := byID[ar.RunID]
			if !ok || r.Account != ar.Account || r.Status != bs.RunOK || r.Requests != ar.Requests || len(r.Tables) != len(ar.Tables) {
				t.Errorf("%s: runs table row %+v does not match the result %+v", ar.Account, r, ar)
			}
			stored := map[string]bs.RunTable{}
			for _, rt := range r.Tables {
				stored[rt.Table] = rt
			}
			for _, rt := range ar.Tables {
				if stored[rt.Table] != rt {
					t.Errorf("%s: runs table %+v, result %+v", ar.Account, stored[rt.Table], rt)
				}
			}
		}
		k := events.kinds()
		for _, a := range []string{"acme", "bad", "beta"} {
			if k[a][replicate.EventAccountStart] != 1 || k[a][replicate.EventAccountDone] != 1 {
				t.Errorf("%s: events %v; want one start and one done", a, k[a])
			}
		}
		if k["acme"][replicate.EventProgress] < len(runTables) {
			t.Errorf("acme: %d progress events for %d tables", k["acme"][replicate.EventProgress], len(runTables))
		}
		events.mu.Lock()
		for _, ev := range events.events {
			if ev.Kind == replicate.EventAccountStart && ev.Tables != len(runTables) {
				t.Errorf("%s: start event announces %d tables; want %d", ev.Account, ev.Tables, len(runTables))
			}
			if ev.Kind == replicate.EventAccountDone && (ev.Result == nil || ev.Result.Account != ev.Account) {
				t.Errorf("%s: done event carries %+v", ev.Account, ev.Result)
			}
		}
		events.mu.Unlock()

		// A rerun over unchanged spaces moves nothing.
		res2, err := replicate.Run(context.Background(), &replicate.Job{Name: "two", Dest: d, Statements: stmts,
			Accounts: []replicate.Account{acme.acc, beta.acc}}, replicate.Options{})
		if err != nil || res2.Err() != nil {
			t.Fatalf("rerun: %v, %v", err, res2.Err())
		}
		for _, ar := range res2.Accounts {
			if ar.Moved() != 0 {
				t.Errorf("%s: a rerun over unchanged data moved %d rows: %+v", ar.Account, ar.Moved(), ar.Tables)
			}
		}
	})
}

// Cancelling the context stops every account: each run is recorded as
// cancelled with context.Canceled, and a rerun resumes from checkpoints
// that match what was written, ending equal to the truth.
func TestRunCancel(t *testing.T) {
	t.Parallel()
	forEachDest(t, func(t *testing.T, open func(*testing.T) bs.Destination) {
		d := open(t)
		acme, beta := newRunAccount(t, "acme", 21), newRunAccount(t, "beta", 22)
		stmts := statements(t, runTables)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		acme.ct.cancelAt, acme.ct.cancel = 4, cancel // after acme's 4th response
		job := &replicate.Job{Name: "cancel", Dest: d, Statements: stmts, Accounts: []replicate.Account{acme.acc, beta.acc}}
		res, err := replicate.Run(ctx, job, replicate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, ar := range res.Accounts {
			// Even an account cancelled before it took the
			// destination's lease has its run recorded.
			if ar.RunID == 0 {
				t.Fatalf("%s: no run recorded (status %s, err %v)", ar.Account, ar.Status, ar.Err)
			}
			if ar.Status == bs.RunOK {
				continue // beta may have finished before the cancellation
			}
			if ar.Status != bs.RunCancelled || !errors.Is(ar.Err, context.Canceled) {
				t.Errorf("%s: status %s, err %v; want cancelled with context.Canceled", ar.Account, ar.Status, ar.Err)
			}
		}
		if res.Accounts[0].Status != bs.RunCancelled {
			t.Errorf("acme: status %s; want cancelled", res.Accounts[0].Status)
		}
		runs, err := d.Runs(context.Background(), "cancel", 10)
		if err != nil {
			t.Fatal(err)
		}
		recorded := map[int64]bs.RunStatus{}
		for _, r := range runs {
			recorded[r.ID] = r.Status
			if r.Status == bs.RunRunning {
				t.Errorf("run %d (%s) is still recorded as running after a cancellation", r.ID, r.Account)
			}
		}
		for _, ar := range res.Accounts {
			if st, ok := recorded[ar.RunID]; !ok || st != ar.Status {
				t.Errorf("%s: run %d recorded as %q (present %v); the result says %q", ar.Account, ar.RunID, st, ok, ar.Status)
			}
		}
		acme.ct.cancelAt = 0
		res, err = replicate.Run(context.Background(), job, replicate.Options{})
		if err != nil || res.Err() != nil {
			t.Fatalf("rerun: %v, %v", err, res.Err())
		}
		checkTruth(t, acme.srv, accountView{d, "acme"}, "acme", runTables)
		checkTruth(t, beta.srv, accountView{d, "beta"}, "beta", runTables)
	})
}

// An invalid job is refused before anything is written: a bad statement,
// an account without a client, an account listed twice, no destination.
func TestRunRefusesInvalidJobs(t *testing.T) {
	d := memory.New()
	defer d.Close()
	ok := newRunAccount(t, "acme", 31)
	cases := []struct {
		name string
		job  replicate.Job
	}{
		{"bad statement", replicate.Job{Dest: d, Statements: parse(t, "REPLICATE NoSuchTable;"), Accounts: []replicate.Account{ok.acc}}},
		{"no statements", replicate.Job{Dest: d, Accounts: []replicate.Account{ok.acc}}},
		{"no client", replicate.Job{Dest: d, Statements: parse(t, "REPLICATE Users;"), Accounts: []replicate.Account{{Name: "x"}}}},
		{"twice", replicate.Job{Dest: d, Statements: parse(t, "REPLICATE Users;"), Accounts: []replicate.Account{ok.acc, ok.acc}}},
		{"no account", replicate.Job{Dest: d, Statements: parse(t, "REPLICATE Users;")}},
		{"no destination", replicate.Job{Statements: parse(t, "REPLICATE Users;"), Accounts: []replicate.Account{ok.acc}}},
	}
	for _, c := range cases {
		res, err := replicate.Run(context.Background(), &c.job, replicate.Options{})
		if res != nil || bs.ErrorCode(err) != bs.EINVALID {
			t.Errorf("%s: Run = %v, %v; want an EINVALID error", c.name, res, err)
		}
	}
	runs, err := d.Runs(context.Background(), "", 10)
	if err != nil || len(runs) != 0 || ok.ct.n.Load() != 0 {
		t.Errorf("refused jobs recorded %d runs (%v) and sent %d requests", len(runs), err, ok.ct.n.Load())
	}
}

// accountView is a destination whose queries see one account's rows (the
// tables' first column is Account), so that the truth of one space can be
// compared with the tables several accounts share.
type accountView struct {
	bs.Destination
	account string
}

// Query implements backlogsync.Destination.
func (v accountView) Query(ctx context.Context, table string, q bs.Query, fn func(bs.Row) error) error {
	i := 0
	for j, c := range q.Columns {
		if c == "Account" {
			i = j
		}
	}
	if len(q.Columns) > 0 && q.Columns[i] != "Account" {
		q.Columns = append(slices.Clone(q.Columns), "Account")
		i = len(q.Columns) - 1
		inner := fn
		fn = func(r bs.Row) error { return inner(r[:i]) }
	}
	return v.Destination.Query(ctx, table, q, func(r bs.Row) error {
		if r[i] != v.account {
			return nil
		}
		return fn(r)
	})
}
