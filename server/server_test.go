package server

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/dest/memory"
	"github.com/backlogsync/backlogsync/store"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// fixture is a server over a memory destination "db" with tables Issues,
// Projects and Users; users ana (granted "sales": Issues, Projects,
// Gone), bo (no grant) and boss (admin), each with a token.
type fixture struct {
	t      testing.TB
	srv    *Server
	st     *store.Store
	clock  *clock
	log    *syncBuffer
	tokens map[string]string
	opened int
}

func newFixture(t testing.TB, lim LimiterOptions) *fixture {
	t.Helper()
	ctx := t.Context()
	f := &fixture{t: t, clock: &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}, log: &syncBuffer{}, tokens: map[string]string{}}
	st, err := store.Open(ctx, store.SQLite, filepath.Join(t.TempDir(), "state.db"), store.Options{Now: f.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f.st = st
	db := memory.New()
	for _, name := range []string{"Issues", "Projects", "Users"} {
		err := db.Migrate(ctx, &backlogsync.Table{Name: name, Columns: []backlogsync.Column{{Name: "Id", Type: backlogsync.TypeInt}}, PrimaryKey: []string{"Id"}})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []struct {
		email string
		admin bool
	}{{"ana@example.com", false}, {"bo@example.com", false}, {"boss@example.com", true}} {
		if _, err := st.AddUser(ctx, u.email, u.admin); err != nil {
			t.Fatal(err)
		}
		tok, _, err := st.CreateToken(ctx, u.email, "test", 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[u.email] = tok
	}
	if _, err := st.AddWorkspace(ctx, "sales", "db", []string{"Issues", "Projects", "Gone"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddWorkspace(ctx, "all", "db", nil); err != nil {
		t.Fatal(err)
	}
	if err := st.Grant(ctx, "sales", "ana@example.com"); err != nil {
		t.Fatal(err)
	}
	f.srv, err = New(Options{
		Store: st,
		OpenDestination: func(ctx context.Context, name string) (backlogsync.Destination, error) {
			if name != "db" {
				return nil, fmt.Errorf("no destination %s", name)
			}
			f.opened++
			return db, nil
		},
		Logger:  slog.New(slog.NewJSONHandler(f.log, nil)),
		Limiter: lim,
		Now:     f.clock.now,
	})
	if err != nil {
		t.Fatal(err)
	}
	// A stand-in for the odata handler: it reports what it was given.
	f.srv.MountOData(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, ok := WorkspaceFrom(r.Context())
		u, _ := UserFrom(r.Context())
		if !ok || u == nil {
			http.Error(w, "no workspace or user in the context", 500)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"workspace": ws.Name, "tables": ws.Tables, "path": r.URL.Path, "user": u.Email})
	}))
	return f
}

type result struct {
	status int
	header http.Header
	body   map[string]any
}

// get requests path with Basic credentials (none when user is "") from
// remote.
func (f *fixture) get(path, user, password, remote string) result {
	f.t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	r.RemoteAddr = remote
	if user != "" {
		r.SetBasicAuth(user, password)
	}
	w := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(w, r)
	var body map[string]any
	json.Unmarshal(w.Body.Bytes(), &body)
	return result{w.Code, w.Header(), body}
}

const ip1 = "192.0.2.1:5555"

func TestAuth(t *testing.T) {
	f := newFixture(t, LimiterOptions{})
	ana := f.tokens["ana@example.com"]

	r := f.get("/odata/sales/", "", "", ip1)
	if r.status != 401 || r.header.Get("WWW-Authenticate") != `Basic realm="backlogsync", charset="UTF-8"` {
		t.Fatalf("no credentials: %d %q", r.status, r.header.Get("WWW-Authenticate"))
	}
	if r := f.get("/odata/sales/", "ana@example.com", "wrong", ip1); r.status != 401 || r.header.Get("WWW-Authenticate") == "" {
		t.Errorf("wrong token: %d", r.status)
	}
	if r := f.get("/odata/sales/", "bo@example.com", ana, ip1); r.status != 401 {
		t.Errorf("another user's token: %d", r.status)
	}

	r = f.get("/odata/sales/Issues?$top=1", "ana@example.com", ana, ip1)
	if r.status != 200 || r.body["path"] != "/sales/Issues" || r.body["user"] != "ana@example.com" ||
		fmt.Sprint(r.body["tables"]) != "[Issues Projects]" {
		t.Fatalf("granted: %d %v", r.status, r.body)
	}
	if r := f.get("/odata/all/", "ana@example.com", ana, ip1); r.status != 403 ||
		!strings.Contains(fmt.Sprint(r.body), "workspaces grant all --user ana@example.com") {
		t.Errorf("not granted: %d %v", r.status, r.body)
	}
	// Error codes are one word, as OData's and the other answers' are
	// (NotFound, not "Not Found").
	if r := f.get("/odata/nope/", "ana@example.com", ana, ip1); r.status != 404 || fmt.Sprint(r.body["error"].(map[string]any)["code"]) != "NotFound" {
		t.Errorf("unknown workspace: %d %v", r.status, r.body)
	}
	if r := f.get("/odata/", "ana@example.com", ana, ip1); r.status != 404 {
		t.Errorf("no workspace: %d", r.status)
	}
	if r := f.get("/odata/sales/", "bo@example.com", f.tokens["bo@example.com"], ip1); r.status != 403 {
		t.Errorf("bo: %d", r.status)
	}
	r = f.get("/odata/all/", "boss@example.com", f.tokens["boss@example.com"], ip1)
	if r.status != 200 || fmt.Sprint(r.body["tables"]) != "[Issues Projects Users]" {
		t.Errorf("admin on all: %d %v", r.status, r.body)
	}
	if f.opened != 1 {
		t.Errorf("destination opened %d times; want once", f.opened)
	}

	// A grant revoked, a token revoked, a token expired: the next request
	// is refused.
	f.st.Revoke(t.Context(), "sales", "ana@example.com")
	if r := f.get("/odata/sales/", "ana@example.com", ana, ip1); r.status != 403 {
		t.Errorf("after revoking the grant: %d", r.status)
	}
	f.st.Grant(t.Context(), "sales", "ana@example.com")
	ts, _ := f.st.Tokens(t.Context(), "ana@example.com")
	f.st.RevokeToken(t.Context(), fmt.Sprint(ts[0].ID))
	if r := f.get("/odata/sales/", "ana@example.com", ana, ip1); r.status != 401 {
		t.Errorf("after revoking the token: %d", r.status)
	}
	if r := f.get("/odata/all/", "boss@example.com", f.tokens["boss@example.com"], ip1); r.status != 200 {
		t.Errorf("boss: %d", r.status)
	}
	f.clock.add(25 * time.Hour)
	if r := f.get("/odata/all/", "boss@example.com", f.tokens["boss@example.com"], ip1); r.status != 401 {
		t.Errorf("after expiry: %d", r.status)
	}
}

func TestSlowDown(t *testing.T) {
	f := newFixture(t, LimiterOptions{Free: 3, Base: 2 * time.Second, Max: 8 * time.Second})
	ana := f.tokens["ana@example.com"]
	for i := range 3 {
		if r := f.get("/odata/sales/", "ana@example.com", "bsp_x"+fmt.Sprint(i), ip1); r.status != 401 {
			t.Fatalf("failure %d: %d", i, r.status)
		}
	}
	if r := f.get("/odata/sales/", "ana@example.com", ana, ip1); r.status != 200 {
		t.Fatalf("within the free failures: %d", r.status)
	}
	// The success forgot the failures: 3 free again, the 4th blocks for 2s.
	for range 4 {
		f.get("/odata/sales/", "ana@example.com", "wrong", ip1)
	}
	r := f.get("/odata/sales/", "ana@example.com", ana, ip1)
	if r.status != 429 || r.header.Get("Retry-After") != "2" {
		t.Fatalf("blocked: %d %q", r.status, r.header.Get("Retry-After"))
	}
	if r := f.get("/odata/sales/", "ana@example.com", ana, "192.0.2.2:1"); r.status != 200 {
		t.Errorf("another address is slowed down too: %d", r.status)
	}
	f.clock.add(2 * time.Second)
	f.get("/odata/sales/", "ana@example.com", "wrong", ip1) // 5th failure: 4s
	if r := f.get("/odata/sales/", "ana@example.com", ana, ip1); r.status != 429 || r.header.Get("Retry-After") != "4" {
		t.Errorf("doubled: %d %q", r.status, r.header.Get("Retry-After"))
	}
	f.clock.add(4 * time.Second)
	for range 3 {
		f.get("/odata/sales/", "ana@example.com", "wrong", ip1)
		f.clock.add(9 * time.Second)
	}
	f.get("/odata/sales/", "ana@example.com", "wrong", ip1)
	if r := f.get("/odata/sales/", "ana@example.com", ana, ip1); r.header.Get("Retry-After") != "8" {
		t.Errorf("capped at Max: %d %q", r.status, r.header.Get("Retry-After"))
	}
	f.clock.add(8 * time.Second)
	if r := f.get("/odata/sales/", "ana@example.com", ana, ip1); r.status != 200 {
		t.Errorf("after the wait: %d", r.status)
	}
}

func TestLimiterBounded(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	l := newLimiter(LimiterOptions{MaxEntries: 100}, c.now)
	for i := range 10000 {
		l.fail(fmt.Sprintf("10.0.%d.%d", i/256, i%256))
		c.add(time.Millisecond)
	}
	if n := l.size(); n > 100 {
		t.Fatalf("%d entries; want at most 100", n)
	}
	// The newest attackers are the ones remembered.
	if _, ok := l.m["10.0.39.15"]; !ok {
		t.Error("the newest address was evicted")
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "[2001:db8::1:2]:80"
	if k := clientIP(r); k != "2001:db8::/64" {
		t.Errorf("IPv6 key %q", k)
	}
}

func TestAccessLogHasNoSecrets(t *testing.T) {
	f := newFixture(t, LimiterOptions{})
	ana := f.tokens["ana@example.com"]
	f.get("/odata/sales/Issues?$filter=Id%20eq%201", "ana@example.com", ana, ip1)
	f.get("/odata/sales/", "ana@example.com", ana[:len(ana)-1]+"x", ip1)
	f.get("/odata/sales/?api_key=hunter2&x="+ana, "", "", ip1)
	f.get("/odata/sales/"+ana, "ana@example.com", ana, ip1)
	logs := f.log.String()
	secret := ana[len("bsp_xxxxxxxx_"):]
	for _, bad := range []string{secret, "hunter2", "Authorization", "Basic "} {
		if strings.Contains(logs, bad) {
			t.Errorf("the access log contains %q:\n%s", bad, logs)
		}
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["msg"] == "http request" {
			lines = append(lines, m)
		}
	}
	if len(lines) != 4 {
		t.Fatalf("%d access log lines; want 4:\n%s", len(lines), logs)
	}
	if lines[0]["user"] != "ana@example.com" || lines[0]["status"] != float64(200) || lines[0]["path"] != "/odata/sales/Issues" ||
		lines[0]["query"] != "$filter=Id%20eq%201" || lines[0]["remote"] != ip1 {
		t.Errorf("first line: %v", lines[0])
	}
	if lines[1]["status"] != float64(401) || !strings.Contains(fmt.Sprint(lines[1]["auth_error"]), "wrong secret for token bsp_") {
		t.Errorf("failed sign-in line: %v", lines[1])
	}
	if !strings.Contains(fmt.Sprint(lines[2]["query"]), "api_key=%2A%2A%2A%2A") {
		t.Errorf("query line: %v", lines[2])
	}
}

func TestHealthz(t *testing.T) {
	f := newFixture(t, LimiterOptions{})
	r := f.get("/healthz", "", "", ip1)
	if r.status != 200 || r.body["status"] != "ok" {
		t.Fatalf("%d %v", r.status, r.body)
	}
	f.st.Close()
	if r := f.get("/healthz", "", "", ip1); r.status != 503 {
		t.Errorf("closed store: %d", r.status)
	}
}

// TestServeGracefulShutdown cancels Serve while a request is in flight:
// the request completes, Serve returns nil, new connections are refused.
func TestServeGracefulShutdown(t *testing.T) {
	f := newFixture(t, LimiterOptions{})
	started, release := make(chan struct{}), make(chan struct{})
	f.srv.Handle("GET /slow", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "done")
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- f.srv.Serve(ctx, ln) }()
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	<-started
	cancel()
	time.Sleep(50 * time.Millisecond)
	close(release)
	if s := <-got; s != "done" {
		t.Errorf("request in flight: %q", s)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Error("still serving after shutdown")
	}
}

func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeCert(t, cert, key)
	f := newFixture(t, LimiterOptions{})
	f.srv.o.TLSCertFile, f.srv.o.TLSKeyFile = cert, key
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- f.srv.Serve(ctx, ln) }()
	defer func() { cancel(); <-served }()
	pool := x509.NewCertPool()
	pem, _ := os.ReadFile(cert)
	pool.AppendCertsFromPEM(pem)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := c.Get("https://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil {
		t.Errorf("%d %v", resp.StatusCode, resp.TLS)
	}
	if resp, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil && resp.StatusCode == 200 {
		t.Error("plain HTTP answered on the TLS port")
	}

	f.srv.o.TLSKeyFile = cert // not a key
	if err := f.srv.Serve(context.Background(), ln); backlogsync.ErrorCode(err) != backlogsync.EINVALID {
		t.Errorf("bad key: %v", err)
	}
}

