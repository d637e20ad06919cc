package service_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync/config"
	"github.com/backlogsync/backlogsync/emulator"
	"github.com/backlogsync/backlogsync/schedule"
)

// connView is a connection as the API shows it, rate limit included.
type connView struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	MaxShare    *float64  `json:"max_share"`
	Concurrency *int      `json:"concurrency"`
	Pacing      *string   `json:"pacing"`
	AuthScheme  string    `json:"auth_scheme"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
}

func (c connView) rateLimit() string {
	if c.MaxShare == nil || c.Concurrency == nil || c.Pacing == nil {
		return "missing"
	}
	return strconv.FormatFloat(*c.MaxShare, 'g', -1, 64) + " " + strconv.Itoa(*c.Concurrency) + " " + *c.Pacing
}

// TestAPIConnectionRateLimit: a connection's max_share, concurrency and
// pacing go through POST, GET (one and the list) and PUT; left out of a
// PUT they keep what is stored, left out of a POST they are the defaults
// (1, 0, ""); bad values are refused with 400, the field and the config
// file's own message for it, by POST, PUT and the connection test alike.
func TestAPIConnectionRateLimit(t *testing.T) {
	f := newFixture(t)
	const admin = "boss@example.com"
	conn := map[string]any{"name": "shared", "space_url": "https://shared.backlog.com", "secret": "KEY0123456789",
		"max_share": 0.5, "concurrency": 1, "pacing": "Even"}
	var c connView
	if st := f.request("POST", "/api/connections", admin, conn, &c); st != http.StatusCreated || c.rateLimit() != "0.5 1 even" {
		t.Fatalf("POST with a rate limit: %d, %s; want 201, 0.5 1 even", st, c.rateLimit())
	}
	id := strconv.FormatInt(c.ID, 10)
	if st := f.request("GET", "/api/connections/"+id, admin, nil, &c); st != 200 || c.rateLimit() != "0.5 1 even" {
		t.Errorf("GET: %d %s", st, c.rateLimit())
	}
	var list []connView
	if f.request("GET", "/api/connections", admin, nil, &list); len(list) != 1 || list[0].rateLimit() != "0.5 1 even" {
		t.Errorf("GET the list: %+v", list)
	}
	rename := map[string]any{"name": "shared", "space_url": "https://shared2.backlog.com"}
	if st := f.request("PUT", "/api/connections/"+id, admin, rename, &c); st != 200 || c.rateLimit() != "0.5 1 even" {
		t.Errorf("PUT without the rate limit: %d %s, want it kept", st, c.rateLimit())
	}
	reset := map[string]any{"name": "shared", "space_url": "https://shared2.backlog.com", "concurrency": 0, "pacing": ""}
	if st := f.request("PUT", "/api/connections/"+id, admin, reset, &c); st != 200 || c.rateLimit() != "0.5 0 " {
		t.Errorf("PUT back to the default concurrency and pacing: %d %s", st, c.rateLimit())
	}
	// The PUT answers the connection as stored, times included.
	var g connView
	if f.request("GET", "/api/connections/"+id, admin, nil, &g); c.Created.IsZero() || !g.Created.Equal(c.Created) || !g.Updated.Equal(c.Updated) {
		t.Errorf("PUT answered created %v, updated %v; GET after it %v, %v", c.Created, c.Updated, g.Created, g.Updated)
	}
	// The authentication scheme left out of a PUT is kept too: an OAuth
	// connection does not silently become an API-key one.
	oauth := map[string]any{"name": "oauth", "space_url": "https://oauth.backlog.com", "secret": "TOKEN0123456789", "auth_scheme": "oauth"}
	if st := f.request("POST", "/api/connections", admin, oauth, &c); st != http.StatusCreated || c.AuthScheme != "oauth" {
		t.Fatalf("POST an OAuth connection: %d, %q", st, c.AuthScheme)
	}
	oid := strconv.FormatInt(c.ID, 10)
	if st := f.request("PUT", "/api/connections/"+oid, admin, map[string]any{"name": "oauth", "space_url": "https://oauth2.backlog.com"}, &c); st != 200 || c.AuthScheme != "oauth" {
		t.Errorf("PUT without auth_scheme: %d, scheme %q; want 200, oauth kept", st, c.AuthScheme)
	}
	plain := map[string]any{"name": "plain", "space_url": "https://plain.backlog.com", "secret": "KEY0123456789"}
	if st := f.request("POST", "/api/connections", admin, plain, &c); st != http.StatusCreated || c.rateLimit() != "1 0 " {
		t.Errorf("POST without a rate limit: %d %s, want 1 0 (the defaults)", st, c.rateLimit())
	}

	configSays := func(err error) string { return err.Error() }
	_, pacingErr := config.ParsePacing("evenly")
	for _, tt := range []struct {
		field string
		value any
		want  string // the config's message for the value
	}{
		{"max_share", 0, configSays(config.CheckMaxShare(0))},
		{"max_share", 1.5, configSays(config.CheckMaxShare(1.5))},
		{"concurrency", 17, configSays(config.CheckConcurrency(17))},
		{"concurrency", -1, configSays(config.CheckConcurrency(-1))},
		{"pacing", "evenly", configSays(pacingErr)},
	} {
		for _, route := range []struct{ method, path string }{
			{"POST", "/api/connections"}, {"PUT", "/api/connections/" + id}, {"POST", "/api/connections/test"},
		} {
			bad := map[string]any{"name": "bad", "space_url": "https://bad.backlog.com", "secret": "KEY0123456789", tt.field: tt.value}
			var e struct {
				Error struct {
					Message string            `json:"message"`
					Fields  map[string]string `json:"fields"`
				} `json:"error"`
			}
			st := f.request(route.method, route.path, admin, bad, &e)
			if st != http.StatusBadRequest || e.Error.Fields[tt.field] != e.Error.Message || e.Error.Message != tt.field+": "+tt.want {
				t.Errorf("%s %s with %s %v: %d %+v\nwant 400 naming %s by its JSON key with the config's message %q", route.method, route.path, tt.field, tt.value, st, e.Error, tt.field, tt.want)
			}
		}
	}
	if f.request("GET", "/api/connections", admin, nil, &list); len(list) != 3 || list[1].Name != "plain" || list[2].rateLimit() != "0.5 0 " {
		t.Errorf("refused input changed the connections: %+v", list)
	}
}

// TestStoredConnectionConcurrency: a run of a stored job through a
// connection with concurrency 1 never has more than one request in flight
// at the emulator (every request takes 5 ms there), even where an issue
// page's comments are fetched together; through a connection with the
// default it has several (so the count can see them).
func TestStoredConnectionConcurrency(t *testing.T) {
	f := newFixture(t)
	if _, err := f.emu.AddFault(emulator.FaultRule{Path: "/api/v2/**", Kind: emulator.FaultLatency, Delay: 5 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	for _, conc := range []int{1, 0} {
		// Its own space URL: the process's governor keys a user's slots
		// by the space and the user, so no other test's client shares them.
		name := "conc" + strconv.Itoa(conc)
		conn := map[string]any{"name": name, "space_url": "https://" + name + "-stored.backlog.com", "secret": f.emu.AdminAPIKey(), "concurrency": conc}
		if st := f.request("POST", "/api/connections", "boss@example.com", conn, nil); st != http.StatusCreated {
			t.Fatalf("POST /api/connections: %d", st)
		}
		job := map[string]any{"name": "job-" + name, "destination": f.cfg.Destinations[0].Name, "connections": []string{name},
			"statements": "REPLICATE Issues;\nREPLICATE IssueComments;", "schedule": map[string]any{"interval": "daily", "start": "02:30"}}
		if st := f.request("POST", "/api/jobs", "boss@example.com", job, nil); st != http.StatusCreated {
			t.Fatalf("POST /api/jobs: %d", st)
		}
		f.inflight.Reset()
		if st := f.request("POST", "/api/jobs/job-"+name+"/run", "boss@example.com", nil, nil); st != http.StatusAccepted {
			t.Fatalf("run now: %d", st)
		}
		if r := f.wait(); r.Status != schedule.StatusSucceeded {
			t.Fatalf("the run through %s: %s %v", name, r.Status, r.Err)
		}
		peak := f.inflight.Peak()
		t.Logf("concurrency %d: peak %d requests in flight at the emulator", conc, peak)
		if (conc == 1 && peak != 1) || (conc == 0 && peak < 2) {
			t.Errorf("concurrency %d: peak %d requests in flight at the emulator", conc, peak)
		}
	}
}
