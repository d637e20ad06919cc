package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/config"
	"github.com/backlogsync/backlogsync/dest"
	"github.com/backlogsync/backlogsync/odata"
	bsserver "github.com/backlogsync/backlogsync/server"
	"github.com/backlogsync/backlogsync/store"
)

// serveFlags are the flags of "backlogsync serve".
type serveFlags struct {
	config    string
	addr      string
	insecure  bool
	logFormat string
	instance  string
}

// runServe implements "backlogsync serve".
func runServe(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var f serveFlags
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&f.config, "c", "", "configuration `file` (YAML, or CData Sync XML)")
	fs.StringVar(&f.config, "config", "", "same as -c")
	fs.StringVar(&f.addr, "addr", "", "listen `address` (default: server.addr of the config, else "+config.DefaultServerAddr+")")
	fs.BoolVar(&f.insecure, "insecure-http", false, "allow plain HTTP on an address other machines can reach (tokens cross the network in clear; use TLS or a TLS proxy instead)")
	fs.StringVar(&f.logFormat, "log-format", "text", "log `format`: text or json (logs and the access log go to stderr)")
	fs.StringVar(&f.instance, "instance", "", "`name` of this instance in logs, run logs and schedule claims (default: $BACKLOGSYNC_INSTANCE, else host-pid); instances sharing a PostgreSQL state database need distinct names")
	if err := parseFlagSet(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "Usage: backlogsync serve -c config.yaml [--addr 127.0.0.1:8080]")
			fmt.Fprintln(stdout)
			fmt.Fprintln(stdout, "Serves the workspaces of the config's state database over OData at /odata/{workspace}/")
			fmt.Fprintln(stdout, "(HTTP Basic: e-mail and personal access token), the web admin at /, the REST API under")
			fmt.Fprintln(stdout, "/api/, /metrics, /healthz and /readyz, and runs the config's jobs on their schedules.")
			fmt.Fprintln(stdout, "HTTPS when the config's server section has tls_cert and tls_key. Stops gracefully on")
			fmt.Fprintln(stdout, "Ctrl-C or SIGTERM (runs in progress are canceled and resume from their checkpoints).")
			fmt.Fprintln(stdout)
			fmt.Fprintln(stdout, "Flags:")
			printFlags(stdout, fs)
		}
		return reportUsage("serve", err, stderr)
	}
	if f.config == "" {
		return reportUsage("serve", usagef("give the configuration file with -c config.yaml"), stderr)
	}
	if f.logFormat != "text" && f.logFormat != "json" {
		return reportUsage("serve", usagef("--log-format %q: use text or json", f.logFormat), stderr)
	}
	cfg, err := config.Load(f.config, config.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "backlogsync serve: %v\n", err)
		return exitUsage
	}
	sc := cfg.Server
	if f.addr != "" {
		if err := config.CheckListenAddr(f.addr); err != nil {
			return reportUsage("serve", usagef("--addr: %v", err), stderr)
		}
		if sc.BaseURL == config.DefaultBaseURL(sc.Addr, sc.TLS()) { // not configured: follow --addr
			sc.BaseURL = config.DefaultBaseURL(f.addr, sc.TLS())
		}
		sc.Addr = f.addr
	}
	sc.AllowInsecureHTTP = sc.AllowInsecureHTTP || f.insecure
	if err := sc.CheckExposure(); err != nil {
		return reportUsage("serve", usagef("%v (or pass --insecure-http)", err), stderr)
	}
	if sc.TLS() {
		// Loaded again by the server; checked here so that a bad file stops
		// serve before it listens and says it serves.
		if _, err := tls.LoadX509KeyPair(sc.TLSCert, sc.TLSKey); err != nil {
			return reportUsage("serve", usagef("TLS certificate %s / key %s: %v; set server.tls_cert and server.tls_key to PEM files this user can read", sc.TLSCert, sc.TLSKey, err), stderr)
		}
	}
	multi, err := multiFromEnv(f.instance)
	if err != nil {
		return reportUsage("serve", err, stderr)
	}
	if sc.StateType != config.StatePostgres {
		unlock, err := lockSQLiteState(sc.State)
		if err != nil {
			fmt.Fprintf(stderr, "backlogsync serve: %v\n", err)
			return exitError
		}
		defer unlock()
	}
	st, err := openStateStore(ctx, sc)
	if err != nil {
		fmt.Fprintf(stderr, "backlogsync serve: %v\n", err)
		return exitError
	}
	defer st.Close()
	var h slog.Handler = slog.NewTextHandler(stderr, nil)
	if f.logFormat == "json" {
		h = slog.NewJSONHandler(stderr, nil)
	}
	log := slog.New(h)
	multi.warn(log)
	open := func(ctx context.Context, name string) (backlogsync.Destination, error) {
		d, ok := cfg.Destination(name)
		if !ok {
			return nil, backlogsync.Errorf(backlogsync.ENOTFOUND, "workspace names destination %s, which %s no longer defines", name, cfg.File)
		}
		return dest.OpenConfig(ctx, d)
	}
	ln, err := net.Listen("tcp", sc.Addr)
	if err != nil {
		fmt.Fprintf(stderr, "backlogsync serve: listen on %s: %v (another server on that port? pick another with --addr)\n", sc.Addr, err)
		return exitError
	}
	// The scheduler, the REST API, /metrics and /readyz run the config's
	// jobs inside this process.
	mount := func(ctx context.Context, srv *bsserver.Server) (func() error, error) {
		svc, err := newService(ctx, f.config, cfg, srv, st, log, multi)
		if err != nil {
			return nil, err
		}
		svc.Mount()
		if err := mountWeb(srv, st, cfg, sc, svc, log); err != nil {
			return nil, err
		}
		return func() error { return svc.Run(ctx) }, nil
	}
	err = serveState(ctx, st, open, sc, ln, log, mount, func(base string) {
		ws, _ := st.Workspaces(ctx)
		fmt.Fprintf(stderr, "Serving %s (state: %s, instance %s). Ctrl-C stops.\n", base, sc.StateRedacted(), multi.instance)
		for _, w := range ws {
			fmt.Fprintf(stderr, "  workspace %-16s %s/odata/%s/\n", w.Name, base, w.Name)
		}
		if len(ws) == 0 {
			fmt.Fprintf(stderr, "  no workspace yet: backlogsync workspaces add NAME -c %s --destination DEST\n", shellQuote(cfg.File))
		}
	})
	if err != nil {
		fmt.Fprintf(stderr, "backlogsync serve: %v\n", err)
		if backlogsync.ErrorCode(err) == backlogsync.EINVALID {
			return exitUsage
		}
		return exitError
	}
	return exitOK
}

