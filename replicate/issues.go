package replicate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/catalog"
)

// The Issues family (Issues and every table below it: custom-field values,
// categories, comments and their change logs…) is read in one pass: the
// engine reads the issue list itself, a page of 100 at a time, and fills
// every family table of the run from that page (catalog.Session), so each
// issue and each comment list is read once however many family tables are
// replicated.
//
// First load: issues are read in windows of creation dates (sort=created,
// asc), each window's size counted with /issues/count when it is planned
// and checked again when it has been read; a window whose count does not
// match (issues created or deleted while it was paged) is read again.
// After every page the rows of every family table are written together
// with the family's state (window, offset), so a killed load resumes at the
// page where it stopped. An issue never updated has no comment: no comment
// call is made for it.
//
// Incremental: the activity feed above the stored activity id gives the
// issues changed and deleted since the last run; GET /issues with
// updatedSince (the API takes a date: one day before the cursor, sorted by
// updated descending) finds the changed issues and stops at the first
// issue older than the cursor; issues the feed named but the list did not
// show (the list shifts while it is paged) are read by id. For each changed
// issue the embedded child tables are replaced and only comments above the
// last stored comment id are read. Deleted issues are removed from every
// family table.

// issuesState is the checkpoint of the Issues family, stored with the rows
// of each family table (key "cursor" in the table's scope).
type issuesState struct {
	// Phase is "load" while a first load (or reload) is under way, then
	// "incremental".
	Phase string `json:"phase"`
	// Updated is the latest Updated of an issue stored: the incremental
	// cursor (during a load, the cursor the load will hand over).
	Updated time.Time `json:"updated"`
	// ActivityID is the newest activity already applied (during a load: the
	// newest activity when the load began).
	ActivityID int64 `json:"activityId"`
	// ActivityTime is the creation time (server clock, whole seconds) of
	// the activity ActivityID when a load began: the load's feed horizon.
	// An issue created in a later second has every comment in the feed
	// above ActivityID, which the incremental run after the load reads.
	ActivityTime time.Time `json:"activityTime,omitzero"`
	// Reload marks a load over a table that already held rows: stale rows
	// are deleted when it ends, and a killed reload starts over.
	Reload bool `json:"reload,omitempty"`
	// Resync marks a reload after a source rollback: comments are read in
	// full and stored comments the source no longer has are deleted (they
	// are otherwise read above the last one stored).
	Resync bool `json:"resync,omitempty"`
	// Windows are the load's creation-date windows, Window the one being
	// read and Offset the number of its issues already stored.
	Windows []loadWindow `json:"windows,omitempty"`
	Window  int          `json:"window,omitempty"`
	Offset  int          `json:"offset,omitempty"`
}

// loadWindow is an inclusive range of creation dates ("" = open) and the
// number of issues the API counted in it.
type loadWindow struct {
	Since string `json:"since,omitempty"`
	Until string `json:"until,omitempty"`
	Count int    `json:"count"`
}

const (
	phaseLoad        = "load"
	phaseIncremental = "incremental"
	pageSize         = 100
)

// windowTarget is the largest number of issues a load window is planned to
// hold: large enough that the count calls cost ~1% of the pages, small
// enough that re-reading a window is cheap. (A variable for tests.)
var windowTarget = 40000

// less reports whether a is less advanced than b.
func (a issuesState) less(b issuesState) bool {
	if a.Phase != b.Phase {
		return a.Phase == phaseLoad
	}
	if a.Phase == phaseLoad {
		if a.Window != b.Window {
			return a.Window < b.Window
		}
		return a.Offset < b.Offset
	}
	if !a.Updated.Equal(b.Updated) {
		return a.Updated.Before(b.Updated)
	}
	return a.ActivityID < b.ActivityID
}

// family is one run of the Issues family.
type family struct {
	r        *run
	plans    []*plan // Issues last
	issues   []*plan // the plans over Issues (several statements may read it)
	tables   map[*plan]*backlogsync.RunTable
	state    issuesState
	pristine bool // nothing of this account was stored: no stale rows to find
	projects []int64
	seen     map[int64]bool // issue ids read by a reload
	winSeen  map[int64]int  // issue ids read in the current load window → their offset
	deleted  map[int64]bool // issues deleted since the load began (activity feed)
	delAct   int64          // the newest deletion activity read
	pre      []*prefetch    // the next pages, read ahead, in offset order
	touched  map[int64]bool // issues with activities other than their creation (incremental)
	recheck  map[int64]bool // issues whose comments are read again in full (CommentRecheckDays, moves): markRecheck
	// pending holds, per table, the rows of pages stored but not yet
	// written (see flush); grouped counts the issues of those pages.
	pending  map[*plan]*writer
	grouped  int
	inflight *inflight // a group being written (first loads)
	expected int64
	t0       time.Time
}

