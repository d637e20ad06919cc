package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/backlogsync/backlogsync/backlog"
)

// maxKeysShown bounds the project keys "check" lists.
const maxKeysShown = 10

// runCheck implements "backlogsync check": the "Create & Test" of a
// connection. It reads the space, the user, the rate limits and what the
// user can see, and exits non-zero with the precise reason when it cannot.
func runCheck(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var af accountFlags
	var timeout time.Duration
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	af.register(fs)
	fs.DurationVar(&timeout, "timeout", 30*time.Second, "`time` to wait for each answer")
	if err := parseFlagSet(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "Usage: backlogsync check [flags]")
			fmt.Fprintln(stdout)
			fmt.Fprintln(stdout, "Tests a connection to Backlog: reports the space, the user and role, the plan's rate")
			fmt.Fprintln(stdout, "limits and what the user can see. Exit codes: 0 works, 1 cannot connect or not a")
			fmt.Fprintln(stdout, "Backlog server, 2 bad flags, 4 credentials rejected.")
			fmt.Fprintln(stdout)
			fmt.Fprintln(stdout, "Flags:")
			printFlags(stdout, fs)
		}
		return reportUsage("check", err, stderr)
	}
	if timeout <= 0 {
		return reportUsage("check", usagef("--timeout %v: give a positive duration such as 30s", timeout), stderr)
	}
	acct, err := resolveAccount(af)
	if err != nil {
		var ue *usageError
		if errors.As(err, &ue) {
			return reportUsage("check", err, stderr)
		}
		fmt.Fprintf(stderr, "backlogsync check: FAILED: %s\n", strings.TrimPrefix(err.Error(), "backlog: "))
		return exitCode(err)
	}
	fmt.Fprintf(stdout, "Checking %s with %s\n", backlog.RedactURL(acct.baseURL), acct.describe())
	c, ts, err := acct.client(ctx, &http.Client{Timeout: timeout}, quickRetry)
	if err == nil {
		err = check(ctx, c, stdout)
	}
	if err != nil {
		msg, code := explainFailure(err, acct, timeout)
		fmt.Fprintf(stderr, "backlogsync check: FAILED: %s\n", msg)
		return code
	}
	if ts != nil {
		if err := ts.SaveErr(); err != nil {
			fmt.Fprintf(stderr, "backlogsync check: warning: %s\n", strings.TrimPrefix(err.Error(), "backlog: "))
		}
	}
	fmt.Fprintln(stdout, "OK: the connection works.")
	return exitOK
}

// quickRetry is the retry policy of interactive checks: one retry of a
// transient failure, and a rate limit reported at once instead of waited for,
// so that a failing check answers within seconds.
var quickRetry = backlog.WithRetry(backlog.RetryPolicy{MaxAttempts: 2, MaxRateLimitWaits: -1})

// errNotBacklog is an answer that is not from a Backlog space.
var errNotBacklog = errors.New("not a Backlog server")

