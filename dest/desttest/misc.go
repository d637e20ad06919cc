package desttest

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bs "github.com/backlogsync/backlogsync"
)

func (s *suite) checkpointTests(t *testing.T) {
	s.test(t, "Scopes", func(t *testing.T, d bs.Destination) {
		a, b := s.name("jobA/acme"), s.name("jobB/acme")
		if v, ok, err := d.Checkpoint(ctx, a, "Issues"); v != "" || ok || err != nil {
			t.Errorf("missing checkpoint = %q, %v, %v; want \"\", false, nil", v, ok, err)
		}
		for _, c := range []bs.Checkpoint{{Scope: a, Key: "Issues", Value: "2024-01-01"}, {Scope: a, Key: "Users", Value: ""}, {Scope: b, Key: "Issues", Value: "x"}, {Scope: a, Key: "Issues", Value: "2024-01-02"}} {
			if _, err := d.Write(ctx, bs.Batch{Checkpoint: &c}); err != nil {
				t.Fatal(err)
			}
		}
		if v, ok, _ := d.Checkpoint(ctx, a, "Users"); !ok || v != "" {
			t.Errorf("empty checkpoint value = %q, %v; want \"\", true", v, ok)
		}
		got, err := d.Checkpoints(ctx, a)
		want := []bs.Checkpoint{{Scope: a, Key: "Issues", Value: "2024-01-02"}, {Scope: a, Key: "Users", Value: ""}}
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("Checkpoints(a) = %v, %v; want %v", got, err, want)
		}
		all, err := d.Checkpoints(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		var ours []bs.Checkpoint
		for _, c := range all {
			if c.Scope == a || c.Scope == b {
				ours = append(ours, c)
			}
		}
		if want := append(want, bs.Checkpoint{Scope: b, Key: "Issues", Value: "x"}); !slices.Equal(ours, want) {
			t.Errorf("Checkpoints(\"\") = %v; want %v among them, in order", ours, want)
		}
		if err := d.ResetCheckpoints(ctx, a); err != nil {
			t.Fatal(err)
		}
		if got, _ := d.Checkpoints(ctx, a); len(got) != 0 {
			t.Errorf("after reset: %v", got)
		}
		if v, ok, _ := d.Checkpoint(ctx, b, "Issues"); !ok || v != "x" {
			t.Errorf("reset of scope a touched scope b: %q %v", v, ok)
		}
	})
}

// everyType has one column of each type (two of TEXT).
func everyType(name string) *bs.Table {
	return &bs.Table{Name: name, PrimaryKey: []string{"Id"}, Columns: []bs.Column{
		{Name: "Id", Type: bs.TypeInt},
		{Name: "Count", Type: bs.TypeInt, Nullable: true},
		{Name: "Hours", Type: bs.TypeFloat, Nullable: true},
		{Name: "Flag", Type: bs.TypeBool, Nullable: true},
		{Name: "Summary", Type: bs.TypeText, Nullable: true},
		{Name: "Due", Type: bs.TypeDate, Nullable: true},
		{Name: "Updated", Type: bs.TypeTimestamp, Nullable: true},
		{Name: "Custom", Type: bs.TypeJSON, Nullable: true},
	}}
}

func (s *suite) typeTests(t *testing.T) {
	s.test(t, "RoundTrip", func(t *testing.T, d bs.Destination) {
		s.roundTrip(t, d, 0)
	})
	// The same values in a batch large enough for the destination's bulk
	// path (PostgreSQL's COPY), padded with plain rows.
	s.test(t, "RoundTripBulk", func(t *testing.T, d bs.Destination) {
		s.roundTrip(t, d, s.bulkRows())
	})
	s.test(t, "JSON", func(t *testing.T, d bs.Destination) {
		docs := []string{
			`{"b":1,"a":2}`,
			` { "spaced" : [ 1 , 2 ] } `,
			`{"dup":1,"dup":2}`,
			`{"n":[1e3,-0.5,12345678901234567890,1.0]}`,
			`{"text":"課題 🎉 \"quoted\" \\ \n","esc":"\u00e9\ud83c\udf89"}`,
			`{"nested":{"a":{"b":{"c":[true,false,null]}}}}`,
			`null`,
		}
		for _, n := range []int{len(docs), s.bulkRows()} {
			tb := everyType(s.name("JSON"))
			migrate(t, d, tb)
			var rows []bs.Row
			for i := range n {
				rows = append(rows, bs.Row{int64(i + 1), nil, nil, nil, nil, nil, nil, docs[i%len(docs)]})
			}
			write(t, d, bs.Batch{Table: tb, Upserts: rows})
			got := query(t, d, tb.Name, bs.Query{Columns: []string{"Id", "Custom"}, Limit: len(docs)})
			for i, r := range got {
				// Duplicate keys: the last one wins, as in every JSON
				// reader that keeps one (ECMAScript's JSON.parse, Go's
				// encoding/json, PostgreSQL's JSONB).
				want := docs[i]
				if s, ok := r[1].(string); !ok || !jsonEqual(s, want) {
					t.Errorf("%d rows: JSON %s read back as %v", n, want, r[1])
				}
			}
			if len(got) != len(docs) {
				t.Errorf("%d rows: read %d back; want %d", n, len(got), len(docs))
			}
		}
	})
}

