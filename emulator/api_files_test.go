package emulator

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// names lists the "name" fields of a JSON array of objects.
func names(list []map[string]any) string {
	var out []string
	for _, m := range list {
		out = append(out, fmt.Sprint(m["name"]))
	}
	return strings.Join(out, ",")
}

func (f *ctFixture) file(t testing.TB, dir, name string, size int64, isDir bool) *sharedFile {
	t.Helper()
	f.st.mu.Lock()
	defer f.st.mu.Unlock()
	sf, err := f.st.addSharedFile(f.member, f.tick(), f.p, dir, name, size, isDir)
	if err != nil {
		t.Fatal(err)
	}
	return sf
}

func TestSharedFileTree(t *testing.T) {
	f := newCT(t, Options{})
	f.file(t, "/", "root.txt", 3, false)
	deep := f.file(t, "/a/b/", "x.txt", 7, false) // creates /a/ and /a/b/
	f.file(t, "/a/", "b", 0, true)                // existing directory: no-op
	f.file(t, "/プレスリリース/", "発表.txt", 2, false)

	base := "/api/v2/projects/CNT/files/metadata"
	cases := []struct{ path, want string }{
		{base, "プレスリリース,a,root.txt"},
		{base + "/", "プレスリリース,a,root.txt"},
		{base + "/?order=asc", "root.txt,a,プレスリリース"},
		{base + "/a", "b"},
		{base + "/a/", "b"},
		{base + "/a/b", "x.txt"},
		{base + "/" + url.PathEscape("プレスリリース"), "発表.txt"},
	}
	for _, c := range cases {
		var list []map[string]any
		if st := f.call(t, "GET", c.path, "km", "", &list); st != 200 || names(list) != c.want {
			t.Errorf("%s: %d %s, want %s", c.path, st, names(list), c.want)
		}
	}
	var list []map[string]any
	f.call(t, "GET", base+"/a", "km", "", &list)
	if list[0]["type"] != "directory" || list[0]["dir"] != "/a/" || list[0]["size"] != 0.0 || list[0]["updatedUser"] != nil {
		t.Errorf("directory entry %v", list[0])
	}
	if keysOf(list[0]) != "created,createdUser,dir,id,name,projectId,size,type,updated,updatedUser" {
		t.Errorf("keys %s", keysOf(list[0]))
	}
	// Only files produce activity 8.
	if a8 := f.acts(ActFileAdded); len(a8) != 3 || keysOf(a8[1]) != "dir,id,name,size" || a8[1]["dir"] != "/a/b/" || a8[1]["size"] != 7.0 {
		t.Errorf("activity 8: %v", a8)
	}

	// Download.
	st, h, data := do(t, f.s, "GET", fmt.Sprintf("/api/v2/projects/CNT/files/%d", deep.ID), "km", "")
	if st != 200 || len(data) != 7 || !strings.Contains(h.Get("Content-Disposition"), "x.txt") {
		t.Errorf("download %d %d %v", st, len(data), h)
	}

	// Update and delete.
	f.st.mu.Lock()
	if err := f.st.updateSharedFile(f.padmin, f.tick(), deep, 9); err != nil {
		t.Fatal(err)
	}
	f.st.mu.Unlock()
	f.call(t, "GET", base+"/a/b", "km", "", &list)
	if list[0]["size"] != 9.0 || list[0]["updatedUser"].(map[string]any)["userId"] != "padmin" {
		t.Errorf("after update %v", list[0])
	}
	if a9 := f.acts(ActFileUpdated); len(a9) != 1 || a9[0]["size"] != 9.0 {
		t.Errorf("activity 9 %v", a9)
	}
	f.st.mu.Lock()
	a := sharedFileAt(f.p, "/", "a")
	if err := f.st.deleteSharedFile(f.member, f.tick(), a); err != nil {
		t.Fatal(err)
	}
	f.st.mu.Unlock()
	if a10 := f.acts(ActFileDeleted); len(a10) != 1 || a10[0]["name"] != "x.txt" {
		t.Errorf("activity 10 %v", a10)
	}
	if f.call(t, "GET", base, "km", "", &list); names(list) != "プレスリリース,root.txt" {
		t.Errorf("after delete %s", names(list))
	}
	f.wantErr(t, "GET", base+"/a", "km", "", 404, CodeNoResource, "No directory.")
	f.wantErr(t, "GET", fmt.Sprintf("/api/v2/projects/CNT/files/%d", deep.ID), "km", "", 404, CodeNoResource, "No file.")
}

