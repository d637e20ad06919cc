package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/dest"
	"github.com/backlogsync/backlogsync/emulator"
	"github.com/backlogsync/backlogsync/replicate"
)

// emulatorConfig is what the flags of "backlogsync emulator" and
// "backlogsync demo" configure.
type emulatorConfig struct {
	addr     string
	opts     emulator.Options
	profile  string
	tls      bool
	certFile string
	churn    float64 // events per second; 0 = off
	cpuProf  string  // file for a CPU profile of serving; "" = none
}

// usageError is a bad command line: exit 2 with the message.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

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

// printFlags writes the flags in --name form, single-letter ones as -c
// (as they are written on a command line).
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if len(f.Name) == 1 {
			line = "  -" + f.Name
		}
		if name != "" {
			line += " " + name
		}
		fmt.Fprintln(w, line)
		def := ""
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			def = " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(w, "        %s%s\n", usage, def)
	})
}

// parseFlagSet parses args with fs (ContinueOnError, quiet) and turns the
// flag package's errors into usage errors; -h is flag.ErrHelp.
func parseFlagSet(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		msg := err.Error()
		msg = strings.Replace(msg, "flag provided but not defined: -", "unknown flag --", 1)
		msg = strings.Replace(msg, "for flag -", "for flag --", 1)
		if m := flagNameRE.FindStringSubmatch(err.Error()); m != nil {
			if f := fs.Lookup(m[1]); f != nil {
				switch fmt.Sprintf("%T", f.Value) {
				case "*flag.intValue", "*flag.int64Value":
					msg = fmt.Sprintf("--%s: want a whole number, e.g. --%s %s", f.Name, f.Name, f.DefValue)
				case "*flag.durationValue":
					msg = fmt.Sprintf("--%s: want a duration such as 60s or 5s", f.Name)
				case "*flag.boolValue":
					msg = fmt.Sprintf("--%s: want true or false (--%s alone means true)", f.Name, f.Name)
				}
			}
		}
		return &usageError{msg}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q: this command takes only flags", fs.Arg(0))
	}
	return nil
}

var (
	flagNameRE = regexp.MustCompile(`invalid (?:boolean )?value ".*" for (?:flag )?-([a-z-]+):`)
	apiKeyRE   = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	spaceKeyRE = regexp.MustCompile(`^[A-Za-z0-9-]+$`)
)

