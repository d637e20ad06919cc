package backlog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/backlogsync/backlogsync"
)

// OAuth 2.0 endpoints below a space's base URL (behaviour.md §2).
const (
	oauthAuthorizePath = "OAuth2AccessRequest.action"
	oauthTokenPath     = "api/v2/oauth2/token"

	// oauthTimeout bounds one token-endpoint request when the caller's
	// HTTP client sets no timeout.
	oauthTimeout = 30 * time.Second
)

// ErrLoginRequired is matched (errors.Is) by every error that only a new
// sign-in can fix: the token endpoint rejected the grant (invalid_grant) or
// the application (invalid_client), or an access token expired and no
// refresh token is stored.
// Its code is backlogsync.EUNAUTHORIZED.
var ErrLoginRequired error = &backlogsync.Error{Code: backlogsync.EUNAUTHORIZED, Message: "sign in again with `backlogsync auth login`"}

// ParseBaseURL validates a space's base URL with the rule NewClient applies
// and returns it normalised to end in "/": https for any host, plain http
// only for loopback hosts (127.0.0.0/8, ::1, localhost); no user info, query
// or fragment; a trailing "/api/v2" is dropped. Its errors never contain
// credentials.
func ParseBaseURL(s string) (*url.URL, error) { return parseBaseURL(s) }

// OAuthConfig describes an OAuth 2.0 application registered with Backlog
// (https://backlog.com/developer/applications/) and the space it signs in to.
type OAuthConfig struct {
	ClientID     string
	ClientSecret string
	// RedirectURL is the redirect_uri of the authorization request; the
	// token request repeats it. Backlog requires it to equal the registered one.
	RedirectURL string
	// BaseURL is the space's web address, e.g. https://example.backlog.com.
	BaseURL string

	// HTTPClient sends the token requests (default: a client with a 30 s
	// timeout). Redirects are never followed: the token request carries the
	// client secret.
	HTTPClient *http.Client
	// Now is the clock used to compute token expiry (default time.Now).
	Now func() time.Time
}

func (c *OAuthConfig) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Validate checks the base URL (the client's rule, see ParseBaseURL) and
// that the client ID and secret are set.
func (c *OAuthConfig) Validate() error {
	if _, err := parseBaseURL(c.BaseURL); err != nil {
		return err
	}
	if strings.TrimSpace(c.ClientID) == "" {
		return errors.New("backlog: OAuth client ID is empty; use the ID of the application registered at https://backlog.com/developer/applications/")
	}
	if c.ClientSecret == "" {
		return errors.New("backlog: OAuth client secret is empty; use the secret of the application registered at https://backlog.com/developer/applications/")
	}
	return nil
}

// endpoint returns <base>/<path>, tolerating a base URL that does not
// validate (AuthCodeURL cannot return an error).
func (c *OAuthConfig) endpoint(path string) string {
	if u, err := parseBaseURL(c.BaseURL); err == nil {
		return u.String() + path
	}
	return strings.TrimRight(strings.TrimSpace(c.BaseURL), "/") + "/" + path
}

// AuthCodeURL returns the URL of Backlog's consent page for this
// application: <base>/OAuth2AccessRequest.action?response_type=code
// &client_id=…&redirect_uri=…&state=…. state must be an unguessable value
// the callback checks. The URL carries no secret.
func (c *OAuthConfig) AuthCodeURL(state string) string {
	// Backlog's documented parameter order, for readability.
	var b strings.Builder
	b.WriteString(c.endpoint(oauthAuthorizePath))
	b.WriteString("?response_type=code&client_id=")
	b.WriteString(url.QueryEscape(c.ClientID))
	if c.RedirectURL != "" {
		b.WriteString("&redirect_uri=")
		b.WriteString(url.QueryEscape(c.RedirectURL))
	}
	if state != "" {
		b.WriteString("&state=")
		b.WriteString(url.QueryEscape(state))
	}
	return b.String()
}

// Exchange trades an authorization code for a token
// (grant_type=authorization_code). Errors from the token endpoint are
// *OAuthError.
func (c *OAuthConfig) Exchange(ctx context.Context, code string) (*Token, error) {
	if code == "" {
		return nil, fmt.Errorf("backlog: empty authorization code: %w", ErrLoginRequired)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}}
	if c.RedirectURL != "" {
		form.Set("redirect_uri", c.RedirectURL)
	}
	return c.retrieve(ctx, form)
}

