package sqlite

import (
	"net/url"
	"strings"
	"testing"

	bs "github.com/backlogsync/backlogsync"
)

func TestDriverDSN(t *testing.T) {
	all := []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)", "foreign_keys(0)", "cache_size(-16384)", "wal_autocheckpoint(10000)"}
	cases := []struct {
		in       string
		path     string
		pragmas  []string
		txlock   string
		memory   bool
		keepVals map[string]string
	}{
		{in: "backlog.db", path: "backlog.db", pragmas: all, txlock: "immediate"},
		{in: "/abs/dir/back log.db", path: "/abs/dir/back log.db", pragmas: all, txlock: "immediate"},
		{in: "file:/abs/b.db?mode=ro", path: "/abs/b.db", pragmas: all, txlock: "immediate", keepVals: map[string]string{"mode": "ro"}},
		{in: "file:b.db?_pragma=busy_timeout(5000)&_pragma=journal_mode(DELETE)", path: "b.db", txlock: "immediate",
			pragmas: []string{"busy_timeout(5000)", "journal_mode(DELETE)", "synchronous(NORMAL)", "foreign_keys(0)", "cache_size(-16384)", "wal_autocheckpoint(10000)"}},
		{in: "file:b.db?_txlock=deferred&_pragma=foreign_keys=1", path: "b.db", txlock: "deferred",
			pragmas: []string{"foreign_keys=1", "busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)", "cache_size(-16384)", "wal_autocheckpoint(10000)"}},
		{in: ":memory:", path: ":memory:", memory: true, txlock: "immediate",
			pragmas: []string{"busy_timeout(10000)", "synchronous(NORMAL)", "foreign_keys(0)", "cache_size(-16384)", "wal_autocheckpoint(10000)"}},
		{in: "file:x?mode=memory&cache=shared", path: "x", memory: true, txlock: "immediate",
			pragmas: []string{"busy_timeout(10000)", "synchronous(NORMAL)", "foreign_keys(0)", "cache_size(-16384)", "wal_autocheckpoint(10000)"}, keepVals: map[string]string{"cache": "shared"}},
	}
	for _, c := range cases {
		got, memory, err := driverDSN(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		path, query, _ := strings.Cut(strings.TrimPrefix(got, "file:"), "?")
		vals, _ := url.ParseQuery(query)
		if path != c.path || memory != c.memory || vals.Get("_txlock") != c.txlock {
			t.Errorf("%q → %q (memory %v); want path %q, memory %v, _txlock %s", c.in, got, memory, c.path, c.memory, c.txlock)
		}
		if strings.Join(vals["_pragma"], " ") != strings.Join(c.pragmas, " ") {
			t.Errorf("%q: pragmas %v; want %v", c.in, vals["_pragma"], c.pragmas)
		}
		for k, v := range c.keepVals {
			if vals.Get(k) != v {
				t.Errorf("%q: lost %s=%s: %q", c.in, k, v, got)
			}
		}
	}
	for _, bad := range []string{"", "file:b.db?%zz"} {
		if _, _, err := driverDSN(bad); bs.ErrorCode(err) != bs.EINVALID {
			t.Errorf("%q: %v; want EINVALID", bad, err)
		}
	}
}

func TestUpsertSQL(t *testing.T) {
	d := Dialect{}
	got := d.UpsertSQL(`"T"`, []string{`"A"`, `"B"`, `"C"`}, []string{`"A"`}, 2)
	want := `INSERT OR FAIL INTO "T" ("A", "B", "C") VALUES (?, ?, ?), (?, ?, ?) ON CONFLICT ("A") DO UPDATE SET "B" = excluded."B", "C" = excluded."C" WHERE "B" IS NOT excluded."B" OR "C" IS NOT excluded."C"`
	if got != want {
		t.Errorf("UpsertSQL:\n got %s\nwant %s", got, want)
	}
	got = d.UpsertExceptSQL(`"T"`, []string{`"A"`, `"B"`, `"C"`, `"D"`}, []string{`"A"`}, []string{`"C"`}, 1)
	want = `INSERT OR FAIL INTO "T" ("A", "B", "C", "D") VALUES (?, ?, ?, ?) ON CONFLICT ("A") DO UPDATE SET "B" = excluded."B", "D" = excluded."D" WHERE "B" IS NOT excluded."B" OR "C" IS NOT excluded."C" OR "D" IS NOT excluded."D"`
	if got != want {
		t.Errorf("UpsertExceptSQL:\n got %s\nwant %s", got, want)
	}
	got = d.UpsertExceptSQL(`"T"`, []string{`"A"`, `"C"`}, []string{`"A"`}, []string{`"C"`}, 1)
	if want := `INSERT OR FAIL INTO "T" ("A", "C") VALUES (?, ?) ON CONFLICT ("A") DO NOTHING`; got != want {
		t.Errorf("UpsertExceptSQL, nothing else to set:\n got %s\nwant %s", got, want)
	}
	got = d.ProbeSQL(`"T"`, []string{`"A"`, `"B"`}, []string{`"C"`, `"D"`}, 2)
	want = `SELECT v.column1, "T"."C" IS NOT v.column4 OR "T"."D" IS NOT v.column5 FROM (VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)) AS v JOIN "T" ON "T"."A" = v.column2 AND "T"."B" = v.column3`
	if got != want {
		t.Errorf("ProbeSQL:\n got %s\nwant %s", got, want)
	}
	got = d.SetChangedSQL(`"T"`, []string{`"A"`}, []string{`"C"`}, 2)
	want = `UPDATE "T" SET "C" = v.column2 FROM (VALUES (?, ?), (?, ?)) AS v WHERE "T"."A" = v.column1 AND ("T"."C" IS NOT v.column2)`
	if got != want {
		t.Errorf("SetChangedSQL:\n got %s\nwant %s", got, want)
	}
	got = d.UpsertSQL(`"T"`, []string{`"A"`, `"B"`}, []string{`"A"`, `"B"`}, 1)
	if want := `INSERT OR FAIL INTO "T" ("A", "B") VALUES (?, ?) ON CONFLICT ("A", "B") DO NOTHING`; got != want {
		t.Errorf("key-only UpsertSQL:\n got %s\nwant %s", got, want)
	}
	if q := d.QuoteIdent(`a"b`); q != `"a""b"` {
		t.Errorf("QuoteIdent = %s", q)
	}
	if r := d.TableRef(bs.TableName{Schema: "PROD", Name: "Issues"}); r != `"PROD.Issues"` {
		t.Errorf("TableRef = %s", r)
	}
}

func TestColumnTypeRoundTrip(t *testing.T) {
	d := Dialect{}
	for ty := bs.TypeInt; ty <= bs.TypeJSON; ty++ {
		want := ty
		if ty == bs.TypeJSON {
			want = bs.TypeText
		}
		if got := columnType(d.ColumnType(ty, false)); got != want {
			t.Errorf("%v → %s → %v", ty, d.ColumnType(ty, false), got)
		}
	}
	for decl, want := range map[string]bs.Type{"integer": bs.TypeInt, "VARCHAR": bs.TypeText, "DATETIME": bs.TypeTimestamp,
		"BLOB": bs.TypeText, "": bs.TypeText, "JSON": bs.TypeText, "DOUBLE": bs.TypeFloat} {
		if got := columnType(decl); got != want {
			t.Errorf("columnType(%q) = %v; want %v", decl, got, want)
		}
	}
}
