package fastjsongen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writePkg writes src as the only file of a package in a temporary
// directory and returns the directory.
func writePkg(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "types.go"), []byte("package p\n\n"+src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestGenerateFollowsTypes(t *testing.T) {
	dir := writePkg(t, `import (
	"encoding/json"
	"time"
)

type Kind int

// Root is decoded.
//
//fastjson:decode
//fastjson:ignore oldName
type Root struct {
	ID    int64            `+"`json:\"id\"`"+`
	Kind  Kind             `+"`json:\"kind\"`"+`
	Child *Child           `+"`json:\"child\"`"+`
	List  []*Child         `+"`json:\"list,omitempty\"`"+`
	At    time.Time        `+"`json:\"at\"`"+`
	Raw   json.RawMessage  `+"`json:\"raw\"`"+`
	Extra Extra            `+"`json:\"-\"`"+`
}

var rootFields = fieldsOf[Root]()

type Child struct {
	Name *string `+"`json:\"name\"`"+`
}

type Unused struct {
	X chan int `+"`json:\"x\"`"+`
}
`)
	// The output file itself is not read (it may be stale or broken).
	if err := os.WriteFile(filepath.Join(dir, Output), []byte("broken {"), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := Generate(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := string(src)
	for _, want := range []string{
		Header + "\n",
		"func fastRoot(d *fastDec, v *Root) {",
		"func fastChild(d *fastDec, v *Child) {",
		"v.Kind = Kind(d.int64())",
		"v.Child = ptrObj(d, fastChild)",
		"v.List = ptrSlice(d, fastChild)",
		"d.time(&v.At)",
		"v.Raw = d.raw()",
		"d.seen(&set, 5)",
		`case "oldName":`,
		"d.unknown(k, rootFields, &v.Extra)",
		"d.unknown(k, childFields, nil)",
		"childFields = fieldsOf[Child]()",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("generated code lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Unused") || strings.Contains(got, "rootFields = ") {
		t.Errorf("generated code decodes an unreached type or redeclares a hand-written field set:\n%s", got)
	}
}

func TestGenerateRejects(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"no root", "type A struct{ X int64 `json:\"x\"` }\n", "no struct type is marked"},
		{"unsupported type", "//fastjson:decode\ntype A struct{ X map[string]int `json:\"x\"` }\n", "A.X: type map[string]int is not supported"},
		{"no tag", "//fastjson:decode\ntype A struct{ X int64 }\n", "A.X: the field needs a json tag"},
		{"string option", "//fastjson:decode\ntype A struct{ X int64 `json:\"x,string\"` }\n", `json option "string"`},
		{"embedded", "type B struct{}\n\n//fastjson:decode\ntype A struct{ B }\n", "embedded fields"},
		{"own UnmarshalJSON", "//fastjson:decode\ntype A struct{ X int64 `json:\"x\"` }\n\nfunc (a *A) UnmarshalJSON([]byte) error { return nil }\n", "own UnmarshalJSON"},
		{"Extra without field set", "//fastjson:decode\ntype A struct{ Extra Extra `json:\"-\"` }\n", "declares no aFields"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Generate(writePkg(t, tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
