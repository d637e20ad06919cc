package jobsql

import (
	"reflect"
	"testing"
	"time"
)

func where(t *testing.T, cond string) Expr {
	t.Helper()
	stmts, err := Parse("", "REPLICATE T SELECT * FROM T WHERE "+cond)
	if err != nil {
		t.Fatalf("%s: %v", cond, err)
	}
	return stmts[0].(*Replicate).Select.Where
}

// TestExprString checks canonical printing: minimal parentheses that keep
// the tree's grouping.
func TestExprString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a=1", "a = 1"},
		{"a!=1 or b<>2", "a <> 1 OR b <> 2"},
		{"(a = 1)", "a = 1"},
		{"a = 1 AND b = 2 OR c = 3", "a = 1 AND b = 2 OR c = 3"},
		{"a = 1 AND (b = 2 OR c = 3)", "a = 1 AND (b = 2 OR c = 3)"},
		{"(a = 1 AND b = 2) AND c = 3", "a = 1 AND b = 2 AND c = 3"},
		{"a = 1 AND (b = 2 AND c = 3)", "a = 1 AND (b = 2 AND c = 3)"},
		{"a OR (b OR c)", "a OR (b OR c)"},
		{"NOT (a = 1)", "NOT a = 1"},
		{"NOT (a AND b)", "NOT (a AND b)"},
		{"(NOT a) AND b", "NOT a AND b"},
		{"(a = b) = TRUE", "(a = b) = TRUE"},
		{"a = (b IS NULL)", "a = (b IS NULL)"},
		{"(a IN (1)) IS NOT NULL", "(a IN (1)) IS NOT NULL"},
		{"a IN ((1), b = 2, f(x))", "a IN (1, b = 2, F(x))"},
		{"a NOT BETWEEN (1) AND (b)", "a NOT BETWEEN 1 AND b"},
		{"a LIKE 'it''s%'", "a LIKE 'it''s%'"},
		{"x = -0.5e-3", "x = -0.5e-3"},
		{"x = - 7", "x = -7"},
		{"t.[a b] = [c]]d]", "t.[a b] = [c]]d]"},
		{"[select] = \"from\"", "[select] = [from]"},
		{"f() = g(1, 'a', NULL, TRUE, h())", "F() = G(1, 'a', NULL, TRUE, H())"},
	}
	for _, tt := range tests {
		if got := where(t, tt.in).String(); got != tt.want {
			t.Errorf("%s prints %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestExprStringBuilt prints trees built by hand, which need parentheses
// the parser would never produce itself.
func TestExprStringBuilt(t *testing.T) {
	col := func(n string) Expr { return &ColumnRef{Name: n} }
	tests := []struct {
		e    Expr
		want string
	}{
		{&Binary{Op: OpAnd, L: &Binary{Op: OpOr, L: col("a"), R: col("b")}, R: col("c")}, "(a OR b) AND c"},
		{&Not{X: &Binary{Op: OpOr, L: col("a"), R: col("b")}}, "NOT (a OR b)"},
		{&Like{X: &Not{X: col("a")}, Pattern: &StringLit{Value: "x"}}, "(NOT a) LIKE 'x'"},
		{&Between{X: col("a"), Lo: &Binary{Op: OpAnd, L: col("b"), R: col("c")}, Hi: col("d")}, "a BETWEEN (b AND c) AND d"},
		{&IsNull{X: &Binary{Op: OpEq, L: col("a"), R: col("b")}, Not: true}, "(a = b) IS NOT NULL"},
		{&Binary{Op: OpGe, L: col("a"), R: &Binary{Op: OpLt, L: col("b"), R: col("c")}}, "a >= (b < c)"},
		{&BoolLit{}, "FALSE"},
	}
	for _, tt := range tests {
		if got := tt.e.String(); got != tt.want {
			t.Errorf("got %s, want %s", got, tt.want)
		}
		stmts, err := Parse("", "REPLICATE T SELECT * FROM T WHERE "+tt.want)
		if err != nil {
			t.Errorf("%s does not parse: %v", tt.want, err)
			continue
		}
		if a, b := dumpNoPos(&Replicate{Select: &Select{Where: tt.e}}), dumpNoPos(&Replicate{Select: &Select{Where: stmts[0].(*Replicate).Select.Where}}); a != b {
			t.Errorf("%s parses to a different tree:\n%s\n%s", tt.want, a, b)
		}
	}
	for op, want := range map[Op]bool{OpOr: false, OpAnd: false, OpEq: true, OpNe: true, OpLt: true, OpLe: true, OpGt: true, OpGe: true} {
		if op.IsComparison() != want {
			t.Errorf("%s.IsComparison() = %v", op, !want)
		}
	}
	if got := Op(99).String(); got != "Op(99)" {
		t.Errorf("Op(99) = %s", got)
	}
}

func TestConjunctsAndColumns(t *testing.T) {
	e := where(t, "ProjectId = 3 AND (StatusId IN (1, 2) OR Summary LIKE 'x%') AND Updated > REPLICATE_LASTMODTIME() AND NOT t.Deleted")
	var got []string
	for _, c := range Conjuncts(e) {
		got = append(got, c.String())
	}
	want := []string{"ProjectId = 3", "StatusId IN (1, 2) OR Summary LIKE 'x%'", "Updated > REPLICATE_LASTMODTIME()", "NOT t.Deleted"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Conjuncts = %q, want %q", got, want)
	}
	if Conjuncts(nil) != nil {
		t.Error("Conjuncts(nil) != nil")
	}
	got = nil
	for _, c := range Columns(e) {
		got = append(got, c.String())
	}
	want = []string{"ProjectId", "StatusId", "Summary", "Updated", "t.Deleted"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Columns = %q, want %q", got, want)
	}
	// Walk visits every node, depth-first, and prunes when fn says false.
	e = where(t, "a BETWEEN 1 AND 2 OR b IS NULL OR f(c, d) = 0 OR e LIKE 'x'")
	var kinds []string
	Walk(e, func(x Expr) bool {
		kinds = append(kinds, reflect.TypeOf(x).Elem().Name())
		_, isCall := x.(*FuncCall)
		return !isCall
	})
	want = []string{"Binary", "Binary", "Binary", "Between", "ColumnRef", "NumberLit", "NumberLit", "IsNull", "ColumnRef",
		"Binary", "FuncCall", "NumberLit", "Like", "ColumnRef", "StringLit"}
	if !reflect.DeepEqual(kinds, want) {
		t.Errorf("Walk visited %q, want %q", kinds, want)
	}
}

func TestLiteralValues(t *testing.T) {
	in := where(t, "a IN (42, -7, 1.5, 9223372036854775808, 2e3)").(*In)
	tests := []struct {
		n     int64
		ok    bool
		float float64
	}{{42, true, 42}, {-7, true, -7}, {0, false, 1.5}, {0, false, 9223372036854775808}, {0, false, 2000}}
	for i, tt := range tests {
		lit := in.List[i].(*NumberLit)
		n, ok := lit.Int64()
		if n != tt.n || ok != tt.ok || lit.Float64() != tt.float {
			t.Errorf("%s: Int64 = %d, %v; Float64 = %v", lit.Text, n, ok, lit.Float64())
		}
	}
	dates := where(t, "a IN ('2024-05-06', '2024-05-06 07:08', '2024-05-06T07:08:09+02:00', 'May 6')").(*In)
	wantDates := []time.Time{
		time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 5, 6, 7, 8, 0, 0, time.UTC),
		time.Date(2024, 5, 6, 5, 8, 9, 0, time.UTC),
		{},
	}
	for i, want := range wantDates {
		got, ok := dates.List[i].(*StringLit).Time()
		if ok != !want.IsZero() || !got.Equal(want) {
			t.Errorf("%s.Time() = %v, %v; want %v", dates.List[i], got, ok, want)
		}
	}
}

func TestPositions(t *testing.T) {
	src := "-- jobs\nREPLICATE PROD.Issues\n  SELECT Id FROM Issues\n  WHERE ProjectId = 3 AND Summary LIKE '課題%' AND x IS NULL;\n\tCHECKCACHE 課題 AGAINST Issues"
	stmts, err := Parse("jobs.sql", src)
	if err != nil {
		t.Fatal(err)
	}
	r := stmts[0].(*Replicate)
	c := stmts[1].(*CheckCache)
	conj := Conjuncts(r.Select.Where)
	tests := []struct {
		name string
		pos  Pos
		want string
	}{
		{"replicate", r.Position(), "jobs.sql:2:1"},
		{"dest", r.Dest.Pos, "jobs.sql:2:11"},
		{"select", r.Select.Pos, "jobs.sql:3:3"},
		{"item", r.Select.Columns[0].Pos, "jobs.sql:3:10"},
		{"from", r.Select.From.Pos, "jobs.sql:3:18"},
		{"=", conj[0].Position(), "jobs.sql:4:19"},
		{"LIKE", conj[1].Position(), "jobs.sql:4:35"},
		{"IS", conj[2].Position(), "jobs.sql:4:52"},
		{"checkcache", c.Position(), "jobs.sql:5:2"},
		{"table", c.Table.Pos, "jobs.sql:5:13"},
		{"against", c.Against.Pos, "jobs.sql:5:24"},
	}
	for _, tt := range tests {
		if got := tt.pos.String(); got != tt.want {
			t.Errorf("%s at %s, want %s", tt.name, got, tt.want)
		}
		if tt.pos.Offset < 0 || tt.pos.Offset >= len(src) {
			t.Errorf("%s: offset %d", tt.name, tt.pos.Offset)
		}
	}
	if got := (Pos{Line: 3, Col: 4}).String(); got != "3:4" {
		t.Errorf("Pos without file = %s", got)
	}
}
