package destutil

import (
	"math"
	"strings"
	"testing"
	"time"

	bs "github.com/backlogsync/backlogsync"
)

func TestLiteral(t *testing.T) {
	jst := time.FixedZone("JST", 9*3600)
	col := func(ty bs.Type) bs.Column { return bs.Column{Name: "C", Type: ty} }
	ok := []struct {
		ty   bs.Type
		in   any
		want any
	}{
		{bs.TypeInt, 5, int64(5)}, {bs.TypeInt, int64(-5), int64(-5)}, {bs.TypeInt, 3.0, int64(3)},
		{bs.TypeFloat, 2, 2.0}, {bs.TypeFloat, int64(2), 2.0}, {bs.TypeFloat, 0.5, 0.5},
		{bs.TypeBool, true, true}, {bs.TypeText, "x", "x"}, {bs.TypeJSON, "{}", "{}"},
		{bs.TypeDate, time.Date(2024, 3, 1, 1, 0, 0, 0, jst), time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)},
		{bs.TypeTimestamp, time.Date(2024, 3, 1, 1, 0, 0, 999, jst), time.Date(2024, 2, 29, 16, 0, 0, 0, time.UTC)},
	}
	for _, c := range ok {
		got, err := Literal(col(c.ty), c.in)
		if err != nil || got != c.want {
			t.Errorf("Literal(%v, %#v) = %#v, %v; want %#v", c.ty, c.in, got, err, c.want)
		}
	}
	bad := []struct {
		ty bs.Type
		in any
	}{
		{bs.TypeInt, 1.5}, {bs.TypeInt, "1"}, {bs.TypeInt, math.Inf(1)}, {bs.TypeFloat, math.NaN()}, {bs.TypeFloat, "1"},
		{bs.TypeBool, 1}, {bs.TypeText, 1}, {bs.TypeDate, "2024-01-01"}, {bs.TypeTimestamp, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{bs.TypeText, nil},
	}
	for _, c := range bad {
		if _, err := Literal(col(c.ty), c.in); bs.ErrorCode(err) != bs.EINVALID {
			t.Errorf("Literal(%v, %#v): %v; want EINVALID", c.ty, c.in, err)
		}
	}
}

func TestPlanMigration(t *testing.T) {
	have := &bs.Table{Name: "T", PrimaryKey: []string{"Id"}, Columns: []bs.Column{{Name: "Id", Type: bs.TypeInt}, {Name: "A", Type: bs.TypeInt}, {Name: "Old", Type: bs.TypeText}}}
	want := &bs.Table{Name: "T", PrimaryKey: []string{"id"}, Columns: []bs.Column{{Name: "Id", Type: bs.TypeInt}, {Name: "a", Type: bs.TypeFloat}, {Name: "New", Type: bs.TypeDate}}}
	add, widen, err := PlanMigration(have, want, func(a, b bs.Type) bool { return false })
	if err != nil || len(add) != 1 || add[0].Name != "New" || len(widen) != 1 || widen[1] != bs.TypeFloat {
		t.Errorf("plan = %v, %v, %v", add, widen, err)
	}
	want.Columns[1].Type = bs.TypeBool
	if _, _, err := PlanMigration(have, want, func(a, b bs.Type) bool { return false }); bs.ErrorCode(err) != bs.EINVALID || !strings.Contains(err.Error(), "column a") {
		t.Errorf("narrowing: %v", err)
	}
	want.Columns[1].Type = bs.TypeInt
	want.PrimaryKey = []string{"Id", "a"}
	if _, _, err := PlanMigration(have, want, func(a, b bs.Type) bool { return false }); bs.ErrorCode(err) != bs.EINVALID || !strings.Contains(err.Error(), "primary key") {
		t.Errorf("key change: %v", err)
	}
}

func TestCompare(t *testing.T) {
	cases := []struct {
		a, b any
		want int
	}{
		{int64(1), int64(2), -1}, {2.5, 2.5, 0}, {"b", "a", 1}, {"Z", "a", -1}, {"é", "z", 1},
		{false, true, -1}, {true, true, 0}, {time.Unix(2, 0), time.Unix(1, 0), 1},
	}
	for _, c := range cases {
		if got := Compare(c.a, c.b); got != c.want {
			t.Errorf("Compare(%v, %v) = %d; want %d", c.a, c.b, got, c.want)
		}
	}
	if CompareNullsFirst(nil, int64(1)) != -1 || CompareNullsFirst(int64(1), nil) != 1 || CompareNullsFirst(nil, nil) != 0 {
		t.Error("NULLs do not sort first")
	}
}
