package odata

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	bs "github.com/backlogsync/backlogsync"
)

// powerQueryHeaders are the request headers Power Query (Excel, Power BI)
// sends, as logged in NLstn/go-odata issue #874 (odata.md §1.1).
var powerQueryHeaders = map[string]string{
	"User-Agent":            "Microsoft.Data.Mashup (https://go.microsoft.com/fwlink/?LinkID=304225)",
	"Accept":                "application/json;odata.metadata=minimal;q=1.0,application/json;odata=minimalmetadata;q=0.9,application/atomsvc+xml;q=0.8,application/atom+xml;q=0.8,application/xml;q=0.7,text/plain;q=0.7",
	"OData-MaxVersion":      "4.0",
	"MaxDataServiceVersion": "3.0",
	"Accept-Encoding":       "gzip, deflate",
}

type page struct {
	Context  string            `json:"@odata.context"`
	Count    *int64            `json:"@odata.count"`
	Fresh    string            `json:"@backlogsync.lastReplicated"`
	NextLink string            `json:"@odata.nextLink"`
	Value    []map[string]any  `json:"value"`
	Error    map[string]string `json:"error"`
}

func getJSON(t testing.TB, u string, hdr map[string]string) (*http.Response, page) {
	t.Helper()
	resp, body := get(t, u, hdr)
	var p page
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("GET %s: %d %v: %s", u, resp.StatusCode, err, body)
	}
	return resp, p
}

// readAll follows nextLinks from u and returns every row's Id and the pages.
func readAll(t testing.TB, u string, hdr map[string]string) (ids []int64, pages int) {
	t.Helper()
	for u != "" {
		resp, p := getJSON(t, u, hdr)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %v", u, resp.StatusCode, p.Error)
		}
		for _, r := range p.Value {
			ids = append(ids, int64(r["Id"].(float64)))
		}
		pages++
		if pages > 1000 {
			t.Fatal("more than 1000 pages")
		}
		u = p.NextLink
	}
	return ids, pages
}

