package catalog

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
	"unicode"

	"github.com/backlogsync/backlogsync"
)

// TestFetch_everyTable fills every table from a generated space and
// compares every row, value by value, with what the emulator's HTTP API
// says (read without package backlog). Every table must have rows.
func TestFetch_everyTable(t *testing.T) {
	t.Parallel()
	s := newSpace(t, 7)
	populate(s.tr)
	for _, tab := range Tables() {
		truthOf, ok := truths[tab.Name]
		if !ok {
			t.Errorf("table %s has no truth reader in tables_truth_test.go", tab.Name)
			continue
		}
		t.Run(tab.Name, func(t *testing.T) {
			t.Parallel()
			want := truthOf(&truth{t: t, hc: s.tr.hc, key: s.tr.key})
			got := s.fetchAll(t, tab.Name, Query{})
			if len(got) == 0 {
				t.Errorf("%s has no rows: the test space must fill every table", tab.Name)
			}
			compareRows(t, tab, got, want)
		})
	}
	for name := range truths {
		if _, ok := Lookup(name); !ok {
			t.Errorf("truth reader for unknown table %s", name)
		}
	}
}

// TestFetch_checkRow fills every table from a space of another seed, as
// generated (no additions), and checks every row against its columns.
func TestFetch_checkRow(t *testing.T) {
	t.Parallel()
	s := newSpace(t, 11)
	total := 0
	for _, tab := range Tables() {
		err := Fetch(context.Background(), s.client, tab.Name, Query{Account: "acme"}, func(r backlogsync.Row) error {
			total++
			if r[0] != "acme" {
				t.Errorf("%s: Account = %v", tab.Name, r[0])
			}
			return tab.CheckRow(r)
		})
		if err != nil {
			t.Errorf("%s: %v", tab.Name, err)
		}
	}
	if total < 1000 {
		t.Errorf("only %d rows in all tables", total)
	}
}

// TestFetch_content checks the generated data exercises what matters:
// custom-field values of all eight types, NULLs, dates and Japanese text.
func TestFetch_content(t *testing.T) {
	t.Parallel()
	s := newSpace(t, 7)
	tab, _ := Lookup("IssueCustomFieldValues")
	rows := s.fetchAll(t, tab.Name, Query{})
	col := func(r backlogsync.Row, name string) any { _, i := tab.Column(name); return r[i] }
	typed := map[int64]string{1: "TextValue", 2: "TextValue", 3: "NumberValue", 4: "DateValue", 5: "ItemId", 6: "ItemName", 7: "ItemName", 8: "ItemId"}
	seen, empty := map[int64]bool{}, map[int64]bool{}
	other := false
	for _, r := range rows {
		ft := col(r, "FieldTypeId").(int64)
		if col(r, typed[ft]) != nil {
			seen[ft] = true
		} else {
			empty[ft] = true
		}
		if col(r, "OtherValue") != nil {
			other = true
		}
		for name, c := range map[string]string{"TextValue": "1 2", "NumberValue": "3", "DateValue": "4", "ItemId": "5 8"} {
			if v := col(r, name); v != nil && !slices.Contains(splitInts(c), ft) {
				t.Errorf("field type %d has %s = %v", ft, name, v)
			}
		}
	}
	for ft := int64(1); ft <= 8; ft++ {
		if !seen[ft] || !empty[ft] {
			t.Errorf("field type %d: values seen %v, empty values seen %v; want both", ft, seen[ft], empty[ft])
		}
	}
	if !other {
		t.Error("no OtherValue in the space")
	}

	issues, _ := Lookup("Issues")
	var nullDue, due, japanese bool
	for _, r := range s.fetchAll(t, "Issues", Query{}) {
		_, i := issues.Column("DueDate")
		if d, ok := r[i].(time.Time); ok {
			due = true
			if d.Hour() != 0 || d.Location() != time.UTC {
				t.Errorf("DueDate %v is not a UTC midnight", d)
			}
		} else {
			nullDue = true
		}
		_, i = issues.Column("Summary")
		for _, c := range r[i].(string) {
			if unicode.In(c, unicode.Han, unicode.Hiragana, unicode.Katakana) {
				japanese = true
			}
		}
	}
	if !nullDue || !due || !japanese {
		t.Errorf("issues: NULL due dates %v, due dates %v, Japanese summaries %v; want all", nullDue, due, japanese)
	}
}

