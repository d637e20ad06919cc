package web

import (
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/service"
	"github.com/backlogsync/backlogsync/store"
)

// TestConnectionFormRateLimit: the connection form's "Advanced: rate
// limit" fields are saved with the connection (a share may be a
// percentage), shown again on its edit page and in the list, put back to
// the defaults when blanked, and refused with the REST API's message (the
// config file's rules), the field marked invalid, nothing saved.
func TestConnectionFormRateLimit(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.signIn(adminEmail, adminPass)
	_, page := b.get("/admin/connections")
	for _, id := range []string{"conn-share", "conn-conc", "conn-pacing"} {
		if !strings.Contains(page, `<label for="`+id+`">`) || !strings.Contains(page, `id="`+id+`"`) {
			t.Errorf("the form has no labelled %s", id)
		}
	}
	if !strings.Contains(page, "<legend>Advanced: rate limit</legend>") {
		t.Error("the form has no Advanced: rate limit fieldset")
	}
	form := url.Values{"name": {"demo"}, "space_url": {e.EmuURL}, "auth_scheme": {"apikey"}, "secret": {emuKey},
		"max_share": {"50%"}, "concurrency": {"1"}, "pacing": {"even"}}
	code, body := b.post("/admin/connections", form)
	if code != http.StatusOK || !strings.Contains(body, "Test passed, saved") || !strings.Contains(body, "50%, 1 at a time, even") {
		t.Fatalf("create with a rate limit: %d %s", code, body)
	}
	cs, _ := e.Store.Connections(t.Context())
	if len(cs) != 1 || cs[0].MaxShare != 0.5 || cs[0].Concurrency != 1 || cs[0].Pacing != "even" {
		t.Fatalf("stored: %+v", cs)
	}
	id := itoa(cs[0].ID)
	_, edit := b.get("/admin/connections/" + id)
	for _, want := range []string{`name="max_share" inputmode="decimal" autocomplete="off" placeholder="1" value="0.5"`, `placeholder="4" value="1"`, `<option value="even" selected>`} {
		if !strings.Contains(edit, want) {
			t.Errorf("the edit page does not show %s", want)
		}
	}

	for _, tt := range []struct{ field, value, input string }{
		{"max_share", "150%", "conn-share"},
		{"concurrency", "17", "conn-conc"},
		{"concurrency", "two", "conn-conc"},
		{"pacing", "evenly", "conn-pacing"},
	} {
		bad := url.Values{"name": {"demo"}, "space_url": {e.EmuURL}, "auth_scheme": {"apikey"}, tt.field: {tt.value}}
		var in service.ConnectionInput
		vals := map[string]string{"max_share": "", "concurrency": "", "pacing": ""}
		vals[tt.field] = tt.value
		p := in.ReadRateLimit(vals["max_share"], vals["concurrency"], vals["pacing"])
		want := p.Form()
		if p.Field != tt.field || p.OK() {
			t.Fatalf("%s %q: the service's check says %+v", tt.field, tt.value, p)
		}
		code, body := b.post("/admin/connections/"+id, bad)
		if code != http.StatusBadRequest || !strings.Contains(body, html.EscapeString("Not saved: "+want+".")) {
			t.Errorf("%s %q: %d, want 400 with %q", tt.field, tt.value, code, want)
		}
		if i := strings.Index(body, `id="`+tt.input+`"`); i < 0 || !strings.Contains(body[i:i+strings.Index(body[i:], ">")], `aria-invalid="true"`) {
			t.Errorf("%s %q: the field is not marked invalid", tt.field, tt.value)
		}
		if strings.Count(body, `aria-invalid="true"`) != 1 {
			t.Errorf("%s %q: %d fields marked invalid, want 1", tt.field, tt.value, strings.Count(body, `aria-invalid="true"`))
		}
	}
	if cs, _ := e.Store.Connections(t.Context()); len(cs) != 1 || cs[0].MaxShare != 0.5 || cs[0].Concurrency != 1 {
		t.Fatalf("a refused form changed the connection: %+v", cs)
	}

	blank := url.Values{"name": {"demo"}, "space_url": {e.EmuURL}, "auth_scheme": {"apikey"}, "max_share": {""}, "concurrency": {""}, "pacing": {""}}
	if code, body := b.post("/admin/connections/"+id, blank); code != http.StatusOK || !strings.Contains(body, "all, 4 at once, window") {
		t.Fatalf("edit back to the defaults: %d %s", code, body)
	}
	if cs, _ := e.Store.Connections(t.Context()); len(cs) != 1 || cs[0].MaxShare != 1 || cs[0].Concurrency != 0 || cs[0].Pacing != "" {
		t.Fatalf("after blanking the rate limit: %+v, want the defaults", cs)
	}
}

