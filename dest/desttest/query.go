package desttest

import (
	"errors"
	"slices"
	"testing"

	bs "github.com/backlogsync/backlogsync"
)

// queryData is the table the Query tests read: Id, Name, Score, Active,
// Due, Updated, Count, Custom.
func queryData(name string) (*bs.Table, []bs.Row) {
	tb := &bs.Table{Name: name, PrimaryKey: []string{"Id"}, Columns: []bs.Column{
		{Name: "Id", Type: bs.TypeInt},
		{Name: "Name", Type: bs.TypeText, Nullable: true},
		{Name: "Score", Type: bs.TypeFloat, Nullable: true},
		{Name: "Active", Type: bs.TypeBool, Nullable: true},
		{Name: "Due", Type: bs.TypeDate, Nullable: true},
		{Name: "Updated", Type: bs.TypeTimestamp, Nullable: true},
		{Name: "Count", Type: bs.TypeInt, Nullable: true},
		{Name: "Custom", Type: bs.TypeJSON, Nullable: true},
	}}
	rows := []bs.Row{
		{int64(1), "alpha", 1.5, true, date(2024, 1, 10), utc(2024, 1, 1, 9, 0, 0), int64(10), `{"k":1}`},
		{int64(2), "Alpha", 2.0, false, date(2024, 1, 20), utc(2024, 1, 2, 9, 0, 0), int64(-5), nil},
		{int64(3), "beta", nil, true, nil, utc(2024, 1, 3, 9, 0, 0), int64(0), `[]`},
		{int64(4), nil, 0.25, nil, date(2024, 2, 1), nil, nil, nil},
		{int64(5), "課題", -1.0, false, date(2023, 12, 31), utc(2023, 12, 31, 23, 59, 59), int64(1 << 60), `"x"`},
		{int64(6), "alphabet", 1.5, true, date(2024, 1, 10), utc(2024, 1, 1, 9, 0, 0), int64(10), nil},
		{int64(7), "", 100.0, false, date(2024, 3, 1), utc(2024, 3, 1, 0, 0, 0), int64(7), nil},
		{int64(8), "zeta 🎉", 3.75, true, date(2025, 1, 1), utc(2025, 1, 1, 0, 0, 0), int64(-1 << 60), nil},
	}
	return tb, rows
}

