package emulator

import (
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The layering doc.go describes, checked on the source so that it stays true:
// every file belongs to a layer by its name; the store, the generator and
// the render layer know nothing of HTTP or of the server; Backlog's JSON
// shapes are declared only in the render layer (the admin layer's own shapes
// and the activity contents the change feed snapshots excepted); no file
// grows past ~600 lines without saying why at its top; and every file name
// the package's text mentions is a file of the package (so that doc.go's
// map does not go stale after a rename).

// layers are the file-name prefixes of doc.go's map ("" for the two files
// named as they are).
var layers = []string{"store", "gen", "render", "api_", "http_", "admin"}

// httpFree are the layers that must not use net/http or the server.
var httpFree = []string{"store", "gen", "render"}

// serverIdents are the HTTP layer's types; a file of an httpFree layer must
// not name them.
var serverIdents = map[string]bool{"Server": true, "call": true, "handlerFunc": true, "statusRecorder": true, "params": true}

// maxFileLines is the size above which a file must state why at its top.
const maxFileLines = 600

func layerOf(name string) string {
	if name == "doc.go" || name == "server.go" {
		return name
	}
	for _, l := range layers {
		if strings.HasPrefix(name, l) {
			return l
		}
	}
	return ""
}

// goFileRef is a file name mentioned in the package's text.
var goFileRef = regexp.MustCompile(`\b[a-z][a-z0-9_]*\.go\b`)

func TestLayout(t *testing.T) {
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	exists := map[string]bool{}
	for _, n := range names {
		exists[n] = true
	}
	fset := gotoken.NewFileSet()
	for _, name := range names {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, ref := range goFileRef.FindAllString(string(src), -1) {
			if !exists[ref] {
				t.Errorf("%s mentions %s, which is not a file of this package (renamed? see doc.go)", name, ref)
			}
		}
		if n := strings.Count(string(src), "\n"); n > maxFileLines &&
			!strings.HasPrefix(string(src), "// Why this file is over 600 lines:") {
			t.Errorf("%s has %d lines: split it, or start it with \"// Why this file is over 600 lines: …\"", name, n)
		}
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		layer := layerOf(name)
		if layer == "" {
			t.Errorf("%s belongs to no layer: name it store_*, gen_*, render_*, api_*, http_* or admin_* (see doc.go)", name)
			continue
		}
		f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != gotoken.TYPE || layer == "render" {
				continue
			}
			for _, sp := range g.Specs {
				if n := sp.(*ast.TypeSpec).Name.Name; strings.HasPrefix(n, "json") {
					t.Errorf("%s declares the JSON shape %s: shapes live in render_*.go, each in one place", name, n)
				}
			}
		}
		if layer == "api_" || layer == "http_" {
			ast.Inspect(f, func(n ast.Node) bool {
				if st, ok := n.(*ast.StructType); ok {
					for _, fld := range st.Fields.List {
						if fld.Tag != nil && strings.Contains(fld.Tag.Value, `json:"`) {
							t.Errorf("%s: a JSON shape in a handler file: declare it in render_*.go", fset.Position(fld.Pos()))
						}
					}
				}
				return true
			})
		}
		free := false
		for _, l := range httpFree {
			free = free || layer == l
		}
		if !free {
			continue
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); strings.HasPrefix(p, "net/http") {
				t.Errorf("%s (layer %s) imports %s: the store, generator and render layers know no HTTP", name, layer, p)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && serverIdents[id.Name] {
				t.Errorf("%s: %s names %s, a type of the HTTP layer", fset.Position(id.Pos()), layer, id.Name)
			}
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "time" && sel.Sel.Name == "Now" {
					t.Errorf("%s: %s calls time.Now; take the time from the caller", fset.Position(sel.Pos()), layer)
				}
			}
			return true
		})
	}
}

// apiSources calls f with the name and text of every non-test api_*.go
// file: the handlers the guard tests below read.
func apiSources(t *testing.T, f func(name string, src []byte)) {
	t.Helper()
	names, err := filepath.Glob("api_*.go")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Fatal("no api_*.go file found: run the test from the emulator package")
	}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f(name, src)
	}
}

// TestCreatesGoThroughTheKit: a 201 Created answer is written only by the
// handler kit's creating (http_kit.go), so that every create takes the
// store's write lock and sets Location one way.
func TestCreatesGoThroughTheKit(t *testing.T) {
	apiSources(t, func(name string, src []byte) {
		if strings.Contains(string(src), "http.StatusCreated") {
			t.Errorf("%s answers 201 by hand: use creating (http_kit.go)", name)
		}
	})
}

// storeWriteLock is a handler taking the store's write lock by hand.
var storeWriteLock = regexp.MustCompile(`\b(st|s\.store|c\.s\.store)\.mu\.Lock\(\)`)

// TestWritesGoThroughTheKit: API handlers take the store's write lock only
// through the handler kit (writing, creating, inProject, locked in
// http_kit.go), so that every change resolves the path, checks rights and
// answers one way. Read locks taken by hand remain where the kit does not fit
// (downloads, which generate their bytes after the lock is released).
func TestWritesGoThroughTheKit(t *testing.T) {
	if storeWriteLock.FindStringIndex("\tst := s.store\n\tst.mu.Lock()\n") == nil {
		t.Fatal("storeWriteLock misses a planted st.mu.Lock()")
	}
	apiSources(t, func(name string, src []byte) {
		for _, loc := range storeWriteLock.FindAllIndex(src, -1) {
			line := 1 + strings.Count(string(src[:loc[0]]), "\n")
			t.Errorf("%s:%d takes the store's write lock by hand: use writing, creating or inProject (http_kit.go)", name, line)
		}
	})
}
