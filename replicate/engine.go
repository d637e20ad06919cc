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
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
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
}

// Result is what a run did.
type Result struct {
	RunID    int64
	Status   backlogsync.RunStatus
	Tables   []backlogsync.RunTable
	Requests backlogsync.Requests
	// Errors are the failures of statements run with ContinueOnError.
	Errors []error
}

// Moved is the total number of rows inserted, updated and deleted.
func (r Result) Moved() int64 {
	var n int64
	for _, t := range r.Tables {
		n += t.Inserted + t.Updated + t.Deleted
	}
	return n
}

// plan is one resolved REPLICATE statement.
type plan struct {
	stmt   *jobsql.Replicate
	src    *catalog.Table
	dest   string // destination table name (prefix and schema applied)
	table  *backlogsync.Table
	batch  int
	scope  string
	issues bool // incremental Issues strategy
}

// resolve checks stmts without touching the destination or the API: every
// statement must be a REPLICATE of a catalog table with options this
// version supports. Errors carry the statement's line:col.
func (e *Engine) resolve(stmts []jobsql.Statement) ([]*plan, error) {
	var plans []*plan
	seen := map[string]jobsql.Pos{}
	for _, st := range stmts {
		r, ok := st.(*jobsql.Replicate)
		if !ok {
			return nil, posErr(st.Position(), "%s: not built yet (only REPLICATE statements run in this version)", firstWord(st.String()))
		}
		src, ok := catalog.Lookup(r.Source.Name)
		if !ok || r.Source.Schema != "" {
			msg := fmt.Sprintf("unknown table %q", r.Source.Name)
			if s := catalog.Suggest(r.Source.Name); s != "" {
				msg += fmt.Sprintf(": did you mean %q?", s)
			}
			return nil, posErr(r.Source.Pos, "%s (run 'backlogsync tables' for the list)", msg)
		}
		if len(r.Columns) > 0 || len(r.PrimaryKey) > 0 {
			return nil, posErr(r.Pos, "a column list or PRIMARY KEY in REPLICATE is not built yet: drop it to use the catalog's columns and key")
		}
		if s := r.Select; s != nil && (!s.Star() || s.Where != nil) {
			return nil, posErr(r.Pos, "SELECT with a column list or WHERE is not built yet: use SELECT * FROM %s or REPLICATE %s", src.Name, src.Name)
		}
		set := r.Settings
		name := backlogsync.TableName{Schema: r.Dest.Schema, Name: set.TableNamePrefix + r.Dest.Name}
		if name.Schema == "" {
			name.Schema = set.CacheSchema
		}
		t := src.Table.Renamed(name)
		if err := backlogsync.ValidateTable(t); err != nil {
			return nil, posErr(r.Dest.Pos, "%v", err)
		}
		if p, dup := seen[strings.ToLower(t.Name)]; dup {
			return nil, posErr(r.Pos, "table %s is already replicated by the statement at %s", t.Name, p)
		}
		seen[strings.ToLower(t.Name)] = r.Pos
		b := set.BatchSize
		if b <= 0 {
			b = DefaultBatchSize
		}
		plans = append(plans, &plan{stmt: r, src: src, dest: t.Name, table: t, batch: b,
			scope: e.job() + "/" + e.account() + "/" + t.Name, issues: src.Name == "Issues"})
	}
	return plans, nil
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
// run in the destination's runs table and replicates each statement's
// table in order. A failing statement stops the run unless it has
// ContinueOnError, which makes the run partial. The returned error is the
// first failure (the run's status says whether the others ran).
func (e *Engine) Run(ctx context.Context, stmts []jobsql.Statement) (Result, error) {
	plans, err := e.resolve(stmts)
	if err != nil {
		return Result{}, err
	}
	if e.Client == nil || e.Dest == nil {
		return Result{}, backlogsync.Errorf(backlogsync.EINVALID, "replicate: engine needs a Client and a Dest")
	}
	started := e.now().UTC().Truncate(time.Second)
	id, err := e.Dest.StartRun(ctx, backlogsync.Run{Job: e.job(), Account: e.account(), Started: started})
	if err != nil {
		return Result{}, fmt.Errorf("replicate: recording the run: %w", err)
	}
	res := Result{RunID: id, Status: backlogsync.RunOK}
	before := e.Client.Stats()
	log := e.log().With("job", e.job(), "account", e.account(), "run", id)
	var firstErr error
	firstLoads := 0
	for _, p := range plans {
		rt, first, err := e.table(ctx, p, log)
		res.Tables = append(res.Tables, rt)
		if first {
			firstLoads++
		}
		if err != nil {
			err = fmt.Errorf("%s: REPLICATE %s: %w", p.stmt.Pos, p.dest, err)
			log.Error("table failed", "table", p.dest, "err", err)
			if firstErr == nil {
				firstErr = err
			}
			if ctx.Err() != nil {
				res.Status = backlogsync.RunCancelled
				break
			}
			if !p.stmt.Settings.ContinueOnError {
				res.Status = backlogsync.RunFailed
				break
			}
			res.Status = backlogsync.RunPartial
			res.Errors = append(res.Errors, err)
		}
	}
	res.Requests = requests(before, e.Client.Stats())
	if firstErr == nil && firstLoads > 0 && res.Moved() == 0 {
		log.Warn("!!! RUN MOVED NO ROWS: this was a first load of tables that should hold rows, yet nothing was written; check the account's permissions (a non-admin sees only joined projects) and the statements' filters",
			"tables", len(plans), "requests", res.Requests)
	}
	run := backlogsync.Run{ID: id, Finished: e.now().UTC().Truncate(time.Second), Status: res.Status,
		Requests: res.Requests, Tables: res.Tables}
	if firstErr != nil {
		run.Error = firstErr.Error()
	}
	st := e.Client.Stats().Total()
	run.Waits429 = st.RateLimited - before.Total().RateLimited
	// FinishRun must be recorded even when ctx was cancelled.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := e.Dest.FinishRun(fctx, run); err != nil && firstErr == nil {
		firstErr = fmt.Errorf("replicate: recording the run's end: %w", err)
	}
	log.Info("run finished", "status", res.Status, "moved", res.Moved(), "requests", res.Requests)
	return res, firstErr
}

