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
