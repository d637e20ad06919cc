// Package replicate is the replication engine: it runs parsed REPLICATE
// statements (package jobsql) against one Backlog account, reading through
// the catalog and writing into a backlogsync.Destination.
//
// Strategy (v1): every table is a full refresh with delete-stale (fetched
// rows are upserted; rows of this account the fetch did not see are
// deleted). Issues is incremental once a checkpoint exists: GET /issues with
// updatedSince one day before the last Updated seen (the API takes a date
// only), de-duplicated by Id, and deletions from the activity feed (type 4)
// above the last activity id seen. Both cursors are stored in the
// destination in the same Write as the rows they describe.
package replicate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/jobsql"
)

// DefaultBatchSize is the number of rows per Write when a statement sets no
// BatchSize.
const DefaultBatchSize = 1000

// Engine runs statements for one account into one destination.
type Engine struct {
	// Client reads the account's space.
	Client *backlog.Client
	// Dest receives the rows, the checkpoints and the runs table.
	Dest backlogsync.Destination
	// Account is the value of every row's Account column and part of the
	// checkpoint scope ("" means the client's host name).
	Account string
	// Job names the run in the runs table and the checkpoint scope
	// ("" means "default").
	Job string
	// Logger receives progress and warnings (nil discards them).
	Logger *slog.Logger
	// Now returns the current time (default time.Now).
	Now func() time.Time
	// Progress, when set, receives a report at each step of each table
	// (see Progress).
	Progress func(Progress)
	// Wait is how long Run waits for another run holding the
	// destination's lease on this job and account (backlogsync.Leaser)
	// before it fails with EBUSY; 0 fails at once.
	Wait time.Duration
	// LeaseTTL is how long the lease of a run that died blocks the others
	// (default DefaultLeaseTTL).
	LeaseTTL time.Duration
	// RowDropShare is the share (0, 1] of a table's stored rows a full
	// refresh may delete before the run records a row_drop warning
	// (default DefaultRowDropShare).
	RowDropShare float64
}

// DefaultRowDropShare is Engine.RowDropShare when unset.
const DefaultRowDropShare = 0.5

// AccountResult is what one account's run did: its row in the runs table
// (id, status, per-table counts, requests by rate class, 429 waits) plus
// the time it took, the time its requests waited for the rate limits and
// its error.
type AccountResult struct {
	// Account is the account's name (the Account column of its rows).
	Account string
	// RunID is the run's id in the runs table (0 when the run did not
	// start: its statements were invalid or the runs table failed).
	RunID  int64
	Status backlogsync.RunStatus
	// Tables counts, per destination table, the rows inserted, updated
	// (values changed) and deleted, then one entry per CHECKCACHE.
	Tables   []backlogsync.RunTable
	Requests backlogsync.Requests
	// Waits429 is the number of 429 answers the run's requests received
	// (each followed by a wait for the limit's reset).
	Waits429 int64
	// Waited is the time the run's requests spent waiting for their rate
	// budget: pacing, resets after 429s and retry back-off.
	Waited time.Duration
	// API is the run's per-class counts of its client: requests, 429s,
	// retries and time waited, by rate class (for metrics).
	API backlog.Stats
	// Duration is the run's wall time.
	Duration time.Duration
	// Err is the run's first failure (set by Run; Engine.Run returns it).
	Err error
	// Errors are the failures of statements run with ContinueOnError.
	Errors []error
	// Checks are the reports of the run's CHECKCACHE statements, in order.
	Checks []CacheReport
	// Warnings are the run's problems that did not fail it, as recorded
	// in the runs table (Run.Warnings).
	Warnings []backlogsync.RunWarning
}

// Moved is the total number of rows inserted, updated and deleted.
func (r AccountResult) Moved() int64 {
	var n int64
	for _, t := range r.Tables {
		n += t.Inserted + t.Updated + t.Deleted
	}
	return n
}

