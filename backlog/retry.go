package backlog

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/backlogsync/backlogsync"
)

// RetryPolicy says how a Client retries failed requests. Idempotent requests
// (GET, HEAD, and writes whose context is marked with RetrySafe) are retried
// with exponential back-off and full jitter after a 5xx answer, a timeout, a
// connection reset or a truncated body. 4xx answers are never retried, except
// 429, after which every request (a 429 means Backlog did not process it) is
// retried once the window resets. Zero fields take the defaults.
type RetryPolicy struct {
	// MaxAttempts bounds the attempts of one request, the first included
	// (default 5; 1 disables back-off retries).
	MaxAttempts int
	// BaseDelay is the back-off ceiling of the first retry; it doubles with
	// every retry (default 500ms).
	BaseDelay time.Duration
	// MaxDelay caps the back-off ceiling and a Retry-After wait (default 30s).
	MaxDelay time.Duration
	// MaxRateLimitWaits bounds how often one request waits for a reset after
	// a 429 (default 5; negative: return the *RateLimitError at once).
	MaxRateLimitWaits int
}

// Defaults of RetryPolicy.
const (
	DefaultMaxAttempts       = 5
	DefaultBaseDelay         = 500 * time.Millisecond
	DefaultMaxDelay          = 30 * time.Second
	DefaultMaxRateLimitWaits = 5
)

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = DefaultBaseDelay
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = DefaultMaxDelay
	}
	if p.MaxRateLimitWaits == 0 {
		p.MaxRateLimitWaits = DefaultMaxRateLimitWaits
	}
	return p
}

// backoff returns the wait before retry number n (1-based): a uniformly
// random duration up to min(MaxDelay, BaseDelay·2^(n-1)) ("full jitter").
func (p RetryPolicy) backoff(n int) time.Duration {
	ceil := p.BaseDelay
	for i := 1; i < n && ceil < p.MaxDelay; i++ {
		ceil *= 2
	}
	ceil = min(ceil, p.MaxDelay)
	if ceil <= 0 {
		return 0
	}
	return rand.N(ceil + 1)
}

// WithRetry sets the client's retry policy.
func WithRetry(p RetryPolicy) Option {
	return func(c *Client) error {
		if p.MaxAttempts < 0 || p.BaseDelay < 0 || p.MaxDelay < 0 {
			return errors.New("backlog: retry policy values cannot be negative (zero means the default)")
		}
		c.retry = p.withDefaults()
		return nil
	}
}

// WithoutRetry disables retries: every failure, 429s included, is returned
// at once. Pacing by the governor still applies.
func WithoutRetry() Option {
	return WithRetry(RetryPolicy{MaxAttempts: 1, MaxRateLimitWaits: -1})
}

type retrySafeKey struct{}

// RetrySafe marks the requests made with the returned context as safe to
// retry even though they are writes (POST, PUT, PATCH, DELETE): the caller
// vouches that sending one twice does no harm.
func RetrySafe(ctx context.Context) context.Context {
	return context.WithValue(ctx, retrySafeKey{}, true)
}

// retryable reports whether req may be sent again after a failure that might
// have reached the server.
func retryable(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, "":
		return true
	}
	safe, _ := req.Context().Value(retrySafeKey{}).(bool)
	return safe
}

// RetryError is the failure of a request that was attempted more than once.
// Err is the last attempt's error (errors.As reaches the typed error).
type RetryError struct {
	Attempts int      // attempts made
	Reasons  []string // why each failed attempt failed, oldest first
	Err      error    // the last attempt's error
}

// Error implements error.
func (e *RetryError) Error() string {
	return fmt.Sprintf("%v (gave up after %d attempts: %s)", e.Err, e.Attempts, summarize(e.Reasons))
}

// Unwrap returns the last attempt's error.
func (e *RetryError) Unwrap() error { return e.Err }

// summarize joins reasons, folding repeats: "503 Service Unavailable ×3, connection reset".
func summarize(reasons []string) string {
	var parts []string
	for i := 0; i < len(reasons); {
		j := i
		for j < len(reasons) && reasons[j] == reasons[i] {
			j++
		}
		if n := j - i; n > 1 {
			parts = append(parts, fmt.Sprintf("%s ×%d", reasons[i], n))
		} else {
			parts = append(parts, reasons[i])
		}
		i = j
	}
	return strings.Join(parts, ", ")
}

// failure classifies an attempt's error.
type failure int

const (
	failPermanent failure = iota // do not retry
	failTransient                // retry if the request is idempotent
	failRateLimit                // wait for the reset, then retry any request
)

// classify decides what to do about err from its classification
// (backlogsync.ErrorCode of the classified error: ERATELIMIT waits for the
// reset, EUNAVAILABLE is retried when the request is idempotent, anything
// else is final) and names a transient failure for RetryError.
func classify(err error) (failure, string) {
	var te *tokenError
	if errors.As(err, &te) {
		return failPermanent, "" // the token source retries on its own
	}
	switch backlogsync.ErrorCode(classified(err)) {
	case backlogsync.ERATELIMIT:
		return failRateLimit, "429 rate limited"
	case backlogsync.EUNAVAILABLE:
		if permanentTransport(err) {
			return failPermanent, "" // a certificate, host name or scheme to fix
		}
	default:
		return failPermanent, ""
	}
	var er *ErrorResponse
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &er):
		return failTransient, statusText(er.Response)
	case errors.As(err, &syn) && syn.Error() == "unexpected end of JSON input", errors.Is(err, io.ErrUnexpectedEOF):
		return failTransient, "truncated body"
	case isTimeout(err):
		return failTransient, "timeout"
	case errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(err.Error(), "connection refused"):
		// Retried: a server restarting refuses for a moment.
		return failTransient, "connection refused"
	case isReset(err):
		return failTransient, "connection reset"
	}
	return failTransient, "transport error"
}

// isTimeout reports a client-side or network timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// isReset reports a connection that was closed or reset under the request.
func isReset(err error) bool {
	if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "connection reset") || strings.Contains(s, "broken pipe") ||
		strings.Contains(s, "server closed")
}

// permanentTransport reports transport errors that a retry cannot fix:
// certificate problems, unknown hosts, a TLS handshake with a plain-HTTP
// server, unsupported schemes.
func permanentTransport(err error) bool {
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	var rh tls.RecordHeaderError
	var dns *net.DNSError
	switch {
	case errors.As(err, &cv), errors.As(err, &ua), errors.As(err, &he), errors.As(err, &ci), errors.As(err, &rh):
		return true
	case errors.As(err, &dns) && dns.IsNotFound:
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "unsupported protocol scheme") ||
		strings.Contains(msg, "server gave HTTP response to HTTPS client")
}

// retryAfter reads a Retry-After header in seconds (HTTP dates are ignored).
func retryAfter(err error) time.Duration {
	var er *ErrorResponse
	if !errors.As(err, &er) || er.Response == nil {
		return 0
	}
	if n, perr := strconv.Atoi(strings.TrimSpace(er.Response.Header.Get("Retry-After"))); perr == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return 0
}

// rewind prepares req to be sent again: a fresh body from GetBody.
func rewind(req *http.Request) (*http.Request, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return req, nil
	}
	if req.GetBody == nil {
		return nil, errors.New("the request body cannot be sent again")
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	r2 := req.Clone(req.Context())
	r2.Body = body
	return r2, nil
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
