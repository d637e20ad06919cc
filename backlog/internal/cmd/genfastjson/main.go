// Command genfastjson writes backlog's fastjson_gen.go from the struct types
// of the package in the current directory (go generate runs it in backlog/,
// see the go:generate line in backlog/fastjson.go). The rules are in package
// fastjsongen.
package main

import (
	"fmt"
	"os"

	"github.com/backlogsync/backlogsync/backlog/internal/fastjsongen"
)

func main() {
	src, err := fastjsongen.Generate(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "genfastjson:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(fastjsongen.Output, src, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "genfastjson:", err)
		os.Exit(1)
	}
}