// bulkRows returns a batch size at or above the destination's bulk
// threshold (Opt.BulkRows), or 1,000 when it has none.
func (s *suite) bulkRows() int {
	if s.opt.BulkRows > 0 {
		return s.opt.BulkRows
	}
	return 1000
}

// roundTrip writes a row of every kind of value (NULLs, 64-bit ids, emoji,
// 1 MiB text, time zones, dates, JSON) into a table of every type, in one
// batch of at least pad rows, and reads it back.
func (s *suite) roundTrip(t *testing.T, d bs.Destination, pad int) {
	tb := everyType(s.name("Types"))
	migrate(t, d, tb)
	jst := time.FixedZone("JST", 9*3600)
	pst := time.FixedZone("PST", -8*3600)
	big := strings.Repeat("課題🎉x", 1<<20/11+1)[:1<<20] // 1 MiB, cut at a byte boundary below
	big = strings.ToValidUTF8(big, "")
	in := []bs.Row{
		{int64(1), nil, nil, nil, nil, nil, nil, nil},
		{int64(2), int64(0), 0.0, false, "", date(1970, 1, 1), utc(1970, 1, 1, 0, 0, 0), `{}`},
		{int64(1<<53 + 1), int64(math.MaxInt64), 1.25, true, "課題の件名 — 日本語", date(2024, 2, 29), time.Date(2024, 3, 1, 9, 30, 15, 999_999_999, jst), `{"a":[1,2,{"b":null}]}`},
		{int64(-1 << 53), int64(math.MinInt64), -0.5, true, "emoji 🎉👍🏽 and ZWJ 👨‍👩‍👧", time.Date(2024, 3, 1, 23, 0, 0, 0, pst), time.Date(2023, 12, 31, 20, 0, 0, 0, pst), `1.0`},
		{int64(-7), int64(-1), 1e300, false, "quotes ' \" \\ back\nslash\ttab %_", date(1, 1, 1), utc(9999, 12, 31, 23, 59, 59), `"007"`},
		{int64(1 << 62), int64(9007199254740993), 5e-324, nil, big, date(9999, 12, 31), nil, `[]`},
		{int64(3), int64(123), 7.75, false, "0123", nil, utc(2000, 2, 29, 12, 0, 0), `123`},
		// Text that COPY's text format would have to escape, and infinities.
		{int64(4), int64(-9), math.Inf(1), true, "\\N", date(2000, 1, 1), utc(2000, 1, 1, 0, 0, 0), `"\\N"`},
		{int64(5), nil, math.Inf(-1), nil, "\\.\r\n\\x00", nil, nil, `{"\\.":"\\N"}`},
	}
	for i := range pad {
		in = append(in, bs.Row{int64(1000 + i), int64(i), float64(i) / 4, i%2 == 0, fmt.Sprintf("row %d 🎉", i),
			date(2024, 1, 1+i%28), utc(2024, 1, 1, 0, 0, i%60).In(jst), fmt.Sprintf(`{"i":%d}`, i)})
	}
	want := wantJSON(tb, in)
	// Normalised: timestamps in UTC at second precision, dates keep
	// their calendar date.
	want[2][6] = utc(2024, 3, 1, 0, 30, 15)
	want[3][5] = date(2024, 3, 1)
	want[3][6] = utc(2024, 1, 1, 4, 0, 0)
	for _, r := range want {
		if tm, ok := r[6].(time.Time); ok {
			r[6] = tm.UTC()
		}
	}
	res := write(t, d, bs.Batch{Table: tb, Upserts: in})
	if res != (bs.WriteResult{Inserted: int64(len(in))}) {
		t.Errorf("counts %+v; want %d inserted", res, len(in))
	}
	got := query(t, d, tb.Name, bs.Query{})
	slices.SortFunc(want, func(a, b bs.Row) int { return int(sign(a[0].(int64) - b[0].(int64))) })
	if !equalRows(got, want) {
		bad := 0
		for i := range max(len(got), len(want)) {
			if i >= len(got) || i >= len(want) || !equalRow(got[i], want[i]) {
				var g, w bs.Row
				if i < len(got) {
					g = got[i]
				}
				if i < len(want) {
					w = want[i]
				}
				t.Errorf("row %d:\n got %s\nwant %s", i, fmtRows([]bs.Row{g}), fmtRows([]bs.Row{w}))
				if bad++; bad == 10 {
					break
				}
			}
		}
	}
	// Values come back as the documented Go types.
	for _, r := range got {
		if err := tb.CheckRow(r); err != nil {
			t.Error(err)
		}
	}
	// The key above 2^53 is found exactly, not through a float.
	checkRows(t, "lookup of 2^53+1", query(t, d, tb.Name, bs.Query{Columns: []string{"Id"},
		Filter: bs.Cmp{Column: "Id", Op: bs.OpEq, Value: int64(1<<53 + 1)}}), []bs.Row{{int64(1<<53 + 1)}})
	// Writing the same rows again changes none: every value reads back
	// equal to what was written, so no row counts as updated.
	res = write(t, d, bs.Batch{Table: tb, Upserts: in})
	if res != (bs.WriteResult{}) {
		t.Errorf("second write counts %+v; want nothing inserted or updated (the rows are unchanged)", res)
	}
	checkRows(t, "after rewriting", query(t, d, tb.Name, bs.Query{}), want)
}

