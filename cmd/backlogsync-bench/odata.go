package main

// The odata scenario: full paging of the replicated Issues table through
// OData, from SQLite and from PostgreSQL (and MariaDB), with the server in
// a child process ("backlogsync-bench odata") so that its CPU time and
// peak RSS are measured apart from the client's.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/dest"
	"github.com/backlogsync/backlogsync/internal/cli"
	"github.com/backlogsync/backlogsync/internal/cputime"
)

// odataDSNEnvs names, per destination type other than SQLite, the variable
// the bench reads the destination's connection string from (its tables
// named Issues and the runs are replaced).
var odataDSNEnvs = map[string]string{
	dest.Postgres: "BACKLOGSYNC_BENCH_POSTGRES_DSN",
	dest.MySQL:    "BACKLOGSYNC_BENCH_MYSQL_DSN",
}

// odataFlags registers the odata scenario's flags on fs and returns the
// check of their values (a usage error), to run after parsing.
func (cfg *benchConfig) odataFlags(fs *flag.FlagSet) func() error {
	odataDests := fs.String("odata-dests", "sqlite", "comma-separated destination `types` of the odata scenario: sqlite, postgres, mysql (their connection strings from $BACKLOGSYNC_BENCH_POSTGRES_DSN, $BACKLOGSYNC_BENCH_MYSQL_DSN; the bench replaces their Issues table)")
	fs.IntVar(&cfg.odataPasses, "odata-passes", 3, "`number` of full pagings per destination in the odata scenario (the report gives their median, min and max)")
	fs.IntVar(&cfg.odataPage, "odata-page-size", 1000, "server-driven page `size` of the odata scenario (the server's default)")
	fs.StringVar(&cfg.odataProfile, "odata-cpuprofile", "", "write a CPU profile of the OData server child process to `file`.DEST (one per destination)")
	return func() error {
		for _, k := range strings.Split(*odataDests, ",") {
			k = strings.TrimSpace(k)
			if k != dest.SQLite && odataDSNEnvs[k] == "" {
				return cli.Usagef("--odata-dests %q: use sqlite, postgres or mysql, separated by commas", *odataDests)
			}
			cfg.odataDests = append(cfg.odataDests, k)
		}
		if cfg.odataPasses < 1 || cfg.odataPasses > 1000 {
			return cli.Usagef("--odata-passes %d: give a number from 1 to 1000, e.g. 3", cfg.odataPasses)
		}
		if cfg.odataPage < 1 {
			return cli.Usagef("--odata-page-size %d: give a positive number such as 1000", cfg.odataPage)
		}
		return nil
	}
}

// odataResult is the odata scenario's measure of one destination.
type odataResult struct {
	Dest     string `json:"dest"`
	Rows     int64  `json:"rows"`     // rows of Issues, read by each pass
	PageSize int    `json:"pageSize"` // server-driven page size
	Pages    int    `json:"pages"`    // requests per pass
	// WireBytes is the gzip-compressed size of one pass's responses and
	// JSONBytes their size uncompressed.
	WireBytes int64       `json:"wireBytes"`
	JSONBytes int64       `json:"jsonBytes"`
	Passes    []odataPass `json:"passes"`
	// Median, Min and Max summarise the passes' rows/s (wall) and rows per
	// CPU second of the server process.
	MedianRowsPerS      float64 `json:"medianRowsPerSecond"`
	MinRowsPerS         float64 `json:"minRowsPerSecond"`
	MaxRowsPerS         float64 `json:"maxRowsPerSecond"`
	MedianRowsPerCPUS   float64 `json:"medianRowsPerServerCpuSecond"`
	MinRowsPerCPUS      float64 `json:"minRowsPerServerCpuSecond"`
	MaxRowsPerCPUS      float64 `json:"maxRowsPerServerCpuSecond"`
	ServerPeakRSSMiB    float64 `json:"serverPeakRssMiB"`    // VmHWM of the server after every pass
	ServerStartRSSMiB   float64 `json:"serverStartRssMiB"`   // VmHWM of the server before the first request
	ServerAfterFirstMiB float64 `json:"serverAfterFirstMiB"` // VmHWM of the server after the first page
	Verified            bool    `json:"verified"`            // every pass read each Id exactly once
}