func writeCert(t *testing.T, certFile, keyFile string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(k)
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
}

// BenchmarkAuthenticatedRequest measures what authentication and the
// workspace check add to an OData request (SQLite state, a handler that
// only encodes a small JSON object): token lookup, hash comparison,
// workspace, grant, destination and table cache, access log.
func BenchmarkAuthenticatedRequest(b *testing.B) {
	f := newFixture(b, LimiterOptions{})
	f.srv.log = slog.New(slog.DiscardHandler)
	ana := f.tokens["ana@example.com"]
	h := f.srv.Handler()
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("GET", "/odata/sales/Issues", nil)
		r.RemoteAddr = ip1
		r.SetBasicAuth("ana@example.com", ana)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// BenchmarkUnauthenticatedRequest is the same request without the auth
// middleware, for the difference.
func BenchmarkUnauthenticatedRequest(b *testing.B) {
	f := newFixture(b, LimiterOptions{})
	f.srv.log = slog.New(slog.DiscardHandler)
	ws := &Workspace{Name: "sales", Tables: []string{"Issues"}}
	u := &store.User{Email: "ana@example.com"}
	h := f.srv.accessLog(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"workspace": ws.Name, "tables": ws.Tables, "path": r.URL.Path, "user": u.Email})
	}))
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("GET", "/odata/sales/Issues", nil)
		r.RemoteAddr = ip1
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
	}
}

