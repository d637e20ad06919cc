package replicate_test

// Helpers of the end-to-end proofs in e2e_test.go: the destination matrix,
// the emulator's truth compared with a destination value by value, a
// counting (and cancelling) HTTP transport, a destination that fails or
// "dies" at its k-th Write, and a log recorder. They use only the engine's
// public surface (replicate.Run), so they keep working while the
// engine's internals change.

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/dest/memory"
	"github.com/backlogsync/backlogsync/dest/mysql"
	"github.com/backlogsync/backlogsync/dest/postgres"
	"github.com/backlogsync/backlogsync/dest/sqlite"
	"github.com/backlogsync/backlogsync/emulator"
	"github.com/backlogsync/backlogsync/internal/dbtest"
	"github.com/backlogsync/backlogsync/internal/truth"
	"github.com/backlogsync/backlogsync/jobsql"
	"github.com/backlogsync/backlogsync/replicate"
	gomysql "github.com/go-sql-driver/mysql"
)

// Environment variables naming the test servers (scripts/dbserver prints
// them).
const (
	postgresDSNVar = "BACKLOGSYNC_TEST_POSTGRES_DSN"
	mysqlDSNVar    = "BACKLOGSYNC_TEST_MYSQL_DSN"
)

// destCase is one destination of the matrix. open returns a fresh,
// isolated destination (its own file, schema or database), closed and
// removed when t ends.
type destCase struct {
	name string
	open func(t *testing.T) bs.Destination
}

// destMatrix lists the destinations every scenario runs on: SQLite (a
// temporary file), memory, and PostgreSQL and MySQL/MariaDB when their DSN
// variables are set. A server destination without its variable skips its
// subtest, or fails it under CI=true.
func destMatrix() []destCase {
	return []destCase{
		{"sqlite", openSQLite},
		{"memory", func(t *testing.T) bs.Destination {
			d := memory.New()
			t.Cleanup(func() { d.Close() })
			return d
		}},
		{"postgres", openPostgres},
		{"mysql", openMySQL},
	}
}

// forEachDest runs fn once per destination of the matrix, as parallel
// subtests named after the destination.
func forEachDest(t *testing.T, fn func(t *testing.T, open func(t *testing.T) bs.Destination)) {
	t.Helper()
	for _, dc := range destMatrix() {
		t.Run(dc.name, func(t *testing.T) {
			t.Parallel()
			fn(t, dc.open)
		})
	}
}

