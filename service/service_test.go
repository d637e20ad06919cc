package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/config"
	"github.com/backlogsync/backlogsync/dest"
	"github.com/backlogsync/backlogsync/emulator"
	"github.com/backlogsync/backlogsync/internal/dbtest"
	"github.com/backlogsync/backlogsync/internal/inflight"
	"github.com/backlogsync/backlogsync/notify"
	"github.com/backlogsync/backlogsync/schedule"
	"github.com/backlogsync/backlogsync/schedule/schedtest"
	"github.com/backlogsync/backlogsync/server"
	"github.com/backlogsync/backlogsync/service"
	"github.com/backlogsync/backlogsync/store"
)

// fixture is serve's unattended half over an emulated space: a CData XML
// config with a schedule, a SQLite destination, serve's state database with
// an admin and a plain user, the server with the service's routes, a
// webhook sink and a manual scheduler clock.
type fixture struct {
	t     *testing.T
	emu   *emulator.Server
	cfg   *config.Config
	st    *store.Store
	srv   *server.Server
	svc   *service.Service
	http  *httptest.Server
	clk   *schedtest.Clock
	fail  atomic.Bool // the next runs' clients send a wrong API key
	block chan struct{}
	// inflight counts the requests at the emulator of the service's own
	// clients (stored connections and their tests).
	inflight *inflight.Transport
	recorded chan schedule.Run
	tokens   map[string]string

	mu    sync.Mutex
	hooks []map[string]any
}

const xmlConfig = `<CDataSync>
  <DatabaseType>SQLite</DatabaseType>
  <ConnectionString>URL=https://acme.backlog.com;AuthScheme=APIToken;APIKey=XMLapiKEY42;</ConnectionString>
  <DatabaseConnectionString>Data Source=%s</DatabaseConnectionString>
  <ReplicateAll>True</ReplicateAll>
  <TaskSchedulerStartTime>09:51</TaskSchedulerStartTime>
  <TaskSchedulerInterval>Every 15 Minutes</TaskSchedulerInterval>
  <NotificationUserName>ops@example.com</NotificationUserName>
  <EmailErrorOnly>True</EmailErrorOnly>
</CDataSync>`

var t0 = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureOn(t, store.SQLite)
}

// newFixtureOn is newFixture with its state store in driver's database (a
// fresh PostgreSQL schema with store.Postgres).
func newFixtureOn(t *testing.T, driver store.Driver) *fixture {
	t.Helper()
	ctx := t.Context()
	dir := t.TempDir()
	emu, err := emulator.New(emulator.Options{Seed: 15, Size: emulator.Size{Projects: 2, Users: 6, Teams: 1, Issues: 60,
		Comments: 150, Wikis: 8, Documents: 4, Repositories: 1, PullRequests: 6, SharedFiles: 4},
		// Rate-limit headers on every answer, as Backlog sends them, with a
		// budget no run reaches.
		RateLimits: emulator.RateLimits{Read: 1_000_000, Update: 1_000_000, Search: 1_000_000, Icon: 1_000_000}})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.ParseCData(fmt.Appendf(nil, xmlConfig, filepath.Join(dir, "acme.db")), filepath.Join(dir, "acme.xml"), config.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dsn := filepath.Join(dir, "state.db")
	if driver == store.Postgres {
		dsn = dbtest.Postgres(t)
	}
	st, err := store.Open(ctx, driver, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{t: t, emu: emu, cfg: cfg, st: st, clk: schedtest.NewClock(t, t0), recorded: make(chan schedule.Run, 16),
		tokens: map[string]string{}, inflight: &inflight.Transport{Next: emu.Client().Transport}}
	for _, u := range []struct {
		email string
		admin bool
	}{{"boss@example.com", true}, {"ana@example.com", false}} {
		if _, err := st.AddUser(ctx, u.email, u.admin); err != nil {
			t.Fatal(err)
		}
		tok, _, err := st.CreateToken(ctx, u.email, "test", 0)
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[u.email] = tok
	}
	log := slog.New(slog.DiscardHandler)
	f.srv, err = server.New(server.Options{Store: st, Logger: log,
		OpenDestination: func(ctx context.Context, name string) (backlogsync.Destination, error) {
			d, ok := cfg.Destination(name)
			if !ok {
				return nil, backlogsync.Errorf(backlogsync.ENOTFOUND, "no destination %s", name)
			}
			return dest.OpenConfig(ctx, d)
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.srv.Close() })
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if err := notify.Verify([]byte("hooksecret"), r.Header.Get(notify.HeaderTimestamp), r.Header.Get(notify.HeaderSignature), b, time.Now(), time.Minute); err != nil {
			t.Errorf("webhook delivery: %v", err)
		}
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		f.mu.Lock()
		f.hooks = append(f.hooks, m)
		f.mu.Unlock()
	}))
	t.Cleanup(hook.Close)
	no := notify.FromConfig(cfg)
	no.Webhook = &config.Webhook{URL: hook.URL, Secret: config.NewSecret("hooksecret")}
	no.WebhookRetryWaits = []time.Duration{}
	f.svc, err = service.New(ctx, service.Options{Config: cfg, Server: f.srv, Store: st, Clock: f.clk, Location: time.UTC,
		SecretKey: bytes.Repeat([]byte{7}, 32), HTTPClient: &http.Client{Transport: f.inflight},
		Logger: log, Notifier: notify.New(no), Recorded: func(r schedule.Run) { f.recorded <- r },
		Client: func(ctx context.Context, account string) (*backlog.Client, error) {
			key := emu.AdminAPIKey()
			if f.fail.Load() {
				key = "revokedKEY"
			}
			var hc *http.Client = emu.Client()
			if f.block != nil {
				hc = &http.Client{Transport: blockingTransport{f.block, hc.Transport}}
			}
			return backlog.NewClient("http://127.0.0.1", backlog.WithAPIKey(key), backlog.WithHTTPClient(hc), backlog.WithoutRetry())
		}})
	if err != nil {
		t.Fatal(err)
	}
	f.svc.Mount()
	f.http = httptest.NewServer(f.srv.Handler())
	t.Cleanup(f.http.Close)
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.svc.Run(runCtx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("service.Run: %v", err)
		}
	})
	<-f.svc.Ready()
	return f
}

