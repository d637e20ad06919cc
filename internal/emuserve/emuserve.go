// Package emuserve serves the Backlog API emulator (package emulator) on a
// listener the way the programs under cmd/ run it: the flags of an
// emulator command, generating the space, plain HTTP or TLS with a
// self-signed certificate, the banner that says how to use it, churn, CPU
// profiling and graceful shutdown. "backlogsync emulator", "backlogsync
// demo" and the emulator child process of cmd/backlogsync-bench all serve
// through it.
package emuserve

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/backlogsync/backlogsync/emulator"
	"github.com/backlogsync/backlogsync/internal/cli"
)

// Config is what the flags of an emulator command configure.
type Config struct {
	// Addr is the host:port to listen on (port 0 picks a free port).
	Addr string
	// Opts are the emulator's options (space size, seed, rate limits…).
	Opts emulator.Options
	// TLS serves HTTPS with a self-signed certificate written to CertFile.
	TLS      bool
	CertFile string
	// Churn keeps editing the space at this many events per second; 0 is off.
	Churn float64
	// CPUProfile is the file for a CPU profile of serving; "" is none.
	CPUProfile string
}

// defaultCertFile is where --tls writes the certificate unless --cert-file
// says otherwise: <user cache dir>/backlogsync/emulator-cert.pem.
func defaultCertFile() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "backlogsync", "emulator-cert.pem")
}

// sizeFlags declares the flags of the fields of emulator.Size.
func sizeFlags(fs *flag.FlagSet, z *emulator.Size) {
	d := emulator.DefaultSize
	fs.IntVar(&z.Projects, "projects", d.Projects, "number of projects")
	fs.IntVar(&z.Users, "users", d.Users, "number of users")
	fs.IntVar(&z.Teams, "teams", d.Teams, "number of teams")
	fs.IntVar(&z.Issues, "issues", d.Issues, "number of issues")
	fs.IntVar(&z.Comments, "comments", d.Comments, "total number of issue comments (skewed across issues)")
	fs.IntVar(&z.Wikis, "wikis", d.Wikis, "number of wiki pages")
	fs.IntVar(&z.Documents, "documents", d.Documents, "number of documents")
	fs.IntVar(&z.Repositories, "repositories", d.Repositories, "number of git repositories")
	fs.IntVar(&z.PullRequests, "pull-requests", d.PullRequests, "number of pull requests")
	fs.IntVar(&z.SharedFiles, "shared-files", d.SharedFiles, "number of shared files")
}

var (
	apiKeyRE   = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	spaceKeyRE = regexp.MustCompile(`^[A-Za-z0-9-]+$`)
)