// TestConnectionFormNamesFieldsByLabel: a refused connection form names
// the field at fault by the label the form shows beside it (the same
// label table labels the form), never by the REST API's JSON key, which
// POST /api/connections keeps (service tests).
func TestConnectionFormNamesFieldsByLabel(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.signIn(adminEmail, adminPass)
	_, page := b.get("/admin/connections")
	for _, tt := range []struct{ id, label string }{
		{"conn-name", "Connection name"}, {"conn-url", "Space URL"}, {"conn-secret", "API key or access token"},
		{"conn-share", "Share of each rate-limit window"}, {"conn-conc", "Requests in flight at once"}, {"conn-pacing", "Pacing"},
	} {
		if !strings.Contains(page, `<label for="`+tt.id+`">`+tt.label+`</label>`) {
			t.Errorf("the form does not label %s %q", tt.id, tt.label)
		}
	}
	for _, tt := range []struct {
		form           url.Values
		label, key, id string
	}{
		{url.Values{"name": {"demo"}, "space_url": {"https://u:pw@acme.backlog.com"}, "auth_scheme": {"apikey"}, "secret": {"k"}}, "Space URL", "space_url", "conn-url"},
		{url.Values{"name": {"demo"}, "space_url": {e.EmuURL}, "auth_scheme": {"apikey"}, "secret": {"k"}, "max_share": {"150%"}}, "Share of each rate-limit window", "max_share", "conn-share"},
		{url.Values{"name": {"demo"}, "space_url": {e.EmuURL}, "auth_scheme": {"apikey"}, "secret": {" "}}, "API key or access token", "secret", "conn-secret"},
	} {
		code, body := b.post("/admin/connections", tt.form)
		if code != http.StatusBadRequest || !strings.Contains(body, "Not saved: "+tt.label+": ") {
			t.Errorf("%s: %d, want 400 naming the field %q", tt.key, code, tt.label)
		}
		// The field at fault, and only it, is marked invalid.
		if n := strings.Count(body, `aria-invalid="true"`); n != 1 || !strings.Contains(inputTag(body, tt.id), `aria-invalid="true"`) {
			t.Errorf("%s: %d fields marked invalid, %s; want only %s", tt.key, n, inputTag(body, tt.id), tt.id)
		}
		if strings.Contains(body, tt.key+":") || strings.Contains(body, "("+tt.key+")") {
			t.Errorf("%s: the page names the field by its JSON key", tt.key)
		}
	}
	// A blank name (only the JSON key check above would trip on the page's
	// other "name:" text): the name field is the one marked invalid.
	code, body := b.post("/admin/connections", url.Values{"name": {" "}, "space_url": {e.EmuURL}, "auth_scheme": {"apikey"}, "secret": {"k"}})
	if code != http.StatusBadRequest || !strings.Contains(body, "Not saved: Connection name: ") ||
		strings.Count(body, `aria-invalid="true"`) != 1 || !strings.Contains(inputTag(body, "conn-name"), `aria-invalid="true"`) {
		t.Errorf("a blank name: %d, %s; want 400 naming Connection name, its field alone marked invalid", code, inputTag(body, "conn-name"))
	}
}

// inputTag is the tag of the form control with id in page ("" when there
// is none).
func inputTag(page, id string) string {
	i := strings.Index(page, ` id="`+id+`"`)
	if i < 0 {
		return ""
	}
	start := strings.LastIndex(page[:i], "<")
	end := strings.Index(page[i:], ">")
	return page[start : i+end+1]
}

// TestRateLimitText: the connections table's rate-limit column shows the
// client's own defaults for settings left at 0 or "".
func TestRateLimitText(t *testing.T) {
	for _, tt := range []struct {
		c    store.Connection
		want string
	}{
		{store.Connection{MaxShare: 1}, "all, " + strconv.Itoa(backlog.DefaultConcurrency) + " at once, window"},
		{store.Connection{MaxShare: 0.5, Concurrency: 1, Pacing: "even"}, "50%, 1 at a time, even"},
		{store.Connection{MaxShare: 0.25, Concurrency: 8, Pacing: "window"}, "25%, 8 at once, window"},
	} {
		if got := rateLimitText(tt.c); got != tt.want {
			t.Errorf("rateLimitText(%+v) = %q, want %q", tt.c, got, tt.want)
		}
	}
}
