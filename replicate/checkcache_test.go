package replicate

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/dest/mysql"
	"github.com/backlogsync/backlogsync/dest/postgres"
	"github.com/backlogsync/backlogsync/emulator"
	"github.com/backlogsync/backlogsync/jobsql"
)

// cacheEnv is a generated space replicated into SQLite by the engine.
func cacheEnv(t *testing.T) *env {
	t.Helper()
	size := emulator.Size{Projects: 2, Users: 6, Issues: 120, Comments: 40}
	e := newEnv(t, size, 3)
	if _, err := e.eng.Run(context.Background(), parse(t, "REPLICATE Issues; REPLICATE Users; REPLICATE SpaceUpdates;")); err != nil {
		t.Fatal(err)
	}
	return e
}

func checkStmt(t *testing.T, src string) *jobsql.CheckCache {
	t.Helper()
	st, err := jobsql.Parse("jobs.sql", src)
	if err != nil {
		t.Fatalf("parse %q: %v", src, err)
	}
	return st[0].(*jobsql.CheckCache)
}

func (e *env) check(t *testing.T, src string) CacheReport {
	t.Helper()
	rep, err := e.eng.checkCache(context.Background(), checkStmt(t, src))
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return rep
}

// destRows returns the rows of a destination table, normalised, keyed by
// their key string, for the given account ("" = all).
func (e *env) destRows(t *testing.T, table, account string) map[string]backlogsync.Row {
	t.Helper()
	tab, err := findTable(context.Background(), e.dest, table)
	if err != nil || tab == nil {
		t.Fatalf("table %s: %v", table, err)
	}
	key := keyIndexes(tab)
	out := map[string]backlogsync.Row{}
	err = e.dest.Query(context.Background(), table, backlogsync.Query{}, func(r backlogsync.Row) error {
		if account == "" || r[0] == account {
			r = norm(slices.Clone(r))
			out[keyString(pick(r, key))] = r
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

type counts struct{ checked, missing, extra, different, repaired int64 }

func countsOf(r CacheReport) counts {
	return counts{r.Checked, r.Missing, r.Extra, r.Different, r.Repaired}
}

func TestCheckCacheReportsAndRepairs(t *testing.T) {
	ctx := context.Background()
	e := cacheEnv(t)
	issues, _ := catalog.Lookup("Issues")
	truth := e.destRows(t, "Issues", "demo")
	n := int64(len(truth))
	if n < 100 {
		t.Fatalf("%d issues replicated", n)
	}
	if rep := e.check(t, "CHECKCACHE Issues"); countsOf(rep) != (counts{checked: n}) || !rep.Clean() {
		t.Fatalf("fresh replica: %+v", rep)
	}
	// JSON columns come back from SQLite as TEXT; they still compare equal.
	tabs, _ := e.dest.Tables(ctx)
	for _, tab := range tabs {
		if tab.Name == "SpaceUpdates" {
			if c, _ := tab.Column("Content"); c.Type != backlogsync.TypeText {
				t.Logf("SpaceUpdates.Content is stored as %v", c.Type)
			}
		}
	}
	if rep := e.check(t, "CHECKCACHE SpaceUpdates"); !rep.Clean() || rep.Checked == 0 {
		t.Errorf("SpaceUpdates: %+v", rep)
	}

	// Corrupt: delete 3 rows, change 2, add 1 extra; add rows of another account.
	var all []backlogsync.Row
	e.dest.Query(ctx, "Issues", backlogsync.Query{}, func(r backlogsync.Row) error {
		all = append(all, slices.Clone(r))
		return nil
	})
	_, sumCol := issues.Column("Summary")
	_, hoursCol := issues.Column("EstimatedHours")
	changed := []backlogsync.Row{slices.Clone(all[10]), slices.Clone(all[20])}
	changed[0][sumCol] = "tampered"
	changed[1][hoursCol] = 12345.5
	extra := slices.Clone(all[30])
	extra[1] = int64(99999999)
	var other []backlogsync.Row
	for _, r := range all[:5] {
		o := slices.Clone(r)
		o[0] = "other"
		other = append(other, o)
	}
	other[1][sumCol] = "other account's own summary"
	otherExtra := slices.Clone(extra)
	otherExtra[0] = "other"
	other = append(other, otherExtra)
	dels := [][]any{{"demo", all[40][1]}, {"demo", all[50][1]}, {"demo", all[60][1]}}
	if _, err := e.dest.Write(ctx, backlogsync.Batch{Table: &issues.Table, Upserts: append(append(changed, extra), other...), Deletes: dels}); err != nil {
		t.Fatal(err)
	}
	otherBefore := e.destRows(t, "Issues", "other")

	rep := e.check(t, "CHECKCACHE Issues")
	if got, want := countsOf(rep), (counts{checked: n + 1, missing: 3, extra: 1, different: 2}); got != want {
		t.Fatalf("corrupted: %+v, want %+v", got, want)
	}
	key := func(r backlogsync.Row) string { return formatKey([]string{"Account", "Id"}, []any{"demo", r[1]}) }
	if !reflect.DeepEqual(rep.ExtraKeys, []string{"Account=demo, Id=99999999"}) || len(rep.MissingKeys) != 3 ||
		!slices.Contains(rep.MissingKeys, key(all[40])) || len(rep.DifferentKeys) != 2 || !slices.Contains(rep.DifferentKeys, key(all[20])) {
		t.Errorf("samples: %+v", rep)
	}
	if got := e.destRows(t, "Issues", "demo"); len(got) != int(n)-3+1 {
		t.Errorf("a check without REPAIR changed the table: %d rows", len(got))
	}

	// SKIP limits what is counted.
	if got := countsOf(e.check(t, "CHECKCACHE Issues SKIP MODIFIED")); got != (counts{checked: n + 1, extra: 1}) {
		t.Errorf("SKIP MODIFIED: %+v", got)
	}
	if got := countsOf(e.check(t, "CHECKCACHE Issues SKIP DELETED")); got != (counts{checked: n + 1, missing: 3, different: 2}) {
		t.Errorf("SKIP DELETED: %+v", got)
	}

	rep = e.check(t, "CHECKCACHE Issues WITH REPAIR")
	if got := countsOf(rep); got != (counts{checked: n + 1, missing: 3, extra: 1, different: 2, repaired: 6}) ||
		rep.Inserted != 3 || rep.Updated != 2 || rep.Deleted != 1 {
		t.Fatalf("repair: %+v", rep)
	}
	if rt := rep.RunTable(); rt.Table != "Issues" || rt.Inserted != 3 || rt.Updated != 2 || rt.Deleted != 1 {
		t.Errorf("RunTable %+v", rt)
	}
	if got := e.destRows(t, "Issues", "demo"); !reflect.DeepEqual(got, truth) {
		t.Errorf("after repair the table differs from the replica (%d rows, want %d)", len(got), len(truth))
	}
	if got := e.destRows(t, "Issues", "other"); !reflect.DeepEqual(got, otherBefore) || len(got) != 6 {
		t.Errorf("the other account's rows changed: %d rows", len(got))
	}
	if rep := e.check(t, "CHECKCACHE Issues"); countsOf(rep) != (counts{checked: n}) {
		t.Errorf("after repair: %+v", rep)
	}
	// And the source agrees with the emulator's truth.
	e.checkTable(t, "Issues")
}

// checkTable compares one destination table with a fresh Fetch.
func (e *env) checkTable(t *testing.T, table string) {
	t.Helper()
	ct, _ := catalog.Lookup(table)
	want := map[string]backlogsync.Row{}
	key := keyIndexes(&ct.Table)
	catalog.Fetch(context.Background(), e.client, table, catalog.Query{Account: "demo"}, func(r backlogsync.Row) error {
		want[keyString(pick(r, key))] = norm(r)
		return nil
	})
	if got := e.destRows(t, table, "demo"); !reflect.DeepEqual(got, want) {
		t.Errorf("%s differs from the source: %d rows, want %d", table, len(got), len(want))
	}
}

func TestCheckCacheWindowAndWhere(t *testing.T) {
	ctx := context.Background()
	e := cacheEnv(t)
	issues, _ := catalog.Lookup("Issues")
	_, createdCol := issues.Column("Created")
	_, projCol := issues.Column("ProjectId")
	var all []backlogsync.Row
	e.dest.Query(ctx, "Issues", backlogsync.Query{OrderBy: []backlogsync.Order{{Column: "Created"}}}, func(r backlogsync.Row) error {
		all = append(all, slices.Clone(r))
		return nil
	})
	// A window holding the middle third of the issues by Created.
	lo := all[len(all)/3][createdCol].(time.Time)
	hi := all[2*len(all)/3][createdCol].(time.Time)
	var inWindow, inProject int64
	pid := all[0][projCol].(int64)
	var dels [][]any
	for _, r := range all {
		c := r[createdCol].(time.Time)
		in := !c.Before(lo) && c.Before(hi)
		if in {
			inWindow++
		}
		if r[projCol] == pid {
			inProject++
		}
	}
	// Delete one row in the window of project pid, one outside, one in
	// the window of another project.
	var delIn, delOut, delOther bool
	var inWinProj int64
	for _, r := range all {
		c := r[createdCol].(time.Time)
		in := !c.Before(lo) && c.Before(hi)
		if in && r[projCol] == pid {
			inWinProj++
		}
		switch {
		case in && r[projCol] == pid && !delIn:
			delIn = true
		case !in && r[projCol] == pid && !delOut:
			delOut = true
		case in && r[projCol] != pid && !delOther:
			delOther = true
		default:
			continue
		}
		dels = append(dels, []any{"demo", r[1]})
	}
	if len(dels) != 3 {
		t.Fatalf("could not pick rows to delete: %d", len(dels))
	}
	if _, err := e.dest.Write(ctx, backlogsync.Batch{Table: &issues.Table, Deletes: dels}); err != nil {
		t.Fatal(err)
	}
	stmt := "CHECKCACHE Issues START '" + lo.Format(time.RFC3339) + "' END '" + hi.Format(time.RFC3339) + "'"
	if got := countsOf(e.check(t, stmt)); got != (counts{checked: inWindow, missing: 2}) {
		t.Errorf("window: %+v, want %d checked, 2 missing", got, inWindow)
	}
	stmt2 := stmt + " WHERE ProjectId = " + itoa(pid)
	if got := countsOf(e.check(t, stmt2)); got != (counts{checked: inWinProj, missing: 1}) {
		t.Errorf("window + where: %+v, want %d checked, 1 missing", got, inWinProj)
	}
	if got := countsOf(e.check(t, "CHECKCACHE Issues WHERE ProjectId = "+itoa(pid))); got != (counts{checked: inProject, missing: 2}) {
		t.Errorf("where: %+v, want %d checked, 2 missing", got, inProject)
	}
	// A window in the future is empty.
	if got := countsOf(e.check(t, "CHECKCACHE Issues START DATEADD(DAY, 1, CURRENT_DATE())")); got != (counts{}) {
		t.Errorf("future window: %+v", got)
	}
	// Repairing the window fixes only the window.
	rep := e.check(t, strings.Replace(stmt, "CHECKCACHE Issues", "CHECKCACHE Issues WITH REPAIR", 1))
	if rep.Repaired != 2 || rep.Inserted != 2 {
		t.Errorf("window repair: %+v", rep)
	}
	if got := countsOf(e.check(t, "CHECKCACHE Issues")); got.missing != 1 || got.extra != 0 {
		t.Errorf("after the window repair: %+v, want the row outside missing", got)
	}
}

// TestCheckCacheAgainstSelect checks a projected, filtered replica built
// with compile and prepare.
func TestCheckCacheAgainstSelect(t *testing.T) {
	ctx := context.Background()
	e := cacheEnv(t)
	var pid int64
	e.dest.Query(ctx, "Issues", backlogsync.Query{Columns: []string{"ProjectId"}, Limit: 1}, func(r backlogsync.Row) error {
		pid = r[0].(int64)
		return nil
	})
	sel := "SELECT Id, Summary AS Title, EstimatedHours FROM Issues WHERE ProjectId = " + itoa(pid)
	c := mustCompile(t, "REPLICATE Mine (EstimatedHours TEXT) "+sel)
	if _, err := prepare(ctx, e.dest, c, c.Settings); err != nil {
		t.Fatal(err)
	}
	var rows []backlogsync.Row
	err := catalog.Fetch(ctx, e.client, "Issues", catalog.Query{Account: "demo", Where: c.Pushdown}, func(r backlogsync.Row) error {
		if c.Match(r) {
			rows = append(rows, c.Project(r))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.dest.Write(ctx, backlogsync.Batch{Table: c.Table, Upserts: rows}); err != nil {
		t.Fatal(err)
	}
	n := int64(len(rows))
	against := "CHECKCACHE Mine AGAINST (" + sel + ")"
	if got := countsOf(e.check(t, against)); got != (counts{checked: n}) {
		t.Fatalf("projected replica: %+v, want %d checked", got, n)
	}
	// Plain AGAINST Issues: the other project's issues are missing.
	rep := e.check(t, "CHECKCACHE Mine AGAINST Issues")
	if rep.Missing == 0 || rep.Extra != 0 || rep.Different != 0 {
		t.Errorf("AGAINST Issues: %+v", rep)
	}
	// Tamper with a TEXT-typed hours value and the title, add a row of
	// another project: Different 2, Extra 1; then repair.
	mod := []backlogsync.Row{slices.Clone(rows[0]), slices.Clone(rows[1])}
	mod[0][2] = "x"
	mod[1][3] = "99"
	foreign := slices.Clone(rows[2])
	foreign[1] = int64(77777777)
	if _, err := e.dest.Write(ctx, backlogsync.Batch{Table: c.Table, Upserts: append(mod, foreign)}); err != nil {
		t.Fatal(err)
	}
	rep = e.check(t, against+" WITH REPAIR")
	if got := countsOf(rep); got != (counts{checked: n + 1, extra: 1, different: 2, repaired: 3}) {
		t.Errorf("AGAINST (SELECT) repair: %+v", got)
	}
	if got := countsOf(e.check(t, against)); got != (counts{checked: n}) {
		t.Errorf("after repair: %+v", got)
	}
}

func TestCheckCacheErrors(t *testing.T) {
	ctx := context.Background()
	e := cacheEnv(t)
	// A table whose key has no Account.
	bare := &backlogsync.Table{Name: "Bare", Columns: []backlogsync.Column{{Name: "Account", Type: backlogsync.TypeText},
		{Name: "Id", Type: backlogsync.TypeInt}}, PrimaryKey: []string{"Id"}}
	if err := e.dest.Migrate(ctx, bare); err != nil {
		t.Fatal(err)
	}
	issues, _ := catalog.Lookup("Issues")
	if err := e.dest.Migrate(ctx, issues.Table.Renamed(backlogsync.TableName{Name: "PROD_Issues"})); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ src, want string }{
		{"CHECKCACHE  Nope AGAINST Issues", "jobs.sql:1:13: table Nope does not exist in the destination: replicate it first (REPLICATE Nope) or check the name"},
		{"CHECKCACHE Issues AGAINST Isues", `jobs.sql:1:27: unknown table "Isues": did you mean "Issues"?`},
		{"CHECKCACHE Bare", `jobs.sql:1:12: Bare is not a catalog table (did you mean "Space"?): name the source with AGAINST, e.g. CHECKCACHE Bare AGAINST Space`},
		{"CHECKCACHE PROD_Issues", `jobs.sql:1:12: PROD_Issues is not a catalog table (did you mean "Issues"?): name the source with AGAINST, e.g. CHECKCACHE PROD_Issues AGAINST Issues`},
		{"CHECKCACHE Bare AGAINST Users WITH REPAIR", "jobs.sql:1:1: the primary key (Id) of Bare does not include Account: WITH REPAIR could overwrite another account's rows"},
		{"CHECKCACHE Issues WHERE Nope = 1", `jobs.sql:1:25: table Issues has no column Nope`},
		{"CHECKCACHE Issues WHERE ProjectId = 'a'", "jobs.sql:1:37: column ProjectId is BIGINT: compare it with a number, not 'a'"},
		{"CHECKCACHE Users START '2024-01-01'", "jobs.sql:1:24: START and END bound the Created column and table Users has none"},
		{"CHECKCACHE Issues END NOPE()", "jobs.sql:1:23: unknown date function NOPE()"},
		{"CHECKCACHE Issues AGAINST (SELECT Summary FROM Issues)", "jobs.sql:1:28: the SELECT list leaves out the key column Id of Issues"},
	} {
		_, err := e.eng.checkCache(ctx, checkStmt(t, tc.src))
		if static := checkCacheStatic(checkStmt(t, tc.src), time.Now()); (static == nil) != (strings.Contains(tc.src, "Nope AGAINST") || strings.Contains(tc.src, "Bare AGAINST")) ||
			static != nil && !strings.Contains(static.Error(), tc.want) {
			t.Errorf("%s: static check: %v", tc.src, static)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s:\n got %v\nwant %s", tc.src, err, tc.want)
			continue
		}
		if backlogsync.ErrorCode(err) != backlogsync.EINVALID {
			t.Errorf("%s: code %s", tc.src, backlogsync.ErrorCode(err))
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// load replicates one statement with compile and prepare (without the
// engine's runs and checkpoints).
func load(t *testing.T, e *env, d backlogsync.Destination, src string) {
	t.Helper()
	ctx := context.Background()
	c := mustCompile(t, src)
	if _, err := prepare(ctx, d, c, c.Settings); err != nil {
		t.Fatal(err)
	}
	var rows []backlogsync.Row
	err := catalog.Fetch(ctx, e.client, c.Source.Name, catalog.Query{Account: "demo", Where: c.Pushdown}, func(r backlogsync.Row) error {
		if c.Match == nil || c.Match(r) {
			if c.Project != nil {
				r = c.Project(r)
			}
			rows = append(rows, r)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Write(ctx, backlogsync.Batch{Table: c.Table, Upserts: rows}); err != nil {
		t.Fatal(err)
	}
}

// TestCheckCacheServers runs CHECKCACHE against PostgreSQL and MariaDB,
// whose types come back differently (TIMESTAMPTZ, JSON, DATE).
func TestCheckCacheServers(t *testing.T) {
	for _, srv := range []struct{ name, env string }{{"postgres", "BACKLOGSYNC_TEST_POSTGRES_DSN"}, {"mysql", "BACKLOGSYNC_TEST_MYSQL_DSN"}} {
		t.Run(srv.name, func(t *testing.T) {
			dsn := os.Getenv(srv.env)
			if dsn == "" {
				if os.Getenv("CI") == "true" {
					t.Fatalf("%s is not set; under CI=true this test must run (start the servers with scripts/dbserver)", srv.env)
				}
				t.Skipf("%s is not set (eval \"$(scripts/dbserver)\" starts the servers)", srv.env)
			}
			ctx := context.Background()
			var d backlogsync.Destination
			var err error
			if srv.name == "postgres" {
				d, err = postgres.Open(ctx, dsn)
			} else {
				d, err = mysql.Open(ctx, dsn)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			e := newEnv(t, emulator.Size{Projects: 2, Users: 4, Issues: 60}, 9)
			e.eng.Dest = d
			schema := fmt.Sprintf("ckc%d_%d", os.Getpid(), time.Now().UnixNano()%1e6)
			tables := []string{schema + ".Issues", schema + ".SpaceUpdates", schema + ".Mine"}
			defer func() {
				for _, n := range tables {
					d.Drop(ctx, n)
				}
			}()
			load(t, e, d, "REPLICATE "+tables[0]+" SELECT * FROM Issues")
			load(t, e, d, "REPLICATE "+tables[1]+" SELECT * FROM SpaceUpdates")
			load(t, e, d, "REPLICATE "+tables[2]+" (Id DOUBLE, DueDate TEXT) SELECT Id, DueDate, Created FROM Issues")
			for _, n := range tables {
				against := strings.TrimPrefix(n, schema+".")
				if n == tables[2] {
					against = "(SELECT Id, DueDate, Created FROM Issues)"
				}
				rep := e.check(t, "CHECKCACHE "+n+" AGAINST "+against)
				if !rep.Clean() || rep.Checked == 0 {
					t.Errorf("%s: %+v", n, rep)
				}
			}
			// One changed value is found and repaired.
			issues, _ := catalog.Lookup("Issues")
			var r backlogsync.Row
			d.Query(ctx, tables[0], backlogsync.Query{Limit: 1}, func(x backlogsync.Row) error { r = slices.Clone(x); return nil })
			_, i := issues.Column("Summary")
			r[i] = "changed"
			tt := issues.Table.Renamed(backlogsync.ParseTableName(tables[0]))
			if _, err := d.Write(ctx, backlogsync.Batch{Table: tt, Upserts: []backlogsync.Row{r}}); err != nil {
				t.Fatal(err)
			}
			rep := e.check(t, "CHECKCACHE "+tables[0]+" AGAINST Issues WITH REPAIR")
			if rep.Different != 1 || rep.Repaired != 1 || rep.Missing+rep.Extra != 0 {
				t.Errorf("repair: %+v", rep)
			}
			if rep := e.check(t, "CHECKCACHE "+tables[0]+" AGAINST Issues"); !rep.Clean() {
				t.Errorf("after repair: %+v", rep)
			}
		})
	}
}

// BenchmarkCheckCache100k measures CHECKCACHE on a 100,000-issue table in
// SQLite: the peak heap growth while it runs (sampled every millisecond,
// with GOGC=5), in total and per row.
//
//	go test -run '^$' -bench CheckCache100k -benchtime 1x ./replicate/
func BenchmarkCheckCache100k(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b, emulator.Size{Projects: 4, Users: 20, Issues: 100_000}, 1)
	e.eng.Job, e.eng.Logger = "bench", nil
	c, err := compile(checkStmtB(b, "REPLICATE Issues").(*jobsql.Replicate))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := prepare(ctx, e.dest, c, c.Settings); err != nil {
		b.Fatal(err)
	}
	var batch []backlogsync.Row
	err = catalog.Fetch(ctx, e.client, "Issues", catalog.Query{Account: "demo"}, func(r backlogsync.Row) error {
		batch = append(batch, r)
		if len(batch) == 5000 {
			_, err := e.dest.Write(ctx, backlogsync.Batch{Table: c.Table, Upserts: batch})
			batch = nil
			return err
		}
		return nil
	})
	if err == nil && len(batch) > 0 {
		_, err = e.dest.Write(ctx, backlogsync.Batch{Table: c.Table, Upserts: batch})
	}
	if err != nil {
		b.Fatal(err)
	}
	batch = nil
	stmt := checkStmtB(b, "CHECKCACHE Issues").(*jobsql.CheckCache)
	// A low GOGC keeps the heap close to the live data, so the peak
	// measures what CHECKCACHE holds (its index, a page of rows) rather
	// than the garbage the in-process emulator leaves between collections.
	defer debug.SetGCPercent(debug.SetGCPercent(5))
	b.ResetTimer()
	for b.Loop() {
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		peak := base.HeapInuse
		done := make(chan struct{})
		sampled := make(chan uint64)
		go func() {
			var m runtime.MemStats
			p := peak
			for {
				select {
				case <-done:
					sampled <- p
					return
				case <-time.After(time.Millisecond):
					runtime.ReadMemStats(&m)
					p = max(p, m.HeapInuse)
				}
			}
		}()
		rep, err := e.eng.checkCache(ctx, stmt)
		close(done)
		peak = <-sampled
		if err != nil || !rep.Clean() || rep.Checked != 100_000 {
			b.Fatalf("%+v %v", rep, err)
		}
		b.ReportMetric(float64(peak-base.HeapInuse)/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(peak-base.HeapInuse)/float64(rep.Checked), "heap-B/row")
	}
}

func checkStmtB(b *testing.B, src string) jobsql.Statement {
	st, err := jobsql.Parse("jobs.sql", src)
	if err != nil {
		b.Fatal(err)
	}
	return st[0]
}