// plan is one resolved REPLICATE statement.
type plan struct {
	stmt   *jobsql.Replicate
	c      *compiled
	src    *catalog.Table
	dest   string // destination table name (prefix and schema applied)
	table  *backlogsync.Table
	batch  int
	scope  string
	issues bool // a table of the Issues family (Issues and its descendants) under UpdateMode=Merge
}

// col returns the destination name of a catalog column of p's source
// ("" when the statement's SELECT list left it out).
func (p *plan) col(catalogCol string) string { return p.c.destNameIn(p.table, catalogCol) }

// row turns a catalog row into p's destination row and key; ok is false
// when the statement's filter rejects it.
func (p *plan) row(r backlogsync.Row) (out backlogsync.Row, key []any, ok bool) {
	key = p.c.KeyOf(r)
	if p.c.Match != nil && !p.c.Match(r) {
		return nil, key, false
	}
	if p.c.Project != nil {
		return p.c.Project(r), key, true
	}
	return r, key, true
}

// resolve checks stmts without touching the destination or the API: every
// statement must be a REPLICATE of a catalog table or a CHECKCACHE of one,
// with valid options. Errors carry the statement's line:col.
func (e *Engine) resolve(stmts []jobsql.Statement) ([]*plan, []*jobsql.CheckCache, error) {
	var plans []*plan
	var checks []*jobsql.CheckCache
	seen := map[string]jobsql.Pos{}
	for _, st := range stmts {
		if cc, ok := st.(*jobsql.CheckCache); ok {
			if err := checkCacheStatic(cc, e.now()); err != nil {
				return nil, nil, err
			}
			checks = append(checks, cc)
			continue
		}
		r, ok := st.(*jobsql.Replicate)
		if !ok {
			return nil, nil, posErr(st.Position(), "%s: not supported: only REPLICATE and CHECKCACHE statements run", firstWord(st.String()))
		}
		c, err := compile(r)
		if err != nil {
			return nil, nil, err
		}
		t := c.Table
		if p, dup := seen[strings.ToLower(t.Name)]; dup {
			return nil, nil, posErr(r.Pos, "table %s is already replicated by the statement at %s", t.Name, p)
		}
		seen[strings.ToLower(t.Name)] = r.Pos
		b := c.Batch
		if b <= 0 {
			b = DefaultBatchSize
		}
		plans = append(plans, &plan{stmt: r, c: c, src: c.Source, dest: t.Name, table: t, batch: b,
			scope: backlogsync.Scope{Job: e.job(), Account: e.account(), Table: t.Name}.String(), issues: inIssuesFamily(c.Source) && c.Mode == jobsql.ModeMerge})
	}
	return plans, checks, nil
}

func firstWord(s string) string {
	w, _, _ := strings.Cut(s, " ")
	return w
}

// posErr is an EINVALID error that starts with the statement position.
func posErr(p jobsql.Pos, format string, args ...any) error {
	return backlogsync.Errorf(backlogsync.EINVALID, "%s: %s", p, fmt.Sprintf(format, args...))
}

func (e *Engine) job() string {
	if e.Job == "" {
		return "default"
	}
	return e.Job
}

func (e *Engine) account() string {
	if e.Account == "" && e.Client != nil {
		return e.Client.BaseURL().Hostname()
	}
	return e.Account
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Engine) log() *slog.Logger {
	if e.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Logger
}

