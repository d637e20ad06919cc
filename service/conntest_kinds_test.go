package service

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/emulator"
)

// failingTransport fails every request with err, as a transport that
// cannot reach the host does.
type failingTransport struct{ err error }

func (f failingTransport) RoundTrip(*http.Request) (*http.Response, error) { return nil, f.err }

// TestConnectionTestExplainsEachKind: every kind of failure of a
// connection test (backlogsync.ErrorCode of the client's error) gets its
// own reason and what to do — wrong key (401), no permission (403), rate
// limit (429), Backlog failing (5xx), a host that cannot be found, a
// refused connection, a timeout, a broken connection, an address that is
// not Backlog, and an answer of no known kind — and none quotes the
// secret. The emulator's fault rules make the answers.
func TestConnectionTestExplainsEachKind(t *testing.T) {
	const secret = "SECRETkey0123456789"
	emu, err := emulator.New(emulator.Options{Seed: 21})
	if err != nil {
		t.Fatal(err)
	}
	const space = "https://kinds.backlog.com"
	fault := func(r emulator.FaultRule) func() {
		return func() {
			emu.ClearFaults()
			r.Path = "/api/v2/**"
			if _, err := emu.AddFault(r); err != nil {
				t.Fatal(err)
			}
		}
	}
	notJSON := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte("<html>not here</html>"))
	}))
	defer notJSON.Close()
	oddJSON := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"spaceKey": 42}`))
	}))
	defer oddJSON.Close()
	stop := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-stop:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(stop)
	for _, tt := range []struct {
		name   string
		setup  func()
		url    string
		scheme string
		hc     *http.Client
		code   string // the kind the client's error has
		want   []string
	}{
		{name: "401 API key", setup: fault(emulator.FaultRule{Kind: emulator.FaultStatus, Status: 401}), code: backlogsync.EUNAUTHORIZED,
			want: []string{"Wrong API key: " + space + " rejected it (401", "Personal Settings > API"}},
		{name: "401 OAuth token", setup: fault(emulator.FaultRule{Kind: emulator.FaultStatus, Status: 401}), scheme: "oauth", code: backlogsync.EUNAUTHORIZED,
			want: []string{"Wrong OAuth access token", "Access tokens expire: issue a new one"}},
		{name: "403", setup: fault(emulator.FaultRule{Kind: emulator.FaultStatus, Status: 403}), code: backlogsync.EUNAUTHORIZED,
			want: []string{"No permission: " + space + " refused the user of this API key (403", "member of this space whose role may read it"}},
		{name: "429", setup: fault(emulator.FaultRule{Kind: emulator.FaultStatus, Status: 429}), code: backlogsync.ERATELIMIT,
			want: []string{"Rate limit: the user of this API key has used up", "Test again after ", " UTC; jobs that read the space as the same user share this budget"}},
		{name: "500", setup: fault(emulator.FaultRule{Kind: emulator.FaultStatus, Status: 500}), code: backlogsync.EUNAVAILABLE,
			want: []string{"Backlog is failing: " + space + " answered 500", "Test again in a few minutes"}},
		{name: "503", setup: fault(emulator.FaultRule{Kind: emulator.FaultStatus, Status: 503}), code: backlogsync.EUNAVAILABLE,
			want: []string{"Backlog is failing: " + space + " answered 503"}},
		{name: "reset", setup: fault(emulator.FaultRule{Kind: emulator.FaultReset}), code: backlogsync.EUNAVAILABLE,
			want: []string{"Network: the connection to " + space + " broke", "check the proxies and firewalls"}},
		{name: "timeout", url: slow.URL, code: backlogsync.EUNAVAILABLE, hc: &http.Client{Timeout: 50 * time.Millisecond},
			want: []string{"Network: " + slow.URL + " did not answer in time", "HTTPS_PROXY"}},
		{name: "DNS", code: backlogsync.EUNAVAILABLE,
			hc:   &http.Client{Transport: failingTransport{&net.DNSError{Err: "no such host", Name: "kinds.backlog.com", IsNotFound: true}}},
			want: []string{"Network: the host kinds.backlog.com cannot be found", "Check the space URL", "DNS"}},
		{name: "unreachable", url: "http://127.0.0.1:1", hc: &http.Client{Timeout: 5 * time.Second}, code: backlogsync.EUNAVAILABLE,
			want: []string{"Network: cannot connect to http://127.0.0.1:1", "that this server can reach it"}},
		{name: "not Backlog", url: notJSON.URL, hc: notJSON.Client(), code: backlogsync.ENOTFOUND,
			want: []string{notJSON.URL + " is not a Backlog space", "answered 404 Not Found", "Check the space URL"}},
		{name: "unknown", url: oddJSON.URL, hc: oddJSON.Client(), code: backlogsync.EINTERNAL,
			want: []string{"The test failed for a reason this server does not recognise: ", "report this message"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			emu.ClearFaults()
			if tt.setup != nil {
				tt.setup()
			}
			// A key of its own per case and run: the user's rate-limit
			// budget (the process's default governor) is not shared
			// between cases, nor with a 429 of an earlier -count run.
			in := ConnectionTest{SpaceURL: space, AuthScheme: tt.scheme,
				Secret: secret + strings.ReplaceAll(tt.name, " ", "") + strconv.FormatInt(time.Now().UnixNano(), 36)}
			if tt.url != "" {
				in.SpaceURL = tt.url
			}
			hc := tt.hc
			if hc == nil {
				hc = emu.Client()
			}
			// The kind check has its own governor: a 429 it sees must not
			// hold the test's requests (the default governor's) for the
			// window.
			c, err := in.client(hc, backlog.WithoutRetry(), backlog.WithGovernor(backlog.NewGovernor(backlog.GovernorConfig{})))
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := c.Space.Get(context.Background()); backlogsync.ErrorCode(err) != tt.code {
				t.Fatalf("the client's error %v is of kind %q, want %q", err, backlogsync.ErrorCode(err), tt.code)
			}
			rep, msg := TestConnection(t.Context(), hc, in)
			if rep != nil {
				t.Fatalf("the test passed: %+v", rep)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%q\ndoes not say %q", msg, w)
				}
			}
			if strings.Contains(msg, secret) {
				t.Errorf("%q quotes the secret", msg)
			}
		})
	}
	emu.ClearFaults()
	if _, msg := TestConnection(t.Context(), emu.Client(), ConnectionTest{SpaceURL: space, Secret: emu.AdminAPIKey()}); msg != "" {
		t.Fatalf("without faults: %s", msg)
	}
}

// TestConnectionTestNamesTheBadSetting: a connection the client cannot be
// built with is refused naming the setting at fault by the form's label
// (not always "the space URL"), with what to write, and never the secret.
func TestConnectionTestNamesTheBadSetting(t *testing.T) {
	const secret = "SECRETkey0123456789"
	good := ConnectionTest{SpaceURL: "https://acme.backlog.com", AuthScheme: "apikey", Secret: secret}
	for _, tt := range []struct {
		name   string
		change func(*ConnectionTest)
		want   string
	}{
		{"URL scheme", func(c *ConnectionTest) { c.SpaceURL = "ftp://acme.backlog.com" }, "The connection's Space URL is not usable: base URL \"ftp://acme.backlog.com\" must start with https://"},
		{"plain http", func(c *ConnectionTest) { c.SpaceURL = "http://acme.backlog.com" }, "The connection's Space URL is not usable: base URL \"http://acme.backlog.com\" uses plain http"},
		{"empty key", func(c *ConnectionTest) { c.Secret = " " }, "The connection's API key or access token is not usable: the API key is empty; give the key (Backlog: Personal Settings > API)"},
		{"empty token", func(c *ConnectionTest) { c.AuthScheme, c.Secret = "oauth", "" }, "The connection's API key or access token is not usable: the OAuth access token is empty"},
		{"scheme", func(c *ConnectionTest) { c.AuthScheme = "basic" }, `The connection's Authentication is not usable: "basic" is not an authentication; pick "apikey"`},
		{"pacing", func(c *ConnectionTest) { c.Pacing = "smooth" }, `The connection's Pacing is not usable: pacing "smooth": want window`},
		{"concurrency", func(c *ConnectionTest) { c.Concurrency = 17 }, "The connection's Requests in flight at once is not usable: 17 is out of range"},
	} {
		in := good
		tt.change(&in)
		// TestConnection drops the concurrency and pacing (see its doc):
		// the client of a run (connectionClient) is where they are used.
		_, err := in.client(http.DefaultClient)
		var se *settingError
		if !errors.As(err, &se) {
			t.Errorf("%s: %v, want a setting error", tt.name, err)
			continue
		}
		msg := se.sentence()
		if in.Concurrency == 0 && in.Pacing == "" {
			_, msg = TestConnection(t.Context(), http.DefaultClient, in)
		}
		if !strings.Contains(msg, tt.want) || strings.Contains(msg, secret) {
			t.Errorf("%s: %q\nwant it to contain %q (and not the secret)", tt.name, msg, tt.want)
		}
	}
}
