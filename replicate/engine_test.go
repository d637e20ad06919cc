package replicate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/dest/sqlite"
	"github.com/backlogsync/backlogsync/emulator"
	"github.com/backlogsync/backlogsync/jobsql"
)

// testSize is a small space with something in every table.
var testSize = emulator.Size{Projects: 2, Users: 8, Teams: 2, Issues: 60, Comments: 150, Wikis: 8,
	Documents: 5, Repositories: 2, PullRequests: 8, SharedFiles: 8}

type env struct {
	srv    *emulator.Server
	client *backlog.Client
	dest   backlogsync.Destination
	eng    *Engine
}

func newEnv(t testing.TB, size emulator.Size, seed int64) *env {
	t.Helper()
	return newEnvWith(t, emulator.Options{Seed: seed, Size: size}, Options{}, nil)
}

// newEnvWith is newEnv with the emulator's options eo and the engine's
// options o (a test logger when o.Logger is nil); client, when not nil,
// returns options for the API client applied after the admin key and the
// emulator's HTTP client, so they may replace that client.
func newEnvWith(t testing.TB, eo emulator.Options, o Options, client func(srv *emulator.Server) []backlog.Option) *env {
	t.Helper()
	srv, err := emulator.New(eo)
	if err != nil {
		t.Fatal(err)
	}
	opts := []backlog.Option{backlog.WithAPIKey(srv.AdminAPIKey()), backlog.WithHTTPClient(srv.Client())}
	if client != nil {
		opts = append(opts, client(srv)...)
	}
	c, err := backlog.NewClient("http://127.0.0.1", opts...)
	if err != nil {
		t.Fatal(err)
	}
	d, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if o.Logger == nil {
		o.Logger = newLogger(testWriter{t})
	}
	return &env{srv: srv, client: c, dest: d, eng: newEngine(&Job{Name: "test"}, Account{Name: "demo", Client: c}, d, o)}
}

func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func parse(t *testing.T, src string) []jobsql.Statement {
	t.Helper()
	st, err := jobsql.Parse("jobs.sql", src)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// allTables is a REPLICATE statement per catalog table.
func allTables() string {
	var b strings.Builder
	for _, n := range catalog.Names() {
		fmt.Fprintf(&b, "REPLICATE %s;\n", n)
	}
	return b.String()
}

// norm makes a row comparable: times in UTC, JSON as text.
func norm(r backlogsync.Row) backlogsync.Row {
	out := make(backlogsync.Row, len(r))
	for i, v := range r {
		switch x := v.(type) {
		case time.Time:
			out[i] = x.UTC().Format(time.RFC3339)
		case json.RawMessage:
			out[i] = string(x)
		case []byte:
			out[i] = string(x)
		default:
			out[i] = v
		}
	}
	return out
}

func sortRows(t *catalog.Table, rows []backlogsync.Row) {
	key := keyIndexes(&t.Table)
	slices.SortFunc(rows, func(a, b backlogsync.Row) int {
		return strings.Compare(keyString(pick(a, key)), keyString(pick(b, key)))
	})
}

// checkEqual compares every table of the destination with the emulator's.
func (e *env) checkEqual(t *testing.T) {
	t.Helper()
	e.checkEqualTables(t, catalog.Names()...)
}

// checkEqualTables compares the named tables of the destination with the
// emulator's.
func (e *env) checkEqualTables(t *testing.T, names ...string) {
	t.Helper()
	ctx := context.Background()
	for _, n := range names {
		ct, _ := catalog.Lookup(n)
		if ct.Name == "RateLimit" {
			continue // the window's reset time moves between two reads
		}
		var want, got []backlogsync.Row
		if err := catalog.Fetch(ctx, e.client, ct.Name, catalog.Query{Account: "demo"}, func(r backlogsync.Row) error {
			want = append(want, norm(r))
			return nil
		}); err != nil {
			t.Fatalf("Fetch %s: %v", ct.Name, err)
		}
		cols := make([]string, len(ct.Columns))
		for i, c := range ct.Columns {
			cols[i] = c.Name
		}
		if err := e.dest.Query(ctx, ct.Name, backlogsync.Query{Columns: cols}, func(r backlogsync.Row) error {
			got = append(got, norm(slices.Clone(r)))
			return nil
		}); err != nil {
			t.Fatalf("Query %s: %v", ct.Name, err)
		}
		sortRows(ct, want)
		sortRows(ct, got)
		if len(got) != len(want) {
			t.Errorf("%s: %d rows, want %d", ct.Name, len(got), len(want))
			continue
		}
		for i := range got {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("%s row %d:\n got %v\nwant %v", ct.Name, i, got[i], want[i])
				break
			}
		}
	}
}