// serveState runs the server over st on ln until ctx is cancelled: it
// calls ready with the base URL clients use, and serves /odata/ and
// /healthz. mount, when not nil, adds the routes of other parts (the
// service's scheduler and REST API) and returns what runs beside the
// server until ctx ends; serveState waits for it before returning.
// Destinations are opened once, by open, and closed at the end.
func serveState(ctx context.Context, st *store.Store, open func(context.Context, string) (backlogsync.Destination, error),
	sc config.Server, ln net.Listener, log *slog.Logger, mount func(context.Context, *bsserver.Server) (func() error, error), ready func(baseURL string)) error {
	srv, err := bsserver.New(bsserver.Options{
		Store:           st,
		OpenDestination: open,
		WriteError:      odata.WriteError,
		Logger:          log,
		TLSCertFile:     sc.TLSCert,
		TLSKeyFile:      sc.TLSKey,
	})
	if err != nil {
		return err
	}
	defer srv.Close()
	srv.MountOData(odataHandler(log))
	// The background stops with the server: a server that fails (an
	// unreadable TLS certificate) must not leave serve waiting on the
	// scheduler until Ctrl-C.
	bctx, stopBackground := context.WithCancel(ctx)
	defer stopBackground()
	var background func() error
	if mount != nil {
		if background, err = mount(bctx, srv); err != nil {
			return err
		}
	}
	base := sc.BaseURL
	if _, port, _ := net.SplitHostPort(sc.Addr); port == "0" && base == config.DefaultBaseURL(sc.Addr, sc.TLS()) {
		// A free port was asked for: the URL has the one chosen.
		base = config.DefaultBaseURL(ln.Addr().String(), sc.TLS())
	}
	if ready != nil {
		ready(base)
	}
	if background == nil {
		return srv.Serve(ctx, ln)
	}
	done := make(chan error, 1)
	go func() {
		err := background()
		if err != nil && bctx.Err() == nil {
			log.Error("the scheduler stopped; scheduled runs will not start until serve is restarted", "err", err)
		}
		done <- err
	}()
	err = srv.Serve(ctx, ln)
	stopBackground()
	if berr := <-done; err == nil && berr != nil && ctx.Err() == nil {
		err = berr
	}
	return err
}

// odataHandler is the OData service of the workspaces the server resolved
// and authorised (bsserver.WorkspaceFrom).
func odataHandler(log *slog.Logger) http.Handler {
	return odata.NewHandler(odata.Options{
		Logger: log,
		Resolve: func(r *http.Request, name string) (*odata.Workspace, error) {
			w, ok := bsserver.WorkspaceFrom(r.Context())
			if !ok || w.Name != name {
				return nil, backlogsync.Errorf(backlogsync.ENOTFOUND, "no workspace %s", name)
			}
			return &odata.Workspace{Name: w.Name, Dest: w.Dest, Tables: w.Tables}, nil
		},
	})
}
