package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/config"
	"github.com/backlogsync/backlogsync/dest"
	bsserver "github.com/backlogsync/backlogsync/server"
	"github.com/backlogsync/backlogsync/store"
	"github.com/backlogsync/backlogsync/web"
)

// The end of "backlogsync demo": the replica served over OData to a demo
// user with a fresh token, in a workspace of every table.

const (
	demoAdmin     = "admin@example.com" // signs in to the web admin
	demoUser      = "demo@example.com"
	demoWorkspace = "demo"
	demoDest      = "demo"
)

// demoServer is the OData server of the demo, listening and ready to serve.
type demoServer struct {
	st    *store.Store
	ln    net.Listener
	sc    config.Server
	token string
	url   string // the workspace's OData URL
	pass  string // the demo admin's web sign-in password (new each run)
}

// startDemoServer prepares serving dbPath: a state file beside it
// (<db>.state.db, kept between runs), the demo user, a new token (older
// demo tokens are revoked) and the workspace, and a listener on addr (a
// free loopback port when addr's port is taken).
func startDemoServer(ctx context.Context, dbPath, addr string, insecure bool) (*demoServer, error) {
	sc := config.Server{Addr: addr, StateType: config.StateSQLite, AllowInsecureHTTP: insecure,
		State: strings.TrimSuffix(dbPath, filepath.Ext(dbPath)) + ".state.db"}
	if err := sc.CheckExposure(); err != nil {
		return nil, usagef("--serve-addr: %v (or pass --insecure-http)", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		host, _, _ := net.SplitHostPort(addr)
		if ln, err = net.Listen("tcp", net.JoinHostPort(host, "0")); err != nil {
			return nil, fmt.Errorf("listen on %s: %w; pick another --serve-addr", addr, err)
		}
	}
	sc.Addr = ln.Addr().String()
	sc.BaseURL = config.DefaultBaseURL(sc.Addr, false)
	st, err := store.Open(ctx, store.SQLite, sc.State, store.Options{})
	if err != nil {
		ln.Close()
		return nil, err
	}
	d := &demoServer{st: st, ln: ln, sc: sc, url: odataURL(sc, demoWorkspace)}
	if err := d.prepare(ctx); err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

func (d *demoServer) prepare(ctx context.Context) error {
	if _, err := d.st.AddUser(ctx, demoAdmin, true); err != nil && backlogsync.ErrorCode(err) != backlogsync.ECONFLICT {
		return err
	}
	if err := d.st.SetAdmin(ctx, demoAdmin, true); err != nil {
		return err
	}
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	d.pass = base64.RawURLEncoding.EncodeToString(b)
	if err := d.st.SetPassword(ctx, demoAdmin, d.pass); err != nil {
		return err
	}
	if _, err := d.st.AddUser(ctx, demoUser, false); err != nil && backlogsync.ErrorCode(err) != backlogsync.ECONFLICT {
		return err
	}
	old, err := d.st.Tokens(ctx, demoUser)
	if err != nil {
		return err
	}
	for _, t := range old {
		if t.Revoked.IsZero() {
			if _, err := d.st.RevokeToken(ctx, t.Prefix); err != nil {
				return err
			}
		}
	}
	if d.token, _, err = d.st.CreateToken(ctx, demoUser, "demo", 0); err != nil {
		return err
	}
	if _, err := d.st.Workspace(ctx, demoWorkspace); backlogsync.ErrorCode(err) == backlogsync.ENOTFOUND {
		if _, err := d.st.AddWorkspace(ctx, demoWorkspace, demoDest, nil); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	return d.st.Grant(ctx, demoWorkspace, demoUser)
}

func (d *demoServer) close() {
	d.ln.Close()
	d.st.Close()
}

// printBanner writes how to reach the data: URL, user, token, a curl line
// that works as printed, and the Excel steps.
func (d *demoServer) printBanner(w io.Writer) {
	fmt.Fprintln(w, "Serving the copy over OData (Excel, Power BI):")
	fmt.Fprintf(w, "  OData URL:    %s\n", d.url)
	fmt.Fprintf(w, "  User:         %s\n", demoUser)
	fmt.Fprintf(w, "  Token:        %s   (the password; a new one each run, the previous one is revoked)\n", d.token)
	fmt.Fprintf(w, "  State:        %s\n", d.sc.State)
	fmt.Fprintln(w, "Try it:")
	fmt.Fprintf(w, "  curl -u '%s:%s' '%sIssues?$top=3'\n", demoUser, d.token, d.url)
	fmt.Fprintln(w, "In Excel (Windows, Microsoft 365 or 2016+), on this machine:")
	fmt.Fprintln(w, "  1. Data → Get Data → From Other Sources → From OData Feed")
	fmt.Fprintf(w, "  2. URL: %s  → OK\n", d.url)
	fmt.Fprintf(w, "  3. Choose Basic; User name: %s; Password: the token above; level: the URL → Connect\n", demoUser)
	fmt.Fprintln(w, "  4. In the Navigator tick \"Select multiple items\", pick Issues, Projects, Users … → Load To… →")
	fmt.Fprintln(w, "     \"Only Create Connection\" + \"Add this data to the Data Model\" (Power Pivot relates the tables)")
	fmt.Fprintln(w, "  Data → Refresh All later reads the copy again: it costs no Backlog API call.")
	fmt.Fprintln(w, "The web admin (runs, workspaces, users, tokens, connections):")
	fmt.Fprintf(w, "  Admin URL:    %s/\n", strings.TrimSuffix(d.sc.BaseURL, "/"))
	fmt.Fprintf(w, "  Sign in as:   %s   password %s   (a new one each run)\n", demoAdmin, d.pass)
}

// serve runs the OData server over dbPath until ctx is cancelled.
func (d *demoServer) serve(ctx context.Context, dbPath string, stderr io.Writer) error {
	defer d.st.Close()
	log := slog.New(slog.NewTextHandler(stderr, nil))
	open := func(ctx context.Context, name string) (backlogsync.Destination, error) {
		return dest.Open(ctx, "sqlite", dbPath)
	}
	mount := func(_ context.Context, srv *bsserver.Server) (func() error, error) {
		return nil, web.Mount(web.Options{Server: srv, Store: d.st, Destinations: []string{demoDest},
			Jobs: []web.Job{{Name: "demo", Destination: demoDest}}, BaseURL: d.sc.BaseURL, Logger: log})
	}
	return serveState(ctx, d.st, open, d.sc, d.ln, log, mount, nil)
}