// blockingTransport holds every request until its channel is closed.
type blockingTransport struct {
	c     chan struct{}
	inner http.RoundTripper
}

func (b blockingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	select {
	case <-b.c:
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
	return b.inner.RoundTrip(r)
}

// tick advances the scheduler's clock to at and waits for the run it
// fires to be recorded.
func (f *fixture) tick(at time.Time) schedule.Run {
	f.t.Helper()
	f.clk.WaitTimers(1)
	f.clk.Advance(at.Sub(f.clk.Now()))
	return f.wait()
}

func (f *fixture) wait() schedule.Run {
	f.t.Helper()
	select {
	case r := <-f.recorded:
		return r
	case <-time.After(60 * time.Second):
		f.t.Fatal("no run recorded within 60 s")
	}
	return schedule.Run{}
}

func (f *fixture) dest() backlogsync.Destination {
	d, err := f.srv.Destination(f.t.Context(), "default")
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

// request sends an API request signed in as email (Basic) and decodes the
// JSON answer into out (when not nil).
func (f *fixture) request(method, path, email string, body any, out any) int {
	f.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, f.http.URL+path, rd)
	if email != "" {
		req.SetBasicAuth(email, f.tokens[email])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			f.t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, b, err)
		}
	}
	return resp.StatusCode
}