func (s *suite) queryTests(t *testing.T) {
	s.test(t, "Filter", func(t *testing.T, d bs.Destination) {
		tb, rows := queryData(s.name("Q"))
		migrate(t, d, tb)
		write(t, d, bs.Batch{Table: tb, Upserts: rows})
		cmp := func(col string, op bs.Op, v any) bs.Expr { return bs.Cmp{Column: col, Op: op, Value: v} }
		cases := []struct {
			name string
			f    bs.Expr
			want []int64
		}{
			{"nil", nil, []int64{1, 2, 3, 4, 5, 6, 7, 8}},
			{"int eq", cmp("Count", bs.OpEq, int64(10)), []int64{1, 6}},
			{"int eq go int", cmp("Count", bs.OpEq, 10), []int64{1, 6}},
			{"int eq integral float", cmp("Count", bs.OpEq, 10.0), []int64{1, 6}},
			{"int ne (NULL excluded)", cmp("Count", bs.OpNe, int64(10)), []int64{2, 3, 5, 7, 8}},
			{"int lt", cmp("Count", bs.OpLt, int64(0)), []int64{2, 8}},
			{"int le", cmp("Count", bs.OpLe, int64(0)), []int64{2, 3, 8}},
			{"int gt big", cmp("Count", bs.OpGt, int64(1<<60-1)), []int64{5}},
			{"int ge", cmp("Count", bs.OpGe, int64(7)), []int64{1, 5, 6, 7}},
			{"float eq", cmp("Score", bs.OpEq, 1.5), []int64{1, 6}},
			{"float lt int literal", cmp("Score", bs.OpLt, 1), []int64{4, 5}},
			{"float gt fraction", cmp("Score", bs.OpGt, 2.0), []int64{7, 8}},
			{"text eq case-sensitive", cmp("Name", bs.OpEq, "alpha"), []int64{1}},
			{"text eq empty", cmp("Name", bs.OpEq, ""), []int64{7}},
			{"text eq Japanese", cmp("Name", bs.OpEq, "課題"), []int64{5}},
			{"text lt byte order", cmp("Name", bs.OpLt, "alpha"), []int64{2, 7}},
			{"text ge", cmp("Name", bs.OpGe, "beta"), []int64{3, 5, 8}},
			{"contains", cmp("Name", bs.OpContains, "lph"), []int64{1, 2, 6}},
			{"contains case-sensitive", cmp("Name", bs.OpContains, "Alp"), []int64{2}},
			{"contains emoji", cmp("Name", bs.OpContains, "🎉"), []int64{8}},
			{"contains percent is literal", cmp("Name", bs.OpContains, "%"), nil},
			{"contains empty", cmp("Name", bs.OpContains, ""), []int64{1, 2, 3, 5, 6, 7, 8}},
			{"startswith", cmp("Name", bs.OpStartsWith, "alpha"), []int64{1, 6}},
			{"startswith underscore literal", cmp("Name", bs.OpStartsWith, "_"), nil},
			{"endswith", cmp("Name", bs.OpEndsWith, "bet"), []int64{6}},
			{"endswith longer than value", cmp("Name", bs.OpEndsWith, "xalpha"), nil},
			{"endswith Japanese", cmp("Name", bs.OpEndsWith, "題"), []int64{5}},
			{"json contains", cmp("Custom", bs.OpContains, `"k"`), []int64{1}},
			{"bool eq true", cmp("Active", bs.OpEq, true), []int64{1, 3, 6, 8}},
			{"bool ne true", cmp("Active", bs.OpNe, true), []int64{2, 5, 7}},
			{"bool lt true", cmp("Active", bs.OpLt, true), []int64{2, 5, 7}},
			{"date eq", cmp("Due", bs.OpEq, date(2024, 1, 10)), []int64{1, 6}},
			{"date lt", cmp("Due", bs.OpLt, date(2024, 1, 10)), []int64{5}},
			{"date ge", cmp("Due", bs.OpGe, date(2024, 2, 1)), []int64{4, 7, 8}},
			{"timestamp eq", cmp("Updated", bs.OpEq, utc(2024, 1, 1, 9, 0, 0)), []int64{1, 6}},
			{"timestamp eq other zone", cmp("Updated", bs.OpEq, utc(2024, 1, 1, 9, 0, 0).In(jst())), []int64{1, 6}},
			{"timestamp gt", cmp("Updated", bs.OpGt, utc(2024, 1, 2, 9, 0, 0)), []int64{3, 7, 8}},
			{"timestamp le", cmp("Updated", bs.OpLe, utc(2023, 12, 31, 23, 59, 59)), []int64{5}},
			{"in", bs.In{Column: "Id", Values: []any{int64(2), int64(4), int64(99)}}, []int64{2, 4}},
			{"in text", bs.In{Column: "Name", Values: []any{"beta", "課題"}}, []int64{3, 5}},
			{"in empty", bs.In{Column: "Id"}, nil},
			{"is null", bs.IsNull{Column: "Score"}, []int64{3}},
			{"is not null", bs.Not{X: bs.IsNull{Column: "Name"}}, []int64{1, 2, 3, 5, 6, 7, 8}},
			{"and", bs.And{cmp("Active", bs.OpEq, true), cmp("Score", bs.OpGe, 1.5)}, []int64{1, 6, 8}},
			{"or", bs.Or{cmp("Id", bs.OpEq, 1), cmp("Name", bs.OpEq, "beta")}, []int64{1, 3}},
			{"not", bs.Not{X: cmp("Active", bs.OpEq, true)}, []int64{2, 5, 7}},
			{"not of NULL comparison stays unknown", bs.Not{X: cmp("Count", bs.OpEq, int64(10))}, []int64{2, 3, 5, 7, 8}},
			{"or with unknown and true", bs.Or{cmp("Count", bs.OpEq, int64(10)), cmp("Id", bs.OpEq, 4)}, []int64{1, 4, 6}},
			{"and with unknown and false", bs.Not{X: bs.And{cmp("Score", bs.OpGt, 0), cmp("Id", bs.OpEq, 99)}}, []int64{1, 2, 3, 4, 5, 6, 7, 8}},
			{"empty and", bs.And{}, []int64{1, 2, 3, 4, 5, 6, 7, 8}},
			{"empty or", bs.Or{}, nil},
			{"nested", bs.And{bs.Or{cmp("Name", bs.OpStartsWith, "a"), bs.IsNull{Column: "Name"}},
				bs.Not{X: bs.In{Column: "Id", Values: []any{1}}}}, []int64{4, 6}},
			{"column case-insensitive", cmp("count", bs.OpEq, int64(0)), []int64{3}},
		}
		for _, c := range cases {
			got := ids(query(t, d, tb.Name, bs.Query{Columns: []string{"Id"}, Filter: c.f}))
			if !slices.Equal(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
				t.Errorf("%s: ids %v; want %v", c.name, got, c.want)
			}
		}
	})

	s.test(t, "OrderBy", func(t *testing.T, d bs.Destination) {
		tb, rows := queryData(s.name("Q"))
		migrate(t, d, tb)
		write(t, d, bs.Batch{Table: tb, Upserts: rows})
		cases := []struct {
			name  string
			order []bs.Order
			want  []int64
		}{
			{"default by key", nil, []int64{1, 2, 3, 4, 5, 6, 7, 8}},
			{"text asc, NULL first, byte order", []bs.Order{{Column: "Name"}}, []int64{4, 7, 2, 1, 6, 3, 8, 5}},
			{"text desc, NULL last", []bs.Order{{Column: "Name", Desc: true}}, []int64{5, 8, 3, 6, 1, 2, 7, 4}},
			{"float asc, ties by key", []bs.Order{{Column: "Score"}}, []int64{3, 5, 4, 1, 6, 2, 8, 7}},
			{"bool desc then date desc", []bs.Order{{Column: "Active", Desc: true}, {Column: "Due", Desc: true}}, []int64{8, 1, 6, 3, 7, 2, 5, 4}},
			{"timestamp desc", []bs.Order{{Column: "Updated", Desc: true}}, []int64{8, 7, 3, 2, 1, 6, 5, 4}},
			{"int asc big values", []bs.Order{{Column: "Count"}}, []int64{4, 8, 2, 3, 7, 1, 6, 5}},
			{"key desc", []bs.Order{{Column: "Id", Desc: true}}, []int64{8, 7, 6, 5, 4, 3, 2, 1}},
		}
		for _, c := range cases {
			got := ids(query(t, d, tb.Name, bs.Query{Columns: []string{"Id"}, OrderBy: c.order}))
			if !slices.Equal(got, c.want) {
				t.Errorf("%s: ids %v; want %v", c.name, got, c.want)
			}
		}
	})

	s.test(t, "LimitOffset", func(t *testing.T, d bs.Destination) {
		tb, rows := queryData(s.name("Q"))
		migrate(t, d, tb)
		write(t, d, bs.Batch{Table: tb, Upserts: rows})
		desc := []bs.Order{{Column: "Id", Desc: true}}
		cases := []struct {
			q    bs.Query
			want []int64
		}{
			{bs.Query{Limit: 3}, []int64{1, 2, 3}},
			{bs.Query{Limit: 3, Offset: 3}, []int64{4, 5, 6}},
			{bs.Query{Limit: 3, Offset: 6}, []int64{7, 8}},
			{bs.Query{Limit: 3, Offset: 8}, nil},
			{bs.Query{Offset: 5}, []int64{6, 7, 8}},
			{bs.Query{Offset: 100}, nil},
			{bs.Query{Limit: 2, Offset: 1, OrderBy: desc}, []int64{7, 6}},
			{bs.Query{Limit: 2, Filter: bs.Cmp{Column: "Active", Op: bs.OpEq, Value: true}, Offset: 1}, []int64{3, 6}},
		}
		for _, c := range cases {
			c.q.Columns = []string{"Id"}
			got := ids(query(t, d, tb.Name, c.q))
			if !slices.Equal(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
				t.Errorf("limit %d offset %d: ids %v; want %v", c.q.Limit, c.q.Offset, got, c.want)
			}
		}
	})

	s.test(t, "Columns", func(t *testing.T, d bs.Destination) {
		tb, rows := queryData(s.name("Q"))
		migrate(t, d, tb)
		write(t, d, bs.Batch{Table: tb, Upserts: rows})
		checkRows(t, "projection in the asked order", query(t, d, tb.Name, bs.Query{Columns: []string{"Updated", "Id", "name"}, Limit: 2}),
			[]bs.Row{{utc(2024, 1, 1, 9, 0, 0), int64(1), "alpha"}, {utc(2024, 1, 2, 9, 0, 0), int64(2), "Alpha"}})
		checkRows(t, "all columns", query(t, d, tb.Name, bs.Query{}), wantJSON(tb, rows))
	})

	s.test(t, "Errors", func(t *testing.T, d bs.Destination) {
		tb, rows := queryData(s.name("Q"))
		migrate(t, d, tb)
		write(t, d, bs.Batch{Table: tb, Upserts: rows})
		none := func(bs.Row) error { return nil }
		wantCode(t, "unknown table", d.Query(ctx, s.name("Nope"), bs.Query{}, none), bs.ENOTFOUND)
		for what, q := range map[string]bs.Query{
			"unknown column":         {Columns: []string{"Nope"}},
			"unknown filter column":  {Filter: bs.Cmp{Column: "Nope", Op: bs.OpEq, Value: 1}},
			"unknown order column":   {OrderBy: []bs.Order{{Column: "Nope"}}},
			"unknown in column":      {Filter: bs.In{Column: "Nope", Values: []any{1}}},
			"unknown is-null column": {Filter: bs.Not{X: bs.IsNull{Column: "Nope"}}},
			"text literal for int":   {Filter: bs.Cmp{Column: "Count", Op: bs.OpEq, Value: "1"}},
			"fraction for int":       {Filter: bs.Cmp{Column: "Count", Op: bs.OpEq, Value: 1.5}},
			"nil literal":            {Filter: bs.Cmp{Column: "Name", Op: bs.OpEq, Value: nil}},
			"string for timestamp":   {Filter: bs.Cmp{Column: "Updated", Op: bs.OpGt, Value: "2024-01-01"}},
			"int for bool":           {Filter: bs.Cmp{Column: "Active", Op: bs.OpEq, Value: 1}},
			"contains on int":        {Filter: bs.Cmp{Column: "Count", Op: bs.OpContains, Value: 1}},
			"bad in literal":         {Filter: bs.In{Column: "Id", Values: []any{1, "2"}}},
			"unknown operator":       {Filter: bs.Cmp{Column: "Id", Op: 99, Value: 1}},
			"empty not":              {Filter: bs.Not{}},
			"negative limit":         {Limit: -1},
			"negative offset":        {Offset: -1},
		} {
			wantCode(t, what, d.Query(ctx, tb.Name, q, none), bs.EINVALID)
		}
		// fn's error stops the query and comes back unchanged.
		n := 0
		err := d.Query(ctx, tb.Name, bs.Query{}, func(bs.Row) error { n++; return errStop })
		if !errors.Is(err, errStop) || err != errStop || n != 1 {
			t.Errorf("callback error: got %v after %d rows; want errStop after 1", err, n)
		}
	})
}
