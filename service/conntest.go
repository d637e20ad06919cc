package service

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/config"
	"github.com/backlogsync/backlogsync/internal/seal"
	"github.com/backlogsync/backlogsync/store"
)

// NoSecretKeyFix says how to give serve the key that seals connection
// secrets, for every error that needs it.
const NoSecretKeyFix = "start serve with " + seal.EnvKey + " set to 32 random bytes in base64 (openssl rand -base64 32), the same on every instance"

// ConnectionTest is a connection to try: a space URL, an auth scheme
// ("apikey" or "oauth") and its secret, with its rate-limit settings
// (store.Connection's: MaxShare 0 or 1 is the whole budget, Concurrency
// 0 and Pacing "" the client's defaults). Runs of stored jobs use the
// same client (Service.connectionClient).
type ConnectionTest struct {
	SpaceURL    string
	AuthScheme  string
	Secret      string
	MaxShare    float64
	Concurrency int
	Pacing      string
}

// ConnectionTestOf is the connection c with its secret in clear.
func ConnectionTestOf(c store.Connection, secret string) ConnectionTest {
	return ConnectionTest{SpaceURL: c.SpaceURL, AuthScheme: c.AuthScheme, Secret: secret,
		MaxShare: c.MaxShare, Concurrency: c.Concurrency, Pacing: c.Pacing}
}

// ConnectionReport is what a working connection sees: the space, the
// user behind the secret and their role, and the rate-limit budget.
type ConnectionReport struct {
	Space     string `json:"space"`
	SpaceKey  string `json:"space_key"`
	User      string `json:"user"`
	Role      string `json:"role"`
	RateLimit string `json:"rate_limit"`
}

// settingError is a connection setting a client cannot be built with:
// the field (its JSON key, see connFields) and what is wrong.
type settingError struct{ FieldProblem }

// Error names the field by the label the web admin's form shows.
func (e *settingError) Error() string { return e.Form() }

// sentence is TestConnection's answer to the setting: which one, why, and
// what to do.
func (e *settingError) sentence() string {
	return "The connection's " + ConnectionFieldLabel(e.Field) + " is not usable: " + e.Fix + ". Correct it on the connection and test again."
}

// client is the one place a connection's Backlog client is built: the
// space URL, the secret as an API key or (scheme "oauth") an OAuth access
// token, HTTP through hc, the rate-limit settings (as the CLI applies a
// config account's rate_limit), then opts. A setting it cannot use is a
// *settingError naming its field.
func (in ConnectionTest) client(hc *http.Client, opts ...backlog.Option) (*backlog.Client, error) {
	if _, err := backlog.ParseBaseURL(in.SpaceURL); err != nil {
		return nil, &settingError{FieldProblem{"space_url", strings.TrimPrefix(err.Error(), "backlog: ")}}
	}
	var auth backlog.Option
	switch in.AuthScheme {
	case "", "apikey":
		if strings.TrimSpace(in.Secret) == "" {
			return nil, &settingError{FieldProblem{"secret", "the API key is empty; give the key (Backlog: Personal Settings > API)"}}
		}
		auth = backlog.WithAPIKey(in.Secret)
	case "oauth":
		if strings.TrimSpace(in.Secret) == "" {
			return nil, &settingError{FieldProblem{"secret", "the OAuth access token is empty; give a token issued for this space"}}
		}
		auth = backlog.WithTokenSource(backlog.StaticTokenSource(in.Secret))
	default:
		return nil, &settingError{FieldProblem{"auth_scheme", strconv.Quote(in.AuthScheme) + " is not an authentication; " + authSchemeFix}}
	}
	base := []backlog.Option{backlog.WithHTTPClient(hc), auth}
	if in.MaxShare > 0 && in.MaxShare < 1 {
		base = append(base, backlog.WithMaxShare(in.MaxShare))
	}
	if in.Concurrency > 0 {
		if err := config.CheckConcurrency(in.Concurrency); err != nil {
			return nil, &settingError{FieldProblem{"concurrency", err.Error()}}
		}
		base = append(base, backlog.WithConcurrency(in.Concurrency))
	}
	if in.Pacing != "" {
		p, err := backlog.ParsePacing(in.Pacing)
		if err != nil {
			return nil, &settingError{FieldProblem{"pacing", err.Error()}}
		}
		base = append(base, backlog.WithPacing(p))
	}
	return backlog.NewClient(in.SpaceURL, append(base, opts...)...)
}