// Run resolves stmts (nothing is written when one is invalid), records a
// run in the destination's runs table and replicates the statements'
// tables: the Issues family first (read in one pass), then the others in
// statement order; then it runs the CHECKCACHE statements in order. A
// failing statement stops the run unless it has ContinueOnError, which
// makes the run partial. The returned error is the first failure (the
// run's status says whether the others ran). A panic in the run's
// goroutine once the run is recorded ends the run, not the process: it is
// recorded failed and the lease is given back.
func (e *Engine) Run(ctx context.Context, stmts []jobsql.Statement) (out AccountResult, runErr error) {
	plans, checks, err := e.resolve(stmts)
	if err != nil {
		return AccountResult{Account: e.account()}, err
	}
	if e.Client == nil || e.Dest == nil {
		return AccountResult{Account: e.account()}, backlogsync.Errorf(backlogsync.EINVALID, "replicate: engine needs a Client and a Dest")
	}
	release, err := e.lease(ctx)
	if err != nil {
		return e.recordUnstarted(ctx, err)
	}
	defer release()
	t0 := e.now()
	started := t0.UTC().Truncate(time.Second)
	// The run is recorded even when ctx ends now: it then finishes as
	// cancelled at its first request instead of vanishing.
	sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	id, err := e.Dest.StartRun(sctx, backlogsync.Run{Job: e.job(), Account: e.account(), Started: started})
	scancel()
	if err != nil {
		return AccountResult{Account: e.account()}, fmt.Errorf("replicate: recording the run: %w", err)
	}
	res := AccountResult{Account: e.account(), RunID: id, Status: backlogsync.RunOK}
	before := e.Client.Stats()
	log := e.log().With("job", e.job(), "account", e.account(), "run", id)
	var firstErr error
	firstLoads := 0
	r := &run{e: e, log: log, session: &catalog.Session{}, start: e.Client.Stats(), dest: &tableCache{Destination: e.Dest},
		snapshotTime: started}
	// A panic from here on (a bug in the engine, the catalog or the
	// destination) fails the run instead of ending the process (serve
	// runs every job in one, and the run would stay recorded as
	// running): it is recorded as any failed run is, before release
	// (deferred earlier) lets another run take the lease. Writes are
	// transactional: what was written is consistent, and the next run
	// resumes from the checkpoints.
	defer func() {
		if v := recover(); v != nil {
			res.Status, res.Requests = backlogsync.RunFailed, requests(before, e.Client.Stats())
			out, runErr = e.finish(ctx, log, r, res, before, t0, panicked(log, v))
		}
	}()
	fail := func(p *plan, err error) (stop bool) {
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			// A write cut short by the cancellation may report only
			// its aftermath (sql.ErrTxDone at commit): say why.
			err = fmt.Errorf("%w (%w)", err, ctx.Err())
		}
		err = fmt.Errorf("%s: REPLICATE %s: %w", p.stmt.Pos, p.dest, err)
		log.Error("table failed", "table", p.dest, "err", err)
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			res.Status = backlogsync.RunCancelled
			return true
		}
		if !p.stmt.Settings.ContinueOnError {
			res.Status = backlogsync.RunFailed
			return true
		}
		res.Status = backlogsync.RunPartial
		res.Errors = append(res.Errors, err)
		r.warn(p.dest, backlogsync.WarnSkipped, "skipped after an error (ContinueOnError): "+err.Error())
		return false
	}
	for _, p := range plans {
		for _, w := range p.c.Warnings {
			log.Warn(w, "table", p.dest)
			r.warn(p.dest, backlogsync.WarnStatement, w)
		}
	}
	var family []*plan
	for _, p := range plans {
		if p.issues {
			family = append(family, p)
		}
	}
	stopped := false
	if err := e.checkSpace(ctx); err != nil {
		log.Error("run refused", "err", err)
		firstErr, stopped, res.Status = err, true, backlogsync.RunFailed
		if ctx.Err() != nil {
			res.Status = backlogsync.RunCancelled
		}
	}
	if len(family) > 0 && !stopped {
		tables, first, p, err := r.issuesFamily(ctx, family)
		res.Tables = append(res.Tables, tables...)
		firstLoads += first
		if err != nil {
			stopped = fail(p, err)
		}
	}
	if !stopped {
		if p, err := r.loadVersions(ctx, plans); err != nil {
			stopped = fail(p, err)
		}
	}
	for _, p := range orderPlans(plans) {
		if stopped {
			break
		}
		if p.issues {
			continue
		}
		copyTable := r.table
		if p.c.Mode != jobsql.ModeMerge {
			copyTable = r.snapshot // Replace, Append
		}
		rt, first, err := copyTable(ctx, p)
		res.Tables = append(res.Tables, rt)
		if first {
			firstLoads++
		}
		if err != nil && fail(p, err) {
			break
		}
	}
	slices.SortStableFunc(res.Tables, func(a, b backlogsync.RunTable) int { return planIndex(plans, a.Table) - planIndex(plans, b.Table) })
	for _, cc := range checks {
		if stopped {
			break
		}
		rep, err := e.checkCache(ctx, cc)
		res.Tables = append(res.Tables, rep.RunTable())
		res.Checks = append(res.Checks, rep)
		if err != nil {
			err = fmt.Errorf("%s: CHECKCACHE %s: %w", cc.Pos, cc.Table, err)
			log.Error("check failed", "table", cc.Table.String(), "err", err)
			if firstErr == nil {
				firstErr = err
			}
			res.Status = backlogsync.RunFailed
			if ctx.Err() != nil {
				res.Status = backlogsync.RunCancelled
			}
			break
		}
		log.Info("CHECKCACHE "+rep.String(), "table", cc.Table.String())
	}
	res.Requests = requests(before, e.Client.Stats())
	if firstErr == nil && firstLoads > 0 && res.Moved() == 0 {
		log.Warn("!!! RUN MOVED NO ROWS: this was a first load of tables that should hold rows, yet nothing was written; check the account's permissions (a non-admin sees only joined projects) and the statements' filters",
			"tables", len(plans), "requests", res.Requests)
		r.warn("", backlogsync.WarnNoRows, fmt.Sprintf("the run moved no rows although it was a first load of %d table(s): check the account's permissions (a non-admin sees only joined projects) and the statements' filters", firstLoads))
	}
	return e.finish(ctx, log, r, res, before, t0, firstErr)
}