// odataPass is one full paging of the table.
type odataPass struct {
	Seconds          float64 `json:"seconds"`
	RowsPerS         float64 `json:"rowsPerSecond"`
	ServerCPUSeconds float64 `json:"serverCpuSeconds"`
	RowsPerCPUS      float64 `json:"rowsPerServerCpuSecond"`
	ClientCPUSeconds float64 `json:"clientCpuSeconds"`
}

// odata runs the scenario: the emulator's Issues replicated into a SQLite
// file, copied into each other destination, then paged --odata-passes
// times through a fresh server process per destination.
func (cfg *benchConfig) odata(ctx context.Context, rep *benchReport, out, stderr io.Writer) error {
	_, dbPath, cleanup, err := cfg.destPath()
	if err != nil {
		return err
	}
	defer cleanup()
	emu, err := startChildEmulator(ctx, cfg.issues, cfg.seed, "off", time.Minute, cfg.generateTimeout, stderr)
	if err != nil {
		return err
	}
	m, err := benchRun(ctx, emu, dbPath, benchIssues)
	emu.stop()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "odata       replicated %d issues into SQLite in %.1fs\n", m.Issues, m.Seconds)
	for _, kind := range cfg.odataDests {
		dsn := dbPath
		if kind != dest.SQLite {
			dsn = os.Getenv(odataDSNEnvs[kind])
			if err := copyIssues(ctx, dbPath, kind, dsn); err != nil {
				return fmt.Errorf("odata scenario, %s: %w", kind, err)
			}
		}
		profile := ""
		if cfg.odataProfile != "" {
			profile = cfg.odataProfile + "." + kind
		}
		r, err := cfg.pageOData(ctx, kind, dsn, m.Issues, profile, stderr)
		if kind != dest.SQLite {
			dropIssues(ctx, kind, dsn)
		}
		if err != nil {
			return fmt.Errorf("odata scenario, %s: %w", kind, err)
		}
		rep.OData = append(rep.OData, r)
		fmt.Fprintf(out, "odata       %-28s %d rows in %d pages of %d, %.1f MB gzip (%.1f MB JSON) per pass; complete: %v\n",
			kind, r.Rows, r.Pages, r.PageSize, float64(r.WireBytes)/1e6, float64(r.JSONBytes)/1e6, r.Verified)
		fmt.Fprintf(out, "odata       %-28s median %.0f rows/s (min %.0f, max %.0f over %d passes; target >= 50000), %.0f rows per server CPU-second (min %.0f, max %.0f)\n",
			kind, r.MedianRowsPerS, r.MinRowsPerS, r.MaxRowsPerS, len(r.Passes), r.MedianRowsPerCPUS, r.MinRowsPerCPUS, r.MaxRowsPerCPUS)
		fmt.Fprintf(out, "odata       %-28s server peak RSS %.1f MiB (%.1f MiB before the first request, %.1f MiB after the first page; target <= 100 MiB, flat in size)\n",
			kind, r.ServerPeakRSSMiB, r.ServerStartRSSMiB, r.ServerAfterFirstMiB)
	}
	return nil
}

// copyIssues copies the Issues table (and a finished run naming it) of the
// SQLite file src into the destination kind at dsn, replacing its Issues.
func copyIssues(ctx context.Context, src, kind, dsn string) error {
	if dsn == "" {
		return fmt.Errorf("set %s to the connection string of a database the bench may write Issues into", odataDSNEnvs[kind])
	}
	from, err := dest.Open(ctx, dest.SQLite, src)
	if err != nil {
		return err
	}
	defer from.Close()
	to, err := dest.Open(ctx, kind, dsn)
	if err != nil {
		return fmt.Errorf("opening the destination of $%s: %w", odataDSNEnvs[kind], err)
	}
	defer to.Close()
	tables, err := from.Tables(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(tables, func(t *bs.Table) bool { return t.Name == "Issues" })
	if i < 0 {
		return fmt.Errorf("%s has no Issues table", src)
	}
	t := tables[i]
	to.Drop(ctx, t.Name)
	if err := to.Migrate(ctx, t); err != nil {
		return err
	}
	var rows []bs.Row
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		_, err := to.Write(ctx, bs.Batch{Table: t, Upserts: rows})
		rows = rows[:0]
		return err
	}
	if err := from.Query(ctx, t.Name, bs.Query{}, func(r bs.Row) error {
		rows = append(rows, r)
		if len(rows) == 1000 {
			return flush()
		}
		return nil
	}); err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	id, err := to.StartRun(ctx, bs.Run{Job: "bench", Account: "bench", Started: time.Now()})
	if err != nil {
		return err
	}
	return to.FinishRun(ctx, bs.Run{ID: id, Finished: time.Now(), Status: bs.RunOK, Tables: []bs.RunTable{{Table: t.Name}}})
}