// familyDepth is the number of tables between t and Issues, t included.
func familyDepth(t *catalog.Table) int {
	d := 0
	for t != nil && t.Name != "Issues" && d < 10 {
		d++
		t, _ = catalog.Lookup(t.Parent)
	}
	return d
}

// issuesFamily replicates the family tables of the run. It returns their
// run rows, the number of first loads, and on error the plan to blame.
func (r *run) issuesFamily(ctx context.Context, plans []*plan) ([]backlogsync.RunTable, int, *plan, error) {
	f := &family{r: r, tables: map[*plan]*backlogsync.RunTable{}, expected: -1, t0: time.Now()}
	for _, p := range plans {
		if p.src.Name == "Issues" {
			f.issues = append(f.issues, p)
		} else {
			f.plans = append(f.plans, p)
		}
	}
	// Children before their parents (Issues last), for destinations that
	// write a page's tables one by one: a stored comment means its change
	// log is stored, a stored issue that its child rows are.
	slices.SortStableFunc(f.plans, func(a, b *plan) int { return familyDepth(b.src) - familyDepth(a.src) })
	f.plans = append(f.plans, f.issues...)
	out := func() []backlogsync.RunTable {
		var rts []backlogsync.RunTable
		for _, p := range f.plans {
			rts = append(rts, *f.tables[p])
		}
		return rts
	}
	for _, p := range f.plans {
		f.tables[p] = &backlogsync.RunTable{Table: p.dest}
		f.progress(p, PhaseStart)
	}
	first, blame, err := f.run(ctx)
	for _, p := range f.plans {
		if err != nil {
			f.progress(p, PhaseFailed)
		} else {
			f.progress(p, PhaseDone)
		}
	}
	if blame == nil {
		blame = f.plans[0]
	}
	return out(), first, blame, err
}

func (f *family) progress(p *plan, ph Phase) {
	f.r.progress(p, ph, f.tables[p], f.expected, f.t0)
}

func (f *family) run(ctx context.Context) (int, *plan, error) {
	r, e := f.r, f.r.e
	log := r.log
	// Tables, checkpoints, stored rows.
	var states []*issuesState
	firstLoads := 0
	anyRows := false
	for _, p := range f.plans {
		if err := r.prepare(ctx, p); err != nil {
			return 0, p, err
		}
		v, ok, err := e.Dest.Checkpoint(ctx, p.scope, checkpointKey)
		if err != nil {
			return 0, p, err
		}
		f.tables[p].CursorBefore = v
		hasRows, err := f.hasRows(ctx, p)
		if err != nil {
			return 0, p, err
		}
		anyRows = anyRows || hasRows
		var st *issuesState
		if ok {
			var s issuesState
			switch {
			case json.Unmarshal([]byte(v), &s) != nil:
				log.Warn("unreadable checkpoint: reloading the Issues tables", "table", p.dest, "checkpoint", v)
			case s.Updated.After(e.now().Add(24 * time.Hour)):
				log.Warn("checkpoint is in the future (poisoned cursor): reloading the Issues tables", "table", p.dest, "checkpoint", v)
			case s.Phase == "" && !s.Updated.IsZero():
				s.Phase = phaseIncremental // written by version 1
				st = &s
			case s.Phase == phaseIncremental && !hasRows && !s.Updated.IsZero() && p.src.Name == "Issues" && p.c.Match == nil:
				log.Warn("checkpoint but no rows stored: reloading the Issues tables", "table", p.dest)
			case s.Phase == phaseLoad || s.Phase == phaseIncremental:
				st = &s
			default:
				log.Warn("unknown checkpoint phase: reloading the Issues tables", "table", p.dest, "checkpoint", v)
			}
		}
		if st == nil && !hasRows {
			firstLoads++
		}
		states = append(states, st)
	}
	var cur *issuesState
	for _, s := range states {
		if s == nil {
			cur = nil
			break
		}
		if cur == nil || s.less(*cur) {
			cur = s
		}
	}
	resync := cur != nil && cur.Resync
	// A load being resumed checks for a source rollback here; an
	// incremental run checks while it reads the feed, which spares the
	// request when the feed shows activity above the cursor (incremental).
	if cur != nil && cur.ActivityID > 0 && cur.Phase != phaseIncremental {
		back, err := f.rolledBack(ctx, cur.ActivityID)
		if err != nil {
			return firstLoads, nil, err
		}
		if back {
			cur = nil // reload: every issue read again, the others deleted
			resync = true
		}
	}
	f.pristine = !anyRows
	projects, err := f.projectIDs(ctx)
	if err != nil {
		return firstLoads, nil, err
	}
	f.projects = f.narrow(projects)
	switch {
	case cur != nil && cur.Phase == phaseIncremental:
		f.state = *cur
		err := f.incremental(ctx)
		if !errors.Is(err, errRolledBack) {
			return firstLoads, nil, err
		}
		// Nothing was written: reload, every issue read again, the
		// others deleted.
		if err := f.startLoad(ctx, anyRows, true); err != nil {
			return firstLoads, nil, err
		}
	case cur != nil && cur.Phase == phaseLoad && !cur.Reload:
		f.state = *cur
		f.pristine = true // rows stored by the load itself are not stale
		log.Info("resuming the Issues load", "window", cur.Window+1, "windows", len(cur.Windows), "offset", cur.Offset)
	default:
		if err := f.startLoad(ctx, anyRows, resync); err != nil {
			return firstLoads, nil, err
		}
	}
	return firstLoads, nil, f.load(ctx)
}