// ParseArgs parses the flags of an emulator command; name is how the
// command is run (e.g. "backlogsync emulator"), for its -h text. A bad flag
// is a *cli.UsageError; -h writes the help to stdout and returns
// flag.ErrHelp.
func ParseArgs(name string, args []string, stdout io.Writer) (*Config, error) {
	cfg := &Config{}
	var profile string
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8787", "`host:port` to listen on (port 0 picks a free port)")
	fs.Int64Var(&cfg.Opts.Seed, "seed", 1, "`seed` of the generated space (same seed, same space)")
	sizeFlags(fs, &cfg.Opts.Size)
	fs.StringVar(&profile, "rate-limit", "paid", "rate-limit `profile`: paid (600/150/150/60), free (lower) or off")
	fs.DurationVar(&cfg.Opts.RateWindow, "rate-window", time.Minute, "rate-limit `window` (e.g. 5s for fast tests)")
	fs.BoolVar(&cfg.TLS, "tls", false, "serve HTTPS with a self-signed certificate written to --cert-file")
	fs.StringVar(&cfg.CertFile, "cert-file", "", "`file` where --tls writes the certificate (default "+defaultCertFile()+")")
	fs.StringVar(&cfg.Opts.AdminAPIKey, "api-key", "", "fix the administrator's API `key` (default: derived from --seed)")
	fs.StringVar(&cfg.Opts.SpaceKey, "space-key", "demo", "the space `key`")
	fs.BoolVar(&cfg.Opts.InclusiveIDBounds, "inclusive-id-bounds", false, "treat minId/maxId as inclusive (Backlog does not document it; default exclusive)")
	fs.Float64Var(&cfg.Churn, "churn", 0, "keep editing the space at `rate` events per second through the API's write paths (0 = off)")
	fs.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write a CPU profile of serving (after the space is generated) to `file` when stopped")
	if err := cli.ParseFlagSet(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stdout, "Usage: %s [flags]\n", name)
			fmt.Fprintln(stdout)
			fmt.Fprintln(stdout, "Serves a Backlog API v2 emulator with a generated space until interrupted.")
			fmt.Fprintln(stdout)
			fmt.Fprintln(stdout, "Flags:")
			cli.PrintFlags(stdout, fs)
		}
		return nil, err
	}
	certSet, issuesSet, commentsSet := false, false, false
	fs.Visit(func(f *flag.Flag) {
		certSet = certSet || f.Name == "cert-file"
		issuesSet = issuesSet || f.Name == "issues"
		commentsSet = commentsSet || f.Name == "comments"
	})
	if issuesSet && !commentsSet {
		// Keep the default space's comments-per-issue ratio when only
		// --issues is given: 10,000 issues with 900 comments would not look
		// like any real space.
		d := emulator.DefaultSize
		cfg.Opts.Size.Comments = int(int64(cfg.Opts.Size.Issues) * int64(d.Comments) / int64(d.Issues))
	}
	if certSet && !cfg.TLS {
		return nil, cli.Usagef("--cert-file is only used with --tls: add --tls or drop --cert-file")
	}
	if certSet && cfg.CertFile == "" {
		return nil, cli.Usagef("--cert-file is empty: give a file path or drop the flag")
	}
	if cfg.CertFile == "" {
		cfg.CertFile = defaultCertFile()
	}
	if err := CheckAddr(cfg.Addr); err != nil {
		return nil, err
	}
	z := cfg.Opts.Size
	for _, f := range []struct {
		name string
		n    int
	}{{"projects", z.Projects}, {"users", z.Users}, {"teams", z.Teams}, {"issues", z.Issues},
		{"comments", z.Comments}, {"wikis", z.Wikis}, {"documents", z.Documents},
		{"repositories", z.Repositories}, {"pull-requests", z.PullRequests}, {"shared-files", z.SharedFiles}} {
		if f.n < 0 {
			return nil, cli.Usagef("--%s %d: sizes cannot be negative; give 0 or more", f.name, f.n)
		}
	}
	if z == (emulator.Size{}) {
		cfg.Opts.Empty = true
	}
	limits, err := emulator.ParseRateProfile(profile)
	if err != nil || profile == "" {
		return nil, cli.Usagef("--rate-limit %q: use paid, free or off", profile)
	}
	cfg.Opts.RateLimits = limits
	if cfg.Opts.RateWindow <= 0 {
		return nil, cli.Usagef("--rate-window %v: give a positive duration such as 60s or 5s", cfg.Opts.RateWindow)
	}
	if cfg.Churn < 0 || cfg.Churn > 1000 {
		return nil, cli.Usagef("--churn %v: give events per second from 0 (off) to 1000, e.g. 2", cfg.Churn)
	}
	if k := cfg.Opts.AdminAPIKey; k != "" && !apiKeyRE.MatchString(k) {
		return nil, cli.Usagef("--api-key %q: use only letters, digits, '-' and '_' so the key works in headers and URLs", k)
	}
	if !spaceKeyRE.MatchString(cfg.Opts.SpaceKey) {
		return nil, cli.Usagef("--space-key %q: use letters, digits and '-' (e.g. demo)", cfg.Opts.SpaceKey)
	}
	return cfg, nil
}

// CheckAddr validates an --addr value; a bad one is a *cli.UsageError.
func CheckAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return cli.Usagef("--addr %q: want host:port, e.g. 127.0.0.1:8787 (port 0 picks a free port)", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return cli.Usagef("--addr %q: the port must be a number from 0 to 65535", addr)
	}
	return nil
}

