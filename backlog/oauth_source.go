package backlog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// DefaultRefreshBefore is how long before its expiry RefreshingTokenSource
// replaces an access token.
const DefaultRefreshBefore = time.Minute

// TokenInvalidator is implemented by token sources that can replace a
// token the server rejected. When a request authenticated with a token from
// such a source is answered 401 with `WWW-Authenticate: Bearer
// error="invalid_token"` (expired or invalid), the client calls Invalidate
// with that token, asks the source for a token once more and, if it got a
// different one, resends the request once.
type TokenInvalidator interface {
	Invalidate(accessToken string)
}

// RefreshingTokenSource is a TokenSource that keeps an OAuth token fresh:
// it refreshes the access token shortly before it expires (RefreshBefore)
// and when the server rejects it, with at most one refresh in flight however
// many goroutines need a token, and saves every new token (Backlog rotates
// refresh tokens) to its TokenStore. Create it with OAuthConfig.TokenSource.
type RefreshingTokenSource struct {
	cfg           OAuthConfig
	store         TokenStore
	refreshBefore time.Duration

	mu      sync.Mutex
	tok     *Token
	stale   bool           // the server rejected tok.AccessToken
	flight  *refreshFlight // the refresh in progress, if any
	failed  error          // a refresh failure only a new sign-in fixes
	saveErr error          // the last Save failure, until a Save succeeds
	count   int            // refreshes done
}

var (
	_ TokenSource      = (*RefreshingTokenSource)(nil)
	_ TokenInvalidator = (*RefreshingTokenSource)(nil)
)

// refreshFlight is one refresh that every waiting goroutine shares.
type refreshFlight struct {
	done chan struct{}
	tok  *Token
	err  error
}

// TokenSource loads the token from store and returns a source that keeps it
// fresh, refreshing it refreshBefore its expiry (DefaultRefreshBefore when
// zero or negative).
func (c *OAuthConfig) TokenSource(ctx context.Context, store TokenStore, refreshBefore time.Duration) (*RefreshingTokenSource, error) {
	if store == nil {
		return nil, errors.New("backlog: nil TokenStore")
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	tok, err := store.Load(ctx)
	if err != nil {
		return nil, err
	}
	if tok == nil || (tok.AccessToken == "" && tok.RefreshToken == "") {
		return nil, fmt.Errorf("backlog: the token store holds no token: %w", ErrLoginRequired)
	}
	if refreshBefore <= 0 {
		refreshBefore = DefaultRefreshBefore
	}
	return &RefreshingTokenSource{cfg: *c, store: store, refreshBefore: refreshBefore, tok: tok}, nil
}

// Token implements TokenSource: it returns the current access token, after
// refreshing it if it expires within RefreshBefore or was rejected. Waiting
// for a refresh ends early when ctx does; the refresh itself goes on (a
// refresh cut short could lose the rotated refresh token).
func (s *RefreshingTokenSource) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	if s.failed != nil {
		err := s.failed
		s.mu.Unlock()
		return "", err
	}
	if !s.stale && !s.tok.ExpiresWithin(s.cfg.now(), s.refreshBefore) {
		t := s.tok.AccessToken
		s.mu.Unlock()
		return t, nil
	}
	f := s.flight
	if f == nil {
		f = &refreshFlight{done: make(chan struct{})}
		s.flight = f
		old := *s.tok
		go s.refresh(f, old)
	}
	s.mu.Unlock()
	select {
	case <-f.done:
		if f.err != nil {
			return "", f.err
		}
		return f.tok.AccessToken, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// Invalidate implements TokenInvalidator: if accessToken is the current
// token, the next Token call refreshes it.
func (s *RefreshingTokenSource) Invalidate(accessToken string) {
	s.mu.Lock()
	if s.tok != nil && s.tok.AccessToken == accessToken {
		s.stale = true
	}
	s.mu.Unlock()
}

// Current returns a copy of the current token (for display: its secrets
// are redacted when printed).
func (s *RefreshingTokenSource) Current() Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.tok
}

// Refreshes returns how many refreshes this source performed.
func (s *RefreshingTokenSource) Refreshes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// SaveErr returns the error of the last failed Save of a refreshed token,
// or nil once a Save succeeded. The refreshed token keeps working in this
// process, but a later run cannot refresh from the store until it is
// saved: report this to the user.
func (s *RefreshingTokenSource) SaveErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saveErr
}

