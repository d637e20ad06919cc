package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"
)

// fixture is a small hand-built space for the issue tests. It creates users,
// projects and metadata directly in the store structs, so it depends on no
// mutation helper except the issue ones under test.
//
// Users: admin (space administrator, joined P1 and P2), pm (normal, project
// administrator of P1), alice and bob (normal members of P1), rep (reporter in
// P1), vic (viewer in P1), out (normal, member of P2 only), loner (normal,
// member of nothing).
// P1 has subtasking without grandchildren, issue types Bug and Task,
// categories UI/DB, versions v1/v2, one custom field of every type 1–8 and a
// custom status "Review". P2 has subtasking with grandchildren.
type fixture struct {
	t   testing.TB
	s   *Server
	st  *store
	now time.Time

	admin, pm, alice, bob, rep, vic, out, loner *user

	p1, p2        *project
	bug, task     *issueType
	p2type        *issueType
	ui, db        *category
	v1, v2        *version
	review        *status
	cf            map[int]*customField // by type id
	items         map[string]*listItem // "5a", "5b", "6a", … per type
	p2file, p1dir *sharedFile
	p1file        *sharedFile
}

var fixtureStart = time.Date(2024, 3, 10, 9, 0, 0, 0, time.UTC)

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{t: t, now: fixtureStart, cf: map[int]*customField{}, items: map[string]*listItem{}}
	f.s = newTestServer(t, Options{Empty: true, AdminAPIKey: "admin", SpaceKey: "demo",
		Now: func() time.Time { return f.now }})
	f.st = f.s.store
	st := f.st
	f.admin = st.users[st.space.OwnerID]
	f.pm = f.addUser("pm", "PM Pat", RoleNormal)
	f.alice = f.addUser("alice", "Alice", RoleNormal)
	f.bob = f.addUser("bob", "Bob", RoleNormal)
	f.rep = f.addUser("rep", "Reporter Rey", RoleReporter)
	f.vic = f.addUser("vic", "Viewer Vic", RoleViewer)
	f.out = f.addUser("out", "Outsider Oz", RoleNormal)
	f.loner = f.addUser("loner", "Loner", RoleNormal)

	f.p1 = f.addProject("P1", false, f.admin, f.pm, f.alice, f.bob, f.rep, f.vic)
	f.p1.Admins = []int64{f.pm.ID}
	f.p2 = f.addProject("P2", true, f.admin, f.out)
	f.bug = f.addIssueType(f.p1, "Bug", 1)
	f.task = f.addIssueType(f.p1, "Task", 2)
	f.p2type = f.addIssueType(f.p2, "Task", 1)
	f.ui = &category{ID: st.nextID("meta"), ProjectID: f.p1.ID, Name: "UI", DisplayOrder: 1}
	f.db = &category{ID: st.nextID("meta"), ProjectID: f.p1.ID, Name: "DB", DisplayOrder: 2}
	f.p1.Categories = []*category{f.ui, f.db}
	f.v1 = &version{ID: st.nextID("meta"), ProjectID: f.p1.ID, Name: "v1", DisplayOrder: 1}
	f.v2 = &version{ID: st.nextID("meta"), ProjectID: f.p1.ID, Name: "v2", DisplayOrder: 2}
	f.p1.Versions = []*version{f.v1, f.v2}
	f.review = &status{ID: st.nextID("meta"), ProjectID: f.p1.ID, Name: "Review", Color: "#3b9dbd", DisplayOrder: 2500}
	f.p1.Statuses = []*status{f.review}
	f.p1.StatusOrder = []int64{StatusOpen, StatusInProgress, f.review.ID, StatusResolved, StatusClosed}

	zero, hundred := 0.0, 100.0
	minDate, maxDate := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2030, 12, 31, 0, 0, 0, 0, time.UTC)
	names := map[int]string{CFText: "Text", CFTextArea: "Notes", CFNumeric: "Points", CFDate: "Deadline",
		CFSingleList: "Severity", CFMultipleList: "Platforms", CFCheckBox: "Checks", CFRadio: "Choice"}
	for typ := CFText; typ <= CFRadio; typ++ {
		d := &customField{ID: st.nextID("meta"), ProjectID: f.p1.ID, TypeID: typ, Name: names[typ],
			DisplayOrder: int64(typ)}
		switch typ {
		case CFNumeric:
			d.Min, d.Max = &zero, &hundred
		case CFDate:
			d.MinDate, d.MaxDate = &minDate, &maxDate
		case CFSingleList, CFMultipleList, CFCheckBox, CFRadio:
			for i, n := range []string{"a", "b", "c"} {
				it := &listItem{ID: st.nextID("meta"), Name: names[typ] + "-" + n, DisplayOrder: int64(i)}
				d.Items = append(d.Items, it)
				f.items[strconv.Itoa(typ)+n] = it
			}
			d.AllowInput = typ == CFCheckBox || typ == CFRadio
		}
		f.cf[typ] = d
		f.p1.CustomFields = append(f.p1.CustomFields, d)
	}
	f.p1dir = f.addSharedFile(f.p1, "directory", "/", "docs")
	f.p1file = f.addSharedFile(f.p1, "file", "/docs/", "spec.pdf")
	f.p2file = f.addSharedFile(f.p2, "file", "/", "other.txt")
	return f
}