func TestSharedFilePaging(t *testing.T) {
	f := newCT(t, Options{})
	for i := 1; i <= 4; i++ {
		f.file(t, "/p/", fmt.Sprintf("f%d", i), int64(i), false)
	}
	base := "/api/v2/projects/CNT/files/metadata/p"
	cases := []struct{ query, want string }{
		{"", "f4,f3,f2,f1"},
		{"?count=2", "f4,f3"},
		{"?count=2&offset=2", "f2,f1"},
		{"?count=2&offset=4", ""},
		{"?count=3&offset=3", "f1"},
		{"?order=asc&count=3", "f1,f2,f3"},
		{"?count=1000", "f4,f3,f2,f1"},
		{"?offset=10", ""},
	}
	for _, c := range cases {
		var list []map[string]any
		if st := f.call(t, "GET", base+c.query, "km", "", &list); st != 200 || names(list) != c.want {
			t.Errorf("%s: %d %q, want %q", c.query, st, names(list), c.want)
		}
	}
	for _, q := range []string{"?count=0", "?count=1001", "?offset=-1", "?offset=x", "?order=random"} {
		f.wantErr(t, "GET", base+q, "km", "", 400, CodeInvalidRequest, "")
	}
}

func TestSharedFileErrors(t *testing.T) {
	f := newCT(t, Options{})
	file := f.file(t, "/d/", "a.txt", 1, false)
	dir := sharedFileAt(f.p, "/", "d")
	f.st.mu.Lock()
	other, err := f.st.addSharedFile(f.member, f.now, f.off, "/", "o.txt", 1, false)
	f.st.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path, key string
		msg       string
	}{
		{"/api/v2/projects/NOPE/files/metadata/", "km", "No project."},
		{"/api/v2/projects/CNT/files/metadata/", "ko", "No project."},
		{"/api/v2/projects/CNT/files/metadata/zzz", "km", "No directory."},
		{"/api/v2/projects/CNT/files/metadata/d/a.txt", "km", "No directory."},
		{fmt.Sprintf("/api/v2/projects/CNT/files/%d", dir.ID), "km", "No file."},
		{fmt.Sprintf("/api/v2/projects/CNT/files/%d", other.ID), "km", "No file."},
		{fmt.Sprintf("/api/v2/projects/CNT/files/%d", file.ID), "ko", "No project."},
		{"/api/v2/projects/CNT/files/abc", "km", "No file."},
	}
	for _, c := range cases {
		f.wantErr(t, "GET", c.path, c.key, "", 404, CodeNoResource, c.msg)
	}
	// Mutation errors.
	st := f.st
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, c := range []struct{ dir, name string }{
		{"/d/", "a.txt"},     // exists
		{"/d/a.txt/", "x"},   // parent is a file
		{"/../", "x"},        // bad path
		{"/", ""},            // empty name
		{"/", "a/b"},         // slash in name
		{"/", "d"},           // a directory named like the file to add
		{"/d/", "a.txt"},     // duplicate again
		{"/x/./y/", "z"},     // dot segment
		{"/ok/", "negative"}, // size below
	} {
		size := int64(1)
		if c.name == "negative" {
			size = -1
		}
		if _, err := st.addSharedFile(f.member, f.now, f.p, c.dir, c.name, size, false); err == nil {
			t.Errorf("addSharedFile(%q, %q) accepted", c.dir, c.name)
		}
	}
	if err := st.updateSharedFile(f.member, f.now, dir, 3); err == nil {
		t.Error("updating a directory accepted")
	}
}