// parseEmulatorArgs parses the flags of "backlogsync emulator".
func parseEmulatorArgs(args []string, stdout io.Writer) (*emulatorConfig, error) {
	cfg := &emulatorConfig{}
	fs := flag.NewFlagSet("emulator", flag.ContinueOnError)
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:8787", "`host:port` to listen on (port 0 picks a free port)")
	fs.Int64Var(&cfg.opts.Seed, "seed", 1, "`seed` of the generated space (same seed, same space)")
	sizeFlags(fs, &cfg.opts.Size)
	fs.StringVar(&cfg.profile, "rate-limit", "paid", "rate-limit `profile`: paid (600/150/150/60), free (lower) or off")
	fs.DurationVar(&cfg.opts.RateWindow, "rate-window", time.Minute, "rate-limit `window` (e.g. 5s for fast tests)")
	fs.BoolVar(&cfg.tls, "tls", false, "serve HTTPS with a self-signed certificate written to --cert-file")
	fs.StringVar(&cfg.certFile, "cert-file", "", "`file` where --tls writes the certificate (default "+defaultCertFile()+")")
	fs.StringVar(&cfg.opts.AdminAPIKey, "api-key", "", "fix the administrator's API `key` (default: derived from --seed)")
	fs.StringVar(&cfg.opts.SpaceKey, "space-key", "demo", "the space `key`")
	fs.BoolVar(&cfg.opts.InclusiveIDBounds, "inclusive-id-bounds", false, "treat minId/maxId as inclusive (Backlog does not document it; default exclusive)")
	fs.Float64Var(&cfg.churn, "churn", 0, "keep editing the space at `rate` events per second through the API's write paths (0 = off)")
	fs.StringVar(&cfg.cpuProf, "cpuprofile", "", "write a CPU profile of serving (after the space is generated) to `file` when stopped")
	if err := parseFlagSet(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "Usage: backlogsync emulator [flags]")
			fmt.Fprintln(stdout)
			fmt.Fprintln(stdout, "Serves a Backlog API v2 emulator with a generated space until interrupted.")
			fmt.Fprintln(stdout)
			fmt.Fprintln(stdout, "Flags:")
			printFlags(stdout, fs)
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
		cfg.opts.Size.Comments = int(int64(cfg.opts.Size.Issues) * int64(d.Comments) / int64(d.Issues))
	}
	if certSet && !cfg.tls {
		return nil, usagef("--cert-file is only used with --tls: add --tls or drop --cert-file")
	}
	if certSet && cfg.certFile == "" {
		return nil, usagef("--cert-file is empty: give a file path or drop the flag")
	}
	if cfg.certFile == "" {
		cfg.certFile = defaultCertFile()
	}
	if err := checkAddr(cfg.addr); err != nil {
		return nil, err
	}
	z := cfg.opts.Size
	for _, f := range []struct {
		name string
		n    int
	}{{"projects", z.Projects}, {"users", z.Users}, {"teams", z.Teams}, {"issues", z.Issues},
		{"comments", z.Comments}, {"wikis", z.Wikis}, {"documents", z.Documents},
		{"repositories", z.Repositories}, {"pull-requests", z.PullRequests}, {"shared-files", z.SharedFiles}} {
		if f.n < 0 {
			return nil, usagef("--%s %d: sizes cannot be negative; give 0 or more", f.name, f.n)
		}
	}
	if z == (emulator.Size{}) {
		cfg.opts.Empty = true
	}
	limits, err := emulator.ParseRateProfile(cfg.profile)
	if err != nil || cfg.profile == "" {
		return nil, usagef("--rate-limit %q: use paid, free or off", cfg.profile)
	}
	cfg.opts.RateLimits = limits
	if cfg.opts.RateWindow <= 0 {
		return nil, usagef("--rate-window %v: give a positive duration such as 60s or 5s", cfg.opts.RateWindow)
	}
	if cfg.churn < 0 || cfg.churn > 1000 {
		return nil, usagef("--churn %v: give events per second from 0 (off) to 1000, e.g. 2", cfg.churn)
	}
	if k := cfg.opts.AdminAPIKey; k != "" && !apiKeyRE.MatchString(k) {
		return nil, usagef("--api-key %q: use only letters, digits, '-' and '_' so the key works in headers and URLs", k)
	}
	if !spaceKeyRE.MatchString(cfg.opts.SpaceKey) {
		return nil, usagef("--space-key %q: use letters, digits and '-' (e.g. demo)", cfg.opts.SpaceKey)
	}
	return cfg, nil
}

// checkAddr validates --addr.
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return usagef("--addr %q: want host:port, e.g. 127.0.0.1:8787 (port 0 picks a free port)", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return usagef("--addr %q: the port must be a number from 0 to 65535", addr)
	}
	return nil
}

// reportUsage prints a usage error and returns the exit code.
func reportUsage(cmd string, err error, stderr io.Writer) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	fmt.Fprintf(stderr, "backlogsync %s: %v\nRun 'backlogsync %s -h' for the flags.\n", cmd, err, cmd)
	return exitUsage
}

// runEmulator implements "backlogsync emulator".
func runEmulator(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg, err := parseEmulatorArgs(args, stdout)
	if err != nil {
		return reportUsage("emulator", err, stderr)
	}
	run, err := startEmulator(cfg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "backlogsync emulator: %v\n", err)
		return exitError
	}
	if cfg.cpuProf != "" {
		f, err := os.Create(cfg.cpuProf)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(stderr, "backlogsync emulator: --cpuprofile: %v\n", err)
			return exitError
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	printEmulatorBanner(stdout, run)
	if cfg.churn > 0 {
		stop := run.srv.StartChurn(ctx, emulator.ChurnOptions{Rate: cfg.churn, Seed: cfg.opts.Seed})
		defer stop()
		fmt.Fprintf(stdout, "Churn: editing the space at %g events/s (issues, comments, wikis, pull requests, files).\n", cfg.churn)
	}
	return run.wait(ctx, stderr)
}

// runningEmulator is an emulator being served.
type runningEmulator struct {
	cfg      *emulatorConfig
	srv      *emulator.Server
	hs       *http.Server
	ln       net.Listener
	baseURL  string
	certPath string // "" without TLS
	served   chan error
}