// requests is the per-class difference between two client stats.
func requests(before, after backlog.Stats) backlogsync.Requests {
	d := func(c backlog.RateClass) int64 { return after.Classes[c].Requests - before.Classes[c].Requests }
	return backlogsync.Requests{Read: d(backlog.RateRead), Update: d(backlog.RateUpdate),
		Search: d(backlog.RateSearch), Icon: d(backlog.RateIcon)}
}

// issuesCursor is the Issues checkpoint value.
type issuesCursor struct {
	// Updated is the latest Updated of an issue stored.
	Updated time.Time `json:"updated"`
	// ActivityID is the latest space activity id whose deletions are applied.
	ActivityID int64 `json:"activityId"`
}

const checkpointKey = "cursor"

// table replicates one statement. first reports a first load (no
// checkpoint and no rows of this account before).
func (e *Engine) table(ctx context.Context, p *plan, log *slog.Logger) (rt backlogsync.RunTable, first bool, err error) {
	rt.Table = p.dest
	set := p.stmt.Settings
	if set.DropTable {
		if err := e.Dest.Drop(ctx, p.dest); err != nil && backlogsync.ErrorCode(err) != backlogsync.ENOTFOUND {
			return rt, false, err
		}
		if err := e.Dest.ResetCheckpoints(ctx, p.scope); err != nil {
			return rt, false, err
		}
	}
	if err := e.Dest.Migrate(ctx, p.table); err != nil {
		return rt, false, err
	}
	if set.TruncateTable {
		if err := e.Dest.Truncate(ctx, p.dest); err != nil {
			return rt, false, err
		}
		if err := e.Dest.ResetCheckpoints(ctx, p.scope); err != nil {
			return rt, false, err
		}
	}
	stored, err := e.storedKeys(ctx, p)
	if err != nil {
		return rt, false, err
	}
	var cur *issuesCursor
	if p.issues {
		v, ok, err := e.Dest.Checkpoint(ctx, p.scope, checkpointKey)
		if err != nil {
			return rt, false, err
		}
		rt.CursorBefore = v
		if ok {
			var c issuesCursor
			switch {
			case json.Unmarshal([]byte(v), &c) != nil:
				log.Warn("unreadable Issues checkpoint: reloading the table", "table", p.dest, "checkpoint", v)
			case c.Updated.After(e.now().Add(24 * time.Hour)):
				log.Warn("Issues checkpoint is in the future (poisoned cursor): reloading the table", "table", p.dest, "checkpoint", v)
			case len(stored) == 0:
				log.Warn("Issues checkpoint but no rows stored: reloading the table", "table", p.dest)
			default:
				cur = &c
			}
		}
	}
	first = !p.issues && len(stored) == 0 || p.issues && cur == nil && len(stored) == 0
	w := &writer{e: e, p: p, rt: &rt}
	if cur != nil {
		err = e.issuesIncremental(ctx, p, w, *cur, log)
	} else {
		err = e.fullRefresh(ctx, p, w, stored, log)
	}
	return rt, first, err
}