// dropIssues removes the copied table again.
func dropIssues(ctx context.Context, kind, dsn string) {
	if d, err := dest.Open(ctx, kind, dsn); err == nil {
		d.Drop(ctx, "Issues")
		d.Close()
	}
}

// childOData is "backlogsync-bench odata" running as a child process.
type childOData struct {
	cmd  *exec.Cmd
	base string
	done chan error
}

// startChildOData starts the OData server child over the destination kind
// at dsn (passed in its environment) and waits for its "Base URL:" line.
func startChildOData(ctx context.Context, kind, dsn string, pageSize int, profile string, stderr io.Writer) (*childOData, error) {
	exe, err := benchExecutable()
	if err != nil {
		return nil, err
	}
	args := []string{"odata", "--dest", kind, "--page-size", strconv.Itoa(pageSize)}
	if profile != "" {
		args = append(args, "--cpuprofile", profile)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(benchChildEnv(), odataDSNEnv+"="+dsn)
	cmd.Stderr = stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the OData server (%s odata): %w", exe, err)
	}
	c := &childOData{cmd: cmd, done: make(chan error, 1)}
	baseCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "Base URL:"); ok {
				baseCh <- strings.TrimSpace(v)
				break
			}
		}
		close(baseCh)
		_, _ = io.Copy(io.Discard, pipe)
		c.done <- cmd.Wait()
	}()
	select {
	case base, ok := <-baseCh:
		if !ok {
			<-c.done
			return nil, fmt.Errorf("the OData server exited before serving")
		}
		c.base = base
	case <-time.After(time.Minute):
		c.stop()
		return nil, fmt.Errorf("the OData server did not start within a minute")
	case <-ctx.Done():
		c.stop()
		return nil, ctx.Err()
	}
	return c, nil
}