// refresh runs one refresh flight with a context of its own.
func (s *RefreshingTokenSource) refresh(f *refreshFlight, old Token) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*oauthTimeout)
	defer cancel()
	tok, adopted, err := s.obtain(ctx, old)
	var saveErr error
	if err == nil && !adopted {
		saveErr = s.store.Save(ctx, tok)
	}
	s.mu.Lock()
	if err == nil {
		s.tok, s.stale = tok, false
		if !adopted {
			s.count++
			s.saveErr = nil
			if saveErr != nil {
				s.saveErr = fmt.Errorf("backlog: the OAuth token was refreshed but could not be saved, so the next run cannot refresh it: %w", saveErr)
			}
		}
	} else if errors.Is(err, ErrLoginRequired) {
		s.failed = err
	}
	s.flight = nil
	f.tok, f.err = tok, err
	s.mu.Unlock()
	close(f.done)
}

// obtain refreshes old. When the grant is rejected it reloads the store:
// another process sharing it may have rotated the refresh token, in which
// case its token is adopted (adopted = true: nothing to save) or refreshed.
func (s *RefreshingTokenSource) obtain(ctx context.Context, old Token) (tok *Token, adopted bool, err error) {
	if old.RefreshToken == "" {
		return nil, false, fmt.Errorf("backlog: the OAuth access token expired and no refresh token is stored: %w", ErrLoginRequired)
	}
	tok, err = s.cfg.Refresh(ctx, old.RefreshToken)
	var oe *OAuthError
	if !errors.As(err, &oe) || oe.Code != "invalid_grant" {
		return tok, false, err
	}
	stored, lerr := s.store.Load(ctx)
	if lerr != nil || stored.RefreshToken == "" || stored.RefreshToken == old.RefreshToken {
		return nil, false, err
	}
	if stored.AccessToken != old.AccessToken && !stored.ExpiresWithin(s.cfg.now(), s.refreshBefore) {
		return stored, true, nil
	}
	tok, err = s.cfg.Refresh(ctx, stored.RefreshToken)
	return tok, false, err
}

// roundTripBearer sends out (a clone of req) with a bearer token from ts.
// When the server rejects the token as invalid or expired and ts is a
// TokenInvalidator, it gets a new token and resends the request once
// (requests whose body cannot be replayed are not resent).
func roundTripBearer(base http.RoundTripper, ts TokenSource, req, out *http.Request) (*http.Response, error) {
	ctx := req.Context()
	tok, err := ts.Token(ctx)
	if err != nil {
		closeBody(req)
		return nil, &tokenError{err}
	}
	out.Header.Set("Authorization", "Bearer "+tok)
	inv, ok := ts.(TokenInvalidator)
	replayable := out.Body == nil || out.Body == http.NoBody || out.GetBody != nil
	if !ok || !replayable {
		return base.RoundTrip(out)
	}
	resp, err := base.RoundTrip(out)
	if err != nil || resp.StatusCode != http.StatusUnauthorized ||
		parseWWWAuthenticate(resp.Header.Get("WWW-Authenticate"))["error"] != "invalid_token" {
		return resp, err
	}
	inv.Invalidate(tok)
	next, err := ts.Token(ctx)
	if err != nil {
		discard(resp)
		return nil, &tokenError{err}
	}
	if next == tok {
		return resp, nil
	}
	retry := out.Clone(ctx)
	if out.GetBody != nil {
		body, err := out.GetBody()
		if err != nil {
			return resp, nil
		}
		retry.Body = body
	}
	discard(resp)
	retry.Header.Set("Authorization", "Bearer "+next)
	return base.RoundTrip(retry)
}

// discard drains (a little) and closes a response body so that the
// connection can be reused.
func discard(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, 4096)
	resp.Body.Close()
}