func sign(n int64) int64 {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func (s *suite) nameTests(t *testing.T) {
	s.test(t, "SchemasAndPrefixes", func(t *testing.T, d bs.Destination) {
		base := s.name("Issues")
		schema := s.name("PROD")
		names := []string{
			base,
			bs.TableName{Schema: schema, Name: base}.String(),
			"PFX_" + base,
			bs.TableName{Schema: schema, Name: "PFX_" + base}.String(),
		}
		for i, n := range names {
			tb := issues(n)
			migrate(t, d, tb)
			write(t, d, bs.Batch{Table: tb, Upserts: []bs.Row{issueRow(int64(i+1), n)}})
		}
		listed := tables(t, d)
		for i, n := range names {
			checkRows(t, n, query(t, d, n, bs.Query{}), []bs.Row{issueRow(int64(i+1), n)})
			if findTable(listed, n) == nil {
				t.Errorf("Tables does not list %s", n)
			}
		}
		if err := d.Drop(ctx, names[1]); err != nil {
			t.Fatal(err)
		}
		checkRows(t, "unqualified table after dropping the schema's", query(t, d, base, bs.Query{}), []bs.Row{issueRow(1, base)})
		checkRows(t, "other table in the schema", query(t, d, names[3], bs.Query{}), []bs.Row{issueRow(4, names[3])})
	})
}

func (s *suite) tableTests(t *testing.T) {
	s.test(t, "List", func(t *testing.T, d bs.Destination) {
		b, a := s.name("B"), s.name("A")
		migrate(t, d, issues(b))
		migrate(t, d, everyType(a))
		ts := tables(t, d)
		var ours []string
		for _, tb := range ts {
			if strings.HasPrefix(strings.ToLower(tb.Name), bs.ReservedPrefix) {
				t.Errorf("Tables lists internal table %s", tb.Name)
			}
			if tb.Name == a || tb.Name == b {
				ours = append(ours, tb.Name)
			}
		}
		if !slices.IsSorted(namesOf(ts)) {
			t.Errorf("Tables not sorted by name: %v", namesOf(ts))
		}
		if len(ours) != 2 {
			t.Fatalf("Tables lists %v of ours; want %s and %s", ours, a, b)
		}
		want := everyType(a)
		got := findTable(ts, a)
		for i, c := range want.Columns {
			if got.Columns[i].Name != c.Name || !sameStoredType(c.Type, got.Columns[i].Type) {
				t.Errorf("column %d: %s %v; want %s %v", i, got.Columns[i].Name, got.Columns[i].Type, c.Name, c.Type)
			}
		}
	})

	s.test(t, "Truncate", func(t *testing.T, d bs.Destination) {
		tb := issues(s.name("Issues"))
		scope := s.name("scope")
		migrate(t, d, tb)
		write(t, d, bs.Batch{Table: tb, Upserts: []bs.Row{issueRow(1, "a")}, Checkpoint: &bs.Checkpoint{Scope: scope, Key: "k", Value: "v"}})
		if err := d.Truncate(ctx, tb.Name); err != nil {
			t.Fatal(err)
		}
		checkRows(t, "after truncate", query(t, d, tb.Name, bs.Query{}), nil)
		if _, ok, _ := d.Checkpoint(ctx, scope, "k"); !ok {
			t.Errorf("truncate removed the checkpoint")
		}
		write(t, d, bs.Batch{Table: tb, Upserts: []bs.Row{issueRow(2, "b")}})
		checkRows(t, "write after truncate", query(t, d, tb.Name, bs.Query{}), []bs.Row{issueRow(2, "b")})
		wantCode(t, "truncate unknown", d.Truncate(ctx, s.name("Nope")), bs.ENOTFOUND)
	})

	s.test(t, "Drop", func(t *testing.T, d bs.Destination) {
		tb := issues(s.name("Issues"))
		migrate(t, d, tb)
		write(t, d, bs.Batch{Table: tb, Upserts: []bs.Row{issueRow(1, "a")}})
		if err := d.Drop(ctx, tb.Name); err != nil {
			t.Fatal(err)
		}
		if findTable(tables(t, d), tb.Name) != nil {
			t.Errorf("dropped table still listed")
		}
		wantCode(t, "query dropped", d.Query(ctx, tb.Name, bs.Query{}, func(bs.Row) error { return nil }), bs.ENOTFOUND)
		_, err := d.Write(ctx, bs.Batch{Table: tb, Upserts: []bs.Row{issueRow(1, "a")}})
		wantCode(t, "write dropped", err, bs.ENOTFOUND)
		wantCode(t, "drop again", d.Drop(ctx, tb.Name), bs.ENOTFOUND)
		// Recreated with another definition, from scratch.
		other := everyType(tb.Name)
		migrate(t, d, other)
		checkRows(t, "recreated", query(t, d, tb.Name, bs.Query{}), nil)
	})
}

func namesOf(ts []*bs.Table) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Name
	}
	return out
}

