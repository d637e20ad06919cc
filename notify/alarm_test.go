package notify

import (
	"strings"
	"testing"
)

func TestAlarms(t *testing.T) {
	prev := []TableResult{
		{Table: "Projects", Account: "a", Full: true, Rows: 7, Total: 7},
		{Table: "Issues", Account: "a", Rows: 100, Total: 1000},
		{Table: "Users", Account: "a", Full: true, Rows: 50, Total: 50},
		{Table: "Users", Account: "b", Full: true, Rows: 0, Total: 0},
		{Table: "Wikis", Account: "a", Rows: 5, Total: -1},
	}
	cur := []TableResult{
		{Table: "Projects", Account: "a", Full: true, Rows: 0, Total: 0}, // zero rows
		{Table: "Issues", Account: "a", Rows: 0, Total: 400},             // incremental: no rows is fine, but -60%
		{Table: "Users", Account: "a", Full: true, Rows: 30, Total: 30},  // -40%: within 50%
		{Table: "Users", Account: "b", Full: true, Rows: 0, Total: 0},    // was empty before too
		{Table: "Wikis", Account: "a", Rows: 0, Total: 0},                // previous total unknown
		{Table: "Stars", Account: "a", Full: true, Rows: 0, Total: 0},    // new table
	}
	got := Alarms(cur, prev, 0)
	var s []string
	for _, w := range got {
		s = append(s, w.Kind+" "+w.Message)
	}
	want := []string{
		"zero_rows a: Projects: a full refresh returned no rows; the previous run wrote 7",
		"row_drop a: Issues: the table has 400 rows, 600 fewer than after the previous run (1000, -60%; warning above 50%)",
	}
	if strings.Join(s, "\n") != strings.Join(want, "\n") {
		t.Errorf("Alarms:\n%s\nwant:\n%s", strings.Join(s, "\n"), strings.Join(want, "\n"))
	}
	// A stricter share catches the Users drop too.
	if got := Alarms(cur, prev, 0.3); len(got) != 3 || got[2].Table != "Users" || got[2].Kind != KindRowDrop {
		t.Errorf("share 0.3: %+v", got)
	}
	if got := Alarms(cur, nil, 0); len(got) != 0 {
		t.Errorf("no previous run: %+v", got)
	}
}