// Serve runs an emulator command: it generates the space, serves it, prints
// the banner to stdout (in one write), keeps churning when cfg.Churn is set
// and profiles when cfg.CPUProfile is, until ctx ends; then it shuts down
// gracefully. Progress goes to stderr.
func Serve(ctx context.Context, cfg *Config, stdout, stderr io.Writer) error {
	run, err := Start(cfg, stderr)
	if err != nil {
		return err
	}
	if cfg.CPUProfile != "" {
		f, err := os.Create(cfg.CPUProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			run.Close()
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	PrintBanner(stdout, run)
	if cfg.Churn > 0 {
		stop := run.Emu.StartChurn(ctx, emulator.ChurnOptions{Rate: cfg.Churn, Seed: cfg.Opts.Seed})
		defer stop()
		fmt.Fprintf(stdout, "Churn: editing the space at %g events/s (issues, comments, wikis, pull requests, files).\n", cfg.Churn)
	}
	return run.Wait(ctx, stderr)
}

// Running is an emulator being served.
type Running struct {
	// Emu is the emulator.
	Emu *emulator.Server
	// BaseURL is where it is served, e.g. http://127.0.0.1:8787.
	BaseURL string
	// CertPath is the certificate file with TLS; "" without.
	CertPath string

	cfg    *Config
	hs     *http.Server
	served chan error
}

// Start generates the space, listens on cfg.Addr and starts serving; stop
// it with Wait (graceful, when its context ends) or Close.
func Start(cfg *Config, stderr io.Writer) (*Running, error) {
	start := time.Now()
	fmt.Fprintf(stderr, "Generating the space (seed %d)…\n", cfg.Opts.Seed)
	srv, err := emulator.New(cfg.Opts)
	if err != nil {
		return nil, fmt.Errorf("generating the space: %w", err)
	}
	fmt.Fprintf(stderr, "Generated in %v.\n", time.Since(start).Round(time.Millisecond))
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("--addr %s: %w; choose another address or port (port 0 picks a free one)", cfg.Addr, err)
	}
	host, _, _ := net.SplitHostPort(cfg.Addr)
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	shown := host
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		shown = "127.0.0.1"
	}
	r := &Running{cfg: cfg, Emu: srv, served: make(chan error, 1)}
	r.hs = &http.Server{Handler: srv, ErrorLog: log.New(stderr, "emulator: ", 0)}
	emulator.SetTimeouts(r.hs)
	scheme := "http"
	if cfg.TLS {
		scheme = "https"
		cert, err := emulator.NewCertificate(time.Now(), certHosts(host)...)
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("generating the certificate: %w", err)
		}
		if err := cert.WritePEM(cfg.CertFile); err != nil {
			ln.Close()
			return nil, fmt.Errorf("--cert-file %s: %w; choose a writable path with --cert-file", cfg.CertFile, err)
		}
		r.CertPath = cfg.CertFile
		r.hs.TLSConfig = cert.TLSConfig()
	}
	r.BaseURL = scheme + "://" + net.JoinHostPort(shown, port)
	go func() {
		if cfg.TLS {
			r.served <- r.hs.ServeTLS(ln, "", "")
		} else {
			r.served <- r.hs.Serve(ln)
		}
	}()
	return r, nil
}

// certHosts are the extra names of the certificate: the listen host, or
// every interface address when listening on all of them.
func certHosts(host string) []string {
	ip := net.ParseIP(host)
	if host != "" && (ip == nil || !ip.IsUnspecified()) {
		return []string{host}
	}
	var out []string
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			out = append(out, n.IP.String())
		}
	}
	if h, err := os.Hostname(); err == nil {
		out = append(out, h)
	}
	return out
}

// Wait serves until ctx ends, then shuts down gracefully and returns nil;
// it returns the error when serving stops on its own.
func (r *Running) Wait(ctx context.Context, stderr io.Writer) error {
	select {
	case err := <-r.served:
		return fmt.Errorf("serving stopped: %w", err)
	case <-ctx.Done():
	}
	fmt.Fprintln(stderr, "Shutting down…")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.hs.Shutdown(sctx); err != nil {
		r.hs.Close()
	}
	<-r.served
	fmt.Fprintln(stderr, "Stopped.")
	return nil
}

// Close stops serving at once.
func (r *Running) Close() { r.hs.Close() }

// maxUsersShown bounds the users table of the banner.
const maxUsersShown = 20

