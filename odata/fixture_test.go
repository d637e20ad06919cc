package odata

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/dest"
	"github.com/backlogsync/backlogsync/dest/sqlite"
	"github.com/backlogsync/backlogsync/internal/dbtest"
)

var ctx = context.Background()

// demoTables are the catalog tables of the test workspace.
var demoTables = []string{"Projects", "Issues", "IssueComments", "Users"}

// demoRow fills every column of t for row i of parent project p and issue
// iss: ids by name, other values by type, NULL in every fifth row
// (non-key columns are stored nullable).
func demoRow(t *bs.Table, i, p, iss int64) bs.Row {
	r := make(bs.Row, len(t.Columns))
	base := time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC)
	for j, c := range t.Columns {
		switch c.Name {
		case "Account":
			r[j] = "acme"
			continue
		case "Id":
			r[j] = i
			continue
		case "ProjectId":
			r[j] = p
			continue
		case "IssueId":
			r[j] = iss
			continue
		}
		if i%5 == 0 {
			continue // NULL, whatever the catalog declares
		}
		switch c.Type {
		case bs.TypeInt:
			r[j] = i * 7
		case bs.TypeFloat:
			r[j] = float64(i) / 4
		case bs.TypeBool:
			r[j] = i%2 == 0
		case bs.TypeText:
			r[j] = fmt.Sprintf("%s %d «é» 'q'", c.Name, i)
		case bs.TypeDate:
			r[j] = base.AddDate(0, 0, int(i%400)).Truncate(24 * time.Hour)
		case bs.TypeTimestamp:
			r[j] = base.Add(time.Duration(i) * time.Hour)
		case bs.TypeJSON:
			r[j] = fmt.Sprintf(`{"n":%d}`, i)
		}
	}
	return r
}

// demoDest returns a SQLite destination with the demo tables: 3 projects,
// issues issues spread over them, two comments per issue for the first ten,
// and one recorded run.
func demoDest(t testing.TB, issues int) bs.Destination {
	t.Helper()
	d, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "demo.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	fillDemo(t, d, issues)
	return d
}

func fillDemo(t testing.TB, d bs.Destination, issues int) {
	t.Helper()
	tabs := map[string]*bs.Table{}
	for _, n := range demoTables {
		ct, _ := catalog.Lookup(n)
		tb := ct.Table
		tabs[n] = &tb
		if err := d.Migrate(ctx, &tb); err != nil {
			t.Fatal(err)
		}
	}
	put := func(tb *bs.Table, rows []bs.Row) {
		for len(rows) > 0 {
			n := min(len(rows), 1000)
			if _, err := d.Write(ctx, bs.Batch{Table: tb, Upserts: rows[:n]}); err != nil {
				t.Fatal(err)
			}
			rows = rows[n:]
		}
	}
	var rows []bs.Row
	for p := int64(1); p <= 3; p++ {
		rows = append(rows, demoRow(tabs["Projects"], p, p, 0))
	}
	put(tabs["Projects"], rows)
	for from := int64(1); from <= int64(issues); from += 1000 {
		rows = rows[:0]
		for i := from; i < from+1000 && i <= int64(issues); i++ {
			rows = append(rows, demoRow(tabs["Issues"], i, 1+i%3, 0))
		}
		put(tabs["Issues"], rows)
	}
	rows = rows[:0]
	for i := int64(1); i <= min(int64(issues), 10); i++ {
		rows = append(rows, demoRow(tabs["IssueComments"], 100+2*i, 1+i%3, i), demoRow(tabs["IssueComments"], 101+2*i, 1+i%3, i))
	}
	put(tabs["IssueComments"], rows)
	put(tabs["Users"], []bs.Row{demoRow(tabs["Users"], 1, 0, 0)})
	id, err := d.StartRun(ctx, bs.Run{Job: "demo", Account: "acme", Started: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.FinishRun(ctx, bs.Run{ID: id, Finished: time.Date(2026, 1, 2, 3, 5, 6, 0, time.UTC), Status: bs.RunOK,
		Tables: []bs.RunTable{{Table: "Issues", Inserted: int64(issues)}, {Table: "Projects", Inserted: 3}}}); err != nil {
		t.Fatal(err)
	}
}

// serve mounts the handler for workspace "demo" over d at /odata, inside
// the wraps (e.g. an authentication check).
func serve(t testing.TB, d bs.Destination, o Options, wraps ...func(http.Handler) http.Handler) *httptest.Server {
	t.Helper()
	o.Resolve = func(r *http.Request, name string) (*Workspace, error) {
		if name == "secret" {
			return nil, bs.Errorf(bs.EUNAUTHORIZED, "you are not granted workspace %q", name)
		}
		if name != "demo" {
			return nil, bs.Errorf(bs.ENOTFOUND, "no workspace %q", name)
		}
		return &Workspace{Name: "demo", Dest: d, Tables: demoTables}, nil
	}
	mux := http.NewServeMux()
	mux.Handle("/odata/", http.StripPrefix("/odata", NewHandler(o)))
	var h http.Handler = mux
	for _, w := range wraps {
		h = w(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// forEachDest runs f as a subtest on each destination filled with the demo
// tables (issues issues): SQLite, and PostgreSQL and MariaDB in a schema /
// database of the test's own (skipped without their test servers, failed
// under CI=true), so that the query translation is checked on all three.
func forEachDest(t *testing.T, issues int, f func(t *testing.T, d bs.Destination)) {
	t.Run("sqlite", func(t *testing.T) { f(t, demoDest(t, issues)) })
	for _, kind := range []string{"postgres", "mysql"} {
		t.Run(kind, func(t *testing.T) {
			dsn := map[string]func(testing.TB) string{"postgres": dbtest.Postgres, "mysql": dbtest.MySQL}[kind](t)
			d, err := dest.Open(ctx, kind, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			fillDemo(t, d, issues)
			f(t, d)
		})
	}
}