// Refresh trades a refresh token for a new token (grant_type=refresh_token).
// Backlog rotates refresh tokens: the one given stops working, so the
// returned token must be stored. If the answer carries no refresh token the
// old one is kept. Errors from the token endpoint are *OAuthError.
func (c *OAuthConfig) Refresh(ctx context.Context, refreshToken string) (*Token, error) {
	if refreshToken == "" {
		return nil, fmt.Errorf("backlog: no OAuth refresh token is stored: %w", ErrLoginRequired)
	}
	t, err := c.retrieve(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}})
	if err != nil {
		return nil, err
	}
	if t.RefreshToken == "" {
		t.RefreshToken = refreshToken
	}
	return t, nil
}

// maxTokenBody bounds how much of a token-endpoint answer is read.
const maxTokenBody = 1 << 20

// tokenResponse is the token endpoint's JSON answer (success or error).
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Error        string `json:"error"`
	Description  string `json:"error_description"`
}

// httpClient returns the client for token requests: the configured one (or
// a fresh one with a timeout) that never follows redirects.
func (c *OAuthConfig) httpClient() *http.Client {
	hc := http.Client{Timeout: oauthTimeout}
	if c.HTTPClient != nil {
		hc = *c.HTTPClient
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &hc
}

// retrieve POSTs a grant to the token endpoint with the client credentials
// in the form body, as Backlog documents.
func (c *OAuthConfig) retrieve(ctx context.Context, form url.Values) (*Token, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	grant := form.Get("grant_type")
	tokenURL := c.endpoint(oauthTokenPath)
	form.Set("client_id", c.ClientID)
	form.Set("client_secret", c.ClientSecret)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("backlog: OAuth token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", defaultUserAgent)
	start := c.now()
	resp, err := c.httpClient().Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = redactURLString(ue.URL)
		}
		return nil, fmt.Errorf("backlog: OAuth token request: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenBody))
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, fmt.Errorf("backlog: OAuth token request to %s: reading the answer: %w", tokenURL, err)
	}
	oe := &OAuthError{StatusCode: resp.StatusCode, URL: tokenURL, Grant: grant}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		oe.Redirect = redactURLString(resp.Header.Get("Location"))
		return nil, oe
	}
	var tr tokenResponse
	jsonErr := json.Unmarshal(data, &tr)
	if resp.StatusCode != http.StatusOK || jsonErr != nil || tr.Error != "" || tr.AccessToken == "" {
		oe.Code, oe.Description = tr.Error, tr.Description
		if jsonErr != nil || tr.Error == "" {
			mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
			oe.ContentType, oe.Body = mt, excerpt(data)
		}
		return nil, oe
	}
	if tt := tr.TokenType; tt != "" && !strings.EqualFold(tt, "bearer") {
		return nil, fmt.Errorf("backlog: OAuth token endpoint %s issued a %q token; only Bearer tokens are supported", tokenURL, tt)
	}
	t := &Token{AccessToken: tr.AccessToken, RefreshToken: tr.RefreshToken}
	if tr.ExpiresIn > 0 {
		t.Expiry = start.Add(time.Duration(tr.ExpiresIn) * time.Second).UTC()
	}
	return t, nil
}

// OAuthError is an error answer of the token endpoint: an RFC 6749 error
// such as invalid_grant, or an answer that is not one (wrong base URL,
// redirect, server error). errors.Is(err, ErrLoginRequired) reports whether
// only a new sign-in can fix it.
type OAuthError struct {
	StatusCode  int
	URL         string // the token endpoint (carries no secret)
	Grant       string // grant_type of the request: authorization_code or refresh_token
	Code        string // RFC 6749 error code, e.g. "invalid_grant"; "" if the answer had none
	Description string // error_description
	Redirect    string // Location of a 3xx answer (redacted)
	ContentType string // media type of a non-OAuth answer
	Body        string // start of a non-OAuth answer (redacted)
}

// LoginRequired reports whether only a new sign-in fixes the error: the
// grant (code or refresh token) or the application credentials were rejected.
func (e *OAuthError) LoginRequired() bool {
	switch e.Code {
	case "invalid_grant", "invalid_client", "unauthorized_client":
		return true
	}
	return false
}