// check runs the requests of "check" and prints what they found.
func check(ctx context.Context, c *backlog.Client, w io.Writer) error {
	sp, _, err := c.Space.Get(ctx)
	if err != nil {
		return err
	}
	if sp.SpaceKey == "" {
		return fmt.Errorf("%w: GET /api/v2/space answered JSON without a spaceKey", errNotBacklog)
	}
	fmt.Fprintf(w, "  Space:        %s (%q)\n", sp.SpaceKey, sp.Name)
	me, _, err := c.Users.GetMyself(ctx)
	if err != nil {
		return err
	}
	uid := "(none)"
	if me.UserID != nil {
		uid = *me.UserID
	}
	fmt.Fprintf(w, "  User:         %s (%q), id %d, role %s\n", uid, me.Name, me.ID, me.RoleType.String())

	rl, _, err := c.RateLimit.Get(ctx)
	switch {
	case err == nil:
		fmt.Fprintf(w, "  Rate limits:  %s (requests per minute, remaining now; per user)\n", describeLimits(rl))
	case isAPIError(err):
		fmt.Fprintf(w, "  Rate limits:  not available (%s)\n", statusOf(err))
	default:
		return err
	}

	projects, _, err := c.Projects.List(ctx, nil)
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(projects))
	for _, p := range projects {
		keys = append(keys, p.ProjectKey)
	}
	line := fmt.Sprintf("%d joined", len(projects))
	if len(keys) > 0 {
		shown := keys
		if len(shown) > maxKeysShown {
			shown = shown[:maxKeysShown]
		}
		line += ": " + strings.Join(shown, ", ")
		if len(keys) > maxKeysShown {
			line += fmt.Sprintf(" … and %d more", len(keys)-maxKeysShown)
		}
	}
	if me.RoleType == backlog.RoleAdministrator {
		if all, _, err := c.Projects.List(ctx, &backlog.ProjectListOptions{All: true}); err == nil {
			line += fmt.Sprintf(" (%d in the space)", len(all))
		}
	}
	fmt.Fprintf(w, "  Projects:     %s\n", line)
	if len(projects) > 0 {
		n, _, err := c.Issues.Count(ctx, nil)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  Issues:       %d in the joined projects\n", n)
	} else {
		fmt.Fprintln(w, "  Issues:       none visible (the user joined no project)")
	}

	var admin []string
	for _, probe := range []struct {
		name string
		who  string
		call func() error
	}{
		{"user list", "administrators and project administrators", func() error { _, _, err := c.Users.List(ctx); return err }},
		{"space disk usage", "administrators", func() error { _, _, err := c.Space.GetDiskUsage(ctx); return err }},
	} {
		err := probe.call()
		var er *backlog.ErrorResponse
		switch {
		case err == nil:
			admin = append(admin, probe.name+" allowed ("+probe.who+")")
		case errors.As(err, &er) && (er.StatusCode() == http.StatusForbidden || er.HasCode(backlog.CodeUnauthorizedOperation)):
			admin = append(admin, probe.name+" denied ("+probe.who+")")
		default:
			return err
		}
	}
	fmt.Fprintf(w, "  Admin-only:   %s\n", strings.Join(admin, "; "))
	return nil
}

// describeLimits formats the four classes as "read 600 (598 left), …".
func describeLimits(rl *backlog.RateLimits) string {
	var parts []string
	for _, r := range []backlog.Rate{rl.Read, rl.Update, rl.Search, rl.Icon} {
		parts = append(parts, fmt.Sprintf("%s %d (%d left)", r.Class, r.Limit, r.Remaining))
	}
	return strings.Join(parts, ", ")
}

// isAPIError reports whether err is a Backlog error answer other than an
// authentication failure or a rate limit.
func isAPIError(err error) bool {
	var er *backlog.ErrorResponse
	return errors.As(err, &er) && len(er.Errors) > 0
}

// statusOf returns "404 Not Found: No such thing." for an API error.
func statusOf(err error) string {
	var er *backlog.ErrorResponse
	if !errors.As(err, &er) {
		return err.Error()
	}
	s := strconv.Itoa(er.StatusCode()) + " " + http.StatusText(er.StatusCode())
	if len(er.Errors) > 0 {
		s += ": " + er.Errors[0].Message
	}
	return s
}

