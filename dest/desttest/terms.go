package desttest

import (
	"slices"
	"testing"

	bs "github.com/backlogsync/backlogsync"
)

// termTests cover what the OData server translates: terms (functions and
// arithmetic), keyset paging and counting, on queryData.
func (s *suite) termTests(t *testing.T) {
	col := func(n string) bs.Term { return bs.Col{Name: n} }
	i64 := func(v int64) bs.Lit { return bs.Lit{Value: v, Type: bs.TypeInt} }
	f64 := func(v float64) bs.Lit { return bs.Lit{Value: v, Type: bs.TypeFloat} }
	str := func(v string) bs.Lit { return bs.Lit{Value: v, Type: bs.TypeText} }
	fn := func(f bs.Fn, a bs.Term) bs.Term { return bs.Func{Fn: f, Args: []bs.Term{a}} }
	ar := func(l bs.Term, op bs.ArithOp, r bs.Term) bs.Term { return bs.Arith{Op: op, L: l, R: r} }
	cmp := func(l bs.Term, op bs.Op, r bs.Term) bs.Expr { return bs.Compare{L: l, Op: op, R: r} }
	null := bs.Lit{}

	s.test(t, "Terms", func(t *testing.T, d bs.Destination) {
		tb, rows := queryData(s.name("T"))
		migrate(t, d, tb)
		write(t, d, bs.Batch{Table: tb, Upserts: rows})
		cases := []struct {
			name string
			f    bs.Expr
			want []int64
		}{
			{"column eq literal", cmp(col("Count"), bs.OpEq, i64(10)), []int64{1, 6}},
			{"literal on the left", cmp(i64(10), bs.OpEq, col("Count")), []int64{1, 6}},
			{"eq null", cmp(col("Name"), bs.OpEq, null), []int64{4}},
			{"null eq column", cmp(null, bs.OpEq, col("Score")), []int64{3}},
			{"ne null", cmp(col("Due"), bs.OpNe, null), []int64{1, 2, 4, 5, 6, 7, 8}},
			{"add", cmp(ar(col("Id"), bs.OpAdd, i64(1)), bs.OpEq, i64(3)), []int64{2}},
			{"sub negative", cmp(ar(col("Count"), bs.OpSub, i64(10)), bs.OpLt, i64(-10)), []int64{2, 8}},
			{"mul", cmp(ar(col("Id"), bs.OpMul, i64(2)), bs.OpGe, i64(14)), []int64{7, 8}},
			{"int div truncates", cmp(ar(col("Id"), bs.OpDiv, i64(3)), bs.OpEq, i64(1)), []int64{3, 4, 5}},
			{"int div negative truncates toward zero", cmp(ar(col("Count"), bs.OpDiv, i64(2)), bs.OpEq, i64(-2)), []int64{2}},
			{"mod", cmp(ar(col("Id"), bs.OpMod, i64(3)), bs.OpEq, i64(0)), []int64{3, 6}},
			{"mod negative keeps sign", cmp(ar(col("Count"), bs.OpMod, i64(3)), bs.OpEq, i64(-2)), []int64{2}},
			{"div by zero is unknown", cmp(ar(col("Id"), bs.OpDiv, i64(0)), bs.OpEq, i64(0)), nil},
			{"not of div by zero stays unknown", bs.Not{X: cmp(ar(col("Id"), bs.OpDiv, ar(col("Id"), bs.OpSub, col("Id"))), bs.OpEq, i64(1))}, nil},
			{"float div", cmp(ar(col("Score"), bs.OpDiv, i64(2)), bs.OpEq, f64(0.75)), []int64{1, 6}},
			{"int div by float is float", cmp(ar(col("Id"), bs.OpDiv, f64(2)), bs.OpEq, f64(1.5)), []int64{3}},
			{"int column with float literal", cmp(col("Id"), bs.OpGt, f64(6.5)), []int64{7, 8}},
			{"float column with int literal", cmp(col("Score"), bs.OpEq, i64(100)), []int64{7}},
			{"tolower", cmp(fn(bs.FnToLower, col("Name")), bs.OpEq, str("alpha")), []int64{1, 2}},
			{"toupper", cmp(fn(bs.FnToUpper, col("Name")), bs.OpEq, str("ALPHABET")), []int64{6}},
			{"contains tolower", cmp(fn(bs.FnToLower, col("Name")), bs.OpContains, str("lph")), []int64{1, 2, 6}},
			{"startswith term", cmp(fn(bs.FnToUpper, col("Name")), bs.OpStartsWith, str("AL")), []int64{1, 2, 6}},
			{"endswith term", cmp(col("Name"), bs.OpEndsWith, str("🎉")), []int64{8}},
			{"length counts characters", cmp(fn(bs.FnLength, col("Name")), bs.OpEq, i64(2)), []int64{5}},
			{"length of empty", cmp(fn(bs.FnLength, col("Name")), bs.OpEq, i64(0)), []int64{7}},
			{"length emoji", cmp(fn(bs.FnLength, col("Name")), bs.OpEq, i64(6)), []int64{8}},
			{"trim", cmp(fn(bs.FnTrim, col("Name")), bs.OpEq, str("zeta 🎉")), []int64{8}},
			{"year of date", cmp(fn(bs.FnYear, col("Due")), bs.OpEq, i64(2024)), []int64{1, 2, 4, 6, 7}},
			{"month of date", cmp(fn(bs.FnMonth, col("Due")), bs.OpEq, i64(1)), []int64{1, 2, 6, 8}},
			{"day of date", cmp(fn(bs.FnDay, col("Due")), bs.OpEq, i64(31)), []int64{5}},
			{"year of timestamp", cmp(fn(bs.FnYear, col("Updated")), bs.OpEq, i64(2023)), []int64{5}},
			{"hour", cmp(fn(bs.FnHour, col("Updated")), bs.OpEq, i64(9)), []int64{1, 2, 3, 6}},
			{"minute and second", bs.And{cmp(fn(bs.FnMinute, col("Updated")), bs.OpEq, i64(59)), cmp(fn(bs.FnSecond, col("Updated")), bs.OpEq, i64(59))}, []int64{5}},
			{"date of timestamp", cmp(fn(bs.FnDate, col("Updated")), bs.OpEq, bs.Lit{Value: date(2024, 1, 1), Type: bs.TypeDate}), []int64{1, 6}},
			{"date literal with timestamp column", cmp(col("Updated"), bs.OpGe, bs.Lit{Value: date(2024, 1, 3), Type: bs.TypeDate}), []int64{3, 7, 8}},
			{"timestamp literal", cmp(col("Updated"), bs.OpLt, bs.Lit{Value: utc(2024, 1, 1, 9, 0, 0).In(jst()), Type: bs.TypeTimestamp}), []int64{5}},
			{"bool literal", cmp(col("Active"), bs.OpEq, bs.Lit{Value: false, Type: bs.TypeBool}), []int64{2, 5, 7}},
			{"in terms", bs.InTerms{X: col("Id"), Values: []bs.Lit{i64(1), i64(3), i64(42)}}, []int64{1, 3}},
			{"in of function", bs.InTerms{X: fn(bs.FnToLower, col("Name")), Values: []bs.Lit{str("alpha"), str("beta")}}, []int64{1, 2, 3}},
			{"in empty", bs.InTerms{X: col("Id")}, nil},
			{"json as text", cmp(col("Custom"), bs.OpEq, str("[]")), []int64{3}},
			{"json contains", cmp(col("Custom"), bs.OpContains, str("k")), []int64{1}},
			{"text order by byte", cmp(col("Name"), bs.OpLt, str("alpha")), []int64{2, 7}},
			{"two literals", cmp(ar(i64(1), bs.OpAdd, i64(2)), bs.OpEq, i64(3)), []int64{1, 2, 3, 4, 5, 6, 7, 8}},
			{"mixed with Cmp", bs.And{bs.Cmp{Column: "Active", Op: bs.OpEq, Value: true}, cmp(fn(bs.FnLength, col("Name")), bs.OpGt, i64(4))}, []int64{1, 6, 8}},
		}
		for _, c := range cases {
			got := ids(query(t, d, tb.Name, bs.Query{Columns: []string{"Id"}, Filter: c.f}))
			if !slices.Equal(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
				t.Errorf("%s: ids %v; want %v", c.name, got, c.want)
			}
			n, err := d.Count(ctx, tb.Name, c.f)
			if err != nil || n != int64(len(c.want)) {
				t.Errorf("%s: Count = %d, %v; want %d", c.name, n, err, len(c.want))
			}
		}
		none := func(bs.Row) error { return nil }
		for what, f := range map[string]bs.Expr{
			"unknown column":        cmp(col("Nope"), bs.OpEq, i64(1)),
			"text with int":         cmp(col("Name"), bs.OpEq, i64(1)),
			"tolower of int":        cmp(fn(bs.FnToLower, col("Id")), bs.OpEq, str("1")),
			"year of text":          cmp(fn(bs.FnYear, col("Name")), bs.OpEq, i64(1)),
			"hour of date":          cmp(fn(bs.FnHour, col("Due")), bs.OpEq, i64(1)),
			"add text":              cmp(ar(col("Name"), bs.OpAdd, i64(1)), bs.OpEq, i64(1)),
			"mod float":             cmp(ar(col("Score"), bs.OpMod, i64(2)), bs.OpEq, i64(1)),
			"lt null":               cmp(col("Id"), bs.OpLt, null),
			"timestamp lit on date": cmp(col("Due"), bs.OpEq, bs.Lit{Value: utc(2024, 1, 1, 0, 0, 0), Type: bs.TypeTimestamp}),
			"date with timestamp":   cmp(col("Due"), bs.OpEq, col("Updated")),
			"unknown function":      cmp(fn("soundex", col("Name")), bs.OpEq, str("x")),
			"contains on int":       cmp(col("Id"), bs.OpContains, i64(1)),
			"fraction in int list":  bs.InTerms{X: col("Id"), Values: []bs.Lit{f64(1.5)}},
		} {
			wantCode(t, what, d.Query(ctx, tb.Name, bs.Query{Filter: f}, none), bs.EINVALID)
			_, err := d.Count(ctx, tb.Name, f)
			wantCode(t, what+" (Count)", err, bs.EINVALID)
		}
		n, err := d.Count(ctx, tb.Name, nil)
		if err != nil || n != int64(len(rows)) {
			t.Errorf("Count(nil) = %d, %v; want %d", n, err, len(rows))
		}
		_, err = d.Count(ctx, s.name("Nope"), nil)
		wantCode(t, "Count of unknown table", err, bs.ENOTFOUND)
	})

	s.test(t, "Keyset", func(t *testing.T, d bs.Destination) {
		tb, rows := queryData(s.name("K"))
		migrate(t, d, tb)
		write(t, d, bs.Batch{Table: tb, Upserts: rows})
		orders := [][]bs.Order{
			nil,
			{{Column: "Name"}},
			{{Column: "Name", Desc: true}},
			{{Column: "Score"}},
			{{Column: "Active", Desc: true}, {Column: "Due", Desc: true}},
			{{Column: "Updated", Desc: true}},
			{{Column: "Id", Desc: true}},
		}
		for _, order := range orders {
			want := ids(query(t, d, tb.Name, bs.Query{Columns: []string{"Id"}, OrderBy: order}))
			for _, page := range []int{1, 3} {
				// Page through with After built from the last row's sort key.
				cols := []string{"Id"}
				for _, o := range order {
					cols = append(cols, o.Column)
				}
				var got []int64
				var after []any
				for range 20 {
					pg := query(t, d, tb.Name, bs.Query{Columns: cols, OrderBy: order, Limit: page, After: after})
					if len(pg) == 0 {
						break
					}
					for _, r := range pg {
						got = append(got, r[0].(int64))
					}
					last := pg[len(pg)-1]
					after = append(append([]any{}, last[1:]...), last[0])
				}
				if !slices.Equal(got, want) {
					t.Errorf("order %v, pages of %d: ids %v; want %v", order, page, got, want)
				}
			}
		}
		// With a filter, after a key that no longer exists.
		got := ids(query(t, d, tb.Name, bs.Query{Columns: []string{"Id"}, After: []any{int64(4)},
			Filter: bs.Cmp{Column: "Active", Op: bs.OpEq, Value: true}}))
		if !slices.Equal(got, []int64{6, 8}) {
			t.Errorf("after 4, active: %v; want [6 8]", got)
		}
		none := func(bs.Row) error { return nil }
		wantCode(t, "after with too few values", d.Query(ctx, tb.Name, bs.Query{OrderBy: []bs.Order{{Column: "Name"}}, After: []any{"x"}}, none), bs.EINVALID)
		wantCode(t, "after with a mistyped value", d.Query(ctx, tb.Name, bs.Query{After: []any{"x"}}, none), bs.EINVALID)
	})
}
