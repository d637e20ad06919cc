package service

import "testing"

// TestProgressRows: an account's Rows is the sum of each table's latest
// rows, kept up as events arrive; TablesDone counts finished tables once.
func TestProgressRows(t *testing.T) {
	s := &Service{progress: map[string]*Progress{}, live: newBroker()}
	for _, e := range []Event{
		{Kind: "run_start"},
		{Kind: "account_start", Account: "a", Tables: 2},
		{Kind: "progress", Account: "a", Table: "Issues", Phase: "load", Rows: 100},
		{Kind: "progress", Account: "a", Table: "Issues", Phase: "load", Rows: 250},
		{Kind: "progress", Account: "b", Table: "Issues", Phase: "load", Rows: 7},
		{Kind: "progress", Account: "a", Table: "Users", Phase: "start"},
		{Kind: "progress", Account: "a", Table: "Issues", Phase: "done", Rows: 300},
		{Kind: "progress", Account: "a", Table: "Users", Phase: "done", Rows: 12},
		{Kind: "progress", Account: "a", Table: "Users", Phase: "done", Rows: 12},
	} {
		s.emit("j", e)
	}
	p := s.progress["j"]
	a, b := p.account("a"), p.account("b")
	if a.Rows != 312 || a.TablesDone != 2 || a.Table != "Users" || b.Rows != 7 || b.TablesDone != 0 {
		t.Errorf("account a: %d rows, %d tables done, table %q; b: %d rows, %d done; want 312, 2, Users; 7, 0",
			a.Rows, a.TablesDone, a.Table, b.Rows, b.TablesDone)
	}
}