// Is makes errors.Is(err, ErrLoginRequired) true when LoginRequired is.
func (e *OAuthError) Is(target error) bool { return target == ErrLoginRequired && e.LoginRequired() }

// Error implements error.
func (e *OAuthError) Error() string {
	var b strings.Builder
	what := "OAuth token request"
	switch e.Grant {
	case "authorization_code":
		what = "exchanging the OAuth authorization code"
	case "refresh_token":
		what = "refreshing the OAuth token"
	}
	fmt.Fprintf(&b, "backlog: %s at %s: %d %s", what, e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Code != "" {
		b.WriteString(": " + e.Code)
		if e.Description != "" {
			b.WriteString(" (" + redactText(e.Description) + ")")
		}
	}
	b.WriteString("; ")
	switch {
	case e.Redirect != "":
		fmt.Fprintf(&b, "the token endpoint redirected to %s: use the space's exact address as the base URL (https://SPACE.backlog.com)", e.Redirect)
	case e.Code == "invalid_grant" && e.Grant == "refresh_token":
		b.WriteString("the refresh token is no longer valid (revoked, the application's access was removed, or it was already used: Backlog rotates refresh tokens); run `backlogsync auth login` again")
	case e.Code == "invalid_grant":
		b.WriteString("the authorization code is invalid, expired (codes last minutes), already used, or was issued for another redirect URI or application; run `backlogsync auth login` again")
	case e.Code == "invalid_client" || e.Code == "unauthorized_client":
		b.WriteString("the client ID or client secret was rejected: check them against the application registered at https://backlog.com/developer/applications/, then run `backlogsync auth login` again")
	case e.Code != "":
		b.WriteString("the token endpoint refused the request")
	case e.StatusCode >= 500:
		b.WriteString("the server failed; try again later")
		if e.Body != "" {
			b.WriteString(" (it answered: " + e.Body + ")")
		}
	default:
		b.WriteString("the answer is not an OAuth token response")
		if e.ContentType != "" {
			b.WriteString(" (" + e.ContentType + ")")
		}
		b.WriteString(": is the base URL the space's address, e.g. https://SPACE.backlog.com?")
	}
	return b.String()
}

// Token is an OAuth 2.0 token. Its String, GoString and LogValue methods
// redact the secrets, so printing or logging a Token never shows them; its
// JSON encoding (used by FileTokenStore) does carry them.
type Token struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"` // zero: unknown (never refreshed early)
}

// ExpiresWithin reports whether the access token is missing or expires
// within d after now. A token with a zero Expiry only expires when the
// server says so.
func (t *Token) ExpiresWithin(now time.Time, d time.Duration) bool {
	if t == nil || t.AccessToken == "" {
		return true
	}
	return !t.Expiry.IsZero() && !now.Add(d).Before(t.Expiry)
}

func (t Token) describe() string {
	refresh := "none"
	if t.RefreshToken != "" {
		refresh = redacted
	}
	access := "none"
	if t.AccessToken != "" {
		access = redacted
	}
	exp := "unknown"
	if !t.Expiry.IsZero() {
		exp = t.Expiry.UTC().Format(time.RFC3339)
	}
	return "access " + access + ", refresh " + refresh + ", expiry " + exp
}

// String describes the token with its secrets redacted.
func (t Token) String() string { return "backlog.Token{" + t.describe() + "}" }

// GoString is String, so %#v does not print the secrets either.
func (t Token) GoString() string { return t.String() }

// LogValue implements slog.LogValuer without the secrets.
func (t Token) LogValue() slog.Value {
	exp := slog.String("expiry", "unknown")
	if !t.Expiry.IsZero() {
		exp = slog.Time("expiry", t.Expiry)
	}
	return slog.GroupValue(slog.Bool("access_token", t.AccessToken != ""),
		slog.Bool("refresh_token", t.RefreshToken != ""), exp)
}

// TokenStore keeps a user's OAuth token between runs. Save is called with
// every refreshed token: Backlog rotates refresh tokens, so a token that is
// not saved cannot be refreshed by the next run. Implementations must be
// safe for concurrent use and must never log the token.
type TokenStore interface {
	// Load returns the stored token.
	Load(ctx context.Context) (*Token, error)
	// Save replaces the stored token.
	Save(ctx context.Context, t *Token) error
}
