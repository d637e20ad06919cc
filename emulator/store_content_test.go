package emulator

import (
	"encoding/json"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// ctFixture is a small hand-built space for the content-area tests: users
// and projects are put straight into the store maps so that these tests do
// not depend on the user/project mutations.
//
//	admin  (key "ka")  space administrator, member of CNT
//	member (key "km")  normal user, member of CNT and OFF
//	padmin (key "kp")  normal user, project administrator of CNT
//	viewer (key "kv")  viewer, member of CNT
//	outsider (key "ko") normal user, member of nothing
//
// CNT has every feature on; OFF has wiki and Git off.
type ctFixture struct {
	s                                      *Server
	st                                     *store
	admin, member, padmin, viewer, outside *user
	p, off                                 *project
	now                                    time.Time
}

func newCT(t testing.TB, opts Options) *ctFixture {
	t.Helper()
	f := &ctFixture{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	opts.Empty, opts.AdminAPIKey = true, "ka"
	opts.Now = func() time.Time { return f.now }
	f.s = newTestServer(t, opts)
	f.st = f.s.store
	st := f.st
	f.admin = st.users[st.space.OwnerID]
	add := func(login string, role int, key string) *user {
		u := &user{ID: st.nextID("user"), UserID: login, Name: strings.ToUpper(login[:1]) + login[1:], RoleType: role,
			MailAddress: login + "@example.com", APIKeys: []string{key}}
		st.users[u.ID] = u
		st.userList = append(st.userList, u)
		st.apiKeys[key] = u
		return u
	}
	f.member = add("member", RoleNormal, "km")
	f.padmin = add("padmin", RoleNormal, "kp")
	f.viewer = add("viewer", RoleViewer, "kv")
	f.outside = add("outsider", RoleNormal, "ko")
	f.member.NulabID = "nulabmember"
	f.p = &project{ID: st.nextID("project"), Key: "CNT", Name: "Content", UseWiki: true, UseGit: true,
		UseDocument: true, UseFileSharing: true, TextFormattingRule: "markdown",
		Users:  []int64{f.admin.ID, f.member.ID, f.padmin.ID, f.viewer.ID},
		Admins: []int64{f.padmin.ID}}
	f.off = &project{ID: st.nextID("project"), Key: "OFF", Name: "Off", UseDocument: true,
		Users: []int64{f.member.ID}}
	for _, p := range []*project{f.p, f.off} {
		st.projects[p.ID] = p
		st.projectKeys[p.Key] = p
		st.projectList = append(st.projectList, p)
	}
	return f
}

// tick advances the fixture clock.
func (f *ctFixture) tick() time.Time {
	f.now = f.now.Add(time.Minute)
	return f.now
}

// call performs a request and decodes a JSON body into v (when not nil).
func (f *ctFixture) call(t testing.TB, method, path, key, body string, v any) int {
	t.Helper()
	st, _, data := do(t, f.s, method, path, key, body)
	if v != nil && st < 300 {
		if err := json.Unmarshal(data, v); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
	return st
}

// wantErr asserts a Backlog error with status and code (and a message
// containing msg when msg is not empty).
func (f *ctFixture) wantErr(t testing.TB, method, path, key, body string, status, code int, msg string) {
	t.Helper()
	st, _, data := do(t, f.s, method, path, key, body)
	if st != status || backlogError(t, data) != code {
		t.Errorf("%s %s (%s): got %d %s, want %d code %d", method, path, key, st, data, status, code)
		return
	}
	if msg != "" && !strings.Contains(string(data), msg) {
		t.Errorf("%s %s: message %s lacks %q", method, path, data, msg)
	}
}

// acts returns the decoded activities of the given type, oldest first.
func (f *ctFixture) acts(typ int) []map[string]any {
	f.st.mu.RLock()
	defer f.st.mu.RUnlock()
	var out []map[string]any
	for _, a := range f.st.activities {
		if a.Type == typ {
			var m map[string]any
			if err := json.Unmarshal(a.Content, &m); err != nil {
				panic(err)
			}
			out = append(out, m)
		}
	}
	return out
}

// upload stores a pending upload of u.
func (f *ctFixture) upload(u *user, name string, size int64) int64 {
	f.st.mu.Lock()
	defer f.st.mu.Unlock()
	return f.st.addUpload(u, f.now, name, size).ID
}

// form encodes key/value pairs as a form body.
func form(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}

// keysOf returns the sorted keys of a JSON object.
func keysOf(m map[string]any) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sortStrings(ks)
	return strings.Join(ks, ",")
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestMarkdownDoc(t *testing.T) {
	cases := []struct {
		md, plain string
		types     []string
	}{
		{"", "", []string{"paragraph"}},
		{"hello", "hello", []string{"paragraph"}},
		{"# head\nhello\nworld\n\nnext", "head\nhello\nworld\nnext", []string{"heading", "paragraph", "paragraph"}},
		{"## 見出し\r\n本文", "見出し\n本文", []string{"heading", "paragraph"}},
		{"#nospace", "#nospace", []string{"paragraph"}},
	}
	for _, c := range cases {
		js, plain := markdownDoc(c.md)
		if plain != c.plain {
			t.Errorf("%q: plain %q, want %q", c.md, plain, c.plain)
		}
		var doc struct {
			Type    string `json:"type"`
			Content []struct {
				Type  string         `json:"type"`
				Attrs map[string]any `json:"attrs"`
			} `json:"content"`
		}
		if err := json.Unmarshal([]byte(js), &doc); err != nil || doc.Type != "doc" {
			t.Fatalf("%q: bad json %s (%v)", c.md, js, err)
		}
		var types []string
		for _, n := range doc.Content {
			types = append(types, n.Type)
			if n.Type == "heading" && (n.Attrs["level"] == nil || n.Attrs["id"] == nil) {
				t.Errorf("%q: heading without attrs: %s", c.md, js)
			}
		}
		if !reflect.DeepEqual(types, c.types) {
			t.Errorf("%q: node types %v, want %v", c.md, types, c.types)
		}
	}
}

func TestLineDiff(t *testing.T) {
	cases := []struct{ a, b, want string }{
		{"same", "same", ""},
		{"a\nb\nc", "a\nB\nc", "- b\n+ B"},
		{"a", "a\nb", "+ b"},
		{"a\nb", "b", "- a"},
		{"", "x", "- \n+ x"},
	}
	for _, c := range cases {
		if got := lineDiff(c.a, c.b); got != c.want {
			t.Errorf("lineDiff(%q,%q) = %q, want %q", c.a, c.b, got, c.want)
		}
	}
}

func TestCleanDir(t *testing.T) {
	cases := []struct {
		in, want string
		bad      bool
	}{
		{"", "/", false}, {"/", "/", false}, {"a", "/a/", false}, {"/a/b/", "/a/b/", false},
		{"a//b", "/a/b/", false}, {"a/../b", "", true}, {"./a", "", true},
	}
	for _, c := range cases {
		got, err := cleanDir(c.in)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("cleanDir(%q) = %q, %v", c.in, got, err)
		}
	}
}

func TestHexIDs(t *testing.T) {
	f := newCT(t, Options{})
	f.st.mu.Lock()
	d, err := f.st.createDocument(f.member, f.now, &documentInput{ProjectID: f.p.ID, Title: "t"})
	var c *documentComment
	if err == nil {
		c, err = f.st.addDocumentComment(f.member, f.now, d, "hi", "")
	}
	f.st.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	hex32 := regexp.MustCompile(`^[0-9a-f]{32}$`)
	if !hex32.MatchString(d.ID) || !hex32.MatchString(c.ID) || d.ID == c.ID {
		t.Errorf("ids %q %q", d.ID, c.ID)
	}
}

func TestTakeContentUploads(t *testing.T) {
	f := newCT(t, Options{})
	a := f.upload(f.member, "a.txt", 3)
	b := f.upload(f.padmin, "b.txt", 4)
	st := f.st
	st.mu.Lock()
	defer st.mu.Unlock()
	// Someone else's upload: refused, and nothing consumed.
	if _, err := st.takeContentUploads(f.member, f.now, []int64{a, b}); err == nil {
		t.Fatal("foreign upload accepted")
	}
	if st.uploads[a] == nil {
		t.Fatal("upload consumed by a failed call")
	}
	if _, err := st.takeContentUploads(f.member, f.now, []int64{a, a}); err == nil {
		t.Error("duplicate upload id accepted")
	}
	list, err := st.takeContentUploads(f.member, f.now, []int64{a})
	if err != nil || len(list) != 1 || list[0].Name != "a.txt" || list[0].Size != 3 || list[0].CreatedUser != f.member.ID {
		t.Fatalf("take: %v %+v", err, list)
	}
	if st.uploads[a] != nil {
		t.Error("upload not consumed")
	}
}
