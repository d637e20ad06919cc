package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/emulator"
)

// This file reads "the truth" straight from the emulator's HTTP API with a
// plain http.Client and generic JSON decoding (never through package
// backlog), so that the catalog's typed decoding and this one check each
// other.

// testSize is a small space with something in every table.
var testSize = emulator.Size{Projects: 2, Users: 8, Teams: 2, Issues: 60, Comments: 150, Wikis: 8,
	Documents: 5, Repositories: 2, PullRequests: 8, SharedFiles: 8}

// space is a generated emulator space with a client and a truth reader.
type space struct {
	srv    *emulator.Server
	client *backlog.Client
	tr     *truth
}

// newSpace generates a space (deterministic for the seed).
func newSpace(t testing.TB, seed int64) *space {
	t.Helper()
	srv, err := emulator.New(emulator.Options{Seed: seed, Size: testSize})
	if err != nil {
		t.Fatal(err)
	}
	c, err := backlog.NewClient("http://127.0.0.1", backlog.WithAPIKey(srv.AdminAPIKey()), backlog.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	return &space{srv: srv, client: c, tr: &truth{t: t, hc: srv.Client(), key: srv.AdminAPIKey()}}
}

// fetchAll fills a table through the catalog.
func (s *space) fetchAll(t testing.TB, table string, q Query) []backlogsync.Row {
	t.Helper()
	if q.Account == "" {
		q.Account = "demo"
	}
	var rows []backlogsync.Row
	err := Fetch(context.Background(), s.client, table, q, func(r backlogsync.Row) error {
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		t.Fatalf("Fetch(%s): %v", table, err)
	}
	return rows
}

// truth reads the emulator's API directly.
type truth struct {
	t   testing.TB
	hc  *http.Client
	key string
}

// obj is a decoded JSON object.
type obj = map[string]any

// do sends a request and decodes the JSON answer (numbers as json.Number).
func (tr *truth) do(method, path string, q url.Values, body io.Reader, contentType string) any {
	tr.t.Helper()
	u := "http://emulator/api/v2" + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		tr.t.Fatal(err)
	}
	req.Header.Set("Backlog-API-Key", tr.key)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := tr.hc.Do(req)
	if err != nil {
		tr.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		tr.t.Fatal(err)
	}
	if resp.StatusCode >= 300 {
		tr.t.Fatalf("%s %s: %d %s", method, u, resp.StatusCode, data)
	}
	if len(data) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		tr.t.Fatalf("%s %s: %v", method, u, err)
	}
	return v
}

func (tr *truth) get(path string, q url.Values) any {
	tr.t.Helper()
	return tr.do("GET", path, q, nil, "")
}