// TestConnection calls the space with the secret through hc: the space,
// the user (and role) and the rate limits. On failure it returns the
// reason as a sentence for the person who typed the connection — wrong
// key, wrong URL or the network, and what to check — never containing the
// secret. Create & Test in the web admin and POST /api/connections/test
// both use it.
//
// The test's two requests take the connection's max_share but not its
// concurrency or pacing: the governor applies the most cautious of those
// to every request of the user for a window, so a test (even of a form
// not saved) would slow the user's running jobs.
func TestConnection(ctx context.Context, hc *http.Client, in ConnectionTest) (*ConnectionReport, string) {
	in.Concurrency, in.Pacing = 0, ""
	c, err := in.client(hc, backlog.WithRetry(backlog.RetryPolicy{MaxAttempts: 2, MaxRateLimitWaits: -1}))
	if err != nil {
		var se *settingError
		if errors.As(err, &se) {
			return nil, se.sentence()
		}
		return nil, "The connection cannot be tested: " + strings.TrimPrefix(err.Error(), "backlog: ") + "."
	}
	sp, _, err := c.Space.Get(ctx)
	if err != nil {
		return nil, explainTest(err, in)
	}
	if sp.SpaceKey == "" {
		return nil, in.SpaceURL + " answered, but not like a Backlog space (no space key). Check the space URL."
	}
	me, _, err := c.Users.GetMyself(ctx)
	if err != nil {
		return nil, explainTest(err, in)
	}
	res := &ConnectionReport{Space: sp.Name, SpaceKey: sp.SpaceKey, User: me.Name, Role: me.RoleType.String()}
	if me.UserID != nil && *me.UserID != "" {
		res.User += " (" + *me.UserID + ")"
	}
	rl, _, err := c.RateLimit.Get(ctx)
	if err != nil {
		res.RateLimit = "not available: " + explainTest(err, in)
	} else {
		var parts []string
		for _, x := range []backlog.Rate{rl.Read, rl.Update, rl.Search, rl.Icon} {
			parts = append(parts, fmt.Sprintf("%s %d/min (%d left)", x.Class, x.Limit, x.Remaining))
		}
		res.RateLimit = strings.Join(parts, ", ")
	}
	return res, ""
}

