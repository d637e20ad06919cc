package desttest

import (
	"math"
	"strconv"
	"strings"
	"testing"

	bs "github.com/backlogsync/backlogsync"
)

func issues(name string) *bs.Table {
	return &bs.Table{
		Name: name,
		Columns: []bs.Column{
			{Name: "Id", Type: bs.TypeInt},
			{Name: "IssueKey", Type: bs.TypeText},
			{Name: "Summary", Type: bs.TypeText, Nullable: true},
			{Name: "Updated", Type: bs.TypeTimestamp},
		},
		PrimaryKey:   []string{"Id"},
		CursorColumn: "Updated",
	}
}

func (s *suite) migrateTests(t *testing.T) {
	s.test(t, "Create", func(t *testing.T, d bs.Destination) {
		tb := issues(s.name("Issues"))
		migrate(t, d, tb)
		migrate(t, d, tb) // idempotent
		got := findTable(tables(t, d), tb.Name)
		if got == nil {
			t.Fatalf("Tables does not list %s", tb.Name)
		}
		if len(got.Columns) != len(tb.Columns) {
			t.Fatalf("columns %+v; want %+v", got.Columns, tb.Columns)
		}
		for i, c := range tb.Columns {
			if got.Columns[i].Name != c.Name || got.Columns[i].Type != c.Type {
				t.Errorf("column %d = %s %v; want %s %v", i, got.Columns[i].Name, got.Columns[i].Type, c.Name, c.Type)
			}
		}
		if len(got.PrimaryKey) != 1 || got.PrimaryKey[0] != "Id" {
			t.Errorf("primary key %v; want [Id]", got.PrimaryKey)
		}
		if rows := query(t, d, tb.Name, bs.Query{}); len(rows) != 0 {
			t.Errorf("new table has rows %v", rows)
		}
	})

	s.test(t, "AddColumn", func(t *testing.T, d bs.Destination) {
		v1 := issues(s.name("Issues"))
		migrate(t, d, v1)
		write(t, d, bs.Batch{Table: v1, Upserts: []bs.Row{{int64(1), "P-1", "first", utc(2024, 1, 2, 3, 4, 5)}}})
		// v2 drops Summary (which must be kept) and adds two columns.
		v2 := &bs.Table{Name: v1.Name, PrimaryKey: v1.PrimaryKey, CursorColumn: "Updated", Columns: []bs.Column{
			v1.Columns[0], v1.Columns[1], v1.Columns[3],
			{Name: "EstimatedHours", Type: bs.TypeFloat, Nullable: true},
			{Name: "Labels", Type: bs.TypeJSON, Nullable: true},
		}}
		migrate(t, d, v2)
		migrate(t, d, v2)
		got := findTable(tables(t, d), v1.Name)
		var names []string
		for _, c := range got.Columns {
			names = append(names, c.Name)
		}
		if want := "[Id IssueKey Summary Updated EstimatedHours Labels]"; strconv.Quote(want) != strconv.Quote(fmtNames(names)) {
			t.Errorf("columns %v; want %s (kept, new ones appended)", names, want)
		}
		checkRows(t, "old row after migration", query(t, d, v1.Name, bs.Query{}),
			[]bs.Row{{int64(1), "P-1", "first", utc(2024, 1, 2, 3, 4, 5), nil, nil}})
		// A v2 upsert replaces the row but leaves the abandoned column alone;
		// a new v2 row has NULL there.
		write(t, d, bs.Batch{Table: v2, Upserts: []bs.Row{
			{int64(1), "P-1", utc(2024, 2, 1, 0, 0, 0), 1.5, `["a"]`},
			{int64(2), "P-2", utc(2024, 2, 2, 0, 0, 0), nil, nil},
		}})
		checkRows(t, "rows written after migration", query(t, d, v1.Name, bs.Query{}), []bs.Row{
			{int64(1), "P-1", "first", utc(2024, 2, 1, 0, 0, 0), 1.5, jsonText(`["a"]`)},
			{int64(2), "P-2", nil, utc(2024, 2, 2, 0, 0, 0), nil, nil},
		})
		// The original definition still writes.
		write(t, d, bs.Batch{Table: v1, Upserts: []bs.Row{{int64(3), "P-3", "third", utc(2024, 3, 3, 0, 0, 0)}}})
		checkRows(t, "v1 row", query(t, d, v1.Name, bs.Query{Filter: bs.Cmp{Column: "Id", Op: bs.OpEq, Value: 3}}),
			[]bs.Row{{int64(3), "P-3", "third", utc(2024, 3, 3, 0, 0, 0), nil, nil}})
	})

	s.test(t, "Widen", func(t *testing.T, d bs.Destination) {
		cols := func(types ...bs.Type) []bs.Column {
			out := []bs.Column{{Name: "Id", Type: bs.TypeInt}}
			for i, ty := range types {
				out = append(out, bs.Column{Name: "C" + strconv.Itoa(i), Type: ty, Nullable: true})
			}
			return out
		}
		name := s.name("Widen")
		v1 := &bs.Table{Name: name, PrimaryKey: []string{"Id"}, Columns: cols(
			bs.TypeBool, bs.TypeInt, bs.TypeDate, bs.TypeInt, bs.TypeBool, bs.TypeFloat, bs.TypeDate, bs.TypeTimestamp, bs.TypeJSON, bs.TypeBool)}
		v2 := &bs.Table{Name: name, PrimaryKey: []string{"Id"}, CursorColumn: "C2", Columns: cols(
			bs.TypeInt, bs.TypeFloat, bs.TypeTimestamp, bs.TypeText, bs.TypeText, bs.TypeText, bs.TypeText, bs.TypeText, bs.TypeText, bs.TypeFloat)}
		migrate(t, d, v1)
		ts := utc(2024, 5, 6, 7, 8, 9)
		write(t, d, bs.Batch{Table: v1, Upserts: []bs.Row{
			{int64(1), true, int64(-7), date(2024, 3, 1), int64(9007199254740993), false, 0.1, date(1999, 12, 31), ts, `{"a":1}`, true},
			{int64(2), nil, nil, nil, nil, nil, nil, nil, nil, nil, nil},
		}})
		migrate(t, d, v2)
		got := findTable(tables(t, d), name)
		for i, c := range v2.Columns {
			if got.Columns[i].Type != c.Type {
				t.Errorf("column %s is %v after widening; want %v", c.Name, got.Columns[i].Type, c.Type)
			}
		}
		rows := query(t, d, name, bs.Query{})
		if len(rows) != 2 {
			t.Fatalf("rows after widening: %v", rows)
		}
		r := rows[0]
		if f, ok := r[6].(string); !ok || parseFloat(f) != 0.1 {
			t.Errorf("DOUBLE 0.1 widened to TEXT %v; want text parsing back to 0.1", r[6])
		}
		r[6] = "0.1"
		checkRows(t, "widened values", rows, []bs.Row{
			{int64(1), int64(1), -7.0, date(2024, 3, 1), "9007199254740993", "false", "0.1", "1999-12-31", "2024-05-06T07:08:09Z", jsonText(`{"a":1}`), 1.0},
			{int64(2), nil, nil, nil, nil, nil, nil, nil, nil, nil, nil},
		})
		// v1-typed batches still write into the widened columns.
		write(t, d, bs.Batch{Table: v1, Upserts: []bs.Row{
			{int64(3), false, int64(5), date(2024, 4, 1), int64(42), true, 2.5, date(2000, 1, 2), ts, `[]`, false}}})
		r3 := query(t, d, name, bs.Query{Filter: bs.Cmp{Column: "Id", Op: bs.OpEq, Value: 3}})
		if len(r3) == 1 {
			r3[0][6] = strconv.FormatFloat(parseFloat(r3[0][6].(string)), 'g', -1, 64)
		}
		checkRows(t, "v1 batch into widened table", r3, []bs.Row{
			{int64(3), int64(0), 5.0, date(2024, 4, 1), "42", "true", "2.5", "2000-01-02", "2024-05-06T07:08:09Z", jsonText(`[]`), 0.0}})
	})

	s.test(t, "RefuseNarrowing", func(t *testing.T, d bs.Destination) {
		cases := []struct{ from, to bs.Type }{
			{bs.TypeText, bs.TypeInt}, {bs.TypeFloat, bs.TypeInt}, {bs.TypeInt, bs.TypeBool},
			{bs.TypeTimestamp, bs.TypeDate}, {bs.TypeInt, bs.TypeDate}, {bs.TypeDate, bs.TypeInt},
			{bs.TypeText, bs.TypeTimestamp}, {bs.TypeBool, bs.TypeDate},
		}
		for _, c := range cases {
			name := s.name("Narrow")
			v1 := &bs.Table{Name: name, PrimaryKey: []string{"Id"}, Columns: []bs.Column{{Name: "Id", Type: bs.TypeInt}, {Name: "Val", Type: c.from, Nullable: true}}}
			migrate(t, d, v1)
			write(t, d, bs.Batch{Table: v1, Upserts: []bs.Row{{int64(1), nil}}})
			// The same migration also adds a column: atomically refused.
			v2 := &bs.Table{Name: name, PrimaryKey: []string{"Id"}, Columns: []bs.Column{{Name: "Id", Type: bs.TypeInt},
				{Name: "Extra", Type: bs.TypeText, Nullable: true}, {Name: "Val", Type: c.to, Nullable: true}}}
			wantCode(t, c.from.String()+" → "+c.to.String(), d.Migrate(ctx, v2), bs.EINVALID, "Val")
			got := findTable(tables(t, d), name)
			if got == nil || len(got.Columns) != 2 || got.Columns[1].Type != c.from {
				t.Errorf("%v → %v: table changed by a refused migration: %+v", c.from, c.to, got)
			}
		}
	})

	s.test(t, "PrimaryKeyChange", func(t *testing.T, d bs.Destination) {
		tb := issues(s.name("Issues"))
		migrate(t, d, tb)
		changed := *tb
		changed.PrimaryKey = []string{"IssueKey"}
		wantCode(t, "changed primary key", d.Migrate(ctx, &changed), bs.EINVALID, "primary key")
	})

	s.test(t, "Invalid", func(t *testing.T, d bs.Destination) {
		good := func() *bs.Table { return issues(s.name("Bad")) }
		cases := map[string]func(*bs.Table){
			"no primary key":        func(t *bs.Table) { t.PrimaryKey = nil },
			"unknown key column":    func(t *bs.Table) { t.PrimaryKey = []string{"Nope"} },
			"duplicate column":      func(t *bs.Table) { t.Columns = append(t.Columns, bs.Column{Name: "summary", Type: bs.TypeText}) },
			"unknown cursor column": func(t *bs.Table) { t.CursorColumn = "Nope" },
			"no columns":            func(t *bs.Table) { t.Columns = nil },
			"empty column name":     func(t *bs.Table) { t.Columns[2].Name = "" },
			"unknown type":          func(t *bs.Table) { t.Columns[2].Type = 0 },
			"reserved name":         func(t *bs.Table) { t.Name = bs.ReservedPrefix + "x" },
			"empty name":            func(t *bs.Table) { t.Name = "" },
			"two dots":              func(t *bs.Table) { t.Name = "a.b.c" },
			"long name":             func(t *bs.Table) { t.Name = "T" + strings.Repeat("x", 63) },
		}
		for what, mutate := range cases {
			tb := good()
			mutate(tb)
			wantCode(t, what, d.Migrate(ctx, tb), bs.EINVALID)
		}
	})
}

func fmtNames(n []string) string { return "[" + strings.Join(n, " ") + "]" }

func parseFloat(s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return math.NaN()
	}
	return f
}