// send posts (or patches, puts) a form.
func (tr *truth) send(method, path string, form url.Values) any {
	tr.t.Helper()
	return tr.do(method, path, nil, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

// upload posts a file to /space/attachment and returns its id.
func (tr *truth) upload(name, content string) string {
	tr.t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		tr.t.Fatal(err)
	}
	fw.Write([]byte(content))
	w.Close()
	v := tr.do("POST", "/space/attachment", nil, &b, w.FormDataContentType())
	return str(v.(obj)["id"])
}

func (tr *truth) list(path string, q url.Values) []obj {
	tr.t.Helper()
	return objs(tr.get(path, q))
}

// offsetAll reads an offset+count list to its end.
func (tr *truth) offsetAll(path string, q url.Values) []obj {
	tr.t.Helper()
	var out []obj
	for offset := 0; ; {
		p := cloneValues(q)
		p.Set("count", "100")
		p.Set("offset", strconv.Itoa(offset))
		page := tr.list(path, p)
		out = append(out, page...)
		if len(page) < 100 {
			return out
		}
		offset += len(page)
	}
}

// cursorAll reads an id-cursor list to its end in ascending order, using
// the member idField as the cursor (the emulator's bounds are exclusive).
func (tr *truth) cursorAll(path string, q url.Values, idField string) []obj {
	tr.t.Helper()
	var out []obj
	minID := ""
	for {
		p := cloneValues(q)
		p.Set("count", "100")
		p.Set("order", "asc")
		if minID != "" {
			p.Set("minId", minID)
		}
		page := tr.list(path, p)
		out = append(out, page...)
		if len(page) < 100 {
			return out
		}
		minID = str(page[len(page)-1][idField])
	}
}

func cloneValues(q url.Values) url.Values {
	p := url.Values{}
	for k, v := range q {
		p[k] = slices.Clone(v)
	}
	return p
}

// projects, issues, … are the parents most tables need.
func (tr *truth) projects() []obj { return tr.list("/projects", url.Values{"all": {"true"}}) }

func (tr *truth) projectIDs() []string {
	var ids []string
	for _, p := range tr.projects() {
		ids = append(ids, str(p["id"]))
	}
	return ids
}

func (tr *truth) issues() []obj {
	return tr.offsetAll("/issues", url.Values{"projectId[]": tr.projectIDs(), "sort": {"created"}, "order": {"asc"}})
}

func (tr *truth) users() []obj { return tr.list("/users", nil) }

func (tr *truth) wikis() []obj {
	var out []obj
	for _, pid := range tr.projectIDs() {
		out = append(out, tr.list("/wikis", url.Values{"projectIdOrKey": {pid}})...)
	}
	return out
}

func (tr *truth) repositories() []obj {
	var out []obj
	for _, pid := range tr.projectIDs() {
		out = append(out, tr.list("/projects/"+pid+"/git/repositories", nil)...)
	}
	return out
}

func (tr *truth) pullRequests() []obj {
	var out []obj
	for _, r := range tr.repositories() {
		out = append(out, tr.offsetAll(fmt.Sprintf("/projects/%s/git/repositories/%s/pullRequests", str(r["projectId"]), str(r["id"])), nil)...)
	}
	return out
}

func (tr *truth) prPath(pr obj) string {
	return fmt.Sprintf("/projects/%s/git/repositories/%s/pullRequests/%s", str(pr["projectId"]), str(pr["repositoryId"]), str(pr["number"]))
}

func (tr *truth) documents() []obj {
	return tr.offsetAll("/documents", url.Values{"projectId[]": tr.projectIDs()})
}

// str renders a JSON scalar as a string (for paths and ids).
func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func objs(v any) []obj {
	arr, _ := v.([]any)
	out := make([]obj, 0, len(arr))
	for _, x := range arr {
		if o, ok := x.(obj); ok {
			out = append(out, o)
		}
	}
	return out
}

// at follows a dotted path ("createdUser.id") through objects; nil when a
// member is missing or null.
func at(o obj, path string) any {
	var cur any = o
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(obj)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

// pick builds a truth row from a spec "Col=path Col=path …"; extra values
// are added as given.
func pick(o obj, spec string, extra ...any) obj {
	r := obj{}
	for _, f := range strings.Fields(spec) {
		col, path, ok := strings.Cut(f, "=")
		if !ok {
			panic("bad spec " + f)
		}
		r[col] = at(o, path)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		r[extra[i].(string)] = extra[i+1]
	}
	return r
}

// userSpec is the spec of a flattened user.
func userSpec(role, member string) string {
	return fmt.Sprintf("%sId=%s.id %sName=%s.name", role, member, role, member)
}

const (
	createdSpec    = "CreatedUserId=createdUser.id CreatedUserName=createdUser.name Created=created"
	updatedSpec    = "UpdatedUserId=updatedUser.id UpdatedUserName=updatedUser.name Updated=updated"
	starSpec       = "Id=id Comment=comment Url=url Title=title PresenterId=presenter.id PresenterName=presenter.name Created=created"
	attachmentSpec = "Id=id Name=name Size=size " + "CreatedUserId=createdUser.id CreatedUserName=createdUser.name Created=created"
	sharedFileSpec = "Id=id Type=type Dir=dir Name=name Size=size " + createdSpec + " " + updatedSpec
	userFullSpec   = "LoginId=userId Name=name RoleType=roleType Lang=lang MailAddress=mailAddress NulabId=nulabAccount.nulabId " +
		"NulabName=nulabAccount.name NulabUniqueId=nulabAccount.uniqueId LastLoginTime=lastLoginTime"
	notificationSpec = "Id=id UserId=user.id UserName=user.name Reason=reason AlreadyRead=alreadyRead ResourceAlreadyRead=resourceAlreadyRead"
)

// anyValue in a truth row accepts any non-NULL value (live values such as
// the remaining rate-limit budget).
type anyValue struct{}

// convert turns a raw JSON value into the Go value of column c, the way a
// careful reader of the API docs would; it fails the test on values that
// do not fit.
func convert(t testing.TB, table string, c backlogsync.Column, raw any) any {
	t.Helper()
	if raw == nil {
		return nil
	}
	if _, ok := raw.(anyValue); ok {
		return raw
	}
	bad := func() any {
		t.Fatalf("truth %s.%s: raw value %#v does not fit %s", table, c.Name, raw, c.Type)
		return nil
	}
	switch c.Type {
	case backlogsync.TypeInt:
		switch x := raw.(type) {
		case json.Number:
			n, err := x.Int64()
			if err != nil {
				return bad()
			}
			return n
		case int64:
			return x
		case int:
			return int64(x)
		}
	case backlogsync.TypeFloat:
		if x, ok := raw.(json.Number); ok {
			f, err := x.Float64()
			if err != nil {
				return bad()
			}
			return f
		}
	case backlogsync.TypeBool:
		if x, ok := raw.(bool); ok {
			return x
		}
	case backlogsync.TypeText:
		if x, ok := raw.(string); ok {
			return x
		}
	case backlogsync.TypeDate, backlogsync.TypeTimestamp:
		switch x := raw.(type) {
		case time.Time:
			return x.UTC()
		case string:
			ts, err := time.Parse(time.RFC3339, x)
			if err != nil {
				return bad()
			}
			ts = ts.UTC()
			if c.Type == backlogsync.TypeDate {
				if ts.Hour() != 0 || ts.Minute() != 0 || ts.Second() != 0 {
					t.Fatalf("truth %s.%s: date %q is not at midnight UTC", table, c.Name, x)
				}
			}
			return ts
		}
	case backlogsync.TypeJSON:
		if s, ok := raw.(string); ok {
			return canonicalJSON(t, s)
		}
		b, err := json.Marshal(raw)
		if err != nil {
			return bad()
		}
		return canonicalJSON(t, string(b))
	}
	return bad()
}

// canonicalJSON re-encodes JSON text with sorted keys.
func canonicalJSON(t testing.TB, s string) string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("invalid JSON %.80q: %v", s, err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// compareRows checks that got (catalog rows) equals want (truth rows) as
// sets keyed by the primary key, value by value.
func compareRows(t *testing.T, tab *Table, got []backlogsync.Row, want []obj) {
	t.Helper()
	// Normalise the truth rows and check they name exactly the columns.
	wantByKey := map[string]backlogsync.Row{}
	for _, w := range want {
		w["Account"] = "demo"
		for name := range w {
			if _, i := tab.Column(name); i < 0 {
				t.Fatalf("truth row names column %s, which %s does not have", name, tab.Name)
			}
		}
		r := make(backlogsync.Row, len(tab.Columns))
		for i, c := range tab.Columns {
			raw, ok := w[c.Name]
			if !ok {
				t.Fatalf("truth row of %s lacks column %s (every column must be checked)", tab.Name, c.Name)
			}
			r[i] = convert(t, tab.Name, c, raw)
		}
		k := rowKey(tab, r)
		if _, dup := wantByKey[k]; dup {
			t.Fatalf("truth has two rows with key %s", k)
		}
		wantByKey[k] = r
	}
	gotByKey := map[string]backlogsync.Row{}
	for _, r := range got {
		if err := tab.CheckRow(r); err != nil {
			t.Fatalf("CheckRow: %v", err)
		}
		k := rowKey(tab, r)
		if _, dup := gotByKey[k]; dup {
			t.Errorf("catalog emitted two rows with key %s", k)
		}
		gotByKey[k] = r
	}
	errs := 0
	report := func(format string, args ...any) {
		if errs++; errs <= 10 {
			t.Errorf(format, args...)
		}
	}
	for k, w := range wantByKey {
		g, ok := gotByKey[k]
		if !ok {
			report("missing row %s", k)
			continue
		}
		for i, c := range tab.Columns {
			gv, wv := g[i], w[i]
			if _, ok := wv.(anyValue); ok {
				if gv == nil {
					report("row %s: %s is NULL, want a value", k, c.Name)
				}
				continue
			}
			if c.Type == backlogsync.TypeJSON && gv != nil {
				gv = canonicalJSON(t, gv.(string))
			}
			if !reflect.DeepEqual(gv, wv) {
				report("row %s: %s = %#v, want %#v", k, c.Name, gv, wv)
			}
		}
	}
	for k := range gotByKey {
		if _, ok := wantByKey[k]; !ok {
			report("extra row %s", k)
		}
	}
	if errs > 10 {
		t.Errorf("… and %d more differences", errs-10)
	}
}

// rowKey renders the primary-key values of r.
func rowKey(tab *Table, r backlogsync.Row) string {
	var parts []string
	for _, k := range tab.PrimaryKey {
		_, i := tab.Column(k)
		v := r[i]
		if ts, ok := v.(time.Time); ok {
			v = ts.Format(time.RFC3339)
		}
		parts = append(parts, fmt.Sprintf("%s=%v", k, v))
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
