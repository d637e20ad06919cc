package jobsql

import (
	"errors"
	"testing"

	"github.com/backlogsync/backlogsync"
)

func TestErrorAPI(t *testing.T) {
	src := "REPLICATE Issues;\r\n\tREPLICATE  WITH DropTable;\nREPLICATE 課題 WITH Trunc=1;\nREPLICATE Ok"
	stmts, err := Parse("jobs.sql", src)
	if len(stmts) != 2 || stmts[0].String() != "REPLICATE Issues" || stmts[1].String() != "REPLICATE Ok" {
		t.Fatalf("good statements = %v", stmts)
	}
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 2 {
		t.Fatalf("err = %#v, want an ErrorList of 2", err)
	}
	wantErr := "jobs.sql:2:13: expected table name after REPLICATE, found \"WITH\"\n" +
		"jobs.sql:3:19: unknown option Trunc: did you mean TruncateTable?"
	if err.Error() != wantErr {
		t.Errorf("Error() =\n%s\nwant\n%s", err, wantErr)
	}
	e := list[0]
	if e.Line != 2 || e.Col != 13 || e.Filename != "jobs.sql" || e.Msg != `expected table name after REPLICATE, found "WITH"` {
		t.Errorf("first error = %+v", e)
	}
	// The caret keeps the tab so it lines up; the \r is not shown.
	if got, want := e.Snippet(), "    \tREPLICATE  WITH DropTable;\n    \t           ^\n"; got != want {
		t.Errorf("Snippet() =\n%q\nwant\n%q", got, want)
	}
	// Columns count characters, not bytes; the caret skips two cells for a
	// wide character.
	if list[1].Col != 19 {
		t.Errorf("Col = %d, want 19", list[1].Col)
	}
	if got, want := list[1].Snippet(), "    REPLICATE 課題 WITH Trunc=1;\n                        ^\n"; got != want {
		t.Errorf("Snippet() =\n%q\nwant\n%q", got, want)
	}
	if got, want := list.Detail(), list[0].Detail()+list[1].Detail(); got != want || got != list[0].Error()+"\n"+list[0].Snippet()+list[1].Error()+"\n"+list[1].Snippet() {
		t.Errorf("Detail() = %q", got)
	}
	// errors.As finds the first *Error; the application code is EINVALID.
	var first *Error
	if !errors.As(err, &first) || first != list[0] {
		t.Errorf("errors.As(*Error) = %v", first)
	}
	if code := backlogsync.ErrorCode(err); code != backlogsync.EINVALID {
		t.Errorf("ErrorCode = %q, want %q", code, backlogsync.EINVALID)
	}
	if msg := backlogsync.ErrorMessage(err); msg != list[0].Error() {
		t.Errorf("ErrorMessage = %q", msg)
	}
	// A hand-made Error without source has no snippet.
	if s := (&Error{Pos: Pos{Line: 1, Col: 1}, Msg: "x"}).Snippet(); s != "    \n    ^\n" {
		t.Errorf("Snippet without source = %q", s)
	}
	if s := (&Error{Msg: "x"}).Snippet(); s != "" {
		t.Errorf("Snippet without position = %q", s)
	}
}

func TestErrorAtEOF(t *testing.T) {
	src := "REPLICATE Issues WITH\n"
	_, err := Parse("f.sql", src)
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatal(err)
	}
	if got, want := list[0].Detail(), "f.sql:2:1: expected option name after WITH, found end of input\n    \n    ^\n"; got != want {
		t.Errorf("Detail() = %q, want %q", got, want)
	}
}
