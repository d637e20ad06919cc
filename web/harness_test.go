package web

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/config"
	"github.com/backlogsync/backlogsync/dest/sqlite"
	"github.com/backlogsync/backlogsync/emulator"
	"github.com/backlogsync/backlogsync/jobsql"
	"github.com/backlogsync/backlogsync/replicate"
	"github.com/backlogsync/backlogsync/server"
	"github.com/backlogsync/backlogsync/service"
	"github.com/backlogsync/backlogsync/store"
)

// Test accounts of the harness.
const (
	adminEmail = "admin@example.com"
	adminPass  = "admin-password-1"
	userEmail  = "ana@example.com"
	userPass   = "ana-password-12"
	emuKey     = "web-test-admin-key"
)

// env is serve (store, server, the service running jobs, web admin, a
// stand-in OData handler) and the emulator on loopback, with one
// destination "main" holding a replicated run of two tables by the config
// job "nightly".
type env struct {
	URL string // serve's base URL
	// EmuURL is the emulator behind a proxy that delays each request by
	// EmuDelay (60 ms unless a test sets it), so that a browser can watch
	// a run's progress.
	EmuURL   string
	EmuDelay *atomic.Int64 // nanoseconds
	Store    *store.Store
	Dest     backlogsync.Destination
	Service  *service.Service
}

// odataStandIn answers /odata/{workspace}/{table} with the rows of a
// table the workspace exposes, as JSON {"value": [...]}. Package odata
// (helper c) is not on this branch; this exercises serve's real
// authentication and workspace resolution in front of it.
func odataStandIn() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, ok := server.WorkspaceFrom(r.Context())
		if !ok {
			http.Error(w, "no workspace", http.StatusInternalServerError)
			return
		}
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		if len(parts) < 2 {
			json.NewEncoder(w).Encode(map[string]any{"value": ws.Tables})
			return
		}
		var rows []backlogsync.Row
		err := ws.Dest.Query(r.Context(), parts[1], backlogsync.Query{Limit: 100}, func(row backlogsync.Row) error {
			rows = append(rows, row)
			return nil
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"value": rows})
	})
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	emu, err := emulator.New(emulator.Options{Seed: 7, AdminAPIKey: emuKey, RateLimits: emulator.PaidLimits,
		Size: emulator.Size{Projects: 2, Users: 4, Teams: 1, Issues: 20}})
	if err != nil {
		t.Fatal(err)
	}
	emuURL := emu.Start()
	t.Cleanup(emu.Close)
	delay := new(atomic.Int64)
	delay.Store(int64(60 * time.Millisecond))
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Duration(delay.Load()))
		emu.ServeHTTP(w, r)
	}))
	t.Cleanup(slow.Close)

	dir := t.TempDir()
	st, err := store.Open(ctx, store.SQLite, filepath.Join(dir, "state.db"), store.Options{PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, u := range []struct {
		email, pw string
		admin     bool
	}{{adminEmail, adminPass, true}, {userEmail, userPass, false}} {
		if _, err := st.AddUser(ctx, u.email, u.admin); err != nil {
			t.Fatal(err)
		}
		if err := st.SetPassword(ctx, u.email, u.pw); err != nil {
			t.Fatal(err)
		}
	}

	d, err := sqlite.Open(ctx, filepath.Join(dir, "main.db"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := backlog.NewClient(emuURL, backlog.WithAPIKey(emuKey), backlog.WithHTTPClient(emu.Client()))
	if err != nil {
		t.Fatal(err)
	}
	stmts, err := jobsql.Parse("t.sql", "REPLICATE Projects;\nREPLICATE Users;\n")
	if err != nil {
		t.Fatal(err)
	}
	res, err := replicate.Run(ctx, &replicate.Job{Name: "nightly", Dest: d, Statements: stmts,
		Accounts: []replicate.Account{{Name: "demo", Client: c}}}, replicate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := server.New(server.Options{Store: st, Logger: log,
		OpenDestination: func(ctx context.Context, name string) (backlogsync.Destination, error) {
			if name != "main" {
				return nil, backlogsync.Errorf(backlogsync.ENOTFOUND, "no destination %s", name)
			}
			return d, nil
		},
		Limiter: server.LimiterOptions{Free: 3, Base: 2 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	srv.MountOData(odataStandIn())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i + 1)
	}
	cfg := &config.Config{Destinations: []config.Destination{{Name: "main", Type: "sqlite"}},
		Jobs: []config.Job{{Name: "nightly", Destination: "main", Accounts: []config.JobAccount{{Account: "demo"}},
			Statements: config.Statements{Text: "REPLICATE Projects;\nREPLICATE Users;\n"}}}}
	svc, err := service.New(ctx, service.Options{Config: cfg, Server: srv, Store: st, Logger: log, SecretKey: key,
		Client: func(ctx context.Context, account string) (*backlog.Client, error) {
			if account != "demo" {
				return nil, backlogsync.Errorf(backlogsync.ENOTFOUND, "no account %s", account)
			}
			return c, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	svc.Mount()
	if err := Mount(Options{Server: srv, Store: st, Destinations: []string{"main"},
		Jobs: []Job{{Name: "nightly", Destination: "main"}}, Service: svc, BaseURL: base, SecretKey: key,
		HTTPClient: &http.Client{Timeout: 5 * time.Second}, Logger: log}); err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{}, 2)
	go func() { srv.Serve(sctx, ln); done <- struct{}{} }()
	go func() { svc.Run(sctx); done <- struct{}{} }()
	t.Cleanup(func() { cancel(); <-done; <-done })
	<-svc.Ready()
	return &env{URL: base, EmuURL: slow.URL, EmuDelay: delay, Store: st, Dest: d, Service: svc}
}

// browser is a cookie-keeping HTTP client that follows the forms like a
// browser does (Origin header, CSRF field).
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

func (e *env) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: e.URL, c: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := csrfRE.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return resp.StatusCode, string(body)
}

func (b *browser) post(path string, form url.Values) (int, string) {
	b.t.Helper()
	if form.Get("csrf") == "" && b.csrf != "" {
		form.Set("csrf", b.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.base)
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := csrfRE.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return resp.StatusCode, string(body)
}

func (b *browser) signIn(email, pw string) (int, string) {
	b.t.Helper()
	b.get("/signin")
	return b.post("/signin", url.Values{"email": {email}, "password": {pw}})
}

func basic(email, token string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(email+":"+token))
}

func strconvFormat(n int64) string { return strconv.FormatInt(n, 10) }