func (s *suite) runTests(t *testing.T) {
	// The accounts of a job start their runs at the same moment.
	s.test(t, "ConcurrentStartRun", func(t *testing.T, d bs.Destination) {
		job := s.name("job")
		const n = 8
		ids := make([]int64, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				ids[i], errs[i] = d.StartRun(context.Background(), bs.Run{Job: job, Account: fmt.Sprint("a", i), Started: time.Now()})
			})
		}
		wg.Wait()
		seen := map[int64]bool{}
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("concurrent StartRun %d: %v", i, errs[i])
			}
			if seen[ids[i]] {
				t.Errorf("concurrent StartRun returned id %d twice", ids[i])
			}
			seen[ids[i]] = true
		}
	})
	s.test(t, "StartFinish", func(t *testing.T, d bs.Destination) {
		job := s.name("job")
		t0 := time.Date(2024, 6, 1, 10, 0, 0, 500, time.FixedZone("JST", 9*3600))
		id1, err := d.StartRun(ctx, bs.Run{Job: job, Account: "acme", Started: t0})
		if err != nil {
			t.Fatal(err)
		}
		id2, err := d.StartRun(ctx, bs.Run{Job: job, Account: "other", Started: t0.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if id1 <= 0 || id2 <= id1 {
			t.Errorf("run ids %d, %d; want positive and increasing", id1, id2)
		}
		runs, err := d.Runs(ctx, job, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != 2 || runs[0].ID != id2 || runs[1].ID != id1 || runs[1].Status != bs.RunRunning ||
			!runs[1].Started.Equal(utc(2024, 6, 1, 1, 0, 0)) || runs[1].Account != "acme" || !runs[1].Finished.IsZero() {
			t.Fatalf("runs after start: %+v", runs)
		}
		done := bs.Run{ID: id1, Finished: t0.Add(90 * time.Second), Status: bs.RunPartial, Error: "Issues: 500 from Backlog",
			Requests: bs.Requests{Read: 1200, Update: 0, Search: 7, Icon: 2}, Waits429: 3, WaitTime: 61500 * time.Millisecond,
			Tables: []bs.RunTable{
				{Table: "Users", Inserted: 3, CursorBefore: "", CursorAfter: ""},
				{Table: "Issues", Inserted: 100, Updated: 20, Deleted: 1, Altered: 2, CursorBefore: "2024-05-31", CursorAfter: "2024-06-01"},
			},
			// Kept in their order, not sorted.
			Warnings: []bs.RunWarning{
				{Table: "Users", Kind: bs.WarnZeroRows, Message: "Users: a full refresh read no rows; 3 were stored and are deleted"},
				{Table: "Issues", Kind: bs.WarnAltered, Message: "Issues: 2 values altered — 'é' \u2028"},
				{Kind: bs.WarnNoRows, Message: "the run moved no rows"},
			}}
		if err := d.FinishRun(ctx, done); err != nil {
			t.Fatal(err)
		}
		runs, err = d.Runs(ctx, job, 1)
		if err != nil || len(runs) != 1 || runs[0].ID != id2 {
			t.Fatalf("Runs(limit 1) = %+v, %v; want run %d only", runs, err, id2)
		}
		runs, _ = d.Runs(ctx, job, 0)
		got := runs[1]
		want := done
		want.Job, want.Account, want.Started, want.Finished = job, "acme", utc(2024, 6, 1, 1, 0, 0), utc(2024, 6, 1, 1, 1, 30)
		want.Tables = []bs.RunTable{done.Tables[1], done.Tables[0]} // by table name
		if !runsEqual(got, want) {
			t.Errorf("finished run:\n got %+v\nwant %+v", got, want)
		}
		if one, err := d.Run(ctx, id1); err != nil || !runsEqual(one, want) {
			t.Errorf("Run(%d):\n got %+v, %v\nwant %+v", id1, one, err, want)
		}
		_, err = d.Run(ctx, id2+1000)
		wantCode(t, "Run of an unknown id", err, bs.ENOTFOUND)
		// Finishing again replaces the outcome.
		done.Status, done.Error, done.Tables = bs.RunOK, "", done.Tables[:1]
		if runs[0].Warnings != nil {
			t.Errorf("run %d has warnings %+v; want none", runs[0].ID, runs[0].Warnings)
		}
		if err := d.FinishRun(ctx, done); err != nil {
			t.Fatal(err)
		}
		runs, _ = d.Runs(ctx, job, 0)
		if runs[1].Status != bs.RunOK || runs[1].Error != "" || len(runs[1].Tables) != 1 || len(runs[1].Warnings) != 3 {
			t.Errorf("refinished run: %+v", runs[1])
		}
		wantCode(t, "finish unknown run", d.FinishRun(ctx, bs.Run{ID: id2 + 1000, Status: bs.RunOK}), bs.ENOTFOUND)
		all, err := d.Runs(ctx, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range all {
			if r.Job == job {
				n++
			}
		}
		if n != 2 || !slices.IsSortedFunc(all, func(a, b bs.Run) int { return int(sign(b.ID - a.ID)) }) {
			t.Errorf("Runs(\"\") has %d of ours (want 2) or is not newest first", n)
		}
	})
	s.test(t, "Skipped", func(t *testing.T, d bs.Destination) {
		// serve's scheduler records a run it skipped (the previous one was
		// still going): started and finished at the due time, status skipped.
		job := s.name("job")
		due := time.Date(2024, 6, 1, 10, 15, 0, 0, time.UTC)
		id, err := d.StartRun(ctx, bs.Run{Job: job, Account: "acme", Started: due})
		if err != nil {
			t.Fatal(err)
		}
		skip := bs.Run{ID: id, Finished: due, Status: bs.RunSkipped, Error: "the previous run was still going"}
		if err := d.FinishRun(ctx, skip); err != nil {
			t.Fatal(err)
		}
		runs, err := d.Runs(ctx, job, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != 1 || runs[0].Status != bs.RunSkipped || runs[0].Error != skip.Error ||
			!runs[0].Started.Equal(due) || !runs[0].Finished.Equal(due) || len(runs[0].Tables) != 0 {
			t.Errorf("skipped run read back as %+v", runs)
		}
	})
}

func runsEqual(a, b bs.Run) bool {
	return a.ID == b.ID && a.Job == b.Job && a.Account == b.Account && a.Started.Equal(b.Started) &&
		a.Finished.Equal(b.Finished) && a.Status == b.Status && a.Error == b.Error && a.Requests == b.Requests &&
		a.Waits429 == b.Waits429 && a.WaitTime == b.WaitTime && slices.Equal(a.Tables, b.Tables) && slices.Equal(a.Warnings, b.Warnings)
}