// PrintBanner prints what is served and how to use it, in one write so
// that a program reading the output sees it whole (cmd/backlogsync-bench
// reads the "Base URL:" line).
func PrintBanner(out io.Writer, r *Running) {
	w := &bytes.Buffer{}
	defer func() { _, _ = out.Write(w.Bytes()) }()
	sum := r.Emu.Summary()
	users := r.Emu.Users()
	key := r.Emu.AdminAPIKey()
	fmt.Fprintf(w, "Backlog API emulator: space %q, seed %d\n", sum.SpaceKey, sum.Seed)
	fmt.Fprintf(w, "  Base URL:     %s\n", r.BaseURL)
	fmt.Fprintf(w, "  API:          %s/api/v2/\n", r.BaseURL)
	PrintSpaceLine(w, sum)
	fmt.Fprintf(w, "  Rate limits:  %s\n", DescribeRate(r.Emu.RateSettings()))
	if r.CertPath != "" {
		fmt.Fprintf(w, "  Certificate:  %s (self-signed; trust it with SSL_CERT_FILE for backlogsync, NODE_EXTRA_CA_CERTS for Node, curl --cacert)\n", r.CertPath)
	} else {
		fmt.Fprintln(w, "  Certificate:  none, plain HTTP (add --tls for HTTPS)")
	}
	if host, _, _ := net.SplitHostPort(r.cfg.Addr); !isLoopback(host) {
		fmt.Fprintf(w, "  Note:         listening on %s, beyond this machine; admin routes need the administrator's key\n", r.cfg.Addr)
	}
	fmt.Fprintf(w, "  OAuth client: %s / %s (any http://127.0.0.1 or http://localhost redirect URI)\n",
		emulator.DefaultOAuthClient.ID, emulator.DefaultOAuthClient.Secret)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Users (the administrator first):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  ID\tUSERID\tROLE\tAPI KEY")
	for i, u := range users {
		if i == maxUsersShown {
			break
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\n", u.ID, u.UserID, roleName(u.RoleType), u.APIKey)
	}
	tw.Flush()
	if len(users) > maxUsersShown {
		fmt.Fprintf(w, "  … and %d more: curl -H 'Backlog-API-Key: %s' %s/_emulator/users\n",
			len(users)-maxUsersShown, key, r.BaseURL)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Try:")
	PrintTryLines(w, r)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Serving until interrupted (Ctrl+C).")
}

// PrintSpaceLine prints the counts of the space.
func PrintSpaceLine(w io.Writer, s emulator.Summary) {
	fmt.Fprintf(w, "  Space:        %d projects, %d issues, %d comments, %d wikis, %d documents, %d repositories, %d pull requests, %d shared files; %d users, %d teams\n",
		s.Projects, s.Issues, s.Comments, s.Wikis, s.Documents, s.Repositories, s.PullRequests, s.SharedFiles, s.Users, s.Teams)
}

// PrintTryLines prints example commands against r with the administrator's
// key: curl, and backlog-js through node.
func PrintTryLines(w io.Writer, r *Running) {
	key := r.Emu.AdminAPIKey()
	cacert := ""
	if r.CertPath != "" {
		cacert = "--cacert " + cli.ShellQuote(r.CertPath) + " "
	}
	fmt.Fprintf(w, "  curl %s-H 'Backlog-API-Key: %s' %s/api/v2/space\n", cacert, key, r.BaseURL)
	fmt.Fprintf(w, "  curl %s-H 'Backlog-API-Key: %s' '%s/api/v2/issues?count=5'\n", cacert, key, r.BaseURL)
	fmt.Fprintf(w, "  curl %s-H 'Backlog-API-Key: %s' %s/_emulator/space   (admin routes: /_emulator/…)\n", cacert, key, r.BaseURL)
	host := strings.TrimPrefix(strings.TrimPrefix(r.BaseURL, "https://"), "http://")
	script := fmt.Sprintf(`const {Backlog}=require('backlog-js'); new Backlog({host:'%s', apiKey:'%s'%%s}).getSpace().then(console.log)`, host, key)
	// node resolves require('backlog-js') from the current directory: point
	// NODE_PATH at the repository's pinned copy when there is one, else
	// install the client first.
	node := "npm install backlog-js@0.20.1 && node"
	if dir, err := filepath.Abs(filepath.Join("conformance", "node_modules")); err == nil {
		if _, err := os.Stat(filepath.Join(dir, "backlog-js")); err == nil {
			node = "NODE_PATH=" + cli.ShellQuote(dir) + " node"
		}
	}
	if r.CertPath != "" {
		fmt.Fprintf(w, "  NODE_EXTRA_CA_CERTS=%s %s -e \"%s\"\n", cli.ShellQuote(r.CertPath), node, fmt.Sprintf(script, ""))
	} else {
		// backlog-js always builds https:// URLs; over plain HTTP a fetch
		// wrapper rewrites the scheme.
		fmt.Fprintf(w, "  %s -e \"%s\"\n", node, fmt.Sprintf(script, `, fetch:(u,i)=>fetch(String(u).replace(/^https:/,'http:'),i)`))
	}
}

// DescribeRate describes the rate-limit settings, e.g. "paid: read 600,
// update 150, search 150, icon 60 per 1m0s, per user".
func DescribeRate(rs emulator.RateSettings) string {
	if rs.Profile == "off" {
		return "off (no limits)"
	}
	return fmt.Sprintf("%s: read %d, update %d, search %d, icon %d per %v, per user", rs.Profile,
		rs.Limits.Read, rs.Limits.Update, rs.Limits.Search, rs.Limits.Icon, rs.Window)
}

// roleName names a Backlog role type.
func roleName(rt int) string {
	switch rt {
	case emulator.RoleAdmin:
		return "Administrator"
	case emulator.RoleNormal:
		return "Normal user"
	case emulator.RoleReporter:
		return "Reporter"
	case emulator.RoleViewer:
		return "Viewer"
	}
	return strconv.Itoa(rt)
}

// isLoopback reports whether a listen host stays on this machine.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
