package service_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/backlogsync/backlogsync/service"
	"github.com/backlogsync/backlogsync/store"
)

// TestAPIConnectionsAndStoredJobs: connections are created with their
// secret sealed and never shown; a stored job is checked (statements with
// positions, unknown destination and connection) before it is saved, is
// listed beside the config's jobs, keeps the connections it reads from
// being removed, and can be edited and deleted.
func TestAPIConnectionsAndStoredJobs(t *testing.T) {
	f := newFixture(t)
	const secret = "SEALEDapiKEY0123456789"
	conn := map[string]any{"name": "acme", "space_url": "https://acme.backlog.com", "secret": secret}
	// Each refusal names the field and what to write.
	for _, tt := range []struct {
		bad  map[string]any
		want string
	}{
		{map[string]any{"name": "", "space_url": "https://acme.backlog.com", "secret": secret}, "name: give the connection a name"},
		{map[string]any{"name": "x", "space_url": "https://u:" + secret + "@acme.backlog.com", "secret": secret}, "space_url: write the space's address, like https://"},
		{map[string]any{"name": "x", "space_url": "https://acme.backlog.com", "auth_scheme": "basic", "secret": secret}, `auth_scheme: pick "apikey" for an API key or "oauth"`},
		{map[string]any{"name": "x", "space_url": "https://acme.backlog.com"}, "secret: give the API key"},
	} {
		var e struct{ Error struct{ Message string } }
		if st := f.request("POST", "/api/connections", "boss@example.com", tt.bad, &e); st != http.StatusBadRequest || !strings.Contains(e.Error.Message, tt.want) {
			t.Errorf("POST /api/connections %v: %d %q, want 400 with %q", tt.bad, st, e.Error.Message, tt.want)
		}
		if strings.Contains(e.Error.Message, secret) {
			t.Errorf("the error quotes the secret: %v", e)
		}
	}
	var c map[string]any
	if st := f.request("POST", "/api/connections", "boss@example.com", conn, &c); st != http.StatusCreated {
		t.Fatalf("POST /api/connections: %d %v", st, c)
	}
	id := strconv.FormatInt(int64(c["id"].(float64)), 10)
	var list []map[string]any
	if st := f.request("GET", "/api/connections", "boss@example.com", nil, &list); st != 200 || len(list) != 1 {
		t.Fatalf("GET /api/connections: %d %v", st, list)
	}
	if s := toJSON(list); strings.Contains(s, secret) || strings.Contains(s, "secret\"") {
		t.Errorf("the connection list shows the secret: %s", s)
	}
	stored, err := f.st.Connection(t.Context(), int64(c["id"].(float64)))
	if err != nil || stored.Secret == "" || strings.Contains(stored.Secret, secret) {
		t.Errorf("the stored secret is not sealed: %q %v", stored.Secret, err)
	}
	if st := f.request("POST", "/api/connections", "boss@example.com", conn, nil); st != http.StatusConflict {
		t.Errorf("a second connection named acme: %d, want 409", st)
	}
	if st := f.request("POST", "/api/connections", "ana@example.com", conn, nil); st != http.StatusForbidden {
		t.Errorf("a plain user adds a connection: %d, want 403", st)
	}

	// Test, without saving: a wrong key, the right one, the stored one.
	var failed struct{ Error struct{ Message string } }
	if st := f.request("POST", "/api/connections/test", "boss@example.com", conn, &failed); st != http.StatusUnprocessableEntity ||
		!strings.Contains(failed.Error.Message, "Wrong API key") || strings.Contains(failed.Error.Message, secret) {
		t.Errorf("test with a wrong key: %d %q, want 422 'Wrong API key' without the key", st, failed.Error.Message)
	}
	right := map[string]any{"space_url": "https://acme.backlog.com", "secret": f.emu.AdminAPIKey()}
	var rep map[string]any
	if st := f.request("POST", "/api/connections/test", "boss@example.com", right, &rep); st != 200 || rep["space_key"] == "" ||
		rep["role"] != "Administrator" || !strings.Contains(toJSON(rep), "read") {
		t.Errorf("test with the right key: %d %v", st, rep)
	}
	if s := toJSON(rep); strings.Contains(s, f.emu.AdminAPIKey()) {
		t.Errorf("the test's answer quotes the key: %s", s)
	}
	if st := f.request("POST", "/api/connections/"+id+"/test", "boss@example.com", nil, &failed); st != http.StatusUnprocessableEntity ||
		!strings.Contains(failed.Error.Message, "Wrong API key") {
		t.Errorf("test of the stored connection (its key is wrong): %d %q", st, failed.Error.Message)
	}
	if st := f.request("POST", "/api/connections/test", "ana@example.com", right, nil); st != http.StatusForbidden {
		t.Errorf("a plain user tests a connection: %d, want 403", st)
	}
	if n, _ := f.st.Connections(t.Context()); len(n) != 1 {
		t.Errorf("testing saved something: %d connections", len(n))
	}

	job := map[string]any{"name": "nightly", "destination": f.cfg.Destinations[0].Name, "connections": []string{"acme"},
		"statements": "REPLICATE Issues;\nREPLICATE Nope;", "schedule": map[string]any{"interval": "daily", "start": "02:30"}}
	var e struct {
		Error struct {
			Message  string            `json:"message"`
			Fields   map[string]string `json:"fields"`
			Problems []map[string]any  `json:"problems"`
		} `json:"error"`
	}
	if st := f.request("POST", "/api/jobs", "boss@example.com", job, &e); st != http.StatusBadRequest || len(e.Error.Problems) == 0 ||
		!strings.Contains(toJSON(e.Error.Problems), "Nope") || !strings.Contains(toJSON(e.Error.Problems), "line") {
		t.Errorf("a job with an unknown table: %d %+v, want 400 naming the table and its position", st, e.Error)

	}
	for field, change := range map[string]map[string]any{
		"destination": {"destination": "nowhere"},
		"connections": {"connections": []string{"ghost"}},
	} {
		bad := map[string]any{}
		for k, v := range job {
			bad[k] = v
		}
		bad["statements"] = "REPLICATE Issues;"
		for k, v := range change {
			bad[k] = v
		}
		e.Error.Fields = nil
		if st := f.request("POST", "/api/jobs", "boss@example.com", bad, &e); st != http.StatusBadRequest || e.Error.Fields[field] == "" {
			t.Errorf("a job with a bad %s: %d %+v, want 400 naming the field", field, st, e.Error)
		}
	}
	long := map[string]any{}
	for k, v := range job {
		long[k] = v
	}
	long["statements"] = strings.Repeat("REPLICATE Issues;\n", service.MaxStatements/18+1)
	e.Error.Fields = nil
	if st := f.request("POST", "/api/jobs", "boss@example.com", long, &e); st != http.StatusBadRequest ||
		!strings.Contains(e.Error.Fields["statements"], "longer than 256 KiB: split them between several jobs") {
		t.Errorf("statements over %d bytes: %d %+v, want 400 saying how to fit them", service.MaxStatements, st, e.Error)
	}
	job["statements"] = "REPLICATE Issues;"
	var got map[string]any
	if st := f.request("POST", "/api/jobs", "boss@example.com", job, &got); st != http.StatusCreated {
		t.Fatalf("POST /api/jobs: %d %v", st, got)
	}
	var jobs []map[string]any
	f.request("GET", "/api/jobs", "boss@example.com", nil, &jobs)
	names := map[string]bool{}
	for _, j := range jobs {
		names[j["name"].(string)] = true
	}
	if !names["nightly"] || !names[f.cfg.Jobs[0].Name] {
		t.Errorf("GET /api/jobs lists %v; want the config's job and nightly", names)
	}
	if st := f.request("POST", "/api/jobs", "boss@example.com", job, nil); st != http.StatusConflict && st != http.StatusBadRequest {
		t.Errorf("a second job named nightly: %d, want 409 or 400", st)
	}
	if st := f.request("DELETE", "/api/connections/"+id, "boss@example.com", nil, nil); st != http.StatusConflict {
		t.Errorf("removing a connection a job reads: %d, want 409", st)
	}
	job["statements"] = "REPLICATE Issues;\nREPLICATE Projects;"
	if st := f.request("PUT", "/api/jobs/nightly", "boss@example.com", job, &got); st != http.StatusOK {
		t.Errorf("PUT /api/jobs/nightly: %d %v", st, got)
	}
	if st := f.request("PUT", "/api/jobs/"+f.cfg.Jobs[0].Name, "boss@example.com", job, nil); st < 400 {
		t.Errorf("editing the config's (read-only) job through the API: %d, want an error", st)
	}
	if st := f.request("DELETE", "/api/jobs/nightly", "boss@example.com", nil, nil); st != http.StatusNoContent {
		t.Errorf("DELETE /api/jobs/nightly: %d", st)
	}
	if st := f.request("GET", "/api/jobs/nightly", "boss@example.com", nil, nil); st != http.StatusNotFound {
		t.Errorf("GET a deleted job: %d, want 404", st)
	}
	if st := f.request("DELETE", "/api/connections/"+id, "boss@example.com", nil, nil); st != http.StatusNoContent {
		t.Errorf("removing the connection once no job reads it: %d", st)
	}
}

