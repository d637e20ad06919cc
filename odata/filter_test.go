package odata

import (
	"fmt"
	"strings"
	"testing"

	bs "github.com/backlogsync/backlogsync"
)

func testSet() *entitySet {
	return &entitySet{Name: "T", Def: &bs.Table{Name: "T", PrimaryKey: []string{"Id"}, Columns: []bs.Column{
		{Name: "Id", Type: bs.TypeInt}, {Name: "Name", Type: bs.TypeText}, {Name: "Active", Type: bs.TypeBool},
		{Name: "Due", Type: bs.TypeDate}, {Name: "At", Type: bs.TypeTimestamp}, {Name: "Score", Type: bs.TypeFloat},
	}}}
}

func TestParseFilterShapes(t *testing.T) {
	tr := &translator{opt: "$filter", set: testSet()}
	for src, want := range map[string]string{
		"Id eq 1":                               "{{Id} = {1 BIGINT}}",
		"Id add 2 mul 3 eq 7":                   "{{add {Id} {mul {2 BIGINT} {3 BIGINT}}} = {7 BIGINT}}",
		"Active":                                "{{Active} = {true BOOLEAN}}",
		"not Active or Id lt -2":                "[{{{Active} = {true BOOLEAN}}} {{Id} < {-2 BIGINT}}]",
		"contains(Name,'it''s') eq false":       "{{{Name} contains {it's TEXT}}}",
		"Due eq 2024-02-29":                     "{{Due} = {2024-02-29 00:00:00 +0000 UTC DATE}}",
		"At gt 2024-01-01T00:00:00.5-02:30":     "{{At} > {2024-01-01 00:00:00.5 -0230 -0230 TIMESTAMP}}",
		"Name in ('a','b')":                     "{{Name} [{a TEXT} {b TEXT}]}",
		"(Id eq 1 or Id eq 2) and Name ne null": "[[{{Id} = {1 BIGINT}} {{Id} = {2 BIGINT}}] {{Name} <> {<nil> Type(0)}}]",
		"Score ge 1.5e3":                        "{{Score} >= {1500 DOUBLE}}",
	} {
		n, err := parseFilter("$filter", src)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		e, err := tr.expr(n)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if got := strings.NewReplacer("backlogsync.", "").Replace(sprint(e)); got != want {
			t.Errorf("%s:\n got %s\nwant %s", src, got, want)
		}
	}
}

func sprint(v any) string { return strings.TrimSpace(strings.ReplaceAll(fmtV(v), "\n", " ")) }

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		"Id eq 1", "contains(tolower(Name),'x') and not (Id in (1,2,3))", "At ge 2024-01-01T00:00:00+01:00",
		"Id mul -3 add 2 ge 2.5e1", "Name eq 'a''b'", "((((Id))))", "year(Due) eq 2024", "Id eq 1L", "Active eq true",
		"'", "(", "Id eq", "2024-13-01", "x/y", "guid'1'", "Id in ()",
	} {
		f.Add(s)
	}
	tr := &translator{opt: "$filter", set: testSet()}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseFilter("$filter", s)
		if err != nil {
			oe, ok := err.(*optionError)
			if !ok || (oe.Status != 400 && oe.Status != 501) || oe.Pos < 0 || oe.Pos > len(s)+1 {
				t.Fatalf("%q: bad error %#v", s, err)
			}
			return
		}
		if _, err := tr.expr(n); err != nil {
			if _, ok := err.(*optionError); !ok {
				t.Fatalf("%q: translate error %T %v", s, err, err)
			}
		}
	})
}

func fmtV(v any) string { return fmt.Sprint(v) }
