// Package server is the HTTP server of "backlogsync serve": one
// long-lived http.Server with a mux it owns, an access log, HTTP Basic
// authentication against the store's personal access tokens, a per-address
// slow-down of failed sign-ins, /healthz, and graceful shutdown.
//
// Adding routes. Everything is served by the Server's *http.ServeMux, so
// another part of serve adds its routes before Serve is called:
//
//	s.Handle("GET /healthz", h)                  // open to everyone
//	s.Handle("/api/", s.Authenticated(apiMux))   // any signed-in user; UserFrom(r.Context()) says who
//	s.Handle("/admin/", s.AdminOnly(adminMux))   // admins only
//	s.MountOData(odataHandler)                   // /odata/{workspace}/…, workspace grants checked
//
// Every route gets the access log (no Authorization header, no token, no
// query values of keys that look like secrets). Destinations are opened
// once per server by Destination and shared by every request; Close closes
// them.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/store"
)

// The server's timeouts. There is no write timeout: OData responses of
// large tables stream for as long as the client reads (the odata package
// bounds each query's time instead).
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 60 * time.Second
	IdleTimeout       = 120 * time.Second
	// ShutdownTimeout is how long Serve waits for requests in flight once
	// its context is cancelled.
	ShutdownTimeout = 30 * time.Second
)

// Options configure a Server.
type Options struct {
	// Store holds users, tokens, workspaces and grants. Required.
	Store *store.Store
	// OpenDestination opens the destination of the config named name. The
	// server calls it once per name and shares the result.
	OpenDestination func(ctx context.Context, name string) (backlogsync.Destination, error)
	// WriteError writes error responses of the /odata/ routes (401, 403,
	// 404, 429); odata.WriteError in serve. A JSON body in OData's error
	// shape when nil.
	WriteError func(w http.ResponseWriter, r *http.Request, status int, code, message string)
	// Logger receives the access log and errors (slog.Default() when nil).
	Logger *slog.Logger
	// TLSCertFile and TLSKeyFile, both set, make Serve speak HTTPS.
	TLSCertFile, TLSKeyFile string
	// Limiter tunes the slow-down of failed sign-ins.
	Limiter LimiterOptions
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Server is the HTTP server of serve.
type Server struct {
	o      Options
	log    *slog.Logger
	mux    *http.ServeMux
	lim    *limiter
	dests  destCache
	tables tableCache
}

// New returns a Server with /healthz mounted.
func New(o Options) (*Server, error) {
	if o.Store == nil {
		return nil, errors.New("server: no store")
	}
	if (o.TLSCertFile == "") != (o.TLSKeyFile == "") {
		return nil, backlogsync.Errorf(backlogsync.EINVALID, "give both a TLS certificate and a key, or neither")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.WriteError == nil {
		o.WriteError = writeJSONError
	}
	s := &Server{o: o, log: o.Logger, mux: http.NewServeMux(), lim: newLimiter(o.Limiter, o.Now)}
	s.dests.open = o.OpenDestination
	s.tables.now = o.Now
	s.mux.HandleFunc("GET /healthz", s.healthz)
	return s, nil
}

// Handle registers h for pattern (http.ServeMux syntax) on the server's mux.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Handler is the whole server: the mux behind the access log.
func (s *Server) Handler() http.Handler { return s.accessLog(s.mux) }

// Serve serves on ln until ctx is cancelled, then shuts down gracefully:
// it stops accepting, lets requests in flight finish (ShutdownTimeout at
// most) and returns nil. Other failures are returned.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if s.o.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(s.o.TLSCertFile, s.o.TLSKeyFile)
		if err != nil {
			return backlogsync.Errorf(backlogsync.EINVALID, "TLS certificate %s / key %s: %v; give PEM files", s.o.TLSCertFile, s.o.TLSKeyFile, err)
		}
		hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, hs.TLSConfig)
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "grace", ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(sctx)
	<-errc
	if err != nil {
		hs.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// Close closes the destinations the server opened.
func (s *Server) Close() error { return s.dests.close() }

// healthz answers 200 when the state database answers, 503 otherwise.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.o.Store.Ping(ctx); err != nil {
		s.log.Error("healthz: state database", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, `{"status":"unavailable","state":"the state database does not answer"}`)
		return
	}
	fmt.Fprintln(w, `{"status":"ok"}`)
}

// Destination returns the shared destination named name, opening it on
// first use.
func (s *Server) Destination(ctx context.Context, name string) (backlogsync.Destination, error) {
	return s.dests.get(ctx, name)
}

// destCache opens each destination once.
type destCache struct {
	open func(ctx context.Context, name string) (backlogsync.Destination, error)
	mu   sync.Mutex
	m    map[string]backlogsync.Destination
}

func (c *destCache) get(ctx context.Context, name string) (backlogsync.Destination, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.m[name]; ok {
		return d, nil
	}
	if c.open == nil {
		return nil, backlogsync.Errorf(backlogsync.EINTERNAL, "server: no way to open destination %s", name)
	}
	// Opening under the lock keeps it once per name; it happens once per
	// destination in the server's life.
	d, err := c.open(context.WithoutCancel(ctx), name)
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = map[string]backlogsync.Destination{}
	}
	c.m[name] = d
	return d, nil
}

func (c *destCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, d := range c.m {
		errs = append(errs, d.Close())
	}
	c.m = nil
	return errors.Join(errs...)
}
