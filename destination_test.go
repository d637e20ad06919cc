package backlogsync

import (
	"strings"
	"testing"
	"time"
)

func TestParseTableName(t *testing.T) {
	for in, want := range map[string]TableName{
		"Issues":         {Name: "Issues"},
		"PROD.Issues":    {Schema: "PROD", Name: "Issues"},
		"PROD_Issues":    {Name: "PROD_Issues"},
		"a.b.c":          {Schema: "a", Name: "b.c"},
		".Issues":        {Name: "Issues"},
		"課題.Issues 2024": {Schema: "課題", Name: "Issues 2024"},
	} {
		got := ParseTableName(in)
		if got != want {
			t.Errorf("ParseTableName(%q) = %+v; want %+v", in, got, want)
		}
		if in != ".Issues" && got.String() != in {
			t.Errorf("%+v.String() = %q; want %q", got, got.String(), in)
		}
	}
}

func TestRenamed(t *testing.T) {
	tb := &Table{Name: "Issues", PrimaryKey: []string{"Id"}, Columns: []Column{{Name: "Id", Type: TypeInt}}}
	r := tb.Renamed(TableName{Schema: "PROD", Name: "X_Issues"})
	if r.Name != "PROD.X_Issues" || tb.Name != "Issues" || &r.Columns[0] != &tb.Columns[0] {
		t.Errorf("Renamed: %q (original %q)", r.Name, tb.Name)
	}
}

func TestValidateTable(t *testing.T) {
	good := func() *Table {
		return &Table{Name: "PROD.Issues", PrimaryKey: []string{"Id"}, CursorColumn: "updated", Columns: []Column{
			{Name: "Id", Type: TypeInt}, {Name: "Updated", Type: TypeTimestamp}}}
	}
	if err := ValidateTable(good()); err != nil {
		t.Fatalf("good table: %v", err)
	}
	cases := map[string]struct {
		mutate  func(*Table)
		mention string
	}{
		"empty name":       {func(t *Table) { t.Name = "" }, "empty"},
		"empty schema":     {func(t *Table) { t.Name = ".Issues" }, "schema"},
		"empty base name":  {func(t *Table) { t.Name = "PROD." }, "empty"},
		"two dots":         {func(t *Table) { t.Name = "a.b.c" }, "more than one"},
		"reserved":         {func(t *Table) { t.Name = "_BacklogSync_runs" }, "reserved"},
		"long":             {func(t *Table) { t.Name = strings.Repeat("x", 64) }, "63"},
		"long schema":      {func(t *Table) { t.Name = strings.Repeat("x", 64) + ".T" }, "63"},
		"NUL":              {func(t *Table) { t.Name = "a\x00b" }, "NUL"},
		"no columns":       {func(t *Table) { t.Columns = nil }, "no columns"},
		"duplicate column": {func(t *Table) { t.Columns[1].Name = "ID" }, "twice"},
		"bad type":         {func(t *Table) { t.Columns[1].Type = TypeJSON + 1 }, "unknown type"},
		"no key":           {func(t *Table) { t.PrimaryKey = nil }, "no primary key"},
		"unknown key":      {func(t *Table) { t.PrimaryKey = []string{"Nope"} }, "Nope"},
		"key twice":        {func(t *Table) { t.PrimaryKey = []string{"Id", "id"} }, "twice"},
		"unknown cursor":   {func(t *Table) { t.CursorColumn = "Nope" }, "cursor"},
		"long column":      {func(t *Table) { t.Columns[1].Name = strings.Repeat("c", 64) }, "63"},
	}
	for name, c := range cases {
		tb := good()
		c.mutate(tb)
		err := ValidateTable(tb)
		if ErrorCode(err) != EINVALID || !strings.Contains(err.Error(), c.mention) {
			t.Errorf("%s: %v; want EINVALID mentioning %q", name, err, c.mention)
		}
	}
	if ErrorCode(ValidateTable(nil)) != EINVALID {
		t.Error("nil table accepted")
	}
}

func TestCanWiden(t *testing.T) {
	widens := map[[2]Type]bool{
		{TypeBool, TypeInt}: true, {TypeBool, TypeFloat}: true, {TypeInt, TypeFloat}: true,
		{TypeDate, TypeTimestamp}: true,
	}
	for from := TypeInt; from <= TypeJSON; from++ {
		for to := TypeInt; to <= TypeJSON; to++ {
			want := widens[[2]Type{from, to}] || (to == TypeText && from != TypeText)
			if got := CanWiden(from, to); got != want {
				t.Errorf("CanWiden(%v, %v) = %v; want %v", from, to, got, want)
			}
		}
	}
}

func TestOpString(t *testing.T) {
	want := []string{"=", "<>", "<", "<=", ">", ">=", "contains", "startswith", "endswith"}
	for i, w := range want {
		if got := Op(i + 1).String(); got != w {
			t.Errorf("Op(%d) = %q; want %q", i+1, got, w)
		}
	}
	if Op(0).String() != "Op(?)" {
		t.Error("Op(0)")
	}
}

func TestWiden(t *testing.T) {
	d := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	ts := time.Date(2024, 3, 1, 4, 5, 6, 0, time.UTC)
	cases := []struct {
		v        any
		from, to Type
		want     any
	}{
		{true, TypeBool, TypeInt, int64(1)}, {false, TypeBool, TypeFloat, 0.0}, {int64(3), TypeInt, TypeFloat, 3.0},
		{true, TypeBool, TypeText, "true"}, {int64(-9007199254740993), TypeInt, TypeText, "-9007199254740993"},
		{0.1, TypeFloat, TypeText, "0.1"}, {d, TypeDate, TypeText, "2024-03-01"}, {ts, TypeTimestamp, TypeText, "2024-03-01T04:05:06Z"},
		{ts.In(time.FixedZone("JST", 9*3600)), TypeTimestamp, TypeText, "2024-03-01T04:05:06Z"}, {"x", TypeText, TypeInt, "x"},
		{d, TypeDate, TypeTimestamp, d}, {`{"a":1}`, TypeJSON, TypeText, `{"a":1}`}, {nil, TypeInt, TypeText, nil},
	}
	for _, c := range cases {
		if got := Widen(c.v, c.from, c.to); got != c.want {
			t.Errorf("Widen(%#v, %v, %v) = %#v; want %#v", c.v, c.from, c.to, got, c.want)
		}
	}
}