func splitInts(s string) []int64 {
	var out []int64
	for _, c := range s {
		if c >= '0' && c <= '9' {
			out = append(out, int64(c-'0'))
		}
	}
	return out
}

// TestFetch_errors covers unknown tables and bad predicates.
func TestFetch_errors(t *testing.T) {
	t.Parallel()
	s := newSpace(t, 1)
	tests := []struct {
		name, table string
		q           Query
		code, msg   string
	}{
		{"unknown table", "Isues", Query{}, backlogsync.ENOTFOUND, `unknown table "Isues": did you mean "Issues"? (run 'backlogsync tables' for the list)`},
		{"unknown column", "Issues", Query{Where: []Predicate{Eq("StatusID2", 1)}}, backlogsync.EINVALID, `table Issues has no column "StatusID2" (did you mean "StatusId"?)`},
		{"bad type", "Issues", Query{Where: []Predicate{Eq("StatusId", "open")}}, backlogsync.EINVALID, `column StatusId is BIGINT: cannot compare it with string open`},
		{"bad date", "Issues", Query{Where: []Predicate{Cmp("Updated", OpGE, "yesterday")}}, backlogsync.EINVALID, `column Updated: "yesterday" is not a date (want yyyy-MM-dd or an RFC 3339 time)`},
		{"bad operator", "Issues", Query{Where: []Predicate{{"Id", "LIKE", []any{int64(1)}}}}, backlogsync.EINVALID, `unknown operator "LIKE" on Id (use =, IN, >=, >, <=, <)`},
		{"two values for =", "Issues", Query{Where: []Predicate{{"Id", OpEq, []any{int64(1), int64(2)}}}}, backlogsync.EINVALID, `Id = takes one value, got 2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.srv.ClearRequests()
			err := Fetch(context.Background(), s.client, tt.table, tt.q, func(backlogsync.Row) error { return nil })
			if backlogsync.ErrorCode(err) != tt.code || backlogsync.ErrorMessage(err) != tt.msg {
				t.Errorf("err = %v (%s), want %s: %s", err, backlogsync.ErrorCode(err), tt.code, tt.msg)
			}
			if n := len(s.srv.Requests()); n != 0 {
				t.Errorf("%d API calls made before the query was validated", n)
			}
		})
	}
}

// TestFetch_emitError stops at the first error from emit and returns it.
func TestFetch_emitError(t *testing.T) {
	t.Parallel()
	s := newSpace(t, 1)
	stop := errors.New("enough")
	n := 0
	err := Fetch(context.Background(), s.client, "IssueComments", Query{Account: "a"}, func(backlogsync.Row) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if err != stop || n != 3 {
		t.Errorf("err = %v after %d rows, want %v after 3", err, n, stop)
	}
}

// TestFetch_accountDefault uses the base URL's host when Query.Account is
// empty, and filters on Account like any column.
func TestFetch_accountDefault(t *testing.T) {
	t.Parallel()
	s := newSpace(t, 1)
	var got []any
	err := Fetch(context.Background(), s.client, "Space", Query{}, func(r backlogsync.Row) error { got = append(got, r[0]); return nil })
	if err != nil || len(got) != 1 || got[0] != "127.0.0.1" {
		t.Errorf("Account = %v, %v; want [127.0.0.1]", got, err)
	}
	if rows := s.fetchAll(t, "Space", Query{Account: "demo", Where: []Predicate{Eq("Account", "other")}}); len(rows) != 0 {
		t.Errorf("Account = 'other' matched %d rows", len(rows))
	}
}
