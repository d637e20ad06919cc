package odata

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	bs "github.com/backlogsync/backlogsync"
)

// atomProp is one d: element of an Atom entry.
type atomProp struct {
	XMLName xml.Name
	Type    string `xml:"http://docs.oasis-open.org/odata/ns/metadata type,attr"`
	Null    string `xml:"http://docs.oasis-open.org/odata/ns/metadata null,attr"`
	Value   string `xml:",chardata"`
}

type atomEntryDoc struct {
	ID       string `xml:"http://www.w3.org/2005/Atom id"`
	Category struct {
		Term string `xml:"term,attr"`
	} `xml:"http://www.w3.org/2005/Atom category"`
	Content struct {
		Properties struct {
			Props []atomProp `xml:",any"`
		} `xml:"http://docs.oasis-open.org/odata/ns/metadata properties"`
	} `xml:"http://www.w3.org/2005/Atom content"`
}

type atomFeed struct {
	XMLName xml.Name       `xml:"http://www.w3.org/2005/Atom feed"`
	Context string         `xml:"http://docs.oasis-open.org/odata/ns/metadata context,attr"`
	Count   *int64         `xml:"http://docs.oasis-open.org/odata/ns/metadata count"`
	Entries []atomEntryDoc `xml:"http://www.w3.org/2005/Atom entry"`
	Links   []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"http://www.w3.org/2005/Atom link"`
}

func (f *atomFeed) next() string {
	for _, l := range f.Links {
		if l.Rel == "next" {
			return l.Href
		}
	}
	return ""
}

func (e *atomEntryDoc) prop(name string) (atomProp, bool) {
	for _, p := range e.Content.Properties.Props {
		if p.XMLName.Local == name {
			return p, true
		}
	}
	return atomProp{}, false
}

func getAtom(t testing.TB, u string, hdr map[string]string) (*http.Response, *atomFeed) {
	t.Helper()
	resp, body := get(t, u, hdr)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/atom+xml") {
		t.Fatalf("GET %s: Content-Type %q", u, ct)
	}
	var f atomFeed
	if err := xml.Unmarshal(body, &f); err != nil {
		t.Fatalf("GET %s: not an Atom feed: %v\n%s", u, err, body)
	}
	return resp, &f
}

var atomAccept = map[string]string{"Accept": "application/atom+xml"}

func TestAtomFeedValuesAndTypes(t *testing.T) {
	forEachDest(t, 7, func(t *testing.T, d bs.Destination) {
		srv := serve(t, d, Options{})
		base := srv.URL + "/odata/demo/"
		_, f := getAtom(t, base+"Issues?$count=true", atomAccept)
		_, j := getJSON(t, base+"Issues", nil)
		if f.Count == nil || *f.Count != 7 || len(f.Entries) != 7 || len(j.Value) != 7 {
			t.Fatalf("count %v, %d entries, %d JSON rows; want 7", f.Count, len(f.Entries), len(j.Value))
		}
		if !strings.HasSuffix(f.Context, "/$metadata#Issues") {
			t.Errorf("m:context %q", f.Context)
		}
		wantType := map[string]string{"Id": "Int64", "Summary": "", "StartDate": "Date", "Created": "DateTimeOffset", "EstimatedHours": "Double"}
		for i, e := range f.Entries {
			row := j.Value[i]
			if want := srv.URL + "/odata/demo/Issues(Account='acme',Id=" + strconv.Itoa(i+1) + ")"; e.ID != want {
				t.Errorf("entry %d id %q; want %q", i, e.ID, want)
			}
			if e.Category.Term != "#Backlog.Issues" {
				t.Errorf("category %q", e.Category.Term)
			}
			if len(e.Content.Properties.Props) != len(row) {
				t.Errorf("entry %d: %d properties; JSON has %d", i, len(e.Content.Properties.Props), len(row))
			}
			for name, typ := range wantType {
				p, ok := e.prop(name)
				if !ok || p.Type != typ {
					t.Errorf("entry %d %s: present %v m:type %q; want %q", i, name, ok, p.Type, typ)
				}
				switch v := row[name].(type) {
				case nil:
					if p.Null != "true" || p.Value != "" {
						t.Errorf("entry %d %s: %+v; want m:null", i, name, p)
					}
				case string:
					if p.Value != v {
						t.Errorf("entry %d %s: %q; JSON %q", i, name, p.Value, v)
					}
				case float64:
					if x, err := strconv.ParseFloat(p.Value, 64); err != nil || x != v {
						t.Errorf("entry %d %s: %q; JSON %v", i, name, p.Value, v)
					}
				}
			}
		}
		// The escaped text (quotes, non-ASCII) survives the XML round trip.
		if p, _ := f.Entries[0].prop("Summary"); p.Value != "Summary 1 «é» 'q'" {
			t.Errorf("Summary %q", p.Value)
		}

		// $select applies (the key stays in the entry's id).
		_, f = getAtom(t, base+"Issues?$select=Summary,Id&$format=atom", nil)
		if len(f.Entries) != 7 || len(f.Entries[1].Content.Properties.Props) != 2 || f.Entries[1].Content.Properties.Props[0].XMLName.Local != "Summary" || f.Entries[1].Content.Properties.Props[1].XMLName.Local != "Id" ||
			!strings.HasSuffix(f.Entries[1].ID, "Issues(Account='acme',Id=2)") {
			t.Errorf("$select in Atom: %+v", f.Entries[1])
		}
		if !strings.HasSuffix(f.Context, "#Issues(Summary,Id)") {
			t.Errorf("$select context %q", f.Context)
		}

		// One entity by key.
		resp, body := get(t, base+"Issues(Account='acme',Id=3)?$select=Id,Summary", atomAccept)
		var e atomEntryDoc
		if err := xml.Unmarshal(body, &e); err != nil || resp.StatusCode != 200 || len(e.Content.Properties.Props) != 2 {
			t.Fatalf("entity: %d %v %s", resp.StatusCode, err, body)
		}
		if p, _ := e.prop("Id"); p.Value != "3" || p.Type != "Int64" {
			t.Errorf("entity Id %+v", p)
		}
	})
}

// readAllAtom follows the next links of Atom feeds from u and returns every
// entry's Id and the number of pages.
func readAllAtom(t *testing.T, u string, hdr map[string]string) (ids []int64, pages int) {
	t.Helper()
	for u != "" && pages < 100 {
		_, f := getAtom(t, u, hdr)
		for _, e := range f.Entries {
			p, _ := e.prop("Id")
			n, err := strconv.ParseInt(p.Value, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, n)
		}
		pages++
		u = f.next()
		if u != "" {
			if q, err := url.Parse(u); err != nil || q.Query().Get("$skiptoken") == "" || !q.IsAbs() {
				t.Fatalf("next link %q", u)
			}
		}
	}
	return ids, pages
}

func TestAtomPagingReturnsExactlyTheRows(t *testing.T) {
	forEachDest(t, 2345, func(t *testing.T, d bs.Destination) {
		srv := serve(t, d, Options{MaxPageSize: 1000})
		ids, pages := readAllAtom(t, srv.URL+"/odata/demo/Issues?$select=Id", atomAccept)
		if !slices.Equal(ids, seq(1, 2345)) || pages != 3 {
			t.Errorf("Atom paging: %d rows in %d pages; want 1..2345 in 3", len(ids), pages)
		}
		// $format=atom is carried into the next links; $top counts across pages.
		ids, pages = readAllAtom(t, srv.URL+"/odata/demo/Issues?$format=atom&$top=1500&$orderby=Id%20desc", nil)
		if !slices.Equal(ids, reversed(seq(846, 2345))) || pages != 2 {
			t.Errorf("Atom paging with $top, $orderby desc: %d rows in %d pages; want 2345..846 in 2", len(ids), pages)
		}
	})
}

func TestAtomNegotiation(t *testing.T) {
	srv := serve(t, demoDest(t, 3), Options{})
	base := srv.URL + "/odata/demo/"
	cases := []struct {
		path, accept, want string // want: json, atom, atomsvc or a status
	}{
		{"Issues", "", "json"},
		{"Issues", powerQueryHeaders["Accept"], "json"},
		{"Issues", "application/atom+xml", "atom"},
		{"Issues", "application/atom+xml,application/json", "json"},             // tie: JSON
		{"Issues", "application/atom+xml;q=0.8,application/json;q=0.8", "json"}, // tie: JSON
		{"Issues", "application/atom+xml;q=0.9,application/json;q=0.5", "atom"}, // Atom preferred
		{"Issues", "application/json;q=0.9,application/atom+xml;q=1", "atom"},   // order does not matter
		{"Issues", "application/atom+xml;q=0.5,*/*;q=0.6", "json"},              // wildcard counts for JSON
		{"Issues", "application/atom+xml,application/json;q=0", "atom"},         // JSON refused
		{"Issues", "application/xml", "406"},                                    // plain XML is not Atom for data
		{"Issues?$format=atom", "application/json", "atom"},                     // $format wins
		{"Issues?$format=json", "application/atom+xml", "json"},                 // $format wins
		{"Issues(Account='acme',Id=1)", "application/atom+xml", "entry"},        // one entity
		{"", powerQueryHeaders["Accept"], "json"},                               // service document
		{"", "application/atomsvc+xml", "atomsvc"},                              // service document
		{"", "application/xml", "atomsvc"},                                      // service document
		{"?$format=atom", "", "atomsvc"},                                        // service document
		{"", "application/xml;q=0.9,application/json;q=0.9", "json"},            // tie: JSON
		{"", "text/csv", "406"},
	}
	for _, c := range cases {
		hdr := map[string]string{}
		if c.accept != "" {
			hdr["Accept"] = c.accept
		}
		resp, body := get(t, base+c.path, hdr)
		ct := resp.Header.Get("Content-Type")
		got := strconv.Itoa(resp.StatusCode)
		if resp.StatusCode == 200 {
			switch {
			case strings.HasPrefix(ct, "application/json"):
				got = "json"
			case strings.HasPrefix(ct, "application/atom+xml;type=feed"):
				got = "atom"
			case strings.HasPrefix(ct, "application/atom+xml;type=entry"):
				got = "entry"
			case strings.HasPrefix(ct, "application/atomsvc+xml"):
				got = "atomsvc"
			}
		}
		if got != c.want {
			t.Errorf("GET /%s Accept %q: %s (%s); want %s", c.path, c.accept, got, ct, c.want)
			continue
		}
		if strings.HasPrefix(got, "atom") || got == "entry" {
			if err := xml.Unmarshal(body, new(struct{})); err != nil {
				t.Errorf("GET /%s: not XML: %v", c.path, err)
			}
		}
		if got == "atomsvc" {
			var svc struct {
				XMLName     xml.Name `xml:"http://www.w3.org/2007/app service"`
				Collections []struct {
					Href string `xml:"href,attr"`
				} `xml:"http://www.w3.org/2007/app workspace>collection"`
			}
			if err := xml.Unmarshal(body, &svc); err != nil || len(svc.Collections) != len(demoTables) || svc.Collections[1].Href != "Issues" {
				t.Errorf("service document: %v %+v\n%s", err, svc, body)
			}
		}
	}
}

func TestAtomFailureMidStreamAbortsTheResponse(t *testing.T) {
	d := demoDest(t, 3000)
	srv := serve(t, failingDest{d, 2000}, Options{MaxPageSize: 3000})
	req, _ := http.NewRequest("GET", srv.URL+"/odata/demo/Issues?$format=atom", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil {
		t.Fatalf("status %d, %d bytes read without error; the truncated feed looked complete (ends %q)", resp.StatusCode, len(body), body[max(0, len(body)-40):])
	}
	// Before anything was sent: a clean 500 (errors are JSON OData errors in every format).
	srv = serve(t, failingDest{d, 3}, Options{MaxPageSize: 3000})
	resp, p := getJSON(t, srv.URL+"/odata/demo/Issues?$format=atom", nil)
	if resp.StatusCode != 500 || p.Error == nil {
		t.Errorf("early failure: %d %v", resp.StatusCode, p.Error)
	}
}

func reversed(s []int64) []int64 {
	s = slices.Clone(s)
	slices.Reverse(s)
	return s
}

// atomInlineEntry is an entry with its expanded navigation links.
type atomInlineEntry struct {
	ID    string `xml:"http://www.w3.org/2005/Atom id"`
	Links []struct {
		Rel    string `xml:"rel,attr"`
		Type   string `xml:"type,attr"`
		Title  string `xml:"title,attr"`
		Href   string `xml:"href,attr"`
		Inline *struct {
			Entry *atomEntryDoc `xml:"http://www.w3.org/2005/Atom entry"`
			Feed  *struct {
				Entries []atomEntryDoc `xml:"http://www.w3.org/2005/Atom entry"`
			} `xml:"http://www.w3.org/2005/Atom feed"`
		} `xml:"http://docs.oasis-open.org/odata/ns/metadata inline"`
	} `xml:"http://www.w3.org/2005/Atom link"`
	atomEntryDoc
}

// checkAtomExpand reads the fixture's Issues 1 and 2 with their comments
// and project expanded, as a feed and as one entry, in Atom.
func checkAtomExpand(t *testing.T, base string) {
	t.Helper()
	resp, body := get(t, base+"Issues?$format=atom&$filter=Id%20le%202&$expand=IssueComments,Project&$select=Id,ProjectId", nil)
	var f struct {
		Entries []atomInlineEntry `xml:"http://www.w3.org/2005/Atom entry"`
	}
	if resp.StatusCode != 200 || xml.Unmarshal(body, &f) != nil || len(f.Entries) != 2 {
		t.Fatalf("Atom $expand: %d %s", resp.StatusCode, body)
	}
	for _, e := range f.Entries {
		id, _ := e.prop("Id")
		pid, _ := e.prop("ProjectId")
		var comments, project bool
		for _, l := range e.Links {
			switch {
			case l.Rel == "http://docs.oasis-open.org/odata/ns/related/IssueComments" && l.Inline != nil && l.Inline.Feed != nil:
				comments = len(l.Inline.Feed.Entries) == 2 && strings.HasSuffix(l.Href, "/IssueComments") && strings.Contains(l.Type, "type=feed")
				for _, c := range l.Inline.Feed.Entries {
					if v, _ := c.prop("IssueId"); v.Value != id.Value {
						comments = false
					}
				}
			case l.Rel == "http://docs.oasis-open.org/odata/ns/related/Project" && l.Inline != nil && l.Inline.Entry != nil:
				v, _ := l.Inline.Entry.prop("Id")
				project = v.Value == pid.Value && strings.Contains(l.Inline.Entry.ID, "Projects(") && strings.Contains(l.Type, "type=entry")
			}
		}
		if !comments || !project {
			t.Errorf("Atom issue %s: comments expanded %v, project expanded %v\n%s", id.Value, comments, project, body)
		}
	}
	resp, body = get(t, base+"Issues(Account='acme',Id=4)?$format=atom&$select=Id,ProjectId&$expand=Project", nil)
	var one atomInlineEntry
	if resp.StatusCode != 200 || xml.Unmarshal(body, &one) != nil || len(one.Links) < 2 {
		t.Fatalf("Atom entity $expand: %d %s", resp.StatusCode, body)
	}
	if l := one.Links[len(one.Links)-1]; l.Inline == nil || l.Inline.Entry == nil {
		t.Errorf("Atom entity $expand=Project: no inline entry\n%s", body)
	} else if v, _ := l.Inline.Entry.prop("Id"); v.Value != "2" {
		t.Errorf("Atom Issues(4) expands project %q, want 2\n%s", v.Value, body)
	}
}