// finish records the end of run r in the runs table, even when ctx was
// cancelled, and returns its result and error: res is its result so far
// (its requests counted), firstErr its first failure. Run ends with it,
// whether the run came to its end or panicked.
func (e *Engine) finish(ctx context.Context, log *slog.Logger, r *run, res AccountResult, before backlog.Stats, t0 time.Time, firstErr error) (AccountResult, error) {
	for _, t := range res.Tables {
		if t.Altered > 0 {
			r.warn(t.Table, backlogsync.WarnAltered, fmt.Sprintf("%s: %d value(s) were altered to be storable: NUL characters removed or invalid UTF-8 replaced (docs/replication.md, \"Text a database cannot store\")", t.Table, t.Altered))
		}
	}
	res.Warnings = r.warnings
	run := backlogsync.Run{ID: res.RunID, Finished: e.now().UTC().Truncate(time.Second), Status: res.Status,
		Requests: res.Requests, Tables: res.Tables, Warnings: res.Warnings}
	if firstErr != nil {
		run.Error = firstErr.Error()
	}
	st := e.Client.Stats().Total()
	run.Waits429 = st.RateLimited - before.Total().RateLimited
	run.WaitTime = st.RateLimitWaited - before.Total().RateLimitWaited
	res.Waits429, res.Waited = run.Waits429, st.Waited-before.Total().Waited
	res.API = statsDelta(before, e.Client.Stats())
	// FinishRun must be recorded even when ctx was cancelled.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := e.Dest.FinishRun(fctx, run); err != nil {
		if firstErr == nil {
			firstErr = fmt.Errorf("replicate: recording the run's end: %w", err)
		} else {
			log.Warn("recording the run's end", "err", err)
		}
	}
	res.Duration = e.now().Sub(t0)
	log.Info("run finished", "status", res.Status, "moved", res.Moved(), "requests", res.Requests)
	return res, firstErr
}

// statsDelta is the per-class difference between two client stats.
func statsDelta(before, after backlog.Stats) backlog.Stats {
	out := backlog.Stats{Classes: map[backlog.RateClass]backlog.ClassStats{}}
	for c, a := range after.Classes {
		b := before.Classes[c]
		out.Classes[c] = backlog.ClassStats{Requests: a.Requests - b.Requests, RateLimited: a.RateLimited - b.RateLimited,
			Retries: a.Retries - b.Retries, Waited: a.Waited - b.Waited, RateLimitWaited: a.RateLimitWaited - b.RateLimitWaited}
	}
	return out
}