// stop interrupts the server and waits for it (killing it after 10 s).
func (c *childOData) stop() {
	if c.cmd.ProcessState != nil {
		return
	}
	_ = c.cmd.Process.Signal(os.Interrupt)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// pageOData serves the destination from a fresh child and pages Issues
// through it cfg.odataPasses times.
func (cfg *benchConfig) pageOData(ctx context.Context, kind, dsn string, want int64, profile string, stderr io.Writer) (odataResult, error) {
	r := odataResult{Dest: kind, Rows: want, PageSize: cfg.odataPage, Verified: true}
	srv, err := startChildOData(ctx, kind, dsn, cfg.odataPage, profile, stderr)
	if err != nil {
		return r, err
	}
	defer srv.stop()
	pid := srv.cmd.Process.Pid
	r.ServerStartRSSMiB = procMaxRSSMiB(pid)
	client := &http.Client{Timeout: 5 * time.Minute}
	pg := &pager{client: client, seen: make(map[int64]bool, want)}
	for pass := 0; pass < cfg.odataPasses; pass++ {
		clear(pg.seen)
		pg.rows, pg.pages, pg.wire, pg.json = 0, 0, 0, 0
		cpu0, srvCPU0 := cpuSeconds(), procCPUSeconds(pid)
		start := time.Now()
		if err := pg.readAll(ctx, srv.base+"/Issues", func() {
			if pass == 0 && r.ServerAfterFirstMiB == 0 {
				r.ServerAfterFirstMiB = procMaxRSSMiB(pid)
			}
		}); err != nil {
			return r, err
		}
		p := odataPass{Seconds: time.Since(start).Seconds(), ServerCPUSeconds: procCPUSeconds(pid) - srvCPU0, ClientCPUSeconds: cpuSeconds() - cpu0}
		p.RowsPerS = float64(pg.rows) / p.Seconds
		if p.ServerCPUSeconds > 0 {
			p.RowsPerCPUS = float64(pg.rows) / p.ServerCPUSeconds
		}
		r.Passes = append(r.Passes, p)
		r.Pages, r.WireBytes, r.JSONBytes = pg.pages, pg.wire, pg.json
		if pg.rows != want || int64(len(pg.seen)) != want {
			r.Verified = false
		}
	}
	r.ServerPeakRSSMiB = procMaxRSSMiB(pid)
	r.MedianRowsPerS, r.MinRowsPerS, r.MaxRowsPerS = spread(r.Passes, func(p odataPass) float64 { return p.RowsPerS })
	r.MedianRowsPerCPUS, r.MinRowsPerCPUS, r.MaxRowsPerCPUS = spread(r.Passes, func(p odataPass) float64 { return p.RowsPerCPUS })
	return r, nil
}

// spread returns the median, minimum and maximum of f over passes.
func spread(passes []odataPass, f func(odataPass) float64) (med, lo, hi float64) {
	var v []float64
	for _, p := range passes {
		v = append(v, f(p))
	}
	if len(v) == 0 {
		return 0, 0, 0
	}
	slices.Sort(v)
	med = v[len(v)/2]
	if len(v)%2 == 0 {
		med = (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return med, v[0], v[len(v)-1]
}

// pager follows @odata.nextLink from a collection URL as Power Query does
// (gzip, the server's page size), counting each row's Id.
type pager struct {
	client *http.Client
	gz     *gzip.Reader
	buf    bytes.Buffer
	seen   map[int64]bool // the Ids read
	rows   int64
	pages  int
	wire   int64
	json   int64
}

var (
	idKey   = []byte(`"Id":`)
	nextKey = []byte(`"@odata.nextLink":`)
)

func (pg *pager) readAll(ctx context.Context, u string, afterFirst func()) error {
	for u != "" {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Accept", "application/json;odata.metadata=minimal;q=1.0,application/json;odata=minimalmetadata;q=0.9,application/atomsvc+xml;q=0.8,application/atom+xml;q=0.8,application/xml;q=0.7,text/plain;q=0.7")
		req.Header.Set("Accept-Encoding", "gzip, deflate")
		req.Header.Set("OData-MaxVersion", "4.0")
		resp, err := pg.client.Do(req)
		if err != nil {
			return err
		}
		body, err := pg.read(resp)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("GET %s: %w", u, err)
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s: %.300s", u, resp.Status, body)
		}
		pg.pages++
		if pg.pages == 1 {
			afterFirst()
		}
		u = ""
		// Every row has one top-level "Id": key; inside JSON strings a
		// quote is escaped, so the sequence cannot occur there.
		for rest := body; ; {
			i := bytes.Index(rest, idKey)
			if i < 0 {
				break
			}
			rest = rest[i+len(idKey):]
			j := bytes.IndexAny(rest, ",}")
			if j < 0 {
				return fmt.Errorf("GET %s: an Id without a value", u)
			}
			id, err := strconv.ParseInt(string(rest[:j]), 10, 64)
			if err != nil || pg.seen[id] {
				return fmt.Errorf("unexpected or repeated Id %q", rest[:j])
			}
			pg.seen[id] = true
			pg.rows++
		}
		if i := bytes.LastIndex(body, nextKey); i >= 0 {
			dec := json.NewDecoder(bytes.NewReader(body[i+len(nextKey):]))
			if err := dec.Decode(&u); err != nil {
				return fmt.Errorf("reading @odata.nextLink: %w", err)
			}
		}
	}
	return nil
}

// read returns the decompressed body (valid until the next call).
func (pg *pager) read(resp *http.Response) ([]byte, error) {
	var cr countingReader
	cr.r = resp.Body
	var body io.Reader = &cr
	if resp.Header.Get("Content-Encoding") == "gzip" {
		if pg.gz == nil {
			gz, err := gzip.NewReader(&cr)
			if err != nil {
				return nil, err
			}
			pg.gz = gz
		} else if err := pg.gz.Reset(&cr); err != nil {
			return nil, err
		}
		body = pg.gz
	}
	pg.buf.Reset()
	_, err := pg.buf.ReadFrom(body)
	pg.wire += cr.n
	pg.json += int64(pg.buf.Len())
	return pg.buf.Bytes(), err
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// procCPUSeconds is the user+system CPU time of process pid, read from
// /proc (0 where there is none).
func procCPUSeconds(pid int) float64 {
	d, err := cputime.Process(pid)
	if err != nil {
		return 0
	}
	return d.Seconds()
}

// procMaxRSSMiB is the peak RSS (VmHWM) of process pid (0 where /proc is
// missing).
func procMaxRSSMiB(pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			if len(f) == 2 && f[1] == "kB" {
				if kb, err := strconv.ParseFloat(f[0], 64); err == nil {
					return kb / 1024
				}
			}
		}
	}
	return 0
}
