package replicate

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/catalog"
	"github.com/backlogsync/backlogsync/jobsql"
)

// run is the state of one Engine.Run shared by its tables.
type run struct {
	e   *Engine
	log *slog.Logger
	// session shares API results between the run's tables outside the
	// Issues family (the project list, per-project lists, wiki pages…), so
	// tables filled from the same calls read them once.
	session *catalog.Session
	// snapSession is the session the run's Replace and Append tables
	// share: it trusts no object unchanged and reads no feed above a
	// stored id, but tables filled from the same calls read them once.
	snapSession *catalog.Session
	// versions holds, per object kind, the Updated of each object the
	// destination held when the run started (see catalog.Session.Unchanged).
	versions map[string]map[string]time.Time
	// newest is the newest activity id, read once (newestActivity);
	// feedCursor the one to store with each version table
	// (versionCheckpoint).
	newest     *int64
	feedCursor map[*plan]int64
	start      backlog.Stats
	// snapshotTime is the run's start time (UTC, second precision): the
	// SnapshotColumn of the rows an Append table gains in this run.
	snapshotTime time.Time
	// dest is the destination with its table list read once per run.
	dest *tableCache
	// warnings are the run's Run.Warnings.
	wmu      sync.Mutex
	warnings []backlogsync.RunWarning
}

// warn adds a warning to the run's record.
func (r *run) warn(table, kind, msg string) {
	r.wmu.Lock()
	r.warnings = append(r.warnings, backlogsync.RunWarning{Table: table, Kind: kind, Message: msg})
	r.wmu.Unlock()
}

// alarm records the zero-row and row-drop warnings of a full refresh of
// p that read fetched rows and deleted stale of the stored ones.
func (r *run) alarm(p *plan, stored, fetched, stale int) {
	share := r.e.RowDropShare
	if share <= 0 || share > 1 {
		share = DefaultRowDropShare
	}
	switch {
	case stored > 0 && fetched == 0 && stale > 0: // rows of unchanged objects are kept, not lost
		r.warn(p.dest, backlogsync.WarnZeroRows, fmt.Sprintf("%s: a full refresh read no rows where account %s had %d stored (%d deleted); check the account's permissions and the statement's filter",
			p.dest, r.e.account(), stored, stale))
	case stored > 0 && float64(stale) > share*float64(stored):
		r.warn(p.dest, backlogsync.WarnRowDrop, fmt.Sprintf("%s: %d of the %d stored rows of account %s were deleted (-%.0f%%; warning above %.0f%%)",
			p.dest, stale, stored, r.e.account(), 100*float64(stale)/float64(stored), 100*share))
	}
}

// tableCache answers findTable from one Tables call per run, kept up to
// date by the run's own Migrate and Drop calls (listing a MySQL
// destination's tables costs a query per table).
type tableCache struct {
	backlogsync.Destination
	mu   sync.Mutex
	tabs map[string]*backlogsync.Table
}