// TestAPIConnectionsListTheirJobs: GET /api/connections shows under each
// of several connections the stored jobs that read it (by name), and an
// empty list under one no job reads.
func TestAPIConnectionsListTheirJobs(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	for _, n := range []string{"acme", "beta", "idle"} {
		if err := f.st.AddConnection(ctx, &store.Connection{Name: n, SpaceURL: "https://" + n + ".backlog.com", AuthScheme: "apikey", Secret: "v1:x"}); err != nil {
			t.Fatal(err)
		}
	}
	for name, conns := range map[string][]string{"zeta": {"acme"}, "alpha": {"beta", "acme"}, "mid": {"beta"}} {
		j := &store.Job{Name: name, Destination: f.cfg.Destinations[0].Name, Connections: conns, Statements: "REPLICATE Issues;", Schedule: "{}"}
		if err := f.st.AddJob(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	var list []struct {
		Name string   `json:"name"`
		Jobs []string `json:"jobs"`
	}
	if st := f.request("GET", "/api/connections", "boss@example.com", nil, &list); st != http.StatusOK {
		t.Fatalf("GET /api/connections: %d", st)
	}
	got := map[string][]string{}
	for _, c := range list {
		got[c.Name] = c.Jobs
	}
	want := map[string][]string{"acme": {"alpha", "zeta"}, "beta": {"alpha", "mid"}, "idle": {}}
	if len(list) != 3 || !maps.EqualFunc(got, want, slices.Equal) || got["idle"] == nil {
		t.Errorf("GET /api/connections: jobs by connection %v, want %v (idle: [], not null)", got, want)
	}
}

// toJSON renders v for substring checks.
func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
