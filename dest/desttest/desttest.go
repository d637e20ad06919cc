// Package desttest is the conformance suite every backlogsync.Destination
// passes. A destination's test calls Run with a function that opens a fresh
// (or at least usable) destination; the suite then checks, reading back only
// through the Destination interface:
//
//   - Migrate: create, add columns, widen types, refuse narrowing and key
//     changes atomically, reject invalid tables;
//   - Write: upsert by single and composite keys, delete, counts, the
//     checkpoint stored atomically with the rows (a batch failing part-way
//     leaves neither), checkpoint-only batches, errors;
//   - Checkpoints: missing, scoped, listed, reset;
//   - Types: every column type round-tripping (NULLs, Japanese and emoji
//     text, 1 MiB text, time zones normalised to UTC, dates, fractional
//     numbers, ids above 2^53 and negative);
//   - Names: schemas and prefixes; Truncate and Drop; Tables;
//   - Runs: the runs table;
//   - Query: projections, every filter operator with SQL's NULL logic,
//     ordering, limit and offset, errors.
//
// Tables, schemas, checkpoint scopes and job names are unique per Run, so a
// destination backed by a shared server database may be reused between
// subtests and runs. Opt.Skip names the subtests a destination cannot pass,
// with the reason, as data next to the destination's test.
package desttest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	bs "github.com/backlogsync/backlogsync"
)

// Opt tunes Run for one destination.
type Opt struct {
	// Skip maps a subtest path below Run (e.g. "Migrate/Widen") to the
	// reason the destination cannot pass it. A skipped parent skips its
	// children.
	Skip map[string]string
	// BulkRows is the number of upserts from which the destination writes
	// a batch another way (PostgreSQL's COPY into a staging table); the
	// suite writes batches on both sides of it. 0: the suite uses 1,000.
	BulkRows int
	// Rejected, when set, is a row value that passes the Destination's
	// own checks but that its database refuses while writing, so that the
	// suite can fail a large batch inside the database and check that
	// nothing of it is applied. (Text a database cannot store is not such
	// a value: the storable-text policy alters it, see Types/Storable.)
	Rejected *Rejected
}

// Rejected is a value of a column type that a destination's database
// refuses (for PostgreSQL, a JSON column's text that is not JSON).
type Rejected struct {
	Type  bs.Type
	Value any
}

// Run runs the suite. open is called once per leaf subtest; Run closes what
// it returns when the subtest ends.
func Run(t *testing.T, open func(t *testing.T) bs.Destination, opt Opt) {
	s := &suite{open: open, opt: opt, root: t.Name(),
		prefix: fmt.Sprintf("T%06d", time.Now().UnixNano()/1000%1000000)}
	s.group(t, "Migrate", s.migrateTests)
	s.group(t, "Write", s.writeTests)
	s.group(t, "WriteAll", s.writeAllTests)
	s.group(t, "Checkpoint", s.checkpointTests)
	s.group(t, "Types", s.typeTests)
	s.group(t, "Storable", s.storableTests)
	s.group(t, "Lease", s.leaseTests)
	s.group(t, "Names", s.nameTests)
	s.group(t, "Tables", s.tableTests)
	s.group(t, "Runs", s.runTests)
	s.group(t, "Query", s.queryTests)
	s.group(t, "Terms", s.termTests)
	s.group(t, "Snapshots", s.snapshotTests)
}

type suite struct {
	open   func(t *testing.T) bs.Destination
	opt    Opt
	root   string
	prefix string
	n      atomic.Int64
}

// path returns t's name relative to Run's.
func (s *suite) path(t *testing.T) string {
	return strings.TrimPrefix(strings.TrimPrefix(t.Name(), s.root), "/")
}

func (s *suite) skip(t *testing.T) {
	t.Helper()
	p := s.path(t)
	for k, why := range s.opt.Skip {
		if p == k || strings.HasPrefix(p, k+"/") {
			t.Skipf("skipped by Opt.Skip: %s", why)
		}
	}
}

func (s *suite) group(t *testing.T, name string, fn func(t *testing.T)) {
	t.Run(name, func(t *testing.T) {
		s.skip(t)
		fn(t)
	})
}

// test runs a leaf subtest with a fresh destination.
func (s *suite) test(t *testing.T, name string, fn func(t *testing.T, d bs.Destination)) {
	t.Run(name, func(t *testing.T) {
		s.skip(t)
		d := s.open(t)
		t.Cleanup(func() {
			s.dropOwn(d)
			d.Close()
		})
		fn(t, d)
	})
}

// dropOwn drops the tables this run of the suite created, so that a shared
// test server does not fill up with them (listing and describing tables
// slows down with thousands of them on MariaDB).
func (s *suite) dropOwn(d bs.Destination) {
	list, err := d.Tables(ctx)
	if err != nil {
		return
	}
	for _, tb := range list {
		if strings.Contains(tb.Name, s.prefix+"_") {
			_ = d.Drop(ctx, tb.Name)
		}
	}
}

