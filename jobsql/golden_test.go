package jobsql

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the parser's output")

// TestGolden parses each testdata/*.sql and compares the AST dump and the
// errors (with snippets) with testdata/*.golden. Run with -update to
// rewrite the goldens, then review the diff.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/*.sql: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			stmts, err := Parse(filepath.Base(file), string(src))
			checkErrors(t, string(src), err)
			checkRoundTrip(t, stmts)
			got := Dump(stmts)
			var list ErrorList
			if errors.As(err, &list) {
				got += "-- errors --\n" + list.Detail()
			} else if err != nil {
				t.Fatalf("error %T is not an ErrorList: %v", err, err)
			}
			golden := strings.TrimSuffix(file, ".sql") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./jobsql -run TestGolden -update)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the parse (run with -update and review the diff):\n--- got\n%s--- want\n%s", golden, got, want)
			}
		})
	}
}
