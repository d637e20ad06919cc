package service

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/backlogsync/backlogsync/backlog"
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

// client is the one place a connection's Backlog client is built: the
// space URL, the secret as an API key or (scheme "oauth") an OAuth access
// token, HTTP through hc, the rate-limit settings (as the CLI applies a
// config account's rate_limit), then opts.
func (in ConnectionTest) client(hc *http.Client, opts ...backlog.Option) (*backlog.Client, error) {
	auth := backlog.WithAPIKey(in.Secret)
	if in.AuthScheme == "oauth" {
		auth = backlog.WithTokenSource(backlog.StaticTokenSource(in.Secret))
	}
	base := []backlog.Option{backlog.WithHTTPClient(hc), auth}
	if in.MaxShare > 0 && in.MaxShare < 1 {
		base = append(base, backlog.WithMaxShare(in.MaxShare))
	}
	if in.Concurrency > 0 {
		base = append(base, backlog.WithConcurrency(in.Concurrency))
	}
	if in.Pacing != "" {
		p, err := backlog.ParsePacing(in.Pacing)
		if err != nil {
			return nil, err
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
		return nil, "The space URL is not usable: " + err.Error()
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

// explainTest turns a failed call into the reason: wrong key, wrong URL or
// the network. Keys never appear in it (the client redacts them).
func explainTest(err error, in ConnectionTest) string {
	var (
		ae     *backlog.AuthError
		er     *backlog.ErrorResponse
		dnsErr *net.DNSError
		netErr net.Error
		opErr  *net.OpError
		synErr *json.SyntaxError
		certE  *tls.CertificateVerificationError
	)
	what := "API key"
	if in.AuthScheme == "oauth" {
		what = "OAuth access token"
	}
	switch {
	case errors.As(err, &ae):
		return "Wrong " + what + ": " + in.SpaceURL + " rejected it (" + ae.Response.Status + "). Check that it is the key of a member of this space (Personal Settings > API)."
	case errors.As(err, &er) && len(er.Errors) == 0:
		return in.SpaceURL + " is not a Backlog space: " + er.Method + " " + er.URL + " answered " + er.Response.Status + ". Check the space URL."
	case errors.As(err, &er):
		return in.SpaceURL + " refused the request: " + er.Response.Status + ": " + strings.TrimSuffix(er.Errors[0].Message, ".") +
			". Check the space URL and that the user of this " + what + " may read the space."
	case errors.As(err, &synErr):
		return in.SpaceURL + " answered something that is not Backlog's JSON. Check the space URL."
	case errors.As(err, &dnsErr):
		return "Network: the host " + dnsErr.Name + " cannot be found. Check the space URL."
	case errors.As(err, &certE):
		return "Network: the server's TLS certificate is not valid for " + in.SpaceURL + ". Check the space URL (https://SPACE.backlog.com or .backlog.jp); behind a TLS-inspecting proxy, add its CA to this server's trusted certificates."
	case errors.As(err, &netErr) && netErr.Timeout():
		return "Network: " + in.SpaceURL + " did not answer in time. Check the URL and that this server can reach it."
	case errors.As(err, &opErr):
		return "Network: cannot connect to " + in.SpaceURL + " (" + opErr.Err.Error() + "). Check the URL and that this server can reach it."
	}
	return "The test failed: " + strings.TrimPrefix(err.Error(), "backlog: ")
}
