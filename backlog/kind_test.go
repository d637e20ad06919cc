package backlog

import (
	"errors"
	"net"
	"net/http"
	"testing"

	"github.com/backlogsync/backlogsync"
)

// TestErrorKinds: every failure the client returns unwraps to the root
// package's classification, so callers decide retry, auth and usage from
// backlogsync.ErrorCode alone.
func TestErrorKinds(t *testing.T) {
	t.Parallel()
	// A port nothing listens on: the connection is refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/"
	l.Close()
	refused, err := NewClient(closed, WithAPIKey(testKey), WithoutRetry())
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = refused.Space.Get(t.Context())
	if got := backlogsync.ErrorCode(err); got != backlogsync.EUNAVAILABLE || !backlogsync.Retryable(err) {
		t.Errorf("connection refused: code %s (%v), want %s and retryable", got, err, backlogsync.EUNAVAILABLE)
	}

	statuses := map[int]string{
		400: backlogsync.EINVALID, 403: backlogsync.EUNAUTHORIZED, 404: backlogsync.ENOTFOUND,
		409: backlogsync.ECONFLICT, 429: backlogsync.ERATELIMIT, 401: backlogsync.EUNAUTHORIZED,
		500: backlogsync.EUNAVAILABLE, 503: backlogsync.EUNAVAILABLE, 501: backlogsync.EINTERNAL,
	}
	for st, want := range statuses {
		c, mux := newBareClient(t, WithAPIKey(testKey), WithoutRetry())
		mux.HandleFunc("GET /api/v2/space", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, st, `{"errors":[{"message":"x","code":0,"moreInfo":""}]}`)
		})
		_, _, err := c.Space.Get(t.Context())
		if got := backlogsync.ErrorCode(err); got != want {
			t.Errorf("%d: code %s, want %s (%v)", st, got, want, err)
		}
		if r := backlogsync.Retryable(err); r != (want == backlogsync.EUNAVAILABLE || want == backlogsync.ERATELIMIT) {
			t.Errorf("%d: Retryable = %v", st, r)
		}
		// The typed error stays reachable beside the classification.
		var er *ErrorResponse
		var rl *RateLimitError
		var ae *AuthError
		if !errors.As(err, &er) && !errors.As(err, &rl) && !errors.As(err, &ae) {
			t.Errorf("%d: %T does not unwrap to a typed error", st, err)
		}
	}

	if got := backlogsync.ErrorCode(&OAuthError{StatusCode: 401, Code: "invalid_client"}); got != backlogsync.EUNAUTHORIZED {
		t.Errorf("invalid_client: code %s", got)
	}
	if got := backlogsync.ErrorCode(ErrLoginRequired); got != backlogsync.EUNAUTHORIZED {
		t.Errorf("ErrLoginRequired: code %s", got)
	}
}