func (f *fixture) addUser(login, name string, role int) *user {
	st := f.st
	u := &user{ID: st.nextID("user"), UserID: login, Name: name, RoleType: role, Lang: "en",
		MailAddress: login + "@example.com", APIKeys: []string{"key-" + login}}
	st.users[u.ID] = u
	st.userList = append(st.userList, u)
	st.apiKeys[u.APIKeys[0]] = u
	return u
}

func (f *fixture) addProject(key string, grandchild bool, members ...*user) *project {
	st := f.st
	p := &project{ID: st.nextID("project"), Key: key, Name: "Project " + key, SubtaskingEnabled: true,
		GrandchildIssueEnabled: grandchild, UseWiki: true, UseFileSharing: true,
		TextFormattingRule: "markdown", DisplayOrder: 2147483646, NextKeyID: 1}
	for _, u := range members {
		p.Users = append(p.Users, u.ID)
	}
	st.projects[p.ID] = p
	st.projectList = append(st.projectList, p)
	st.projectKeys[p.Key] = p
	return p
}

func (f *fixture) addIssueType(p *project, name string, order int64) *issueType {
	t := &issueType{ID: f.st.nextID("meta"), ProjectID: p.ID, Name: name, Color: "#990000", DisplayOrder: order}
	p.IssueTypes = append(p.IssueTypes, t)
	return t
}

func (f *fixture) addSharedFile(p *project, typ, dir, name string) *sharedFile {
	sf := &sharedFile{ID: f.st.nextID("file"), ProjectID: p.ID, Type: typ, Dir: dir, Name: name, Size: 10,
		CreatedUser: f.admin.ID, Created: f.now, Updated: f.now}
	f.st.sharedFiles[sf.ID] = sf
	p.SharedFiles = append(p.SharedFiles, sf)
	return sf
}

// key returns a user's API key.
func key(u *user) string { return u.APIKeys[0] }

// tick advances the clock.
func (f *fixture) tick(d time.Duration) { f.now = f.now.Add(d) }

// issue creates an issue through the store (lock held here), failing the
// test on error. mod adjusts the input.
func (f *fixture) issue(actor *user, p *project, summary string, mod func(in *issueInput)) *issue {
	f.t.Helper()
	typ := p.IssueTypes[0].ID
	prio := int64(3)
	in := &issueInput{ProjectID: p.ID, Summary: &summary, IssueTypeID: &typ, PriorityID: &prio}
	if mod != nil {
		mod(in)
	}
	f.st.mu.Lock()
	defer f.st.mu.Unlock()
	is, err := f.st.createIssue(actor, f.now, in)
	if err != nil {
		f.t.Fatalf("createIssue %q: %v", summary, err)
	}
	return is
}

// update updates an issue through the store.
func (f *fixture) update(actor *user, is *issue, in *issueInput) *comment {
	f.t.Helper()
	f.st.mu.Lock()
	defer f.st.mu.Unlock()
	c, err := f.st.updateIssue(actor, f.now, is, in)
	if err != nil {
		f.t.Fatalf("updateIssue: %v", err)
	}
	return c
}

// comment adds a comment through the store.
func (f *fixture) comment(actor *user, is *issue, text string) *comment {
	f.t.Helper()
	f.st.mu.Lock()
	defer f.st.mu.Unlock()
	c, err := f.st.addComment(actor, f.now, is, text, nil, nil)
	if err != nil {
		f.t.Fatalf("addComment: %v", err)
	}
	return c
}

// do performs a request with a form body built from form (nil = no body).
func (f *fixture) do(method, path string, u *user, form url.Values) (int, http.Header, []byte) {
	f.t.Helper()
	body := ""
	if form != nil {
		body = form.Encode()
	}
	k := ""
	if u != nil {
		k = key(u)
	}
	return do(f.t, f.s, method, path, k, body)
}

// get performs a GET expecting 200 and decodes the JSON body into v.
func (f *fixture) get(path string, u *user, v any) {
	f.t.Helper()
	st, _, body := f.do("GET", path, u, nil)
	if st != 200 {
		f.t.Fatalf("GET %s: %d %s", path, st, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		f.t.Fatalf("GET %s: %v in %s", path, err, body)
	}
}

// wantError asserts a Backlog error with status and code.
func (f *fixture) wantError(method, path string, u *user, form url.Values, status, code int) {
	f.t.Helper()
	st, _, body := f.do(method, path, u, form)
	if st != status || backlogError(f.t, body) != code {
		f.t.Errorf("%s %s as %s: got %d %s, want %d code %d", method, path, u.UserID, st, body, status, code)
	}
}

// upload posts a multipart file to /space/attachment and returns its id.
func (f *fixture) upload(u *user, name string, size int) (int, []byte) {
	f.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile("file", name)
	_, _ = w.Write(bytes.Repeat([]byte("x"), size))
	_ = mw.Close()
	req, _ := http.NewRequest("POST", "http://emulator/api/v2/space/attachment", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Backlog-API-Key", key(u))
	resp, err := f.s.Client().Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

// activities returns the store's activities appended after mark.
func (f *fixture) activitiesSince(mark int) []*activity {
	return f.st.activities[mark:]
}

// content decodes an activity's content.
func content(t testing.TB, a *activity) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.Content, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// ids extracts "id" of each object of a JSON array.
func idsOf(list []map[string]any) []int64 {
	out := make([]int64, 0, len(list))
	for _, m := range list {
		out = append(out, int64(m["id"].(float64)))
	}
	return out
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// day returns midnight UTC of a date.
func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
