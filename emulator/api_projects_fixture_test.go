package emulator

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pfix is a small space built with the projects-area mutations:
//
//	admin    space administrator (key "admin-key"), member and admin of BLG and SEC
//	padmin   normal user, project administrator of BLG
//	member   normal user, member of BLG
//	viewer   viewer, member of BLG
//	outsider normal user, member of nothing
type pfix struct {
	t                                       testing.TB
	s                                       *Server
	now                                     time.Time
	admin, padmin, member, viewer, outsider *user
	blg, sec                                *project
}

var pfixNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func pptr[T any](v T) *T { return &v }

func newPFix(t testing.TB) *pfix {
	t.Helper()
	f := &pfix{t: t, now: pfixNow}
	f.s = newTestServer(t, Options{Empty: true, AdminAPIKey: "admin-key", Now: func() time.Time { return f.now }})
	st := f.s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	f.admin = st.users[st.space.OwnerID]
	mk := func(login string, role int) *user {
		u, err := st.createUser(f.now, userInput{UserID: login, Name: strings.ToUpper(login), RoleType: role, APIKey: login + "-key"})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	f.padmin, f.member, f.viewer, f.outsider = mk("padmin", RoleNormal), mk("member", RoleNormal), mk("viewer", RoleViewer), mk("outsider", RoleNormal)
	var err error
	if f.blg, err = st.createProject(f.admin, f.now, &projectInput{Name: pptr("Blog"), Key: pptr("BLG")}); err != nil {
		t.Fatal(err)
	}
	if f.sec, err = st.createProject(f.admin, f.now, &projectInput{Name: pptr("Secret"), Key: pptr("SEC")}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []*user{f.padmin, f.member, f.viewer} {
		if err := st.addProjectUser(f.admin, f.now, f.blg, u); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.addProjectAdmin(f.admin, f.now, f.blg, f.padmin); err != nil {
		t.Fatal(err)
	}
	return f
}

// ukey returns a user's API key.
func ukey(u *user) string { return u.APIKeys[0] }

// locked runs fn with the store's write lock held.
func (f *pfix) locked(fn func(st *store)) {
	st := f.s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	fn(st)
}

// issue adds an issue directly (the issues area owns the real mutation).
func (f *pfix) issue(p *project, summary string, creator *user) *issue {
	var is *issue
	f.locked(func(st *store) {
		is = &issue{ID: st.nextID("issue"), ProjectID: p.ID, KeyID: p.NextKeyID, IssueTypeID: p.IssueTypes[0].ID,
			Summary: summary, PriorityID: 3, StatusID: StatusOpen, CreatedUser: creator.ID, Created: f.now,
			UpdatedUser: creator.ID, Updated: f.now}
		p.NextKeyID++
		st.issues[is.ID] = is
		st.issueList = append(st.issueList, is)
		st.issueKeys[[2]int64{p.ID, is.KeyID}] = is
		st.issueVersion++
	})
	return is
}

// comment adds a comment directly.
func (f *pfix) comment(is *issue, content string, author *user) *comment {
	var c *comment
	f.locked(func(st *store) {
		c = &comment{ID: st.nextID("comment"), ProjectID: is.ProjectID, IssueID: is.ID, Content: &content,
			CreatedUser: author.ID, Created: f.now, Updated: f.now}
		is.Comments = append(is.Comments, c)
		st.comments[c.ID] = c
		st.issueChanged(is)
	})
	return c
}

// call performs a request; body is a form ("a=1&b=2").
func (f *pfix) call(method, path string, u *user, body string) (int, []byte) {
	f.t.Helper()
	k := ""
	if u != nil {
		k = ukey(u)
	}
	st, _, data := do(f.t, f.s, method, path, k, body)
	return st, data
}

// ok performs a request that must answer want and decodes the body into v.
func (f *pfix) ok(method, path string, u *user, body string, want int, v any) {
	f.t.Helper()
	st, data := f.call(method, path, u, body)
	if st != want {
		f.t.Fatalf("%s %s as %s: status %d, want %d: %s", method, path, u.UserID, st, want, data)
	}
	if v != nil {
		if err := json.Unmarshal(data, v); err != nil {
			f.t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	}
}

// fail asserts a Backlog error with the given status and code.
func (f *pfix) fail(method, path string, u *user, body string, status, code int) {
	f.t.Helper()
	st, data := f.call(method, path, u, body)
	if st != status || backlogError(f.t, data) != code {
		f.t.Errorf("%s %s as %s (%s): got %d %s, want %d code %d", method, path, u.UserID, body, st, data, status, code)
	}
}

// pform builds a form body from key/value pairs.
func pform(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}

func pitoa(n int64) string { return strconv.FormatInt(n, 10) }

// pids extracts the "id" of decoded objects.
func pids(list []map[string]any) []int64 {
	out := []int64{}
	for _, m := range list {
		out = append(out, int64(m["id"].(float64)))
	}
	return out
}