// startLoad sets the state of a new load: the activity cursor and the
// created-date windows. anyRows says the tables hold rows already (a
// reload), resync that a source rollback was detected.
func (f *family) startLoad(ctx context.Context, anyRows, resync bool) error {
	if anyRows {
		f.r.log.Info("reloading the Issues tables (rows stored without a usable checkpoint)")
	}
	act, actTime, err := f.latestActivity(ctx)
	if err != nil {
		return fmt.Errorf("reading the activity cursor: %w", err)
	}
	windows, err := f.planWindows(ctx)
	if err != nil {
		return fmt.Errorf("planning the load windows: %w", err)
	}
	f.state = issuesState{Phase: phaseLoad, ActivityID: act, ActivityTime: actTime, Reload: anyRows, Resync: resync && anyRows, Windows: windows}
	f.touched = nil // every issue of a load has its comments read
	return nil
}

// narrow keeps the projects every family statement's WHERE allows, when
// each of them restricts ProjectId (WHERE ProjectId = 3 reads one
// project's issues, not the space's).
func (f *family) narrow(projects []int64) []int64 {
	allowed := map[int64]bool{}
	for _, p := range f.plans {
		restricted := false
		for _, pr := range p.c.Pushdown {
			if pr.Column != "ProjectId" || pr.Op != catalog.OpEq && pr.Op != catalog.OpIn {
				continue
			}
			restricted = true
			for _, v := range pr.Values {
				if id, ok := v.(int64); ok {
					allowed[id] = true
				}
			}
		}
		if !restricted {
			return projects
		}
	}
	var out []int64
	for _, id := range projects {
		if allowed[id] {
			out = append(out, id)
		}
	}
	return out
}

// hasRows reports whether this account has rows in p's table.
func (f *family) hasRows(ctx context.Context, p *plan) (bool, error) {
	found := false
	err := f.r.e.Dest.Query(ctx, p.dest, backlogsync.Query{Columns: p.table.PrimaryKey[:1], Limit: 1,
		Filter: f.acct(p)},
		func(backlogsync.Row) error { found = true; return nil })
	return found, err
}

// projectIDs lists every visible project (GET /issues without projectId[]
// covers only the projects the user joined), through the run's session so
// the other tables of the run do not list them again.
func (f *family) projectIDs(ctx context.Context) ([]int64, error) {
	ids, err := catalog.ProjectIDs(ctx, f.r.e.Client, f.r.session)
	if err != nil {
		return nil, fmt.Errorf("listing projects: %w", err)
	}
	return ids, nil
}

// latestActivity returns the id and creation time (whole seconds, UTC) of
// the newest space activity (0 and zero time when none).
func (f *family) latestActivity(ctx context.Context) (int64, time.Time, error) {
	acts, _, err := f.r.e.Client.Activities.ListSpace(ctx, &backlog.ActivityListOptions{CursorOptions: backlog.CursorOptions{Count: 1, Order: backlog.OrderDesc}})
	if err != nil || len(acts) == 0 {
		return 0, time.Time{}, err
	}
	return acts[0].ID, acts[0].Created.UTC().Truncate(time.Second), nil
}

// count is /issues/count over every project for a creation-date window.
func (f *family) count(ctx context.Context, w loadWindow) (int, error) {
	o := &backlog.IssueListOptions{ProjectIDs: f.projects}
	f.window(o, w)
	n, _, err := f.r.e.Client.Issues.Count(ctx, o)
	return n, err
}

