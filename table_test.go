package backlogsync

import (
	"testing"
	"time"
)

func TestParseType(t *testing.T) {
	for in, want := range map[string]Type{"bigint": TypeInt, "VARCHAR": TypeText, " timestamp ": TypeTimestamp,
		"DATE": TypeDate, "double precision": TypeFloat, "bool": TypeBool, "jsonb": TypeJSON} {
		if got, err := ParseType(in); err != nil || got != want {
			t.Errorf("ParseType(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseType("BLOB"); err == nil || ErrorCode(err) != EINVALID {
		t.Errorf("BLOB accepted: %v", err)
	}
	for ty := TypeInt; ty <= TypeJSON; ty++ {
		if back, err := ParseType(ty.String()); err != nil || back != ty {
			t.Errorf("round trip %v: %v %v", ty, back, err)
		}
	}
}

func TestCheckRow(t *testing.T) {
	tb := &Table{Name: "T", Columns: []Column{{Name: "Id", Type: TypeInt}, {Name: "Due", Type: TypeDate, Nullable: true},
		{Name: "Name", Type: TypeText}}}
	if err := tb.CheckRow(Row{int64(1), nil, "x"}); err != nil {
		t.Error(err)
	}
	if err := tb.CheckRow(Row{int64(1), time.Now(), "x"}); err != nil {
		t.Error(err)
	}
	for _, r := range []Row{{1, nil, "x"}, {int64(1), nil, nil}, {int64(1), nil}, {int64(1), "2020-01-01", "x"}} {
		if err := tb.CheckRow(r); err == nil {
			t.Errorf("row %v accepted", r)
		}
	}
	if c, i := tb.Column("due"); i != 1 || c.Name != "Due" {
		t.Errorf("Column(due) = %v %d", c, i)
	}
}

func TestCompareValues(t *testing.T) {
	t1 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		a, b any
		c    int
		ok   bool
	}{
		{int64(1), int64(2), -1, true},
		{int64(2), 1.5, 1, true},
		{2.0, int64(2), 0, true},
		{"b", "a", 1, true},
		{false, true, -1, true},
		{t1, t1.In(time.FixedZone("JST", 9*3600)), 0, true},
		{t1, t1.Add(time.Second), -1, true},
		{int64(1), "1", 0, false},
		{true, int64(1), 0, false},
		{t1, "2024-01-01", 0, false},
	} {
		if c, ok := CompareValues(tc.a, tc.b); c != tc.c || ok != tc.ok {
			t.Errorf("CompareValues(%#v, %#v) = %d, %v; want %d, %v", tc.a, tc.b, c, ok, tc.c, tc.ok)
		}
	}
}