// Table implements tableDescriber.
func (d *tableCache) Table(ctx context.Context, name string) (*backlogsync.Table, error) {
	if td, ok := d.Destination.(tableDescriber); ok {
		return td.Table(ctx, name)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.tabs == nil {
		list, err := d.Destination.Tables(ctx)
		if err != nil {
			return nil, err
		}
		d.tabs = map[string]*backlogsync.Table{}
		for _, t := range list {
			d.tabs[t.Name] = t
		}
	}
	if t, ok := d.tabs[name]; ok {
		return t, nil
	}
	for n, t := range d.tabs {
		if strings.EqualFold(n, name) {
			return t, nil
		}
	}
	return nil, nil
}

// Migrate implements backlogsync.Destination.
func (d *tableCache) Migrate(ctx context.Context, t *backlogsync.Table) error {
	err := d.Destination.Migrate(ctx, t)
	d.mu.Lock()
	if d.tabs != nil {
		if err != nil {
			d.tabs = nil // unknown state: read again
		} else {
			// Created as t, or altered to hold t's columns: a table is
			// prepared once per run, so this entry is not checked again.
			d.tabs[t.Name] = t
		}
	}
	d.mu.Unlock()
	return err
}

// Drop implements backlogsync.Destination.
func (d *tableCache) Drop(ctx context.Context, name string) error {
	err := d.Destination.Drop(ctx, name)
	d.mu.Lock()
	if d.tabs != nil {
		delete(d.tabs, name)
	}
	d.mu.Unlock()
	return err
}

// inIssuesFamily reports whether t is Issues or one of its descendants.
func inIssuesFamily(t *catalog.Table) bool {
	for t != nil {
		if t.Name == "Issues" {
			return true
		}
		p, ok := catalog.Lookup(t.Parent)
		if !ok {
			return false
		}
		t = p
	}
	return false
}

// versionTables maps an object kind to the catalog table whose Id and
// Updated columns record the version the destination holds.
var versionTables = map[string]string{catalog.KindWiki: "WikiPages", catalog.KindPullRequest: "PullRequests"}

// orderPlans returns plans in the order they run: statement order, except
// that a table recording object versions (WikiPages, PullRequests) runs
// after the tables whose reads it narrows, so that a run failing between
// them re-reads the objects next time instead of trusting a version whose
// child rows were never written.
func orderPlans(plans []*plan) []*plan {
	var early, late []*plan
	for _, p := range plans {
		switch p.src.Name {
		case "WikiPages", "PullRequests":
			late = append(late, p)
		default:
			early = append(early, p)
		}
	}
	return append(early, late...)
}

// planIndex is the statement position of a destination table, for
// reporting tables in statement order.
func planIndex(plans []*plan, dest string) int {
	for i, p := range plans {
		if p.dest == dest {
			return i
		}
	}
	return len(plans)
}

// loadVersions reads, before any table of the run outside the Issues family
// is written, the versions of the wiki pages and pull requests the
// destination holds, so their unchanged detail calls are skipped. It is
// done only for kinds whose version table is replicated by this run.
func (r *run) loadVersions(ctx context.Context, plans []*plan) (*plan, error) {
	r.versions = map[string]map[string]time.Time{}
	for kind, table := range versionTables {
		var vp *plan
		narrowed := false
		usable := true
		for _, p := range plans {
			if p.src.Name == table && p.c.Mode == jobsql.ModeMerge && !p.stmt.Settings.DropTable && !p.stmt.Settings.TruncateTable &&
				p.col("Id") == "Id" && p.col("Updated") == "Updated" && p.c.Match == nil {
				vp = p
			}
			if k, col := catalog.KeptColumn(p.src.Name); k == kind {
				narrowed = true
				// The object's rows must be recognisable in every table
				// narrowed, or unread rows would look stale.
				usable = usable && p.col(col) != "" && p.c.Match == nil
			}
		}
		if vp == nil || !narrowed || !usable {
			continue
		}
		// Before any object is read: what the feed says changed.
		changed, trusted, err := r.changedObjects(ctx, vp, kind)
		if err != nil {
			return vp, err
		}
		m := map[string]time.Time{}
		err = r.e.Dest.Query(ctx, vp.dest, backlogsync.Query{Columns: []string{"Id", "Updated"},
			Filter: backlogsync.Cmp{Column: "Account", Op: backlogsync.OpEq, Value: r.e.account()}},
			func(row backlogsync.Row) error {
				id, _ := row[0].(int64)
				if t, ok := row[1].(time.Time); ok {
					m[strconv.FormatInt(id, 10)] = t.UTC()
				}
				return nil
			})
		if backlogsync.ErrorCode(err) == backlogsync.ENOTFOUND {
			continue // first load
		}
		if err != nil {
			return vp, fmt.Errorf("reading stored %s versions: %w", table, err)
		}
		for id := range m {
			if !trusted || changed[id] {
				delete(m, id)
			}
		}
		r.versions[kind] = m
	}
	r.session.Unchanged = func(kind, id string, updated time.Time) bool {
		v, ok := r.versions[kind][id]
		return ok && v.Equal(updated)
	}
	return nil, nil
}

// prepare creates or checks the table (DropTable, TruncateTable,
// AlterSchema) and resets its checkpoints when its rows are gone.
func (r *run) prepare(ctx context.Context, p *plan) error {
	reset, err := prepare(ctx, r.dest, p.c, p.c.Settings)
	if err != nil {
		return err
	}
	if reset {
		return r.e.Dest.ResetCheckpoints(ctx, p.scope)
	}
	return nil
}

// table replicates one table outside the Issues family: every row is read
// (through the run's shared session) and upserted, and this account's
// stored rows that were not read are deleted, except the rows of objects
// the session kept because their version did not move. first reports a
// first load (no rows of this account stored before).
func (r *run) table(ctx context.Context, p *plan) (rt backlogsync.RunTable, first bool, err error) {
	rt.Table = p.dest
	e := r.e
	t0, end := r.track(p, &rt)
	defer end(&err)
	if err := r.prepare(ctx, p); err != nil {
		return rt, false, err
	}
	kind, col := catalog.KeptColumn(p.src.Name)
	if kind != "" {
		col = p.col(col)
	}
	// Rows whose values did not change are not written again, so that the
	// run counts as updated only the rows that changed (unchanged).
	set, err := e.storedRows(ctx, p, col)
	if err != nil {
		return rt, false, err
	}
	stored, objs, unchanged := set.keys, set.objs, set.fps
	first = len(stored) == 0
	q := catalog.Query{Account: e.account(), Where: slices.Clone(p.c.Pushdown)}
	cursor := p.col(p.src.Change.Cursor)
	appendOnly := p.src.Change.Kind == catalog.ChangeAppend && p.src.Change.Cursor != "" && cursor != ""
	if appendOnly && !first {
		// An append-only feed: read above the newest id stored.
		top, err := r.maxStored(ctx, p, cursor)
		if err != nil {
			return rt, first, err
		}
		rolledBack, err := r.activityRollback(ctx, p, top)
		if err != nil {
			return rt, first, err
		}
		if rolledBack {
			appendOnly = false // read in full, stale rows deleted
		} else {
			q.Where = append(q.Where, catalog.Cmp(p.src.Change.Cursor, catalog.OpGT, top))
		}
	}
	w := &writer{e: e, p: p, rt: &rt, after: func() { r.progress(p, PhaseLoad, &rt, -1, t0) }}
	seen := make(map[string]bool, len(stored))
	fetched := 0
	err = catalog.FetchWith(ctx, e.Client, p.src.Name, q, r.session, func(row backlogsync.Row) error {
		out, key, ok := p.row(row)
		if !ok {
			return nil
		}
		fetched++
		k := keyString(key)
		seen[k] = true
		if fp, ok := unchanged[k]; ok && fp == rowFingerprint(p.table, out) {
			return nil
		}
		return w.upsert(ctx, out)
	})
	if err != nil {
		return rt, first, err
	}
	stale := 0
	if !p.stmt.Settings.SkipDeleted && !appendOnly {
		var kept map[string]bool
		if kind != "" {
			kept = r.session.Kept(kind)
		}
		for k, v := range stored {
			if seen[k] {
				continue
			}
			if id, ok := objs[k]; ok && kept[strconv.FormatInt(id, 10)] {
				continue // the object did not change: its rows stay
			}
			stale++
			if err := w.delete(ctx, v); err != nil {
				return rt, first, err
			}
		}
	}
	if fetched == 0 && stale > 0 {
		r.log.Warn("!!! fetched no rows: deleting every stored row of this account", "table", p.dest, "deleted", stale)
	}
	r.alarm(p, len(stored), fetched, stale)
	if err := w.flush(ctx, r.versionCheckpoint(p)); err != nil {
		return rt, first, err
	}
	r.log.Info("table replicated", "table", p.dest, "fetched", fetched, "inserted", rt.Inserted,
		"updated", rt.Updated, "deleted", rt.Deleted)
	return rt, first, nil
}

// maxStored returns the largest BIGINT value of col among this account's
// rows of p's table (0 when none).
func (r *run) maxStored(ctx context.Context, p *plan, col string) (int64, error) {
	var top int64
	err := r.e.Dest.Query(ctx, p.dest, backlogsync.Query{Columns: []string{col}, Limit: 1,
		OrderBy: []backlogsync.Order{{Column: col, Desc: true}},
		Filter:  backlogsync.Cmp{Column: "Account", Op: backlogsync.OpEq, Value: r.e.account()}},
		func(row backlogsync.Row) error {
			top, _ = row[0].(int64)
			return nil
		})
	return top, err
}

// progress sends a report to Engine.Progress.
// track reports the start of p's table and returns when it began and a
// func, to defer with the caller's named error, that reports its end
// (done, or failed when the error is set).
func (r *run) track(p *plan, rt *backlogsync.RunTable) (time.Time, func(*error)) {
	t0 := time.Now()
	r.progress(p, PhaseStart, rt, -1, t0)
	return t0, func(err *error) {
		ph := PhaseDone
		if *err != nil {
			ph = PhaseFailed
		}
		r.progress(p, ph, rt, -1, t0)
	}
}

func (r *run) progress(p *plan, ph Phase, rt *backlogsync.RunTable, expected int64, t0 time.Time) {
	if r.e.Progress == nil {
		return
	}
	st := r.e.Client.Stats().Total()
	r.e.Progress(Progress{Table: p.dest, Phase: ph, Rows: rt.Inserted + rt.Updated + rt.Deleted, Expected: expected,
		Requests: st.Requests - r.start.Total().Requests, Rate: r.e.Client.LastRate(backlog.RateRead), Elapsed: time.Since(t0)})
}