// explainFailure turns an error of a connection check into the message for
// the user and the exit code (exitCode of the error: 4 for rejected
// credentials, 1 for a server that cannot be reached).
func explainFailure(err error, acct *account, timeout time.Duration) (string, int) {
	base := backlog.RedactURL(acct.baseURL)
	host := acct.baseURL.Host
	var (
		ae       *backlog.AuthError
		rl       *backlog.RateLimitError
		er       *backlog.ErrorResponse
		certErr  *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostErr  x509.HostnameError
		invalid  x509.CertificateInvalidError
		record   tls.RecordHeaderError
		dnsErr   *net.DNSError
		netErr   net.Error
		synErr   *json.SyntaxError
		typeErr  *json.UnmarshalTypeError
		trimmed  = strings.TrimPrefix(err.Error(), "backlog: ")
		describe = func(r *backlog.AuthError) string {
			s := r.Response.Status
			if len(r.Errors) > 0 {
				s += ", " + r.Errors[0].Message
			} else if r.Description != "" {
				s += ", " + r.Description
			}
			return s
		}
	)
	code := exitCode(err)
	switch {
	case errors.Is(err, context.Canceled):
		return "interrupted", code
	case errors.As(err, &ae):
		switch {
		case ae.Credential == "oauth" || acct.tokenFile != "":
			return fmt.Sprintf("the OAuth token in %s was rejected by %s (%s): run 'backlogsync auth login --url %s' again",
				acct.tokenFile, base, describe(ae), base), code
		case ae.Reason == backlog.AuthKeyRejected:
			return fmt.Sprintf("the API key was rejected by %s (%s): it is wrong or was deleted, or its user is no longer a member of the space. Create a key under Personal Settings > API and pass it with --api-key or %s",
				base, describe(ae), envAPIKey), code
		}
		return fmt.Sprintf("authentication failed at %s (%s): check the API key", base, describe(ae)), code
	case errors.Is(err, backlog.ErrLoginRequired):
		return trimmed, code
	case errors.As(err, &rl):
		return trimmed, code
	case errors.As(err, &er):
		switch {
		case len(er.Errors) == 0:
			return fmt.Sprintf("%s is not a Backlog server: %s %s answered %s without Backlog's error body; check --url (the space's address, e.g. https://example.backlog.com)",
				base, er.Method, er.URL, er.Response.Status), code
		case er.HasCode(backlog.CodeAccessDenied) || er.HasCode(backlog.CodeRequiredMFA):
			return trimmed, code
		}
		return trimmed, code
	case errors.Is(err, errNotBacklog):
		return fmt.Sprintf("%s is %v; check --url (the space's address, e.g. https://example.backlog.com)", base, err), code
	case errors.As(err, &synErr) || errors.As(err, &typeErr):
		return fmt.Sprintf("%s is not a Backlog server: its answer is not Backlog's JSON (%s); check --url (the space's address, e.g. https://example.backlog.com)",
			base, trimmed), code
	case errors.As(err, &certErr) || errors.As(err, &unknown) || errors.As(err, &hostErr) || errors.As(err, &invalid):
		why := "the server's certificate is not valid"
		switch {
		case errors.As(err, &unknown):
			why = "the server's certificate is signed by an authority this machine does not trust (self-signed?)"
		case errors.As(err, &hostErr):
			why = "the server's certificate is for another host name"
		case errors.As(err, &invalid):
			why = "the server's certificate is expired or not valid for this use"
		}
		return fmt.Sprintf("TLS error talking to %s: %s (%s). If this is a server with a private certificate (such as 'backlogsync emulator --tls'), add its certificate to the system's trusted certificates or point SSL_CERT_FILE at it",
			host, why, innermost(err)), code
	case errors.As(err, &record) || strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return fmt.Sprintf("TLS error talking to %s: the server does not speak HTTPS on that port (it answers plain HTTP?); check --url", host), code
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("cannot reach %s: the host name %s does not resolve (%s); check --url (e.g. https://example.backlog.com)",
			base, dnsErr.Name, dnsErr.Err), code
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("cannot reach %s: nothing accepts connections at %s (connection refused); check --url and that the server is running", base, host), code
	case errors.As(err, &netErr) && netErr.Timeout():
		return fmt.Sprintf("cannot reach %s: no answer within %v (network, proxy or firewall?); check --url or raise --timeout", base, timeout), code
	case errors.As(err, &netErr) || strings.Contains(err.Error(), "tls: "):
		return fmt.Sprintf("cannot reach %s: %s", base, innermost(err)), code
	}
	return trimmed, code
}

// innermost returns the message of the innermost wrapped error.
func innermost(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}