// explainTest turns a failed call into the reason and what to do about
// it, by the root package's kind of the error (backlogsync.ErrorCode):
// the key or token (401), the user's permission (403), the rate limit
// (429), Backlog failing (5xx), the network (DNS, TLS, timeout,
// unreachable, broken connection), an address that is not a Backlog space,
// and last anything else. Keys never appear in it (the client redacts
// them).
func explainTest(err error, in ConnectionTest) string {
	var (
		ae  *backlog.AuthError
		rle *backlog.RateLimitError
		er  *backlog.ErrorResponse
	)
	what := "API key"
	if in.AuthScheme == "oauth" {
		what = "OAuth access token"
	}
	switch backlogsync.ErrorCode(err) {
	case backlogsync.EUNAUTHORIZED:
		if errors.As(err, &ae) {
			if in.AuthScheme == "oauth" {
				return "Wrong OAuth access token: " + in.SpaceURL + " rejected it (" + ae.Response.Status + "). Access tokens expire: issue a new one for this space, or use an API key (Personal Settings > API)."
			}
			return "Wrong API key: " + in.SpaceURL + " rejected it (" + ae.Response.Status + "). Check that it is the key of a member of this space (Personal Settings > API)."
		}
		status := ""
		if errors.As(err, &er) {
			status = " (" + er.Response.Status + firstMessage(er.Errors) + ")"
		}
		return "No permission: " + in.SpaceURL + " refused the user of this " + what + status + ". Use the " + what + " of a member of this space whose role may read it, or ask an administrator of the space to add the user or give them such a role."
	case backlogsync.ERATELIMIT:
		when := "in a minute"
		if errors.As(err, &rle) && !rle.Reset.IsZero() {
			when = "after " + rle.Reset.UTC().Format("15:04:05") + " UTC"
		}
		return "Rate limit: the user of this " + what + " has used up the requests " + in.SpaceURL + " allows per minute (429 Too Many Requests). Test again " + when + "; jobs that read the space as the same user share this budget, so lower their connections' share of each rate-limit window if tests keep hitting it."
	case backlogsync.EUNAVAILABLE:
		return explainUnavailable(err, in)
	}
	var synErr *json.SyntaxError
	switch {
	case errors.As(err, &er) && (len(er.Errors) == 0 || backlogsync.ErrorCode(err) == backlogsync.ENOTFOUND):
		return in.SpaceURL + " is not a Backlog space: " + er.Method + " " + er.URL + " answered " + er.Response.Status + ". Check the space URL: https://SPACE.backlog.com (or .backlog.jp), or the root of a self-hosted Backlog."
	case errors.As(err, &er):
		return in.SpaceURL + " refused the request: " + er.Response.Status + firstMessage(er.Errors) +
			". Check the space URL and that the user of this " + what + " may read the space."
	case errors.As(err, &synErr):
		return in.SpaceURL + " answered something that is not Backlog's JSON. Check the space URL."
	case errors.Is(err, context.DeadlineExceeded):
		return notInTime(in)
	case errors.Is(err, context.Canceled):
		return "The test was stopped before " + in.SpaceURL + " answered (the request was cancelled). Test again."
	}
	return "The test failed for a reason this server does not recognise: " + strings.TrimPrefix(err.Error(), "backlog: ") +
		". Check the space URL and the " + what + " and test again; if it fails the same way, report this message with the server's log."
}

// notInTime is the reason of a test the space did not answer in time,
// whichever deadline passed: the HTTP client's or the caller's.
func notInTime(in ConnectionTest) string {
	return "Network: " + in.SpaceURL + " did not answer in time. Check the URL and that this server can reach it (firewall, HTTPS_PROXY), then test again."
}

// firstMessage is ": " and the first of Backlog's error messages, without
// its final full stop ("" when there are none).
func firstMessage(ds []backlog.ErrorDetail) string {
	if len(ds) == 0 || ds[0].Message == "" {
		return ""
	}
	return ": " + strings.TrimSuffix(ds[0].Message, ".")
}

// explainUnavailable is the reason of an EUNAVAILABLE failure: Backlog
// failing (5xx) or the network between this server and the space.
func explainUnavailable(err error, in ConnectionTest) string {
	var (
		er     *backlog.ErrorResponse
		dnsErr *net.DNSError
		netErr net.Error
		opErr  *net.OpError
		certE  *tls.CertificateVerificationError
	)
	switch {
	case errors.As(err, &er):
		return "Backlog is failing: " + in.SpaceURL + " answered " + er.Response.Status + " (a fault on Backlog's side, or maintenance). Test again in a few minutes; if it keeps failing, check Backlog's status announcements."
	case errors.As(err, &dnsErr):
		return "Network: the host " + dnsErr.Name + " cannot be found. Check the space URL (https://SPACE.backlog.com or .backlog.jp) and this server's DNS."
	case errors.As(err, &certE):
		return "Network: the server's TLS certificate is not valid for " + in.SpaceURL + ". Check the space URL (https://SPACE.backlog.com or .backlog.jp); behind a TLS-inspecting proxy, add its CA to this server's trusted certificates."
	case errors.As(err, &netErr) && netErr.Timeout():
		return notInTime(in)
	case errors.As(err, &opErr):
		return "Network: cannot connect to " + in.SpaceURL + " (" + opErr.Err.Error() + "). Check the URL and that this server can reach it (firewall, HTTPS_PROXY)."
	}
	return "Network: the connection to " + in.SpaceURL + " broke before the answer was complete (" + strings.TrimPrefix(err.Error(), "backlog: ") +
		"). Test again; if it keeps failing, check the proxies and firewalls between this server and Backlog."
}
