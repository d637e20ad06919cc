package backlog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync/emulator"
)

// The source refreshes shortly before expiry, on the clock it shares with
// the emulator, and persists the rotated refresh token.
func TestRefreshingTokenSource_beforeExpiry(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t)
	tok := e.login(t)
	store := NewFileTokenStore(filepath.Join(t.TempDir(), "tok.json"))
	if err := store.Save(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	ts, err := e.cfg.TokenSource(t.Context(), store, 2*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	c := e.client(t, ts)
	e.ct.tokens.Store(0)
	if _, _, err := c.Users.GetMyself(t.Context()); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(57 * time.Minute) // 3 minutes left: still good
	if _, _, err := c.Users.GetMyself(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := e.ct.tokens.Load(); n != 0 {
		t.Fatalf("%d token requests before the refresh window", n)
	}
	e.clock.Advance(90 * time.Second) // 90 s left: inside the 2-minute window
	if _, _, err := c.Users.GetMyself(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := e.ct.tokens.Load(); n != 1 || ts.Refreshes() != 1 {
		t.Fatalf("%d token requests, %d refreshes; want 1", n, ts.Refreshes())
	}
	saved, err := store.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if saved.RefreshToken == tok.RefreshToken || saved.AccessToken != ts.Current().AccessToken ||
		!saved.Expiry.Equal(e.clock.Now().Add(time.Hour)) {
		t.Errorf("rotated token not persisted: saved %v, old %v", saved, tok)
	}
	// The rotated-out refresh token is dead; the saved one works.
	if _, err := e.cfg.Refresh(t.Context(), tok.RefreshToken); !errors.Is(err, ErrLoginRequired) {
		t.Errorf("old refresh token: %v", err)
	}
	if ts.SaveErr() != nil {
		t.Error(ts.SaveErr())
	}
}

// When the server says the token expired although the client's clock does
// not think so, the client refreshes once and resends the request.
func TestRefreshingTokenSource_on401(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t)
	tok := e.login(t)
	store := NewMemoryTokenStore(tok)
	cfg := *e.cfg
	fixed := tok.Expiry.Add(-30 * time.Minute) // the client's clock stops; the server's moves on
	cfg.Now = func() time.Time { return fixed }
	ts, err := cfg.TokenSource(t.Context(), store, 0)
	if err != nil {
		t.Fatal(err)
	}
	c := e.client(t, ts)
	e.clock.Advance(2 * time.Hour)
	e.ct.tokens.Store(0)
	e.ct.api.Store(0)
	me, _, err := c.Users.GetMyself(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if me.ID != e.srv.Users()[0].ID {
		t.Errorf("user %d", me.ID)
	}
	if tk, api := e.ct.tokens.Load(), e.ct.api.Load(); tk != 1 || api != 2 {
		t.Errorf("%d token requests, %d API requests; want 1 refresh and the request sent twice", tk, api)
	}
	saved, _ := store.Load(t.Context())
	if saved.RefreshToken == tok.RefreshToken {
		t.Error("rotated refresh token not saved")
	}
	// A token the server keeps rejecting is retried only once.
	if err := e.srv.Reseed(3, emulator.Size{Projects: 1, Users: 2}, false); err != nil {
		t.Fatal(err)
	}
	e.ct.tokens.Store(0)
	_, _, err = c.Users.GetMyself(t.Context())
	if !errors.Is(err, ErrLoginRequired) || !strings.Contains(err.Error(), "backlogsync auth login") {
		t.Fatalf("after the server forgot the tokens: %v", err)
	}
	if n := e.ct.tokens.Load(); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
	// The failure is remembered: no more token requests.
	_, _, err = c.Users.GetMyself(t.Context())
	if !errors.Is(err, ErrLoginRequired) || e.ct.tokens.Load() != 1 {
		t.Errorf("second call: %v, %d token requests", err, e.ct.tokens.Load())
	}
}

// Many goroutines needing a token at once share one refresh.
func TestRefreshingTokenSource_singleFlight(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t)
	tok := e.login(t)
	for _, how := range []string{"expiry", "401", "Token"} {
		t.Run(how, func(t *testing.T) {
			store := NewMemoryTokenStore(tok)
			cfg := *e.cfg
			if how == "401" {
				fixed := tok.Expiry.Add(-time.Hour) // the client's clock stops: only the 401 tells
				cfg.Now = func() time.Time { return fixed }
			}
			ts, err := cfg.TokenSource(t.Context(), store, 0)
			if err != nil {
				t.Fatal(err)
			}
			c := e.client(t, ts)
			e.clock.Advance(2 * time.Hour)
			e.ct.tokens.Store(0)
			var wg sync.WaitGroup
			errs := make(chan error, 32)
			start := make(chan struct{})
			for range 32 {
				wg.Go(func() {
					<-start
					var err error
					if how == "Token" { // straight to the source, no client in between
						_, err = ts.Token(t.Context())
					} else {
						_, _, err = c.Users.GetMyself(t.Context())
					}
					if err != nil {
						errs <- err
					}
				})
			}
			close(start)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if n := e.ct.tokens.Load(); n != 1 {
				t.Errorf("%d token requests, want 1", n)
			}
			tok, _ = store.Load(t.Context()) // the next subtest starts from the rotated token
		})
	}
}

// Another process sharing the token file rotated the refresh token: the
// source adopts the stored token instead of asking the user to sign in.
func TestRefreshingTokenSource_rotatedElsewhere(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t)
	path := filepath.Join(t.TempDir(), "tok.json")
	if err := NewFileTokenStore(path).Save(t.Context(), e.login(t)); err != nil {
		t.Fatal(err)
	}
	a, err := e.cfg.TokenSource(t.Context(), NewFileTokenStore(path), 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.cfg.TokenSource(t.Context(), NewFileTokenStore(path), 0)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	ta, err := a.Token(t.Context()) // refreshes and saves
	if err != nil {
		t.Fatal(err)
	}
	e.ct.tokens.Store(0)
	tb, err := b.Token(t.Context()) // its refresh token is dead: reloads the file
	if err != nil {
		t.Fatalf("second process: %v", err)
	}
	if tb != ta || e.ct.tokens.Load() != 1 {
		t.Errorf("b got %q (a has %q) with %d token requests; want a's token after one rejected refresh", tb, ta, e.ct.tokens.Load())
	}
	// Once that token nears expiry too, b refreshes with the stored refresh token.
	e.clock.Advance(time.Hour)
	if _, err := a.Token(t.Context()); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	if _, err := b.Token(t.Context()); err != nil {
		t.Fatalf("b after a's second rotation: %v", err)
	}
}

func TestRefreshingTokenSource_errors(t *testing.T) {
	t.Parallel()
	e := newOAuthEnv(t)
	if _, err := e.cfg.TokenSource(t.Context(), NewMemoryTokenStore(nil), 0); !errors.Is(err, ErrLoginRequired) {
		t.Errorf("empty store: %v", err)
	}
	if _, err := e.cfg.TokenSource(t.Context(), nil, 0); err == nil {
		t.Error("nil store accepted")
	}
	// An expired access token without a refresh token.
	ts, err := e.cfg.TokenSource(t.Context(), NewMemoryTokenStore(&Token{AccessToken: "x", Expiry: e.clock.Now()}), 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = e.client(t, ts).Space.Get(t.Context())
	if !errors.Is(err, ErrLoginRequired) || !strings.Contains(err.Error(), "no refresh token is stored") ||
		strings.Count(err.Error(), "backlog: ") != 1 {
		t.Errorf("no refresh token: %v", err)
	}
	// A store that cannot save: the refreshed token is used, the failure reported.
	ts, err = e.cfg.TokenSource(t.Context(), failingStore{NewMemoryTokenStore(e.login(t))}, 0)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	if _, _, err := e.client(t, ts).Space.Get(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := ts.SaveErr(); err == nil || !strings.Contains(err.Error(), "could not be saved") {
		t.Errorf("SaveErr = %v", err)
	}
	// Waiting for a refresh ends with the caller's context.
	slow := &blockingTransport{release: make(chan struct{})}
	cfg := *e.cfg
	cfg.HTTPClient = &http.Client{Transport: slow}
	ts, err = cfg.TokenSource(t.Context(), NewMemoryTokenStore(&Token{AccessToken: "x", RefreshToken: "r", Expiry: e.clock.Now()}), 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := ts.Token(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("cancelled wait: %v", err)
	}
	close(slow.release)
}

type failingStore struct{ *MemoryTokenStore }

func (failingStore) Save(context.Context, *Token) error { return errors.New("disk full") }

type blockingTransport struct{ release chan struct{} }

func (b *blockingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	<-b.release
	return nil, errors.New("released")
}

// The resent request carries the same body; a 401 that is not about the
// token is not retried.
func TestRoundTripBearer_retry(t *testing.T) {
	t.Parallel()
	var bodies []string
	var mu sync.Mutex
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v2/issues", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, r.Header.Get("Authorization")+" "+string(b))
		mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer new" {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="The access token expired"`)
			w.WriteHeader(401)
			return
		}
		writeJSON(w, 201, `{"id":1}`)
	})
	mux.HandleFunc("GET /api/v2/space", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 401, `{"errors":[{"message":"Authentication failure.","code":11,"moreInfo":""}]}`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	ts := &swapSource{tok: "old"}
	c, err := NewClient(srv.URL, WithTokenSource(ts))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := c.NewRequest(t.Context(), http.MethodPost, "issues", nil, url.Values{"summary": {"hello"}})
	if _, err := c.Do(req, nil); err != nil {
		t.Fatal(err)
	}
	want := []string{"Bearer old summary=hello", "Bearer new summary=hello"}
	if fmt.Sprint(bodies) != fmt.Sprint(want) {
		t.Errorf("requests %q, want %q", bodies, want)
	}
	_, _, err = c.Space.Get(t.Context())
	var ae *AuthError
	if !errors.As(err, &ae) || ts.invalidated != 1 {
		t.Errorf("code-11 401: %v, %d invalidations (want the AuthError and no refresh)", err, ts.invalidated)
	}
}

// swapSource hands out "old" until invalidated, then "new".
type swapSource struct {
	mu          sync.Mutex
	tok         string
	invalidated int
}

func (s *swapSource) Token(context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tok, nil
}

func (s *swapSource) Invalidate(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invalidated++
	if tok == "old" {
		s.tok = "new"
	}
}