// name returns a table name unique to this run.
func (s *suite) name(base string) string {
	return fmt.Sprintf("%s_%d_%s", s.prefix, s.n.Add(1), base)
}

var ctx = context.Background()

// Helpers.

func migrate(t *testing.T, d bs.Destination, tb *bs.Table) {
	t.Helper()
	if err := d.Migrate(ctx, tb); err != nil {
		t.Fatalf("Migrate(%s): %v", tb.Name, err)
	}
}

func write(t *testing.T, d bs.Destination, b bs.Batch) bs.WriteResult {
	t.Helper()
	res, err := d.Write(ctx, b)
	if err != nil {
		t.Fatalf("Write(%s): %v", b.Table.Name, err)
	}
	return res
}

func query(t *testing.T, d bs.Destination, table string, q bs.Query) []bs.Row {
	t.Helper()
	var out []bs.Row
	if err := d.Query(ctx, table, q, func(r bs.Row) error { out = append(out, r); return nil }); err != nil {
		t.Fatalf("Query(%s, %+v): %v", table, q, err)
	}
	return out
}

func wantCode(t *testing.T, what string, err error, code string, mention ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error; want %s", what, code)
		return
	}
	if got := bs.ErrorCode(err); got != code {
		t.Errorf("%s: error %q has code %q; want %s", what, err, got, code)
	}
	for _, m := range mention {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("%s: error %q does not mention %q", what, err, m)
		}
	}
}

func equalRows(a, b []bs.Row) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !equalRow(a[i], b[i]) {
			return false
		}
	}
	return true
}

func equalRow(a, b bs.Row) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !equalValue(a[i], b[i]) {
			return false
		}
	}
	return true
}

func equalValue(a, b any) bool {
	if ja, ok := a.(jsonText); ok {
		a = string(ja)
		if sb, ok := b.(string); ok {
			return jsonEqual(string(ja), sb)
		}
	}
	if jb, ok := b.(jsonText); ok {
		b = string(jb)
		if sa, ok := a.(string); ok {
			return jsonEqual(sa, string(jb))
		}
	}
	ta, ok1 := a.(time.Time)
	tb, ok2 := b.(time.Time)
	if ok1 || ok2 {
		return ok1 && ok2 && ta.Equal(tb) && ta.Location() == time.UTC && tb.Location() == time.UTC
	}
	fa, ok1 := a.(float64)
	fb, ok2 := b.(float64)
	if ok1 && ok2 {
		return fa == fb || (math.IsNaN(fa) && math.IsNaN(fb))
	}
	return reflect.DeepEqual(a, b)
}

func checkRows(t *testing.T, what string, got, want []bs.Row) {
	t.Helper()
	if equalRows(got, want) {
		return
	}
	if len(got) <= 10 && len(want) <= 10 {
		t.Errorf("%s:\n got %s\nwant %s", what, fmtRows(got), fmtRows(want))
		return
	}
	i := 0
	for i < len(got) && i < len(want) && equalRow(got[i], want[i]) {
		i++
	}
	var g, w []bs.Row
	if i < len(got) {
		g = got[i : i+1]
	}
	if i < len(want) {
		w = want[i : i+1]
	}
	t.Errorf("%s: %d rows, want %d; first difference at row %d:\n got %s\nwant %s", what, len(got), len(want), i, fmtRows(g), fmtRows(w))
}

func fmtRows(rs []bs.Row) string {
	var b strings.Builder
	b.WriteString("[")
	for i, r := range rs {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString("(")
		for j, v := range r {
			if j > 0 {
				b.WriteString(", ")
			}
			s := fmt.Sprintf("%T %v", v, v)
			if len(s) > 60 {
				s = s[:60] + "…"
			}
			if tm, ok := v.(time.Time); ok {
				s = "time " + tm.Format(time.RFC3339Nano) + "@" + tm.Location().String()
			}
			b.WriteString(s)
		}
		b.WriteString(")")
	}
	b.WriteString("]")
	return b.String()
}

// ids returns the first column (an int64 id) of each row.
func ids(rs []bs.Row) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r[0].(int64)
	}
	return out
}

func utc(y int, m time.Month, d, hh, mm, ss int) time.Time {
	return time.Date(y, m, d, hh, mm, ss, 0, time.UTC)
}

func date(y int, m time.Month, d int) time.Time { return utc(y, m, d, 0, 0, 0) }

func findTable(ts []*bs.Table, name string) *bs.Table {
	for _, t := range ts {
		if t.Name == name {
			return t
		}
	}
	return nil
}

func tables(t *testing.T, d bs.Destination) []*bs.Table {
	t.Helper()
	ts, err := d.Tables(ctx)
	if err != nil {
		t.Fatalf("Tables: %v", err)
	}
	return ts
}

// sameStoredType accepts JSON reported as TEXT.
func sameStoredType(want, got bs.Type) bool {
	return want == got || (want == bs.TypeJSON && got == bs.TypeText)
}

var errStop = errors.New("stop")

func timeHours(n int64) time.Duration { return time.Duration(n) * time.Hour }

func jst() *time.Location { return time.FixedZone("JST", 9*3600) }