func (f *fixture) scrape() string {
	f.t.Helper()
	resp, err := http.Get(f.http.URL + "/metrics")
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// truthTables are the tables the churn changes, compared with the
// emulator after each run.
var truthTables = []string{"Issues", "IssueComments", "WikiPages", "Projects"}

// checkExact compares each truth table of the replica with the emulator,
// row by row (catalog.Fetch reads the truth, independent of the engine).
func (f *fixture) checkExact(account string) {
	f.t.Helper()
	ctx := f.t.Context()
	truth, err := backlog.NewClient("http://127.0.0.1", backlog.WithAPIKey(f.emu.AdminAPIKey()), backlog.WithHTTPClient(f.emu.Client()), backlog.WithoutRetry())
	if err != nil {
		f.t.Fatal(err)
	}
	for _, name := range truthTables {
		ct, ok := catalog.Lookup(name)
		if !ok {
			f.t.Fatalf("no catalog table %s", name)
		}
		cols := make([]string, len(ct.Columns))
		for i, c := range ct.Columns {
			cols[i] = c.Name
		}
		var want, got []string
		if err := catalog.Fetch(ctx, truth, name, catalog.Query{Account: account}, func(r backlogsync.Row) error {
			want = append(want, canon(ct, r))
			return nil
		}); err != nil {
			f.t.Fatalf("truth of %s: %v", name, err)
		}
		if err := f.dest().Query(ctx, name, backlogsync.Query{Columns: cols}, func(r backlogsync.Row) error {
			got = append(got, canon(ct, r))
			return nil
		}); err != nil {
			f.t.Fatalf("replica of %s: %v", name, err)
		}
		slices.Sort(want)
		slices.Sort(got)
		if len(want) == 0 {
			f.t.Fatalf("%s: the emulator has no rows; the comparison would prove nothing", name)
		}
		if !slices.Equal(want, got) {
			f.t.Errorf("%s: replica (%d rows) differs from the emulator (%d rows)", name, len(got), len(want))
		}
	}
}

// canon renders a row so that the destination's and the API's encodings of
// one value compare equal (JSON as text, timestamps in UTC seconds, dates
// as dates, booleans from 0/1).
func canon(ct *catalog.Table, r backlogsync.Row) string {
	var b strings.Builder
	for i, col := range ct.Columns {
		var v any
		if i < len(r) {
			v = r[i]
		}
		switch x := v.(type) {
		case nil:
			b.WriteString("NULL")
		case json.RawMessage:
			b.WriteString("s:" + string(x))
		case []byte:
			b.WriteString("s:" + string(x))
		case time.Time:
			if col.Type == backlogsync.TypeDate {
				b.WriteString("d:" + x.Format(time.DateOnly))
			} else {
				b.WriteString("t:" + x.UTC().Truncate(time.Second).Format(time.RFC3339))
			}
		case int64:
			if col.Type == backlogsync.TypeBool {
				b.WriteString(fmt.Sprint("b:", x == 1))
			} else {
				b.WriteString(fmt.Sprint("i:", x))
			}
		case bool:
			b.WriteString(fmt.Sprint("b:", x))
		default:
			fmt.Fprintf(&b, "%T:%v", v, v)
		}
		b.WriteByte('|')
	}
	return b.String()
}

// TestScheduledRunsUnderServe is issue 15's "done when": a CData XML
// config with TaskSchedulerInterval runs on its own; two scheduled runs
// with churn between them are both exact and recorded in the runs table;
// a forced failure notifies (errors only: the successes do not); the
// metrics move.
func TestScheduledRunsUnderServe(t *testing.T) {
	f := newFixture(t)
	account := f.cfg.Jobs[0].Accounts[0].Account
	job := f.cfg.Jobs[0].Name

	// Every 15 minutes through 09:51: 10:06, 10:21, 10:36.
	r1 := f.tick(t0.Add(6 * time.Minute))
	if r1.Status != schedule.StatusSucceeded || r1.Trigger != schedule.TriggerSchedule {
		t.Fatalf("first run: %s %v", r1.Status, r1.Err)
	}
	f.checkExact(account)
	m1 := f.scrape()

	// Churn through the emulator's admin route, as another process would.
	req, _ := http.NewRequest("POST", "http://127.0.0.1/_emulator/churn", strings.NewReader(`{"events": 40, "seed": 7}`))
	req.Header.Set("Backlog-API-Key", f.emu.AdminAPIKey())
	req.Header.Set("Content-Type", "application/json")
	resp, err := f.emu.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var churn emulator.ChurnResponse
	json.NewDecoder(resp.Body).Decode(&churn)
	resp.Body.Close()
	if resp.StatusCode != 200 || churn.Events != 40 || len(churn.IssuesUpdated)+len(churn.IssuesCreated)+len(churn.Comments) == 0 {
		t.Fatalf("churn: %d %+v", resp.StatusCode, churn)
	}

	r2 := f.tick(t0.Add(21 * time.Minute))
	if r2.Status != schedule.StatusSucceeded || r2.Trigger != schedule.TriggerSchedule {
		t.Fatalf("second run: %s %v", r2.Status, r2.Err)
	}
	f.checkExact(account)
	m2 := f.scrape()

	// A forced failure: the account's API key is refused.
	f.fail.Store(true)
	r3 := f.tick(t0.Add(36 * time.Minute))
	if r3.Status != schedule.StatusFailed {
		t.Fatalf("third run: %s %v; want failed", r3.Status, r3.Err)
	}

	runs, err := f.dest().Runs(t.Context(), job, 0)
	if err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for _, r := range runs {
		statuses = append(statuses, string(r.Status))
	}
	if want := []string{"failed", "ok", "ok"}; !slices.Equal(statuses, want) {
		t.Fatalf("runs table: %v, want %v (newest first)", statuses, want)
	}
	if moved := sumRows(runs[1]); moved == 0 {
		t.Errorf("the run after the churn wrote no rows: %+v", runs[1])
	}

	f.mu.Lock()
	hooks := slices.Clone(f.hooks)
	f.mu.Unlock()
	if len(hooks) != 1 {
		t.Fatalf("%d notifications, want 1 (the failure; errors only): %v", len(hooks), hooks)
	}
	// The advice names credentials once the Backlog client's errors unwrap
	// to EUNAUTHORIZED (helper a2's classification); the error says it now.
	if h := hooks[0]; h["status"] != "failed" || h["job"] != job || !strings.Contains(fmt.Sprint(h["error"]), "the API key was rejected") {
		t.Errorf("failure notification: %v", h)
	}
	if b, _ := json.Marshal(hooks); strings.Contains(string(b), "revokedKEY") || strings.Contains(string(b), "XMLapiKEY42") {
		t.Errorf("a notification shows an API key: %s", b)
	}

	m3 := f.scrape()
	counter := func(m, series string) float64 {
		for _, line := range strings.Split(m, "\n") {
			if rest, ok := strings.CutPrefix(line, series+" "); ok {
				var v float64
				fmt.Sscan(rest, &v)
				return v
			}
		}
		return 0
	}
	ok := fmt.Sprintf(`backlogsync_runs_total{job=%q,status="succeeded"}`, job)
	failed := fmt.Sprintf(`backlogsync_runs_total{job=%q,status="failed"}`, job)
	issues := fmt.Sprintf(`backlogsync_rows_written_total{job=%q,table="Issues"}`, job)
	if counter(m1, ok) != 1 || counter(m2, ok) != 2 || counter(m3, failed) != 1 {
		t.Errorf("runs_total: succeeded %v then %v, failed %v; want 1, 2, 1", counter(m1, ok), counter(m2, ok), counter(m3, failed))
	}
	if a, b := counter(m1, issues), counter(m2, issues); a == 0 || b <= a {
		t.Errorf("rows_written_total of Issues: %v then %v; want it to grow with the churn", a, b)
	}
	reads := fmt.Sprintf(`backlogsync_api_requests_total{class="read",job=%q}`, job)
	if a, b := counter(m1, reads), counter(m2, reads); a == 0 || b <= a {
		t.Errorf("api_requests_total of reads: %v then %v; want them to grow", a, b)
	}
	budget := fmt.Sprintf(`backlogsync_api_budget_remaining{account=%q,class="read"}`, account)
	if left := counter(m2, budget); left <= 0 || left >= 1_000_000 || counter(m2, fmt.Sprintf(`backlogsync_api_budget_limit{account=%q,class="read"}`, account)) != 1_000_000 {
		t.Errorf("api_budget of reads: %v left; want some of 1e6 used", left)
	}
	if !strings.Contains(m3, fmt.Sprintf(`backlogsync_last_success_timestamp_seconds{job=%q}`, job)) ||
		!strings.Contains(m3, "backlogsync_run_duration_seconds_bucket") {
		t.Error("/metrics lacks the last success time or the duration histogram")
	}

	// The REST API shows the same runs, filtered.
	var listed []map[string]any
	if st := f.request("GET", "/api/runs?job="+job+"&status=ok", "boss@example.com", nil, &listed); st != 200 || len(listed) != 2 {
		t.Fatalf("GET /api/runs?status=ok: %d, %d runs", st, len(listed))
	}
	if tables, _ := listed[0]["tables"].([]any); len(tables) == 0 {
		t.Errorf("a run without per-table results: %v", listed[0])
	}
}

func sumRows(r backlogsync.Run) int64 {
	var n int64
	for _, t := range r.Tables {
		n += t.Inserted + t.Updated + t.Deleted
	}
	return n
}