// storedKeys returns the keys of this account's rows in the destination.
func (e *Engine) storedKeys(ctx context.Context, p *plan) (map[string][]any, error) {
	keys := map[string][]any{}
	err := e.Dest.Query(ctx, p.dest, backlogsync.Query{Columns: p.table.PrimaryKey,
		Filter: backlogsync.Cmp{Column: p.table.Columns[0].Name, Op: backlogsync.OpEq, Value: e.account()}},
		func(r backlogsync.Row) error {
			k := append([]any(nil), r...)
			keys[keyString(k)] = k
			return nil
		})
	return keys, err
}

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
}

func (w *writer) upsert(ctx context.Context, r backlogsync.Row) error {
	w.rows = append(w.rows, r)
	if len(w.rows) >= w.p.batch {
		return w.flush(ctx, nil)
	}
	return nil
}

func (w *writer) delete(ctx context.Context, key []any) error {
	w.dels = append(w.dels, key)
	if len(w.dels) >= w.p.batch {
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
	w.rows, w.dels = nil, nil
	return nil
}

// latestActivity returns the id of the newest space activity (0 when none).
func (e *Engine) latestActivity(ctx context.Context) (int64, error) {
	acts, _, err := e.Client.Activities.ListSpace(ctx, &backlog.ActivityListOptions{CursorOptions: backlog.CursorOptions{Count: 1, Order: backlog.OrderDesc}})
	if err != nil || len(acts) == 0 {
		return 0, err
	}
	return acts[0].ID, nil
}

// fullRefresh upserts every row of the table and deletes this account's
// stored rows that were not fetched. For Issues it also stores the
// incremental cursors (the activity cursor read before the fetch, so no
// deletion is missed).
func (e *Engine) fullRefresh(ctx context.Context, p *plan, w *writer, stored map[string][]any, log *slog.Logger) error {
	var cur issuesCursor
	if p.issues {
		id, err := e.latestActivity(ctx)
		if err != nil {
			return fmt.Errorf("reading the activity cursor: %w", err)
		}
		cur.ActivityID = id
	}
	key := keyIndexes(p.table)
	updated := columnIndex(p.table, "Updated")
	seen := make(map[string]bool, len(stored))
	fetched := 0
	err := catalog.Fetch(ctx, e.Client, p.src.Name, catalog.Query{Account: e.account()}, func(r backlogsync.Row) error {
		fetched++
		seen[keyString(pick(r, key))] = true
		if p.issues && updated >= 0 {
			if t, ok := r[updated].(time.Time); ok && t.After(cur.Updated) {
				cur.Updated = t
			}
		}
		return w.upsert(ctx, r)
	})
	if err != nil {
		return err
	}
	if p.stmt.Settings.SkipDeleted {
		stored = nil
	}
	stale := 0
	for k, v := range stored {
		if !seen[k] {
			stale++
			if err := w.delete(ctx, v); err != nil {
				return err
			}
		}
	}
	if fetched == 0 && stale > 0 {
		log.Warn("!!! fetched no rows: deleting every stored row of this account", "table", p.dest, "deleted", stale)
	}
	var cp *backlogsync.Checkpoint
	if p.issues {
		v, _ := json.Marshal(cur)
		p.cursorAfter(w.rt, string(v))
		cp = &backlogsync.Checkpoint{Scope: p.scope, Key: checkpointKey, Value: string(v)}
	}
	log.Info("table replicated (full refresh)", "table", p.dest, "fetched", fetched, "inserted", w.rt.Inserted,
		"updated", w.rt.Updated, "deleted", w.rt.Deleted)
	return w.flush(ctx, cp)
}

func (p *plan) cursorAfter(rt *backlogsync.RunTable, v string) { rt.CursorAfter = v }

// issuesIncremental re-reads the issues updated since the day before the
// cursor and applies the deletions the activity feed announced.
func (e *Engine) issuesIncremental(ctx context.Context, p *plan, w *writer, cur issuesCursor, log *slog.Logger) error {
	// Deletions first (and the new activity cursor): an issue deleted
	// after this point is seen by the next run.
	var deleted []int64
	next := cur.ActivityID
	for a, err := range e.Client.Activities.SpaceIter(ctx, &backlog.ActivityListOptions{
		TypeIDs:       []backlog.ActivityType{backlog.ActivityIssueDeleted},
		CursorOptions: backlog.CursorOptions{MinID: cur.ActivityID, Count: 100, Order: backlog.OrderAsc}}) {
		if err != nil {
			return fmt.Errorf("reading deletions from the activity feed: %w", err)
		}
		if a.ID <= cur.ActivityID {
			continue // inclusive minId servers
		}
		next = max(next, a.ID)
		if a.Type != backlog.ActivityIssueDeleted {
			continue
		}
		var c struct {
			ID int64 `json:"id"`
		}
		if json.Unmarshal(a.Content, &c) == nil && c.ID > 0 {
			deleted = append(deleted, c.ID)
		}
	}
	if next == cur.ActivityID {
		// No deletion since the cursor: still move it to the newest
		// activity so the next run's feed read is short.
		id, err := e.latestActivity(ctx)
		if err != nil {
			return fmt.Errorf("reading the activity cursor: %w", err)
		}
		next = max(next, id)
	}
	since := cur.Updated.UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
	newCur := issuesCursor{Updated: cur.Updated, ActivityID: next}
	updated := columnIndex(p.table, "Updated")
	idCol := columnIndex(p.table, "Id")
	seen := map[int64]bool{}
	fetched := 0
	err := catalog.Fetch(ctx, e.Client, p.src.Name, catalog.Query{Account: e.account(),
		Where: []catalog.Predicate{catalog.Cmp("Updated", catalog.OpGE, since)}}, func(r backlogsync.Row) error {
		id, _ := r[idCol].(int64)
		if seen[id] {
			return nil // offset paging over a moving set can repeat a row
		}
		seen[id] = true
		fetched++
		if t, ok := r[updated].(time.Time); ok && t.After(newCur.Updated) {
			newCur.Updated = t
		}
		return w.upsert(ctx, r)
	})
	if err != nil {
		return err
	}
	if !p.stmt.Settings.SkipDeleted {
		for _, id := range deleted {
			if !seen[id] {
				if err := w.delete(ctx, []any{e.account(), id}); err != nil {
					return err
				}
			}
		}
	}
	v, _ := json.Marshal(newCur)
	w.rt.CursorAfter = string(v)
	log.Info("table replicated (incremental)", "table", p.dest, "since", since.Format(time.DateOnly), "fetched", fetched,
		"inserted", w.rt.Inserted, "updated", w.rt.Updated, "deleted", len(deleted))
	return w.flush(ctx, &backlogsync.Checkpoint{Scope: p.scope, Key: checkpointKey, Value: string(v)})
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

// IsAuth reports whether err is an authentication failure.
func IsAuth(err error) bool {
	var ae *backlog.AuthError
	return errors.As(err, &ae)
}

// Check validates stmts as Run would before writing anything: only
// REPLICATE statements of catalog tables, with options this version
// supports. Its errors start with the statement's line:col.
func (e *Engine) Check(stmts []jobsql.Statement) error {
	_, err := e.resolve(stmts)
	return err
}
