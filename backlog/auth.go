package backlog

import (
	"context"
	"net/http"
	"strings"
)

// TokenSource supplies OAuth 2.0 access tokens. Token is called once per
// request and must be safe for concurrent use; an implementation that
// refreshes expired tokens should cache the current one.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// StaticTokenSource is a TokenSource that always returns the same token.
type StaticTokenSource string

// Token implements TokenSource.
func (s StaticTokenSource) Token(context.Context) (string, error) { return string(s), nil }

// tokenError is a TokenSource failure; BareDo returns it unwrapped so that the
// request URL does not get in the way of the real reason.
type tokenError struct{ err error }

func (e *tokenError) Error() string {
	return "backlog: getting an OAuth access token: " + strings.TrimPrefix(e.err.Error(), "backlog: ")
}
func (e *tokenError) Unwrap() error { return e.err }

// authTransport adds the credentials to requests for the API's own scheme and
// host only, so a redirect to another host never receives them, and hands the
// caller back a response whose Request is the original, credential-free one.
type authTransport struct {
	c    *Client
	base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c := t.c
	if req.URL.Scheme != c.apiURL.Scheme || req.URL.Host != c.apiURL.Host || c.credential() == credNone {
		return t.base.RoundTrip(req)
	}
	out := req.Clone(req.Context())
	switch {
	case c.tokenSource != nil:
		// Bearer tokens, refreshed once on a 401 invalid_token (oauth_source.go).
		resp, err := roundTripBearer(t.base, c.tokenSource, req, out)
		if resp != nil {
			resp.Request = req
		}
		return resp, err
	case c.keyInQuery:
		q := out.URL.Query()
		q.Set(apiKeyParam, c.apiKey)
		out.URL.RawQuery = q.Encode()
	default:
		out.Header.Set(apiKeyHeader, c.apiKey)
	}
	resp, err := t.base.RoundTrip(out)
	if resp != nil {
		resp.Request = req
	}
	return resp, err
}

// closeBody closes a request body a RoundTripper will not send.
func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
