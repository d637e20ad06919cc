package main

// "backlogsync-bench odata": the OData server child process of the odata
// scenario. It serves one workspace over one destination with the odata
// package's handler, exactly as serve mounts it (without serve's Basic
// authentication, which costs one token lookup per page), so that the
// bench measures the server's CPU time and peak RSS apart from the client
// that pages through it.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/backlogsync/backlogsync/dest"
	"github.com/backlogsync/backlogsync/internal/cli"
	"github.com/backlogsync/backlogsync/odata"
)

// odataDSNEnv is the variable the child reads its destination's connection
// string from, so that a password never shows on a command line.
const odataDSNEnv = "BACKLOGSYNC_BENCH_ODATA_DSN"

// odataWorkspace is the workspace the child serves.
const odataWorkspace = "bench"

// serveOData runs "backlogsync-bench odata [flags]".
func serveOData(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	const name = "backlogsync-bench odata"
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	kind := fs.String("dest", dest.SQLite, "destination `type`: sqlite, postgres or mysql; its connection string is read from $"+odataDSNEnv)
	addr := fs.String("addr", "127.0.0.1:0", "`address` to listen on (port 0 picks a free one)")
	tables := fs.String("tables", "Issues", "comma-separated `tables` of the workspace")
	page := fs.Int("page-size", 1000, "server-driven page `size` (odata.Options.MaxPageSize)")
	profile := fs.String("cpuprofile", "", "write a CPU profile of this process to `file`")
	if err := cli.ParseFlagSet(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "Usage: backlogsync-bench odata [flags]")
			fmt.Fprintln(stdout)
			fmt.Fprintln(stdout, "Serves the tables of a destination as OData workspace \""+odataWorkspace+"\" (the odata scenario's child process).")
			fmt.Fprintln(stdout)
			fmt.Fprintln(stdout, "Flags:")
			cli.PrintFlags(stdout, fs)
		}
		return reportUsage(name, err, stderr)
	}
	if *page < 1 {
		return reportUsage(name, cli.Usagef("--page-size %d: give a positive number such as 1000", *page), stderr)
	}
	d, err := dest.Open(ctx, *kind, os.Getenv(odataDSNEnv))
	if err != nil {
		fmt.Fprintf(stderr, "%s: --dest %s: %v\n", name, *kind, err)
		return exitError
	}
	defer d.Close()
	ws := &odata.Workspace{Name: odataWorkspace, Dest: d, Tables: strings.Split(*tables, ",")}
	h := odata.NewHandler(odata.Options{
		MaxPageSize: *page,
		Logger:      slog.New(slog.NewTextHandler(stderr, nil)),
		Resolve: func(r *http.Request, name string) (*odata.Workspace, error) {
			if name != ws.Name {
				return nil, nil
			}
			return ws, nil
		},
	})
	mux := http.NewServeMux()
	mux.Handle("/odata/", http.StripPrefix("/odata", h))
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "%s: --addr %s: %v\n", name, *addr, err)
		return exitError
	}
	if *profile != "" {
		f, err := os.Create(*profile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s: --cpuprofile: %v\n", name, err)
			return exitError
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Fprintf(stdout, "Base URL: http://%s/odata/%s\n", ln.Addr(), ws.Name)
	select {
	case err := <-served:
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return exitError
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hs.Shutdown(sctx)
	return exitOK
}