func openSQLite(t *testing.T) bs.Destination {
	t.Helper()
	d, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "e2e.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// serverDSN returns the variable's DSN (skipped, or failed under CI=true,
// without one).
func serverDSN(t *testing.T, name string) string { return dbtest.ServerDSN(t, name) }

// uniqueName returns a lower-case identifier unique to this test process.
func uniqueName(prefix string) string {
	var b [5]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// openPostgres opens the test server in a schema of its own: the
// destination's tables and its _backlogsync_ tables live there (it is
// first on the search_path), so parallel tests never meet.
func openPostgres(t *testing.T) bs.Destination {
	t.Helper()
	dsn := serverDSN(t, postgresDSNVar)
	ctx := context.Background()
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	schema := uniqueName("e2e_")
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("postgres: creating schema %s: %v", schema, err)
	}
	t.Cleanup(func() { admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE") })
	sdsn, err := withSearchPath(dsn, schema)
	if err != nil {
		t.Fatal(err)
	}
	d, err := postgres.Open(ctx, sdsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// withSearchPath adds search_path=schema to a postgres:// URL or a libpq
// key=value DSN.
func withSearchPath(dsn, schema string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("%s is not a valid URL", postgresDSNVar)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	return dsn + " search_path=" + schema, nil
}

// openMySQL opens the test server in a database of its own.
func openMySQL(t *testing.T) bs.Destination {
	t.Helper()
	dsn := serverDSN(t, mysqlDSNVar)
	ctx := context.Background()
	cfg, err := gomysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s: %v", mysqlDSNVar, err)
	}
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	db := uniqueName("e2e_")
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+db+" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		t.Fatalf("mysql: creating database %s: %v", db, err)
	}
	t.Cleanup(func() { admin.ExecContext(context.Background(), "DROP DATABASE "+db) })
	cfg.DBName = db
	d, err := mysql.Open(ctx, cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// ---------------------------------------------------------------------------
// The emulator's truth.

// truthClient is a client of srv that reads the truth (truth.Client).
func truthClient(t *testing.T, srv *emulator.Server) *backlog.Client {
	t.Helper()
	c, err := truth.Client(srv)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkTruth compares every named table of d with the emulator's truth for
// account, row by row and column by column (truth.Diff), reports each
// differing table as an error and returns the truth's row counts.
func checkTruth(t *testing.T, srv *emulator.Server, d bs.Destination, account string, tables []string) map[string]int {
	t.Helper()
	counts, problems := truthDiff(t, srv, d, account, tables)
	for _, p := range problems {
		t.Error(p)
	}
	return counts
}

// truthDiff is checkTruth's comparison: it returns the truth's row counts
// and one problem report per differing table.
func truthDiff(t *testing.T, srv *emulator.Server, d bs.Destination, account string, tables []string) (map[string]int, []string) {
	t.Helper()
	counts, problems, err := truth.Diff(context.Background(), srv, d, account, tables)
	if err != nil {
		t.Fatal(err)
	}
	return counts, problems
}

// ---------------------------------------------------------------------------
// Engines, clients, transports.

// scenario is one emulated space replicated into one destination.
type scenario struct {
	t       *testing.T
	srv     *emulator.Server
	base    string              // the client's base URL
	hc      func() *http.Client // a fresh HTTP client of the emulator
	dest    bs.Destination
	account string
	job     string
	logs    *logRecorder
	wait    time.Duration    // how long a run waits for another run's lease (replicate.Options.Wait)
	now     func() time.Time // the runs' clock (replicate.Options.Now; nil: time.Now)
}

// newScenario generates a space and opens a destination. With loopback the
// engine talks to the emulator over a real TCP listener (so reset and
// truncate faults are real connection aborts), otherwise in process.
func newScenario(t *testing.T, size emulator.Size, seed int64, open func(*testing.T) bs.Destination, loopback bool) *scenario {
	t.Helper()
	return newScenarioWith(t, emulator.Options{Seed: seed, Size: size, RateWindow: time.Second}, open, loopback)
}

// newScenarioWith is newScenario with the emulator's options given whole
// (a test clock, for one).
func newScenarioWith(t *testing.T, opts emulator.Options, open func(*testing.T) bs.Destination, loopback bool) *scenario {
	t.Helper()
	if loopback {
		// Fault scenarios inject 429s: give every answer rate-limit
		// headers, as Backlog does, with a budget no run reaches, so
		// that the only 429s are the injected ones (each costs a
		// one-second window).
		opts.RateLimits = emulator.RateLimits{Read: 1_000_000, Update: 1_000_000, Search: 1_000_000, Icon: 1_000_000}
	}
	srv, err := emulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	s := &scenario{t: t, srv: srv, base: "http://127.0.0.1", hc: srv.Client, dest: open(t),
		account: "demo", job: "e2e", logs: &logRecorder{t: t}}
	if loopback {
		s.base = srv.Start()
		t.Cleanup(srv.Close)
		s.hc = func() *http.Client {
			return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
		}
	}
	return s
}

// fastRetry retries often and quickly, so that injected faults cost little
// time and a run survives a 10% fault rate.
var fastRetry = backlog.RetryPolicy{MaxAttempts: 10, BaseDelay: 2 * time.Millisecond, MaxDelay: 20 * time.Millisecond,
	MaxRateLimitWaits: 10}

// runWith runs stmts as the scenario's job and account with replicate.Run
// and a fresh client (as a new process would build) whose requests go
// through ct, writing into d; it returns the account's result and error.
func (s *scenario) runWith(ctx context.Context, ct *countingTransport, d bs.Destination, stmts []jobsql.Statement) (replicate.AccountResult, error) {
	s.t.Helper()
	ct.inner = s.hc().Transport
	c, err := backlog.NewClient(s.base, backlog.WithAPIKey(s.srv.AdminAPIKey()),
		backlog.WithHTTPClient(&http.Client{Transport: ct}), backlog.WithRetry(fastRetry))
	if err != nil {
		s.t.Fatal(err)
	}
	job := &replicate.Job{Name: s.job, Dest: d, Statements: stmts, Accounts: []replicate.Account{{Name: s.account, Client: c}}}
	res, err := replicate.Run(ctx, job, replicate.Options{Logger: slog.New(s.logs), Wait: s.wait, Now: s.now})
	if err != nil {
		return replicate.AccountResult{}, err
	}
	return res.Accounts[0], res.Accounts[0].Err
}

// run runs stmts with a fresh engine and returns the result, the error and
// the number of HTTP requests sent.
func (s *scenario) run(ctx context.Context, stmts []jobsql.Statement) (replicate.AccountResult, error, int64) {
	s.t.Helper()
	ct := &countingTransport{}
	res, err := s.runWith(ctx, ct, s.dest, stmts)
	return res, err, ct.n.Load()
}

// mustRun runs stmts and fails the test unless the run is OK.
func (s *scenario) mustRun(stmts []jobsql.Statement, what string) (replicate.AccountResult, int64) {
	s.t.Helper()
	res, err, n := s.run(context.Background(), stmts)
	if err != nil || res.Status != bs.RunOK {
		s.t.Fatalf("%s: status %s, err %v", what, res.Status, err)
	}
	return res, n
}

// countingTransport counts the HTTP requests it sends; when cancelAt > 0
// it calls cancel once the cancelAt-th response has arrived, as if the
// process died right after it.
type countingTransport struct {
	inner    http.RoundTripper
	n        atomic.Int64
	cancelAt int64
	cancel   context.CancelFunc
}

// RoundTrip implements http.RoundTripper.
func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	n := c.n.Add(1)
	resp, err := c.inner.RoundTrip(req)
	if c.cancelAt > 0 && n == c.cancelAt && c.cancel != nil {
		c.cancel()
	}
	return resp, err
}

// ---------------------------------------------------------------------------
// A destination that fails.

// errInjected is the failure crashDest injects.
var errInjected = errors.New("e2e: injected destination failure")

// crashDest wraps a destination and fails its failAt-th Write. In "die"
// mode the process is considered dead from then on: that Write (after
// committing it when commitFirst is set) and every later call, FinishRun
// included, fail, so the run stays recorded as running, as after a kill.
type crashDest struct {
	bs.Destination
	failAt      int64
	die         bool
	commitFirst bool

	writes atomic.Int64
	dead   atomic.Bool
}

func (c *crashDest) gone() error {
	if c.dead.Load() {
		return errInjected
	}
	return nil
}

// WriteAll implements bs.MultiWriter: one Write as far as failAt counts.
func (c *crashDest) WriteAll(ctx context.Context, batches []bs.Batch) ([]bs.WriteResult, error) {
	if err := c.gone(); err != nil {
		return nil, err
	}
	n := c.writes.Add(1)
	if c.failAt <= 0 || n != c.failAt {
		return c.Destination.(bs.MultiWriter).WriteAll(ctx, batches)
	}
	if c.die {
		c.dead.Store(true)
		if c.commitFirst {
			c.Destination.(bs.MultiWriter).WriteAll(ctx, batches)
		}
	}
	return nil, errInjected
}

// Write implements bs.Destination.
func (c *crashDest) Write(ctx context.Context, b bs.Batch) (bs.WriteResult, error) {
	if err := c.gone(); err != nil {
		return bs.WriteResult{}, err
	}
	n := c.writes.Add(1)
	if c.failAt <= 0 || n != c.failAt {
		return c.Destination.Write(ctx, b)
	}
	if c.die {
		c.dead.Store(true)
		if c.commitFirst {
			c.Destination.Write(ctx, b)
		}
	}
	return bs.WriteResult{}, errInjected
}

// Migrate implements bs.Destination.
func (c *crashDest) Migrate(ctx context.Context, t *bs.Table) error {
	if err := c.gone(); err != nil {
		return err
	}
	return c.Destination.Migrate(ctx, t)
}

// Checkpoint implements bs.Destination.
func (c *crashDest) Checkpoint(ctx context.Context, scope, key string) (string, bool, error) {
	if err := c.gone(); err != nil {
		return "", false, err
	}
	return c.Destination.Checkpoint(ctx, scope, key)
}

// Checkpoints implements bs.Destination.
func (c *crashDest) Checkpoints(ctx context.Context, scope string) ([]bs.Checkpoint, error) {
	if err := c.gone(); err != nil {
		return nil, err
	}
	return c.Destination.Checkpoints(ctx, scope)
}

// ResetCheckpoints implements bs.Destination.
func (c *crashDest) ResetCheckpoints(ctx context.Context, scope string) error {
	if err := c.gone(); err != nil {
		return err
	}
	return c.Destination.ResetCheckpoints(ctx, scope)
}

// Truncate implements bs.Destination.
func (c *crashDest) Truncate(ctx context.Context, table string) error {
	if err := c.gone(); err != nil {
		return err
	}
	return c.Destination.Truncate(ctx, table)
}

// Drop implements bs.Destination.
func (c *crashDest) Drop(ctx context.Context, table string) error {
	if err := c.gone(); err != nil {
		return err
	}
	return c.Destination.Drop(ctx, table)
}

// Tables implements bs.Destination.
func (c *crashDest) Tables(ctx context.Context) ([]*bs.Table, error) {
	if err := c.gone(); err != nil {
		return nil, err
	}
	return c.Destination.Tables(ctx)
}

// Table forwards the destination's one-table description (as a real
// destination has it), so the engine does not list every table.
func (c *crashDest) Table(ctx context.Context, name string) (*bs.Table, error) {
	if err := c.gone(); err != nil {
		return nil, err
	}
	if td, ok := c.Destination.(interface {
		Table(context.Context, string) (*bs.Table, error)
	}); ok {
		return td.Table(ctx, name)
	}
	tabs, err := c.Destination.Tables(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range tabs {
		if t.Name == name {
			return t, nil
		}
	}
	return nil, nil
}

// Query implements bs.Destination.
func (c *crashDest) Query(ctx context.Context, table string, q bs.Query, fn func(bs.Row) error) error {
	if err := c.gone(); err != nil {
		return err
	}
	return c.Destination.Query(ctx, table, q, fn)
}

// StartRun implements bs.Destination.
func (c *crashDest) StartRun(ctx context.Context, r bs.Run) (int64, error) {
	if err := c.gone(); err != nil {
		return 0, err
	}
	return c.Destination.StartRun(ctx, r)
}

// FinishRun implements bs.Destination.
func (c *crashDest) FinishRun(ctx context.Context, r bs.Run) error {
	if err := c.gone(); err != nil {
		return err
	}
	return c.Destination.FinishRun(ctx, r)
}

// Runs implements bs.Destination.
func (c *crashDest) Runs(ctx context.Context, job string, limit int) ([]bs.Run, error) {
	if err := c.gone(); err != nil {
		return nil, err
	}
	return c.Destination.Runs(ctx, job, limit)
}

// Close does not close the wrapped destination: the next "process" reuses
// it.
func (c *crashDest) Close() error { return nil }

// ---------------------------------------------------------------------------
// Logs.

// logRecorder is a slog.Handler that keeps every record and echoes
// warnings and errors to the test log.
type logRecorder struct {
	t     *testing.T
	mu    sync.Mutex
	recs  []string // "LEVEL msg k=v …"
	attrs []slog.Attr
}

// Enabled implements slog.Handler.
func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

// Handle implements slog.Handler.
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	var b bytes.Buffer
	b.WriteString(r.Level.String() + " " + r.Message)
	for _, a := range l.attrs {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
	}
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	l.mu.Lock()
	l.recs = append(l.recs, b.String())
	l.mu.Unlock()
	if r.Level >= slog.LevelWarn {
		l.t.Log(b.String())
	}
	return nil
}

// WithAttrs implements slog.Handler.
func (l *logRecorder) WithAttrs(as []slog.Attr) slog.Handler {
	return &logChild{l, as}
}

// WithGroup implements slog.Handler (groups are flattened).
func (l *logRecorder) WithGroup(string) slog.Handler { return l }

// logChild is a logRecorder with attributes added.
type logChild struct {
	l     *logRecorder
	attrs []slog.Attr
}

func (c *logChild) Enabled(ctx context.Context, lv slog.Level) bool { return true }
func (c *logChild) Handle(ctx context.Context, r slog.Record) error {
	r2 := r.Clone()
	r2.AddAttrs(c.attrs...)
	return c.l.Handle(ctx, r2)
}
func (c *logChild) WithAttrs(as []slog.Attr) slog.Handler {
	return &logChild{c.l, append(slices.Clone(c.attrs), as...)}
}
func (c *logChild) WithGroup(string) slog.Handler { return c }

// since returns the records logged after the first n.
func (l *logRecorder) since(n int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.recs[n:])
}

func (l *logRecorder) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recs)
}

// ---------------------------------------------------------------------------
// Emulator admin routes.

// addFaults posts rules to the emulator's admin route POST /_emulator/faults,
// as an operator would.
func addFaults(t *testing.T, s *scenario, rules []emulator.FaultRule) {
	t.Helper()
	body, err := json.Marshal(rules)
	if err != nil {
		t.Fatal(err)
	}
	adminCall(t, s, http.MethodPost, "/_emulator/faults", body, http.StatusCreated)
}

// firedRule is a fault rule's kind and counters as GET /_emulator/faults
// reports them.
type firedRule struct {
	Kind    emulator.FaultKind `json:"kind"`
	Status  int                `json:"status"`
	Matched int                `json:"matched"`
	Fired   int                `json:"fired"`
}

// clearFaults removes every rule through DELETE /_emulator/faults and
// returns the rules with their counters as they were.
func clearFaults(t *testing.T, s *scenario) []firedRule {
	t.Helper()
	var rules []firedRule
	if err := json.Unmarshal(adminCall(t, s, http.MethodGet, "/_emulator/faults", nil, http.StatusOK), &rules); err != nil {
		t.Fatal(err)
	}
	adminCall(t, s, http.MethodDelete, "/_emulator/faults", nil, http.StatusOK)
	return rules
}

func adminCall(t *testing.T, s *scenario, method, path string, body []byte, want int) []byte {
	t.Helper()
	req, err := http.NewRequest(method, s.base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Backlog-API-Key", s.srv.AdminAPIKey())
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.hc().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	out.ReadFrom(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %s %s", method, path, resp.Status, out.String())
	}
	return out.Bytes()
}
