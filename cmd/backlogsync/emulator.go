package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/dest"
	"github.com/backlogsync/backlogsync/emulator"
	"github.com/backlogsync/backlogsync/internal/emuserve"
	"github.com/backlogsync/backlogsync/replicate"
)

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
	cfg, err := emuserve.ParseArgs("backlogsync emulator", args, stdout)
	if err != nil {
		return reportUsage("emulator", err, stderr)
	}
	if err := emuserve.Serve(ctx, cfg, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "backlogsync emulator: %v\n", err)
		return exitError
	}
	return exitOK
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

// runDemo implements "backlogsync demo": the emulator on a free loopback
// port with a generated space, every catalog table replicated into a SQLite
// file, and how to look at it; then the emulator keeps serving.
func runDemo(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg := &emuserve.Config{Opts: emulator.Options{Size: emulator.DefaultSize, RateWindow: time.Minute,
		RateLimits: emulator.PaidLimits, SpaceKey: "demo"}}
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.Int64Var(&cfg.Opts.Seed, "seed", 1, "`seed` of the generated space")
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:0", "`host:port` to listen on (port 0 picks a free port)")
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
	if err := emuserve.CheckAddr(cfg.Addr); err != nil {
		return reportUsage("demo", err, stderr)
	}
	if *dbPath == "" {
		return reportUsage("demo", usagef("--db is empty: give a file name such as demo.db"), stderr)
	}
	limits, err := emulator.ParseRateProfile(*profile)
	if err != nil || *profile == "" {
		return reportUsage("demo", usagef("--rate-limit %q: use off, paid or free", *profile), stderr)
	}
	cfg.Opts.RateLimits = limits
	run, err := emuserve.Start(cfg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "backlogsync demo: %v\n", err)
		return exitError
	}
	key := run.Emu.AdminAPIKey()
	counts, res, err := demoReplicate(ctx, run.BaseURL, key, *dbPath, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "backlogsync demo: replicating into %s: %v\n", *dbPath, err)
		run.Close()
		return exitError
	}
	ds, err := startDemoServer(ctx, *dbPath, *serveAddr, *insecure)
	if err != nil {
		fmt.Fprintf(stderr, "backlogsync demo: serving %s: %v\n", *dbPath, err)
		run.Close()
		return exitError
	}
	w := &bytes.Buffer{} // the banner is written in one piece
	fmt.Fprintln(w, "backlogsync demo: a generated Backlog space served by the built-in emulator, replicated into SQLite.")
	fmt.Fprintf(w, "  Base URL:     %s\n", run.BaseURL)
	emuserve.PrintSpaceLine(w, run.Emu.Summary())
	fmt.Fprintf(w, "  Admin key:    %s\n", key)
	fmt.Fprintf(w, "  Rate limits:  %s\n", emuserve.DescribeRate(run.Emu.RateSettings()))
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
	fmt.Fprintf(w, "  %s query --url %s --api-key %s \"SELECT StatusName, COUNT(*) FROM Issues GROUP BY StatusName\"\n", selfCommand(), run.BaseURL, key)
	fmt.Fprintln(w, "And through the emulator's API:")
	emuserve.PrintTryLines(w, run)
	fmt.Fprintln(w)
	ds.printBanner(w)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Serving until interrupted (Ctrl+C): the emulator, the OData server and the web admin.")
	_, _ = stdout.Write(w.Bytes())
	served := make(chan error, 1)
	sctx, stopServe := context.WithCancel(ctx)
	go func() { served <- ds.serve(sctx, *dbPath, stderr) }()
	code := exitOK
	if err := run.Wait(ctx, stderr); err != nil {
		fmt.Fprintf(stderr, "backlogsync demo: %v\n", err)
		code = exitError
	}
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