func seq(from, to int64) []int64 {
	var out []int64
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

func TestPagingReturnsExactlyTheRows(t *testing.T) {
	forEachDest(t, 2345, func(t *testing.T, d bs.Destination) {
		srv := serve(t, d, Options{MaxPageSize: 1000})
		base := srv.URL + "/odata/demo/Issues"

		ids, pages := readAll(t, base, nil)
		if !slices.Equal(ids, seq(1, 2345)) || pages != 3 {
			t.Errorf("server-driven paging: %d rows in %d pages; want 1..2345 in 3", len(ids), pages)
		}
		ids, pages = readAll(t, base, map[string]string{"Prefer": "odata.maxpagesize=100"})
		if !slices.Equal(ids, seq(1, 2345)) || pages != 24 {
			t.Errorf("maxpagesize=100: %d rows in %d pages; want 2345 in 24", len(ids), pages)
		}
		// Descending order on a non-key column with ties and NULLs, a filter,
		// $top across pages and $skip on the first page.
		ids, _ = readAll(t, base+"?$orderby=KeyId%20desc,Id&$filter=ProjectId%20eq%202%20or%20KeyId%20eq%20null&$select=Id,KeyId", map[string]string{"Prefer": "odata.maxpagesize=37"})
		var want []int64
		for i := int64(2345); i >= 1; i-- {
			if i%3 == 1 && i%5 != 0 {
				want = append(want, i)
			}
		}
		var nulls []int64
		for i := int64(1); i <= 2345; i++ {
			if i%5 == 0 {
				nulls = append(nulls, i)
			}
		}
		// KeyId = 7*Id is NULL every fifth row: NULLs sort last descending.
		want = append(want, nulls...)
		if !slices.Equal(ids, want) {
			t.Errorf("ordered, filtered paging: %d rows; want %d (first %v, want %v)", len(ids), len(want), ids[:min(5, len(ids))], want[:5])
		}
		ids, pages = readAll(t, base+"?$top=250&$skip=10", map[string]string{"Prefer": "odata.maxpagesize=100"})
		if !slices.Equal(ids, seq(11, 260)) || pages != 3 {
			t.Errorf("$top=250&$skip=10 over pages of 100: %d rows in %d pages; want 11..260 in 3", len(ids), pages)
		}

		// The next link is absolute, on the client's origin, and the
		// preference is acknowledged.
		resp, p := getJSON(t, base+"?$select=Id,Summary", map[string]string{"Prefer": "odata.maxpagesize=5"})
		if !strings.HasPrefix(p.NextLink, srv.URL+"/odata/demo/Issues?") || !strings.Contains(p.NextLink, "$skiptoken=") {
			t.Errorf("nextLink %q", p.NextLink)
		}
		if got := resp.Header.Get("Preference-Applied"); got != "odata.maxpagesize=5" {
			t.Errorf("Preference-Applied %q", got)
		}
		if p.Context != srv.URL+"/odata/demo/$metadata#Issues(Id,Summary)" || len(p.Value[0]) != 2 {
			t.Errorf("context %q, row %v", p.Context, p.Value[0])
		}
		if p.Fresh != "2026-01-02T03:05:06Z" || resp.Header.Get("Backlogsync-Last-Replicated") != "2026-01-02T03:05:06Z" {
			t.Errorf("freshness %q / %q", p.Fresh, resp.Header.Get("Backlogsync-Last-Replicated"))
		}
		// Behind a proxy the links keep the public origin and prefix.
		_, p = getJSON(t, base+"?$top=3", map[string]string{"Prefer": "odata.maxpagesize=1",
			"X-Forwarded-Proto": "https", "X-Forwarded-Host": "bi.example.com", "X-Forwarded-Prefix": "/backlog"})
		if !strings.HasPrefix(p.NextLink, "https://bi.example.com/backlog/odata/demo/Issues?") || !strings.Contains(p.NextLink, "$top=2") {
			t.Errorf("forwarded nextLink %q", p.NextLink)
		}
	})
}

func TestPowerQueryGetsJSON(t *testing.T) {
	forEachDest(t, 20, func(t *testing.T, d bs.Destination) {
		srv := serve(t, d, Options{})
		for _, path := range []string{"", "/", "/Issues", "/Issues?$top=1000", "/Projects(Account='acme',Id=1)"} {
			req, _ := http.NewRequest("GET", srv.URL+"/odata/demo"+path, nil)
			for k, v := range powerQueryHeaders {
				req.Header.Set(k, v)
			}
			// The default transport would decompress transparently only when it
			// asked for gzip itself; this request asks explicitly.
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json;odata.metadata=minimal") {
				t.Errorf("%s: Content-Type %q", path, ct)
			}
			if v := resp.Header.Values("OData-Version"); len(v) != 1 || v[0] != "4.0" {
				t.Errorf("%s: OData-Version %q", path, v)
			}
			if resp.Header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("%s: not gzip", path)
			}
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			plain, err := io.ReadAll(zr)
			if err != nil || !json.Valid(plain) {
				t.Errorf("%s: body is not JSON: %v %s", path, err, plain)
			}
		}
		// $metadata stays XML under the same Accept list.
		resp, _ := get(t, srv.URL+"/odata/demo/$metadata", map[string]string{"Accept": powerQueryHeaders["Accept"]})
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/xml") {
			t.Errorf("$metadata Content-Type %q", ct)
		}
		// /$count is text/plain.
		resp, body := get(t, srv.URL+"/odata/demo/Issues/$count?$filter=ProjectId%20eq%201", nil)
		if string(body) != "6" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
			t.Errorf("/$count: %q %q", body, resp.Header.Get("Content-Type"))
		}
	})
}