// TestBearer: the REST API's clients send the token alone; it signs in as
// its owner, and a wrong or revoked one is refused like a wrong Basic
// password.
func TestBearer(t *testing.T) {
	f := newFixture(t, LimiterOptions{})
	send := func(auth string) result {
		r := httptest.NewRequest("GET", "/odata/all/", nil)
		r.RemoteAddr = ip1
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		f.srv.Handler().ServeHTTP(w, r)
		res := result{status: w.Code, header: w.Header()}
		_ = json.Unmarshal(w.Body.Bytes(), &res.body)
		return res
	}
	boss := f.tokens["boss@example.com"]
	if r := send("Bearer " + boss); r.status != 200 || r.body["user"] != "boss@example.com" {
		t.Fatalf("bearer: %d %v", r.status, r.body)
	}
	if r := send("Bearer " + f.tokens["bo@example.com"]); r.status != 403 {
		t.Errorf("bo's bearer token on a workspace bo lacks: %d", r.status)
	}
	if r := send("Bearer bsp_nope"); r.status != 401 {
		t.Errorf("bad bearer: %d", r.status)
	}
	ts, _ := f.st.Tokens(t.Context(), "boss@example.com")
	f.st.RevokeToken(t.Context(), fmt.Sprint(ts[0].ID))
	if r := send("Bearer " + boss); r.status != 401 {
		t.Errorf("revoked bearer: %d", r.status)
	}
	if strings.Contains(f.log.String(), boss) {
		t.Error("the access log shows the bearer token")
	}
}