// requests is the per-class difference between two client stats.
func requests(before, after backlog.Stats) backlogsync.Requests {
	d := func(c backlog.RateClass) int64 { return after.Classes[c].Requests - before.Classes[c].Requests }
	return backlogsync.Requests{Read: d(backlog.RateRead), Update: d(backlog.RateUpdate),
		Search: d(backlog.RateSearch), Icon: d(backlog.RateIcon)}
}

const checkpointKey = "cursor"

// keyString encodes a key's values as a map key.
func keyString(vals []any) string {
	var b strings.Builder
	for _, v := range vals {
		switch x := v.(type) {
		case time.Time:
			b.WriteString(x.UTC().Format(time.RFC3339Nano))
		default:
			fmt.Fprintf(&b, "%T:%v", v, v)
		}
		b.WriteByte(0)
	}
	return b.String()
}

// writer batches rows into Writes and counts what they did.
type writer struct {
	e    *Engine
	p    *plan
	rt   *backlogsync.RunTable
	rows []backlogsync.Row
	dels [][]any
	// after, when set, is called after each Write.
	after func()
	// held keeps the rows until the owner writes them (the Issues family
	// writes a page's tables together): no Write at the batch size.
	held bool
}

func (w *writer) upsert(ctx context.Context, r backlogsync.Row) error {
	w.rows = append(w.rows, r)
	if len(w.rows) >= w.p.batch && !w.held {
		return w.flush(ctx, nil)
	}
	return nil
}

func (w *writer) delete(ctx context.Context, key []any) error {
	w.dels = append(w.dels, key)
	if len(w.dels) >= w.p.batch && !w.held {
		return w.flush(ctx, nil)
	}
	return nil
}

// flush writes the pending rows and deletes with cp, if any.
func (w *writer) flush(ctx context.Context, cp *backlogsync.Checkpoint) error {
	if len(w.rows) == 0 && len(w.dels) == 0 && cp == nil {
		return nil
	}
	b := backlogsync.Batch{Table: w.p.table, Upserts: w.rows, Deletes: w.dels, Checkpoint: cp}
	res, err := w.e.Dest.Write(ctx, b)
	if err != nil {
		return err
	}
	w.rt.Inserted += res.Inserted
	w.rt.Updated += res.Updated
	w.rt.Deleted += res.Deleted
	w.rt.Altered += res.Altered
	warnAltered(w.e.log(), w.p.dest, res.Altered)
	w.rows, w.dels = nil, nil
	if w.after != nil {
		w.after()
	}
	return nil
}

// writeAll writes batches in one transaction when d is a MultiWriter, and
// one Write per batch, in order, otherwise.
func writeAll(ctx context.Context, d backlogsync.Destination, batches []backlogsync.Batch) ([]backlogsync.WriteResult, error) {
	if mw, ok := d.(backlogsync.MultiWriter); ok {
		return mw.WriteAll(ctx, batches)
	}
	out := make([]backlogsync.WriteResult, len(batches))
	for i, b := range batches {
		res, err := d.Write(ctx, b)
		if err != nil {
			return nil, err
		}
		out[i] = res
	}
	return out, nil
}

func keyIndexes(t *backlogsync.Table) []int {
	out := make([]int, len(t.PrimaryKey))
	for i, k := range t.PrimaryKey {
		out[i] = columnIndex(t, k)
	}
	return out
}

func columnIndex(t *backlogsync.Table, name string) int {
	_, i := t.Column(name)
	return i
}

func pick(r backlogsync.Row, idx []int) []any {
	out := make([]any, len(idx))
	for i, j := range idx {
		out[i] = r[j]
	}
	return out
}

// Check validates stmts as Run would before writing anything: only
// REPLICATE statements of catalog tables, with options this version
// supports. Its errors start with the statement's line:col.
func (e *Engine) Check(stmts []jobsql.Statement) error {
	_, _, err := e.resolve(stmts)
	return err
}
