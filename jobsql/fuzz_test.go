package jobsql

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// dumpNoPos renders a statement without positions, so that the parses of
// two differently laid out texts compare equal.
func dumpNoPos(st Statement) string {
	d := dumper{}
	d.stmt(st)
	return d.b.String()
}

// checkRoundTrip asserts that each statement's String parses back to the
// same AST and prints the same text again, alone and all together.
func checkRoundTrip(t *testing.T, stmts []Statement) {
	t.Helper()
	var all []string
	for _, st := range stmts {
		s := st.String()
		all = append(all, s)
		again, err := Parse("roundtrip.sql", s)
		if err != nil || len(again) != 1 {
			t.Fatalf("String() does not parse back:\n%s\nerr: %v (%d statements)", s, err, len(again))
		}
		if got := again[0].String(); got != s {
			t.Fatalf("String() not stable:\nfirst:  %s\nsecond: %s", s, got)
		}
		if a, b := dumpNoPos(st), dumpNoPos(again[0]); a != b {
			t.Fatalf("round trip changed the AST of\n%s\nbefore:\n%s\nafter:\n%s", s, a, b)
		}
	}
	if len(all) > 1 {
		joined := strings.Join(all, ";\n")
		again, err := Parse("roundtrip.sql", joined)
		if err != nil || len(again) != len(stmts) {
			t.Fatalf("joined statements do not parse back: %v", err)
		}
	}
}

// fmtMistake matches what fmt writes for a wrong verb or argument count:
// %!s(int=1), %!d(MISSING), %!(EXTRA string=x), %!(NOVERB).
var fmtMistake = regexp.MustCompile(`%!([a-zA-Z]?\(|[a-zA-Z]\()`)

// checkErrors asserts the invariants of every reported error: a position
// inside the source that agrees with its offset, a message, and a snippet.
func checkErrors(t *testing.T, src string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	list, ok := err.(ErrorList)
	if !ok || len(list) == 0 {
		t.Fatalf("error is %T %v, want a non-empty ErrorList", err, err)
	}
	for _, e := range list {
		// A formatting mistake shows as fmt's %!verb(…) marker; the
		// source's own text, which messages quote, may hold "%!" too.
		if bad := fmtMistake.FindString(e.Msg); e.Msg == "" || bad != "" && !strings.Contains(src, bad) {
			t.Fatalf("bad message %q", e.Msg)
		}
		if e.Offset < 0 || e.Offset > len(src) {
			t.Fatalf("%v: offset %d outside the source (%d bytes)", e, e.Offset, len(src))
		}
		before := src[:e.Offset]
		line := strings.Count(before, "\n") + 1
		lineStart := strings.LastIndexByte(before, '\n') + 1
		text := before[lineStart:]
		if lineStart == 0 {
			// Only the file's first character can be a byte order mark;
			// a U+FEFF later on is a character of its line.
			text = strings.TrimPrefix(text, "\uFEFF")
		}
		col := utf8.RuneCountInString(text) + 1
		if utf8.ValidString(before) && (e.Line != line || e.Col != col) {
			t.Fatalf("%v: position says %d:%d, offset %d is at %d:%d", e, e.Line, e.Col, e.Offset, line, col)
		}
		if sn := e.Snippet(); !strings.HasSuffix(sn, "^\n") {
			t.Fatalf("%v: snippet %q has no caret", e, sn)
		}
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.sql")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	for _, s := range []string{
		"REPLICATE Issues;",
		"REPLICATE PROD_Issues SELECT * FROM Issues;",
		"REPLICATE PROD.Issues SELECT * FROM Issues WHERE ProjectId = 3",
		"REPLICATE [a]]b].\"c\"\"d\" (`x` INT PRIMARY KEY) WITH DropTable SELECT a AS b, f(1, -2.5e3) FROM t WHERE NOT (a IN (1) OR b BETWEEN 1 AND 2) AND c IS NOT NULL AND d NOT LIKE 'x''%'",
		"CHECKCACHE Issues AGAINST (SELECT * FROM Issues) WITH REPAIR SKIP DELETED START '2024-01-01' END LAST_MONTH() WHERE a <> b",
		"/* c */ -- x\nreplicate x with ReplicateIntervalUnit=hour, ReplicateInterval=3, IncrementalCheckColumns='a, b'",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		stmts, err := Parse("fuzz.sql", src)
		checkErrors(t, src, err)
		checkRoundTrip(t, stmts)
		_ = Dump(stmts)
	})
}
