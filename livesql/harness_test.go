package livesql

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/emulator"
)

// The live-SQL tests compare the requests a statement makes with the ones
// the emulator's space calls for, read straight from its API with a plain
// http.Client and generic JSON (never through package backlog).

// space is a generated emulator space with a client and a truth reader.
type space struct {
	srv    *emulator.Server
	client *backlog.Client
	tr     *truth
}

// newSpace generates a small space with something in every table.
func newSpace(t testing.TB, seed int64) *space {
	t.Helper()
	srv, err := emulator.New(emulator.Options{Seed: seed, Size: emulator.Size{Projects: 2, Users: 8, Teams: 2,
		Issues: 60, Comments: 150, Wikis: 8, Documents: 5, Repositories: 2, PullRequests: 8, SharedFiles: 8}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := backlog.NewClient("http://127.0.0.1", backlog.WithAPIKey(srv.AdminAPIKey()), backlog.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	return &space{srv: srv, client: c, tr: &truth{t: t, hc: srv.Client(), key: srv.AdminAPIKey()}}
}

// truth reads the emulator's API directly.
type truth struct {
	t   testing.TB
	hc  *http.Client
	key string
}

// obj is a decoded JSON object.
type obj = map[string]any

// list GETs a JSON array of objects (numbers as json.Number).
func (tr *truth) list(path string, q url.Values) []obj {
	tr.t.Helper()
	req, err := http.NewRequest("GET", "http://emulator/api/v2"+path+"?"+q.Encode(), nil)
	if err != nil {
		tr.t.Fatal(err)
	}
	req.Header.Set("Backlog-API-Key", tr.key)
	resp, err := tr.hc.Do(req)
	if err != nil {
		tr.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		tr.t.Fatalf("GET %s: %d %s %v", path, resp.StatusCode, data, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out []obj
	if err := dec.Decode(&out); err != nil {
		tr.t.Fatalf("GET %s: %v", path, err)
	}
	return out
}

// offsetAll reads an offset+count list to its end; cursorAll an id-cursor
// list in ascending order, with the member idField as the cursor.
func (tr *truth) offsetAll(path string, q url.Values) []obj { return tr.pages(path, q, "") }

func (tr *truth) cursorAll(path string, q url.Values, idField string) []obj {
	return tr.pages(path, q, idField)
}

func (tr *truth) pages(path string, q url.Values, idField string) []obj {
	tr.t.Helper()
	var out []obj
	for {
		p := url.Values{}
		for k, v := range q {
			p[k] = slices.Clone(v)
		}
		p.Set("count", "100")
		switch {
		case idField == "":
			p.Set("offset", fmt.Sprint(len(out)))
		case len(out) > 0:
			p.Set("order", "asc")
			p.Set("minId", str(out[len(out)-1][idField]))
		default:
			p.Set("order", "asc")
		}
		page := tr.list(path, p)
		out = append(out, page...)
		if len(page) < 100 {
			return out
		}
	}
}

func (tr *truth) projects() []obj { return tr.list("/projects", url.Values{"all": {"true"}}) }

func (tr *truth) issues() []obj {
	var ids []string
	for _, p := range tr.projects() {
		ids = append(ids, str(p["id"]))
	}
	return tr.offsetAll("/issues", url.Values{"projectId[]": ids, "sort": {"created"}, "order": {"asc"}})
}

// str renders a JSON scalar as a string (for paths and ids).
func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// loggedCalls renders the API requests of a log with sorted, decoded
// query parameters.
func loggedCalls(log []emulator.LoggedRequest) []string {
	var out []string
	for _, r := range log {
		q, _ := url.ParseQuery(r.Query)
		var parts []string
		for k, vs := range q {
			for _, v := range vs {
				parts = append(parts, k+"="+v)
			}
		}
		slices.Sort(parts)
		out = append(out, r.Path+"?"+strings.Join(parts, "&"))
	}
	return out
}

// projectParams renders projectId[]=… for every project, in id order.
func projectParams(projects []obj) string {
	var ids []int64
	for _, p := range projects {
		ids = append(ids, mustInt(p["id"]))
	}
	slices.Sort(ids)
	var b strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&b, "projectId[]=%d&", id)
	}
	return b.String()
}

// mustInt reads a JSON number.
func mustInt(v any) int64 {
	var n int64
	if _, err := fmt.Sscan(str(v), &n); err != nil {
		panic(err)
	}
	return n
}