// startEmulator generates the space, listens and starts serving.
func startEmulator(cfg *emulatorConfig, stderr io.Writer) (*runningEmulator, error) {
	start := time.Now()
	fmt.Fprintf(stderr, "Generating the space (seed %d)…\n", cfg.opts.Seed)
	srv, err := emulator.New(cfg.opts)
	if err != nil {
		return nil, fmt.Errorf("generating the space: %w", err)
	}
	fmt.Fprintf(stderr, "Generated in %v.\n", time.Since(start).Round(time.Millisecond))
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return nil, fmt.Errorf("--addr %s: %w; choose another address or port (port 0 picks a free one)", cfg.addr, err)
	}
	host, _, _ := net.SplitHostPort(cfg.addr)
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	shown := host
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		shown = "127.0.0.1"
	}
	r := &runningEmulator{cfg: cfg, srv: srv, ln: ln, served: make(chan error, 1)}
	r.hs = &http.Server{Handler: srv, ErrorLog: log.New(stderr, "emulator: ", 0)}
	emulator.SetTimeouts(r.hs)
	scheme := "http"
	if cfg.tls {
		scheme = "https"
		cert, err := emulator.NewCertificate(time.Now(), certHosts(host)...)
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("generating the certificate: %w", err)
		}
		if err := cert.WritePEM(cfg.certFile); err != nil {
			ln.Close()
			return nil, fmt.Errorf("--cert-file %s: %w; choose a writable path with --cert-file", cfg.certFile, err)
		}
		r.certPath = cfg.certFile
		r.hs.TLSConfig = cert.TLSConfig()
	}
	r.baseURL = scheme + "://" + net.JoinHostPort(shown, port)
	go func() {
		if cfg.tls {
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

// wait serves until ctx ends, then shuts down gracefully.
func (r *runningEmulator) wait(ctx context.Context, stderr io.Writer) int {
	select {
	case err := <-r.served:
		fmt.Fprintf(stderr, "backlogsync: serving stopped: %v\n", err)
		return exitError
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
	return exitOK
}

// maxUsersShown bounds the users table of the banner.
const maxUsersShown = 20

// printEmulatorBanner prints what is served and how to use it, in one
// write so that a program reading the output sees it whole.
func printEmulatorBanner(out io.Writer, r *runningEmulator) {
	w := &bytes.Buffer{}
	defer func() { _, _ = out.Write(w.Bytes()) }()
	sum := r.srv.Summary()
	users := r.srv.Users()
	key := r.srv.AdminAPIKey()
	rs := r.srv.RateSettings()
	fmt.Fprintf(w, "Backlog API emulator: space %q, seed %d\n", sum.SpaceKey, sum.Seed)
	fmt.Fprintf(w, "  Base URL:     %s\n", r.baseURL)
	fmt.Fprintf(w, "  API:          %s/api/v2/\n", r.baseURL)
	printSpaceLine(w, sum)
	fmt.Fprintf(w, "  Rate limits:  %s\n", describeRate(rs))
	if r.certPath != "" {
		fmt.Fprintf(w, "  Certificate:  %s (self-signed; trust it with NODE_EXTRA_CA_CERTS or curl --cacert)\n", r.certPath)
	} else {
		fmt.Fprintln(w, "  Certificate:  none, plain HTTP (add --tls for HTTPS)")
	}
	if host, _, _ := net.SplitHostPort(r.cfg.addr); !isLoopback(host) {
		fmt.Fprintf(w, "  Note:         listening on %s, beyond this machine; admin routes need the administrator's key\n", r.cfg.addr)
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
			len(users)-maxUsersShown, key, r.baseURL)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Try:")
	printTryLines(w, r, key)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Serving until interrupted (Ctrl+C).")
}

// printSpaceLine prints the counts of the space.
func printSpaceLine(w io.Writer, s emulator.Summary) {
	fmt.Fprintf(w, "  Space:        %d projects, %d issues, %d comments, %d wikis, %d documents, %d repositories, %d pull requests, %d shared files; %d users, %d teams\n",
		s.Projects, s.Issues, s.Comments, s.Wikis, s.Documents, s.Repositories, s.PullRequests, s.SharedFiles, s.Users, s.Teams)
}

// printTryLines prints example commands.
func printTryLines(w io.Writer, r *runningEmulator, key string) {
	cacert := ""
	if r.certPath != "" {
		cacert = "--cacert " + shellQuote(r.certPath) + " "
	}
	fmt.Fprintf(w, "  curl %s-H 'Backlog-API-Key: %s' %s/api/v2/space\n", cacert, key, r.baseURL)
	fmt.Fprintf(w, "  curl %s-H 'Backlog-API-Key: %s' '%s/api/v2/issues?count=5'\n", cacert, key, r.baseURL)
	fmt.Fprintf(w, "  curl %s-H 'Backlog-API-Key: %s' %s/_emulator/space   (admin routes: /_emulator/…)\n", cacert, key, r.baseURL)
	host := strings.TrimPrefix(strings.TrimPrefix(r.baseURL, "https://"), "http://")
	script := fmt.Sprintf(`const {Backlog}=require('backlog-js'); new Backlog({host:'%s', apiKey:'%s'%%s}).getSpace().then(console.log)`, host, key)
	// node resolves require('backlog-js') from the current directory: point
	// NODE_PATH at the repository's pinned copy when there is one, else
	// install the client first.
	node := "npm install backlog-js@0.20.1 && node"
	if dir, err := filepath.Abs(filepath.Join("conformance", "node_modules")); err == nil {
		if _, err := os.Stat(filepath.Join(dir, "backlog-js")); err == nil {
			node = "NODE_PATH=" + shellQuote(dir) + " node"
		}
	}
	if r.certPath != "" {
		fmt.Fprintf(w, "  NODE_EXTRA_CA_CERTS=%s %s -e \"%s\"\n", shellQuote(r.certPath), node, fmt.Sprintf(script, ""))
	} else {
		// backlog-js always builds https:// URLs; over plain HTTP a fetch
		// wrapper rewrites the scheme.
		fmt.Fprintf(w, "  %s -e \"%s\"\n", node, fmt.Sprintf(script, `, fetch:(u,i)=>fetch(String(u).replace(/^https:/,'http:'),i)`))
	}
}

// selfCommand returns how to run this program again from the current
// directory: "backlogsync" when that is what PATH finds, "go run
// ./cmd/backlogsync" after go run (whose binary is deleted on exit), and
// the executable's path otherwise.
func selfCommand() string {
	exe, err := os.Executable()
	if err != nil {
		return "backlogsync"
	}
	if p, err := exec.LookPath("backlogsync"); err == nil {
		if a, b := realPath(p), realPath(exe); a == b {
			return "backlogsync"
		}
	}
	if strings.Contains(exe, string(filepath.Separator)+"go-build") {
		return "go run ./cmd/backlogsync"
	}
	return shellQuote(exe)
}

// realPath resolves p's symbolic links (p itself when that fails).
func realPath(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}

// describeRate describes the rate-limit settings.
func describeRate(rs emulator.RateSettings) string {
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

// shellQuote quotes a path for a POSIX shell when needed.
func shellQuote(s string) string {
	if regexp.MustCompile(`^[A-Za-z0-9_./:-]+$`).MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// runDemo implements "backlogsync demo": the emulator on a free loopback
// port with a generated space, every catalog table replicated into a SQLite
// file, and how to look at it; then the emulator keeps serving.
func runDemo(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg := &emulatorConfig{opts: emulator.Options{Size: emulator.DefaultSize, RateWindow: time.Minute,
		RateLimits: emulator.PaidLimits, SpaceKey: "demo"}}
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.Int64Var(&cfg.opts.Seed, "seed", 1, "`seed` of the generated space")
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:0", "`host:port` to listen on (default: a free loopback port)")
	dbPath := fs.String("db", "demo.db", "SQLite `file` to replicate the space into (an existing file is brought up to date)")
	profile := fs.String("rate-limit", "off", "rate-limit `profile` of the emulator: off (a fast demo), paid or free")
	serveAddr := fs.String("serve-addr", "127.0.0.1:8080", "`host:port` of the OData server (a free port when taken)")
	insecure := fs.Bool("insecure-http", false, "allow --serve-addr on a non-loopback address over plain HTTP")
	if err := parseFlagSet(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "Usage: backlogsync demo [flags]")
			fmt.Fprintln(stdout)
			fmt.Fprintln(stdout, "Generates a Backlog space, serves it through the built-in emulator, replicates every table")
			fmt.Fprintln(stdout, "into a SQLite file and keeps serving the emulator; no Backlog account needed.")
			fmt.Fprintln(stdout)
			fmt.Fprintln(stdout, "Flags:")
			printFlags(stdout, fs)
		}
		return reportUsage("demo", err, stderr)
	}
	if err := checkAddr(cfg.addr); err != nil {
		return reportUsage("demo", err, stderr)
	}
	if *dbPath == "" {
		return reportUsage("demo", usagef("--db is empty: give a file name such as demo.db"), stderr)
	}
	limits, err := emulator.ParseRateProfile(*profile)
	if err != nil || *profile == "" {
		return reportUsage("demo", usagef("--rate-limit %q: use off, paid or free", *profile), stderr)
	}
	cfg.opts.RateLimits = limits
	run, err := startEmulator(cfg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "backlogsync demo: %v\n", err)
		return exitError
	}
	key := run.srv.AdminAPIKey()
	counts, res, err := demoReplicate(ctx, run.baseURL, key, *dbPath, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "backlogsync demo: replicating into %s: %v\n", *dbPath, err)
		run.hs.Close()
		return exitError
	}
	ds, err := startDemoServer(ctx, *dbPath, *serveAddr, *insecure)
	if err != nil {
		fmt.Fprintf(stderr, "backlogsync demo: serving %s: %v\n", *dbPath, err)
		run.hs.Close()
		return exitError
	}
	w := &bytes.Buffer{} // the banner is written in one piece
	fmt.Fprintln(w, "backlogsync demo: a generated Backlog space served by the built-in emulator, replicated into SQLite.")
	fmt.Fprintf(w, "  Base URL:     %s\n", run.baseURL)
	printSpaceLine(w, run.srv.Summary())
	fmt.Fprintf(w, "  Admin key:    %s\n", key)
	fmt.Fprintf(w, "  Rate limits:  %s\n", describeRate(run.srv.RateSettings()))
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Replicated %d tables into %s (run %d, %s): %d rows inserted, %d updated, %d deleted, %d API requests.\n",
		len(counts), *dbPath, res.RunID, res.Status, sumRT(res, 0), sumRT(res, 1), sumRT(res, 2),
		res.Requests.Read+res.Requests.Search+res.Requests.Update+res.Requests.Icon)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i := 0; i < len(counts); i += 3 {
		line := ""
		for j := i; j < i+3 && j < len(counts); j++ {
			line += fmt.Sprintf("  %s\t%d\t", counts[j].name, counts[j].rows)
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Look at the copy:")
	fmt.Fprintf(w, "  sqlite3 %s 'SELECT IssueKey, StatusName, Summary FROM Issues ORDER BY Updated DESC LIMIT 5;'\n", shellQuote(*dbPath))
	fmt.Fprintf(w, "  sqlite3 %s 'SELECT * FROM _backlogsync_runs;'   (the runs table)\n", shellQuote(*dbPath))
	fmt.Fprintln(w, "Or query the live API with SQL:")
	fmt.Fprintf(w, "  %s query --url %s --api-key %s \"SELECT StatusName, COUNT(*) FROM Issues GROUP BY StatusName\"\n", selfCommand(), run.baseURL, key)
	fmt.Fprintln(w, "And through the emulator's API:")
	printTryLines(w, run, key)
	fmt.Fprintln(w)
	ds.printBanner(w)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Serving until interrupted (Ctrl+C): the emulator and the OData server.")
	_, _ = stdout.Write(w.Bytes())
	served := make(chan error, 1)
	sctx, stopServe := context.WithCancel(ctx)
	go func() { served <- ds.serve(sctx, *dbPath, stderr) }()
	code := run.wait(ctx, stderr)
	stopServe()
	if err := <-served; err != nil {
		fmt.Fprintf(stderr, "backlogsync demo: OData server: %v\n", err)
		code = max(code, exitError)
	}
	return code
}

// tableCount is a demo table's row count.
type tableCount struct {
	name string
	rows int
}

// demoReplicate replicates every catalog table of the emulated space into
// the SQLite file dbPath and counts the rows of each table.
func demoReplicate(ctx context.Context, baseURL, key, dbPath string, stderr io.Writer) ([]tableCount, *replicate.AccountResult, error) {
	client, err := backlog.NewClient(baseURL, backlog.WithAPIKey(key), backlog.WithHTTPClient(&http.Client{}))
	if err != nil {
		return nil, nil, err
	}
	db, err := dest.Open(ctx, dest.SQLite, dbPath)
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	job := &replicate.Job{Name: "demo", Dest: db, ReplicateAll: true, Accounts: []replicate.Account{{Name: "demo", Client: client}}}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	events := func(ev replicate.Event) {
		if ev.Kind == replicate.EventAccountStart {
			fmt.Fprintf(stderr, "Replicating %d tables into %s…\n", ev.Tables, dbPath)
		}
	}
	out, err := replicate.Run(ctx, job, replicate.Options{Logger: log, Events: events})
	if err != nil {
		return nil, nil, err
	}
	res := &out.Accounts[0]
	if res.Err != nil {
		return nil, res, res.Err
	}
	var counts []tableCount
	for _, t := range res.Tables {
		n := 0
		if err := db.Query(ctx, t.Table, backlogsync.Query{Columns: []string{"Account"}}, func(backlogsync.Row) error { n++; return nil }); err != nil {
			return nil, res, err
		}
		counts = append(counts, tableCount{t.Table, n})
	}
	return counts, res, nil
}

// sumRT sums a run's inserted (0), updated (1) or deleted (2) rows.
func sumRT(res *replicate.AccountResult, which int) int64 {
	var n int64
	for _, t := range res.Tables {
		n += [3]int64{t.Inserted, t.Updated, t.Deleted}[which]
	}
	return n
}