// window sets o's creation-date parameters.
func (f *family) window(o *backlog.IssueListOptions, w loadWindow) {
	if w.Since != "" {
		o.CreatedSince, _ = backlog.ParseDate(w.Since)
	}
	if w.Until != "" {
		o.CreatedUntil, _ = backlog.ParseDate(w.Until)
	}
}

// startDate is the earliest ReplicateStartDate (as a UTC day) of the
// family's statements, or zero when one of them reads every issue.
func (f *family) startDate() time.Time {
	var start time.Time
	for _, p := range f.plans {
		d := p.c.StartDate
		if d.IsZero() {
			return time.Time{}
		}
		d = d.UTC().Truncate(24 * time.Hour)
		if start.IsZero() || d.Before(start) {
			start = d
		}
	}
	return start
}

// step is the ReplicateInterval of the family's statements (the first
// that sets one), or nil.
func (f *family) step() func(time.Time) time.Time {
	for _, p := range f.plans {
		if p.c.Step != nil {
			return p.c.Step
		}
	}
	return nil
}

// planWindows splits the issues into windows of creation dates holding at
// most windowTarget issues each (a single day may hold more), bisecting
// the date range with /issues/count. The last window is open-ended.
func (f *family) planWindows(ctx context.Context) ([]loadWindow, error) {
	if len(f.projects) == 0 {
		return []loadWindow{{}}, nil
	}
	// ReplicateStartDate on every family statement: older issues are not
	// read at all. createdSince is a day in the server's time zone, so the
	// day before is asked for; the statements' filters drop the rest.
	start, since := f.startDate(), ""
	if !start.IsZero() {
		start = start.AddDate(0, 0, -1)
		since = start.Format(time.DateOnly)
	}
	total, err := f.count(ctx, loadWindow{Since: since})
	if err != nil {
		return nil, err
	}
	f.expected = int64(total)
	if total <= windowTarget && f.step() == nil {
		return []loadWindow{{Since: since, Count: total}}, nil
	}
	o := &backlog.IssueListOptions{ProjectIDs: f.projects,
		Sort: backlog.SortCreated, Order: backlog.OrderAsc, ListOptions: backlog.ListOptions{Count: 1}}
	f.window(o, loadWindow{Since: since})
	first, _, err := f.r.e.Client.Issues.List(ctx, o)
	if err != nil {
		return nil, err
	}
	if len(first) == 0 {
		return []loadWindow{{Since: since, Count: total}}, nil
	}
	lo := first[0].Created.UTC().Truncate(24 * time.Hour)
	if lo.Before(start) {
		lo = start
	}
	hi := f.r.e.now().UTC().Truncate(24 * time.Hour)
	if hi.Before(lo) {
		hi = lo
	}
	if step := f.step(); step != nil {
		// ReplicateInterval: windows of that length, each counted.
		var out []loadWindow
		for from := lo; !from.After(hi); {
			to := step(from).AddDate(0, 0, -1) // inclusive days
			if to.Before(from) {
				to = from
			}
			w := loadWindow{Since: from.Format(time.DateOnly), Until: to.Format(time.DateOnly)}
			if !to.Before(hi) {
				w.Until = ""
			}
			n, err := f.count(ctx, w)
			if err != nil {
				return nil, err
			}
			w.Count = n
			if n > 0 || w.Until == "" {
				out = append(out, w)
			}
			from = to.AddDate(0, 0, 1)
		}
		out[0].Since = since
		return out, nil
	}
	var out []loadWindow
	var split func(lo, hi time.Time, n int) error
	split = func(lo, hi time.Time, n int) error {
		days := int(hi.Sub(lo).Hours()/24 + 0.5)
		if n <= windowTarget || days == 0 {
			out = append(out, loadWindow{Since: lo.Format(time.DateOnly), Until: hi.Format(time.DateOnly), Count: n})
			return nil
		}
		mid := lo.AddDate(0, 0, days/2)
		if days/2 == 0 {
			mid = lo
		}
		left, err := f.count(ctx, loadWindow{Since: lo.Format(time.DateOnly), Until: mid.Format(time.DateOnly)})
		if err != nil {
			return err
		}
		if err := split(lo, mid, left); err != nil {
			return err
		}
		return split(mid.AddDate(0, 0, 1), hi, n-left)
	}
	if err := split(lo, hi, total); err != nil {
		return nil, err
	}
	out[0].Since = since       // nothing older exists (or is wanted); keep it open anyway
	out[len(out)-1].Until = "" // issues created during the load
	return out, nil
}
