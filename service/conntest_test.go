package service

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/emulator"
	"github.com/backlogsync/backlogsync/internal/inflight"
)

// TestConnectionClientAuth: the one constructor of a connection's client
// sends the secret as an API key, or with scheme "oauth" as a bearer
// token, through the given HTTP client.
func TestConnectionClientAuth(t *testing.T) {
	var auth, key string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth, key = r.Header.Get("Authorization"), r.Header.Get("Backlog-API-Key")
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"spaceKey":"ACME","name":"Acme"}`))
	}))
	defer srv.Close()
	for _, tt := range []struct{ scheme, auth, key string }{
		{"apikey", "", "s3cret"},
		{"", "", "s3cret"},
		{"oauth", "Bearer s3cret", ""},
	} {
		auth, key = "", ""
		c, err := ConnectionTest{SpaceURL: srv.URL, AuthScheme: tt.scheme, Secret: "s3cret"}.client(srv.Client())
		if err != nil {
			t.Fatal(err)
		}
		sp, _, err := c.Space.Get(t.Context())
		if err != nil || sp.SpaceKey != "ACME" {
			t.Fatalf("scheme %q: %+v %v", tt.scheme, sp, err)
		}
		if auth != tt.auth || key != tt.key {
			t.Errorf("scheme %q sent Authorization %q, API key %q; want %q, %q", tt.scheme, auth, key, tt.auth, tt.key)
		}
	}
}

// TestConnectionClientRateLimit: the one constructor applies the
// connection's rate-limit settings: its concurrency and pacing are the
// client's, and with max_share 0.5 of a read budget of 10 a minute the
// sixth request waits for the next window (virtual time) where the whole
// budget sends ten at once. A stored pacing the client does not know is
// an error, not the default.
func TestConnectionClientRateLimit(t *testing.T) {
	for _, tt := range []struct {
		in       ConnectionTest
		conc     int
		pacing   backlog.Pacing
		waitsFor bool // the tenth request waits for the next window
	}{
		{ConnectionTest{}, backlog.DefaultConcurrency, backlog.PaceWindow, false},
		{ConnectionTest{MaxShare: 1}, backlog.DefaultConcurrency, backlog.PaceWindow, false},
		{ConnectionTest{MaxShare: 0.5, Concurrency: 2, Pacing: "even"}, 2, backlog.PaceEven, true},
	} {
		synctest.Test(t, func(t *testing.T) {
			srv, err := emulator.New(emulator.Options{Seed: 3, RateLimits: emulator.RateLimits{Read: 10, Update: 10, Search: 10, Icon: 10}})
			if err != nil {
				t.Fatal(err)
			}
			in := tt.in
			in.SpaceURL, in.Secret = "https://acme.backlog.com", srv.AdminAPIKey()
			c, err := in.client(srv.Client(), backlog.WithGovernor(backlog.NewGovernor(backlog.GovernorConfig{})), backlog.WithoutRetry())
			if err != nil {
				t.Fatal(err)
			}
			if c.Concurrency() != tt.conc || c.Pacing() != tt.pacing {
				t.Errorf("%+v: concurrency %d, pacing %s; want %d, %s", tt.in, c.Concurrency(), c.Pacing(), tt.conc, tt.pacing)
			}
			start := time.Now()
			for range 10 {
				if _, _, err := c.Space.Get(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
			if waited := time.Since(start) >= time.Minute; waited != tt.waitsFor {
				t.Errorf("%+v: 10 requests took %s (virtual); want a wait for the next window: %v", tt.in, time.Since(start), tt.waitsFor)
			}
		})
	}
	if _, err := (ConnectionTest{SpaceURL: "https://acme.backlog.com", Pacing: "smooth"}).client(http.DefaultClient); err == nil {
		t.Error("an unknown pacing built a client")
	}
}

// TestConnectionTestLeavesJobsAlone: testing a connection asking for one
// request at a time does not hold the user's other clients (running jobs)
// to one request in flight for the next window.
func TestConnectionTestLeavesJobsAlone(t *testing.T) {
	srv, err := emulator.New(emulator.Options{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	const url = "https://conntest-caution.backlog.com"
	in := ConnectionTest{SpaceURL: url, Secret: srv.AdminAPIKey(), Concurrency: 1, Pacing: "even"}
	if _, msg := TestConnection(t.Context(), srv.Client(), in); msg != "" {
		t.Fatal(msg)
	}
	pt := &inflight.Transport{Next: srv.Client().Transport, Delay: 20 * time.Millisecond}
	job, err := backlog.NewClient(url, backlog.WithAPIKey(srv.AdminAPIKey()), backlog.WithHTTPClient(&http.Client{Transport: pt}))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := job.Users.GetMyself(t.Context()); err != nil { // the budget of the same user
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, _, err := job.Space.Get(t.Context()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if p := pt.Peak(); p < 2 {
		t.Errorf("a job's client of the user had %d request in flight at most after a connection test asking for 1; want up to %d", p, backlog.DefaultConcurrency)
	}
}

// TestConnectionTestFailuresSayWhatToCheck: a failed test names what to
// check when the server's certificate is not trusted, when the address
// answers without Backlog's error messages, and when the space
// refuses the request with Backlog's error.
func TestConnectionTestFailuresSayWhatToCheck(t *testing.T) {
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	defer tlsSrv.Close()
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`{"errors":[{"message":"No permission.","code":11,"moreInfo":""}]}`))
	}))
	defer refusing.Close()
	// Not Backlog, and not a 404 either: an answer without Backlog's error
	// messages gets the same hint as a 404.
	notAllowed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}))
	defer notAllowed.Close()
	// The caller's deadline (the web admin's request timeout) passes
	// before the space answers: the same reason as the client's timeout.
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer silent.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if rep, msg := TestConnection(ctx, silent.Client(), ConnectionTest{SpaceURL: silent.URL, AuthScheme: "apikey", Secret: "k"}); rep != nil ||
		!strings.Contains(msg, "Network: "+silent.URL+" did not answer in time. Check the URL and that this server can reach it (firewall, HTTPS_PROXY)") {
		t.Errorf("past the caller's deadline: %+v %q", rep, msg)
	}
	for _, tt := range []struct {
		url, want string
	}{
		{tlsSrv.URL, "certificate is not valid for " + tlsSrv.URL + ". Check the space URL"},
		{notAllowed.URL, notAllowed.URL + " is not a Backlog space: GET " + notAllowed.URL + "/api/v2/space answered 405 Method Not Allowed. Check the space URL: https://SPACE.backlog.com"},
		{refusing.URL, "No permission: " + refusing.URL + " refused the user of this API key (403 Forbidden: No permission). Use the API key of a member of this space"},
	} {
		rep, msg := TestConnection(t.Context(), &http.Client{Timeout: 5 * time.Second}, ConnectionTest{SpaceURL: tt.url, AuthScheme: "apikey", Secret: "k"})
		if rep != nil || !strings.Contains(msg, tt.want) {
			t.Errorf("%s: %+v %q; want a failure containing %q", tt.url, rep, msg, tt.want)
		}
	}
}