func TestEndToEndAllTables(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, testSize, 7)
	stmts := parse(t, allTables())
	res, err := e.eng.Run(ctx, stmts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != backlogsync.RunOK || len(res.Tables) != len(catalog.Names()) || res.Moved() == 0 {
		t.Fatalf("first run: status %s, %d tables, moved %d", res.Status, len(res.Tables), res.Moved())
	}
	e.checkEqual(t)
	if t.Failed() {
		return
	}
	rep := e.srv.Churn(50, 3)
	t.Logf("churn: %v", rep.Counts)
	res2, err := e.eng.Run(ctx, stmts)
	if err != nil {
		t.Fatal(err)
	}
	e.checkEqual(t)
	runs, err := e.dest.Runs(ctx, "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].ID != res2.RunID || runs[0].Status != backlogsync.RunOK || runs[0].Requests.Read+runs[0].Requests.Search == 0 {
		t.Fatalf("runs table: %+v", runs)
	}
	if len(runs[0].Tables) != len(catalog.Names()) {
		t.Errorf("run has %d tables, want %d", len(runs[0].Tables), len(catalog.Names()))
	}
}

// issuesRequests counts the emulator's requests during f.
func issuesRequests(e *env, f func()) int {
	n0 := len(e.srv.Requests())
	f()
	return len(e.srv.Requests()) - n0
}

func TestIssuesIncremental(t *testing.T) {
	ctx := context.Background()
	size := testSize
	size.Issues, size.Comments = 3000, 0
	e := newEnv(t, size, 11)
	stmts := parse(t, "REPLICATE Issues;")
	var res1, res2 AccountResult
	var err error
	first := issuesRequests(e, func() { res1, err = e.eng.Run(ctx, stmts) })
	if err != nil {
		t.Fatal(err)
	}
	if res1.Tables[0].Inserted < 2000 {
		t.Fatalf("first run inserted %d issues", res1.Tables[0].Inserted)
	}
	rep := e.srv.Churn(50, 5)
	t.Logf("churn: %v", rep.Counts)
	second := issuesRequests(e, func() { res2, err = e.eng.Run(ctx, stmts) })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Issues requests: first run %d, incremental run %d; incremental moved %+v", first, second, res2.Tables[0])
	if second*5 > first {
		t.Errorf("incremental run made %d requests, first %d: want at most a fifth", second, first)
	}
	if res2.Tables[0].CursorBefore == "" || res2.Tables[0].CursorAfter == "" {
		t.Errorf("cursors not recorded: %+v", res2.Tables[0])
	}
	// Equal to the emulator's truth.
	ct, _ := catalog.Lookup("Issues")
	var wantRows, gotRows []backlogsync.Row
	catalog.Fetch(ctx, e.client, "Issues", catalog.Query{Account: "demo"}, func(r backlogsync.Row) error {
		wantRows = append(wantRows, norm(r))
		return nil
	})
	e.dest.Query(ctx, "Issues", backlogsync.Query{}, func(r backlogsync.Row) error {
		gotRows = append(gotRows, norm(slices.Clone(r)))
		return nil
	})
	sortRows(ct, wantRows)
	sortRows(ct, gotRows)
	if !reflect.DeepEqual(gotRows, wantRows) {
		t.Errorf("Issues after incremental run: %d rows, want %d (or values differ)", len(gotRows), len(wantRows))
	}
	if rep.Counts[emulator.ChurnDeleteIssue] > 0 && res2.Tables[0].Deleted == 0 {
		t.Errorf("churn deleted issues but the incremental run deleted none")
	}
}

