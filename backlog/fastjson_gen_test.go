package backlog

import (
	"bytes"
	"os"
	"testing"

	"github.com/backlogsync/backlogsync/backlog/internal/fastjsongen"
)

// TestFastJSONGenerated fails when fastjson_gen.go is not what go generate
// writes from the current struct types (a field was added, renamed or
// retyped without running go generate ./backlog).
func TestFastJSONGenerated(t *testing.T) {
	want, err := fastjsongen.Generate(".")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(fastjsongen.Output)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: run go generate ./backlog", fastjsongen.Output)
	}
}