func TestQueries(t *testing.T) {
	forEachDest(t, 30, func(t *testing.T, d bs.Destination) {
		srv := serve(t, d, Options{})
		base := srv.URL + "/odata/demo/"
		ids := func(path string) []int64 {
			t.Helper()
			resp, p := getJSON(t, base+path, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("%s: %d %v", path, resp.StatusCode, p.Error)
			}
			var out []int64
			for _, r := range p.Value {
				out = append(out, int64(r["Id"].(float64)))
			}
			return out
		}
		q := url.QueryEscape
		cases := []struct {
			filter string
			want   []int64
		}{
			{"Id le 3", []int64{1, 2, 3}},
			{"Id gt 3 and Id lt 6 or Id eq 30", []int64{4, 5, 30}},
			{"not (Id ge 3)", []int64{1, 2}},
			{"Id in (2, 4, 99)", []int64{2, 4}},
			{"Id mod 10 eq 0 and Id sub 1 ge 10", []int64{20, 30}},
			{"Id mul 2 add 1 eq 7", []int64{3}},
			{"startswith(Summary,'Summary 2') and length(Summary) lt 20", []int64{2, 21, 22, 23, 24, 26, 27, 28, 29}},
			{"contains(tolower(Summary),'summary 1') eq true", []int64{1, 11, 12, 13, 14, 16, 17, 18, 19}},
			{"endswith(Summary,'''q''') and Id lt 3", []int64{1, 2}},
			{"Summary eq null", []int64{5, 10, 15, 20, 25, 30}},
			{"KeyId ne null and Id lt 6", []int64{1, 2, 3, 4}},
			{"year(Created) eq 2024 and month(Created) eq 1 and day(Created) eq 2 and hour(Created) eq 1", []int64{16}},
			{"Created ge 2024-01-01T10:00:00+01:00 and Created lt 2024-01-01T11:00:00Z", []int64{1}},
			{"date(Created) eq 2024-01-02 and Id lt 18", []int64{16, 17}},
			{"startswith(trim(toupper(IssueKey)),'ISSUEKEY 3 ')", []int64{3}},
			{"ProjectId eq 1L and Id lt 10", []int64{3, 6, 9}},
		}
		for _, c := range cases {
			if got := ids("Issues?$select=Id&$filter=" + q(c.filter)); !slices.Equal(got, c.want) {
				t.Errorf("$filter=%s: %v; want %v", c.filter, got, c.want)
			}
			_, body := get(t, base+"Issues/$count?$filter="+q(c.filter), nil)
			if string(body) != fmt.Sprint(len(c.want)) {
				t.Errorf("/$count?$filter=%s: %s; want %d", c.filter, body, len(c.want))
			}
		}
		// A raw '+' in an offset is not a space.
		if got := ids("Issues?$select=Id&$filter=Created%20ge%202024-01-01T10:00:00+01:00%20and%20Id%20lt%203"); !slices.Equal(got, []int64{1, 2}) {
			t.Errorf("raw +01:00: %v", got)
		}
		if got := ids("Issues?$orderby=ProjectId%20desc,%20Id%20desc&$top=4&$select=Id"); !slices.Equal(got, []int64{29, 26, 23, 20}) {
			t.Errorf("$orderby: %v", got)
		}
		_, p := getJSON(t, base+"Issues?$count=true&$top=2&$filter="+q("ProjectId eq 2"), nil)
		if p.Count == nil || *p.Count != 10 || len(p.Value) != 2 {
			t.Errorf("$count=true: %v, %d rows", p.Count, len(p.Value))
		}

		// Key lookup, navigation and $expand.
		resp, body := get(t, base+"Issues(Account='acme',Id=4)?$select=Id,ProjectId&$expand=Project", nil)
		var one map[string]any
		if err := json.Unmarshal(body, &one); err != nil || resp.StatusCode != 200 {
			t.Fatalf("key lookup: %d %s", resp.StatusCode, body)
		}
		proj, _ := one["Project"].(map[string]any)
		if one["@odata.context"] != base+"$metadata#Issues(Id,ProjectId)/$entity" || one["Id"] != 4.0 || proj == nil || proj["Id"] != 2.0 {
			t.Errorf("Issues(…)?$expand=Project: %s", body)
		}
		if got := ids("Projects(Account='acme',Id=2)/Issues?$select=Id&$top=3"); !slices.Equal(got, []int64{1, 4, 7}) {
			t.Errorf("Projects(2)/Issues: %v", got)
		}
		resp, body = get(t, base+"Issues(Account='acme',Id=4)/Project", nil)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"Id":2,`) {
			t.Errorf("Issues(4)/Project: %d %s", resp.StatusCode, body)
		}
		_, p = getJSON(t, base+"Issues?$filter=Id%20le%202&$expand=IssueComments,Project&$select=Id", nil)
		if len(p.Value) != 2 {
			t.Fatalf("$expand collection: %v", p)
		}
		for _, r := range p.Value {
			cs := r["IssueComments"].([]any)
			if len(cs) != 2 || r["Project"] == nil {
				t.Errorf("issue %v: %d comments, project %v", r["Id"], len(cs), r["Project"])
			}
		}
		// The same $expand in Atom: a <link> per navigation property with the
		// related entry, or a feed of them, in <m:inline>.
		checkAtomExpand(t, base)
		_, body = get(t, base+"Issues(Account='acme',Id=3)/IssueComments/$count", nil)
		if string(body) != "2" {
			t.Errorf("Issues(3)/IssueComments/$count = %s", body)
		}
		// Nulls are written, never omitted.
		_, p = getJSON(t, base+"Issues?$filter=Id%20eq%205&$select=Id,Summary", nil)
		if v, ok := p.Value[0]["Summary"]; !ok || v != nil {
			t.Errorf("null Summary: %v", p.Value[0])
		}
	})
}

func TestErrors(t *testing.T) {
	forEachDest(t, 3, func(t *testing.T, d bs.Destination) {
		srv := serve(t, d, Options{})
		base := srv.URL + "/odata/"
		cases := []struct {
			path   string
			status int
			want   string // in the message
		}{
			{"nope/Issues", 404, `no workspace "nope"`},
			{"secret/Issues", 403, "not granted"},
			{"demo/Nope", 404, "no entity set"},
			{"demo/Issues?$filter=Id%20eq", 400, "$filter: at position 6: unexpected end"},
			{"demo/Issues?$filter=Idd%20eq%201", 400, `$filter: at position 1: Issues has no property "Idd"; did you mean "Id"?`},
			{"demo/Issues?$filter=Summary%20eq%201", 400, "$filter"},
			{"demo/Issues?$filter=Id%20eq%20'x'", 400, `cannot compare Id (BIGINT) with "x" (TEXT): compare a column with a value of its type (a number without quotes`},
			{"demo/Issues?$filter=concat(Summary,'x')%20eq%20'y'", 501, "$filter: at position 1: function concat is not supported"},
			{"demo/Issues?$filter=Project/Name%20eq%20'x'", 501, "navigation paths"},
			{"demo/Issues?$filter=Id%20eq%20'unterminated", 400, "position 7: unterminated string"},
			{"demo/Issues?$filter=Created%20gt%202024-01-01T00:00:00", 400, "needs a time zone"},
			{"demo/Issues?$top=-1", 400, "$top"},
			{"demo/Issues?$skip=x", 400, "$skip"},
			{"demo/Issues?$top=99999999999999999999", 400, "$top: 99999999999999999999 is too large; the largest is 9223372036854775807"},
			{"demo/Issues?$skip=-99999999999999999999", 400, `$skip: want a non-negative integer, got "-99999999999999999999"`},
			{"demo/Issues?$select=Id,Nope", 400, "$select: at position 4"},
			{"demo/Issues?$orderby=tolower(Summary)", 501, "$orderby"},
			{"demo/Issues?$orderby=Id%20sideways", 400, "asc or desc"},
			{"demo/Issues?$expand=Project($select=Name)", 501, "$expand"},
			{"demo/Issues?$expand=Nope", 400, "$expand"},
			{"demo/Issues?$apply=groupby((Id))", 501, "$apply"},
			{"demo/Issues?$search=x", 501, "$search"},
			{"demo/Issues?$bogus=1", 400, "unknown system query option; use one of $filter, $select,"},
			{"demo/Issues?$fliter=Id%20eq%201", 400, `unknown system query option (did you mean "$filter"?); use one of $filter`},
			{"demo/Issues?$top=1&$TOP=2", 400, "more than once"},
			{"demo/Issues?$skiptoken=garbage", 400, "$skiptoken"},
			{"demo/Issues?$format=xml", 501, "JSON or Atom"},
			{"demo/Issues(4)", 400, "name each"},
			{"demo/Issues(Account='acme',Id=99)", 404, "no Issues entity"},
			{"demo/Issues(Account='acme',Nope=1)", 400, "key"},
			{"demo/Issues(Account='acme',Id=1)?$filter=Id%20eq%201", 400, "one entity"},
			{"demo/$batch", 501, "$batch"},
			{"demo/Issues?$filter=" + url.QueryEscape(strings.Repeat("(", 200)+"true"+strings.Repeat(")", 200)), 400, "nested"},
		}
		for _, c := range cases {
			resp, p := getJSON(t, base+c.path, nil)
			if resp.StatusCode != c.status || p.Error == nil || !strings.Contains(p.Error["message"], c.want) {
				t.Errorf("%s: %d %v; want %d with %q", c.path, resp.StatusCode, p.Error, c.status, c.want)
			}
			if v := resp.Header.Values("OData-Version"); len(v) != 1 || v[0] != "4.0" {
				t.Errorf("%s: OData-Version %q", c.path, v)
			}
		}
		resp, _ := get(t, base+"demo/Issues", map[string]string{"Accept": "text/csv"})
		if resp.StatusCode != 406 {
			t.Errorf("CSV-only Accept: %d; want 406", resp.StatusCode)
		}
		req, _ := http.NewRequest("POST", base+"demo/Issues", strings.NewReader("{}"))
		r2, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r2.Body.Close()
		if r2.StatusCode != 405 {
			t.Errorf("POST: %d", r2.StatusCode)
		}
	})
}
