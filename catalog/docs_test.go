package catalog

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated table docs in "+DocsDir)

// docsDir is DocsDir seen from this package's directory.
var docsDir = filepath.Join("..", filepath.FromSlash(DocsDir))

// TestDocs_golden fails when the committed docs differ from the code; run
// "go test ./catalog -update" to rewrite them.
func TestDocs_golden(t *testing.T) {
	if *update {
		if err := WriteDocs(docsDir); err != nil {
			t.Fatal(err)
		}
	}
	files := DocFiles()
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(docsDir, name))
		if err != nil {
			t.Errorf("%v (run go test ./catalog -update)", err)
			continue
		}
		if string(got) != want {
			t.Errorf("%s/%s differs from the catalog (run go test ./catalog -update)", DocsDir, name)
		}
	}
	existing, err := filepath.Glob(filepath.Join(docsDir, "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range existing {
		if _, ok := files[filepath.Base(p)]; !ok {
			t.Errorf("%s documents no table (run go test ./catalog -update)", p)
		}
	}
}

// TestMarkdown checks the sections of one page.
func TestMarkdown(t *testing.T) {
	tab, _ := Lookup("IssueComments")
	md := Markdown(tab)
	for _, want := range []string{
		"# IssueComments\n",
		"| Primary key | `Account`, `Id` |",
		"| Parent | [Issues](Issues.md) on `IssueId` = `Issues.Id` and `ProjectId` = `Issues.ProjectId` |",
		"| `Id` (key) | BIGINT | no | comment id |",
		"| `Content` | TEXT | yes |",
		"| GET | `/api/v2/issues` | search | pages of 100 |",
		"| GET | `/api/v2/issues/:issueIdOrKey/comments` | read | per issue, pages of 100 by id (asc) |",
		"| `Id` | `=` `>=` `>` `<=` `<` | minId / maxId (per issue) |",
		"Strategy: **parent**.",
		"3 (issue commented)",
		"| Child tables | [IssueCommentChangeLog](IssueCommentChangeLog.md), ",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown(IssueComments) lacks %q:\n%s", want, md)
		}
	}
	idx := Index()
	for _, want := range []string{"| [Issues](Issues.md) |  | The issues of every project", "| Issue list | [Issues](Issues.md) |", "| Rate-limit info | [RateLimit](RateLimit.md) |"} {
		if !strings.Contains(idx, want) {
			t.Errorf("Index lacks %q", want)
		}
	}
}