func TestBadStatementWritesNothing(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, emulator.Size{Projects: 1, Users: 2, Issues: 5}, 1)
	stmts := parse(t, "REPLICATE Issues;\n\nREPLICATE Projects;\n  REPLICATE Isues;\n")
	n0 := len(e.srv.Requests())
	_, err := e.eng.Run(ctx, stmts)
	if err == nil || !strings.Contains(err.Error(), "jobs.sql:4:13") || !strings.Contains(err.Error(), `"Issues"`) {
		t.Fatalf("err = %v, want jobs.sql:4:13 with a suggestion", err)
	}
	if backlogsync.ErrorCode(err) != backlogsync.EINVALID {
		t.Errorf("code %s, want EINVALID", backlogsync.ErrorCode(err))
	}
	tabs, _ := e.dest.Tables(ctx)
	runs, _ := e.dest.Runs(ctx, "", 0)
	if len(tabs) != 0 || len(runs) != 0 || len(e.srv.Requests()) != n0 {
		t.Errorf("something happened: %d tables, %d runs, %d requests", len(tabs), len(runs), len(e.srv.Requests())-n0)
	}
}

func TestPrefixSchemaDropTruncate(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, emulator.Size{Projects: 1, Users: 3, Issues: 5}, 1)
	if _, err := e.eng.Run(ctx, parse(t, "REPLICATE PROD.Users WITH TableNamePrefix='X_' SELECT * FROM Users;")); err != nil {
		t.Fatal(err)
	}
	tabs, _ := e.dest.Tables(ctx)
	if len(tabs) != 1 || tabs[0].Name != "PROD.X_Users" {
		t.Fatalf("tables %v", tabs)
	}
	// A foreign row of this account is deleted as stale; another account's stays.
	tab, _ := catalog.Lookup("Users")
	row := func(acct string, id int64) backlogsync.Row {
		r := make(backlogsync.Row, len(tab.Columns))
		r[0] = acct
		_, i := tab.Column("Id")
		r[i] = id
		return r
	}
	tt := tab.Table.Renamed(backlogsync.TableName{Schema: "PROD", Name: "X_Users"})
	if _, err := e.dest.Write(ctx, backlogsync.Batch{Table: tt, Upserts: []backlogsync.Row{row("demo", 999999), row("other", 1)}}); err != nil {
		t.Fatal(err)
	}
	res, err := e.eng.Run(ctx, parse(t, "REPLICATE PROD.Users WITH TableNamePrefix='X_' SELECT * FROM Users;"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Tables[0].Deleted != 1 || res.Tables[0].Inserted != 0 {
		t.Errorf("second run %+v, want 1 stale row deleted", res.Tables[0])
	}
	count := func() int {
		n := 0
		e.dest.Query(ctx, "PROD.X_Users", backlogsync.Query{}, func(backlogsync.Row) error { n++; return nil })
		return n
	}
	n := count()
	res, err = e.eng.Run(ctx, parse(t, "REPLICATE PROD.Users WITH TableNamePrefix='X_', TruncateTable=true SELECT * FROM Users;"))
	if err != nil || res.Tables[0].Inserted != int64(n-1) || count() != n-1 {
		t.Errorf("truncate: %v %+v, %d rows (had %d)", err, res.Tables[0], count(), n)
	}
	if _, err := e.eng.Run(ctx, parse(t, "REPLICATE Issues; REPLICATE Issues WITH DropTable=true;")); err == nil {
		t.Error("duplicate table accepted")
	}
}
