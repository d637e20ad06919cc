package replicate

import (
	"context"
	"encoding/json"
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
	recheck  map[int64]bool // issues whose comments are read again in full (CommentRecheckDays)
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
	if cur != nil && cur.ActivityID > 0 {
		newest, err := r.newestActivity(ctx)
		if err != nil {
			return firstLoads, nil, err
		}
		if cur.ActivityID > newest {
			r.rollback(f.plans[len(f.plans)-1].dest, cur.ActivityID, newest)
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
		return firstLoads, nil, f.incremental(ctx)
	case cur != nil && cur.Phase == phaseLoad && !cur.Reload:
		f.state = *cur
		f.pristine = true // rows stored by the load itself are not stale
		log.Info("resuming the Issues load", "window", cur.Window+1, "windows", len(cur.Windows), "offset", cur.Offset)
	default:
		if anyRows {
			log.Info("reloading the Issues tables (rows stored without a usable checkpoint)")
		}
		act, actTime, err := f.latestActivity(ctx)
		if err != nil {
			return firstLoads, nil, fmt.Errorf("reading the activity cursor: %w", err)
		}
		windows, err := f.planWindows(ctx)
		if err != nil {
			return firstLoads, nil, fmt.Errorf("planning the load windows: %w", err)
		}
		f.state = issuesState{Phase: phaseLoad, ActivityID: act, ActivityTime: actTime, Reload: anyRows, Resync: resync && anyRows, Windows: windows}
	}
	return firstLoads, nil, f.load(ctx)
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

// load reads the windows from the state's position, writing each page
// with the state, then hands over to the incremental phase.
func (f *family) load(ctx context.Context) error {
	defer f.dropPrefetch()
	defer f.wait() // on an error, nothing is left writing
	r := f.r
	if f.state.Reload {
		f.seen = map[int64]bool{}
	}
	for f.state.Window < len(f.state.Windows) {
		w := f.state.Windows[f.state.Window]
		rereads := 0
		// The ids read in this window; partial when the window resumes.
		f.winSeen = map[int64]int{}
		partial := f.state.Offset > 0
		for {
			done, err := f.loadPage(ctx, w)
			if err != nil {
				return err
			}
			if !done {
				continue
			}
			// The window is read. An issue deleted after it was read
			// shifted the rest of the list up: the page boundary after it
			// skipped one issue, and the count cannot tell (one gone, one
			// missed). The activity feed names deleted issues.
			from, hit, err := f.deletedWhileRead(ctx, partial)
			if err != nil {
				return fmt.Errorf("reading deletions: %w", err)
			}
			if hit && rereads < 3 {
				// Read again from the page that held the deleted issue:
				// the issues after it moved up by one.
				rereads++
				r.log.Info("an issue of the window was deleted while it was read: reading the rest of the window again",
					"since", w.Since, "until", w.Until, "from", from)
				f.state.Offset, partial = from, from > 0
				continue
			}
			// Check its size: issues created meanwhile.
			n, err := f.count(ctx, w)
			if err != nil {
				return fmt.Errorf("counting window %d: %w", f.state.Window+1, err)
			}
			if n == f.state.Offset {
				break
			}
			if w.Until == "" && n > f.state.Offset && rereads < 3 {
				// Issues created meanwhile come last in the open window:
				// read on from where the window ended.
				rereads++
				w.Count = n
				f.state.Windows[f.state.Window] = w
				continue
			}
			if rereads >= 2 {
				r.log.Warn("issue window still changing after two re-reads: continuing (the next incremental run catches up through the activity feed)",
					"since", w.Since, "until", w.Until, "counted", n, "read", f.state.Offset)
				break
			}
			rereads++
			r.log.Info("issue window changed while it was read: reading it again", "since", w.Since, "until", w.Until,
				"counted", n, "read", f.state.Offset)
			w.Count = n
			f.state.Windows[f.state.Window] = w
			f.state.Offset, partial = 0, false
			f.winSeen = map[int64]int{}
		}
		f.state.Window++
		f.state.Offset = 0
		if err := f.checkpointAll(ctx); err != nil {
			return err
		}
	}
	if f.state.Reload {
		if err := f.deleteUnseen(ctx); err != nil {
			return err
		}
	}
	f.state = issuesState{Phase: phaseIncremental, Updated: f.state.Updated, ActivityID: f.state.ActivityID}
	r.log.Info("Issues load finished", "cursor", f.state.Updated, "activityId", f.state.ActivityID)
	return f.checkpointAll(ctx)
}

// loadPage reads and stores the next page of window w. done reports the
// end of the window (a short page).
func (f *family) loadPage(ctx context.Context, w loadWindow) (done bool, err error) {
	if len(f.projects) == 0 {
		return true, nil
	}
	var page []*backlog.Issue
	if len(f.pre) > 0 && f.pre[0].window == f.state.Window && f.pre[0].offset == f.state.Offset {
		res := <-f.pre[0].ch
		f.pre = f.pre[1:]
		page, err = res.page, res.err
	} else {
		f.dropPrefetch()
		page, err = f.fetchPage(ctx, w, f.state.Offset)
	}
	if err != nil {
		return false, err
	}
	// Read the next pages while this one is written, when they are known
	// to exist (so no request is wasted): two, so that the server works on
	// one while the other travels and is decoded.
	if len(page) == pageSize {
		next := f.state.Offset + len(page)
		if n := len(f.pre); n > 0 {
			next = f.pre[n-1].offset + pageSize
		}
		for ; len(f.pre) < prefetchPages && next < w.Count; next += pageSize {
			pre := &prefetch{window: f.state.Window, offset: next, ch: make(chan pageResult, 1)}
			f.pre = append(f.pre, pre)
			go func(offset int) {
				p, err := f.fetchPage(ctx, w, offset)
				pre.ch <- pageResult{p, err}
			}(next)
		}
	}
	for i, is := range page {
		if t := is.Updated.UTC().Truncate(time.Second); t.After(f.state.Updated) {
			f.state.Updated = t
		}
		if f.seen != nil {
			f.seen[is.ID] = true
		}
		f.winSeen[is.ID] = f.state.Offset + i
	}
	f.state.Offset += len(page)
	if err := f.store(ctx, page, PhaseLoad); err != nil {
		return false, err
	}
	// A window is done at a short page, or when it holds as many issues as
	// were counted (the count is checked again, which saves reading an
	// empty page).
	return len(page) < pageSize || w.Count > 0 && f.state.Offset >= w.Count, nil
}

// prefetch is a page of issues being read ahead.
type prefetch struct {
	window, offset int
	ch             chan pageResult
}

type pageResult struct {
	page []*backlog.Issue
	err  error
}

// prefetchPages is how many pages of a load window are read ahead.
const prefetchPages = 2

// dropPrefetch waits for the pages read ahead that will not be used.
func (f *family) dropPrefetch() {
	for _, pre := range f.pre {
		<-pre.ch
	}
	f.pre = nil
}

// fetchPage reads the page of window w at offset.
func (f *family) fetchPage(ctx context.Context, w loadWindow, offset int) ([]*backlog.Issue, error) {
	o := &backlog.IssueListOptions{ProjectIDs: f.projects, Sort: backlog.SortCreated, Order: backlog.OrderAsc,
		ListOptions: backlog.ListOptions{Offset: offset, Count: pageSize}}
	f.window(o, w)
	page, _, err := f.r.e.Client.Issues.List(ctx, o)
	return page, err
}

// deletedWhileRead reads the issue deletions announced since the load
// began and reports whether one of them was read in the current window,
// with the offset to read the window again from (the start of the page
// the earliest such issue was read in). A resumed window (partial) whose
// earlier ids are unknown is read again from its start when any issue was
// deleted.
func (f *family) deletedWhileRead(ctx context.Context, partial bool) (from int, hit bool, err error) {
	if f.deleted == nil {
		f.deleted = map[int64]bool{}
		f.delAct = f.state.ActivityID
	}
	var fresh []int64
	for a, err := range f.r.e.Client.Activities.SpaceIter(ctx, &backlog.ActivityListOptions{
		TypeIDs:       []backlog.ActivityType{backlog.ActivityIssueDeleted},
		CursorOptions: backlog.CursorOptions{MinID: f.delAct, Count: 100, Order: backlog.OrderAsc}}) {
		if err != nil {
			return 0, false, err
		}
		if a.ID <= f.delAct || a.Type != backlog.ActivityIssueDeleted {
			continue
		}
		f.delAct = a.ID
		for _, id := range activityIssues(a) {
			f.deleted[id] = true
			fresh = append(fresh, id)
		}
	}
	if partial && len(fresh) > 0 {
		return 0, true, nil
	}
	from = -1
	for _, id := range fresh {
		if pos, ok := f.winSeen[id]; ok && (from < 0 || pos < from) {
			from = pos
		}
	}
	if from < 0 {
		return 0, false, nil
	}
	for id := range f.deleted {
		delete(f.winSeen, id)
	}
	return from - from%pageSize, true, nil
}

// checkpointAll stores the state for every family table (no rows).
func (f *family) checkpointAll(ctx context.Context) error {
	if err := f.wait(); err != nil {
		return err
	}
	if f.pending != nil {
		return f.flush(ctx, PhaseLoad)
	}
	v, _ := json.Marshal(f.state)
	for _, p := range f.plans {
		cp := &backlogsync.Checkpoint{Scope: p.scope, Key: checkpointKey, Value: string(v)}
		if _, err := f.r.e.Dest.Write(ctx, backlogsync.Batch{Checkpoint: cp}); err != nil {
			return err
		}
		f.tables[p].CursorAfter = string(v)
	}
	return nil
}

// store writes the family rows of a page of issues, each table's batch
// carrying the state (see flush); the pages of a first load are written a
// few at a time.
func (f *family) store(ctx context.Context, page []*backlog.Issue, ph Phase) error {
	e := f.r.e
	ids := make([]any, len(page))
	for i, is := range page {
		ids[i] = is.ID
	}
	s := &catalog.Session{Issues: page}
	s.NoComments = f.noComments(ph)
	if !f.pristine && !f.state.Resync {
		above, err := f.lastComments(ctx, ids)
		if err != nil {
			return err
		}
		for id := range f.recheck {
			delete(above, id) // all its comments are read
		}
		s.CommentsAbove = above
	}
	for _, p := range f.plans {
		w := f.writer(p)
		emitted := map[string]bool{}
		err := catalog.FetchWith(ctx, e.Client, p.src.Name, catalog.Query{Account: e.account()}, s, func(row backlogsync.Row) error {
			out, key, ok := p.row(row)
			if !ok {
				// The statement's filter rejects the row (now): a stored
				// copy leaves the destination.
				if f.pristine || p.stmt.Settings.SkipDeleted {
					return nil
				}
				return w.delete(ctx, key)
			}
			if !f.pristine {
				emitted[keyString(key)] = true
			}
			return w.upsert(ctx, out)
		})
		if err != nil {
			return fmt.Errorf("%s: %w", p.dest, err)
		}
		if col := p.col("IssueId"); !f.pristine && len(page) > 0 && p.src.Name != "Issues" && !p.stmt.Settings.SkipDeleted && col != "" {
			// Child rows the issues no longer have. Comments are read
			// above the last one stored, except in a resync and for the
			// issues rechecked (CommentRecheckDays): only then are
			// unread comment rows stale.
			scope := ids
			if commentTable(p.src) && !f.state.Resync {
				scope = nil
				for _, is := range page {
					if f.recheck[is.ID] {
						scope = append(scope, is.ID)
					}
				}
			}
			if len(scope) == 0 {
				continue
			}
			err := f.keysWhere(ctx, p, backlogsync.In{Column: col, Values: scope}, func(k []any) error {
				if emitted[keyString(k)] {
					return nil
				}
				return w.delete(ctx, k)
			})
			if err != nil {
				return err
			}
		}
	}
	f.grouped += len(page)
	if ph == PhaseLoad && f.pristine {
		// A first load reads nothing back from the destination: its
		// pages are written a group at a time, while the next group is
		// read.
		if f.grouped < groupIssues && f.pendingRows() < groupRows {
			return nil
		}
		return f.flushAsync(ctx, ph)
	}
	return f.flush(ctx, ph)
}

// noComments returns the rule that tells which issues of a page need no
// comment call (docs/replication.md, "Comments are never skipped on a
// guess"). A comment moves an issue's Updated, but Updated has a one-second
// resolution: an issue commented in the second it was created keeps
// Updated == Created. Such an issue is skipped only when the activity feed
// the next incremental run reads is sure to name it if it has a comment:
//
//   - in a load, when it was created in a later second than the newest
//     activity at the load's start (ActivityTime): every activity of its
//     life, its comments' included, lies above ActivityID, where the
//     incremental run that follows the load starts reading the feed, and a
//     commented issue is read there again with its comments;
//   - in an incremental run, when the feed above the cursor named it with
//     nothing but its creation: a comment before the feed was read would
//     have been named, a comment after it lies above the next cursor.
//
// Every other issue has its comments read.
func (f *family) noComments(ph Phase) func(*backlog.Issue) bool {
	horizon := f.state.ActivityTime
	return func(is *backlog.Issue) bool {
		if !is.Updated.Equal(is.Created) {
			return false
		}
		if ph == PhaseLoad {
			return !horizon.IsZero() && is.Created.UTC().Truncate(time.Second).After(horizon)
		}
		return f.touched != nil && !f.touched[is.ID]
	}
}

// groupIssues is how many issues of a first load are written in one
// transaction (with every family table and the checkpoints), unless their
// rows reach groupRows first; variables for tests.
var (
	groupIssues = 500
	groupRows   = 20000
)

// pendingRows counts the rows and deletes waiting for flush.
func (f *family) pendingRows() int {
	n := 0
	for _, w := range f.pending {
		n += len(w.rows) + len(w.dels)
	}
	return n
}

// writer returns the writer holding p's pending rows.
func (f *family) writer(p *plan) *writer {
	if f.pending == nil {
		f.pending = map[*plan]*writer{}
	}
	w := f.pending[p]
	if w == nil {
		// The rows wait for flush whatever BatchSize says: a page's
		// rows of all the family tables are written together (a stored
		// comment without its change log would never be read again:
		// comments are read above the last one stored).
		w = &writer{e: f.r.e, p: p, rt: f.tables[p], held: true}
		f.pending[p] = w
	}
	return w
}

// flush writes the pending rows of every family table with the state as
// their checkpoint, in one transaction when the destination can (children
// before parents otherwise: a stored issue row means its child rows are
// stored). Everything that checkpoints the state or reads the destination
// back flushes first.
func (f *family) flush(ctx context.Context, ph Phase) error {
	return f.write(ctx, ph, false)
}

// flushAsync is flush in the background: the write of the pending rows
// runs while the caller goes on reading, and its outcome is collected by
// the next flush, wait or checkpointAll. At most one group is in flight.
func (f *family) flushAsync(ctx context.Context, ph Phase) error {
	return f.write(ctx, ph, true)
}

func (f *family) write(ctx context.Context, ph Phase, async bool) error {
	if err := f.wait(); err != nil {
		return err
	}
	batches, apply := f.take(ph)
	if batches == nil {
		return nil
	}
	if !async {
		res, err := writeAll(ctx, f.r.e.Dest, batches)
		if err != nil {
			return err
		}
		apply(res)
		return nil
	}
	in := &inflight{done: make(chan writeOutcome, 1), apply: apply}
	go func() {
		res, err := writeAll(ctx, f.r.e.Dest, batches)
		in.done <- writeOutcome{res, err}
	}()
	f.inflight = in
	return nil
}

// inflight is a group of batches being written by flushAsync.
type inflight struct {
	done  chan writeOutcome
	apply func([]backlogsync.WriteResult)
}

type writeOutcome struct {
	res []backlogsync.WriteResult
	err error
}

// wait collects the group in flight, if any: its counts and checkpoint
// move into the run's tables, or its error is returned.
func (f *family) wait() error {
	in := f.inflight
	if in == nil {
		return nil
	}
	f.inflight = nil
	out := <-in.done
	if out.err != nil {
		return out.err
	}
	in.apply(out.res)
	return nil
}

// take hands the pending rows of every family table over as batches, each
// carrying the current state as its checkpoint, and returns the function
// that books their results (nil batches when nothing is pending).
func (f *family) take(ph Phase) ([]backlogsync.Batch, func([]backlogsync.WriteResult)) {
	if f.pending == nil {
		return nil, nil
	}
	v, _ := json.Marshal(f.state)
	batches := make([]backlogsync.Batch, 0, len(f.plans))
	var ws []*writer
	for _, p := range f.plans {
		w := f.pending[p]
		if w == nil {
			continue
		}
		ws = append(ws, w)
		batches = append(batches, backlogsync.Batch{Table: p.table, Upserts: w.rows, Deletes: w.dels,
			Checkpoint: &backlogsync.Checkpoint{Scope: p.scope, Key: checkpointKey, Value: string(v)}})
	}
	f.pending, f.grouped = nil, 0
	return batches, func(res []backlogsync.WriteResult) {
		for i, w := range ws {
			rt := w.rt
			rt.Inserted += res[i].Inserted
			rt.Updated += res[i].Updated
			rt.Deleted += res[i].Deleted
			rt.Altered += res[i].Altered
			warnAltered(f.r.log, w.p.dest, res[i].Altered)
			rt.CursorAfter = string(v)
			f.r.progress(w.p, ph, rt, f.expected, f.t0)
		}
	}
}

// issueCol is the destination column of p holding the issue id ("" when
// the statement's SELECT list left it out).
func issueCol(p *plan) string {
	if p.src.Name == "Issues" {
		return p.col("Id")
	}
	return p.col("IssueId")
}

// acct selects this account's rows of p's table.
func (f *family) acct(p *plan) backlogsync.Expr {
	return backlogsync.Cmp{Column: p.table.Columns[0].Name, Op: backlogsync.OpEq, Value: f.r.e.account()}
}

// commentTable reports whether t holds comments or their parts: those are
// read above the last stored comment, so unread rows are not stale.
func commentTable(t *catalog.Table) bool {
	return t.Name == "IssueComments" || t.Parent == "IssueComments"
}

// keysWhere calls fn with the key of each of this account's rows of p's
// table that filter selects.
func (f *family) keysWhere(ctx context.Context, p *plan, filter backlogsync.In, fn func([]any) error) error {
	var keys [][]any
	err := f.queryIn(ctx, p, p.table.PrimaryKey, filter, func(row backlogsync.Row) error {
		keys = append(keys, append([]any(nil), row...))
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := fn(k); err != nil {
			return err
		}
	}
	return nil
}

// queryIn calls fn with cols of this account's rows of p's table whose
// in.Column is one of in.Values. When that column is indexed the account
// is checked here rather than in the query: with both, SQLite's planner
// picks the primary key (Account first) and reads every row of the
// account.
func (f *family) queryIn(ctx context.Context, p *plan, cols []string, in backlogsync.In, fn func(backlogsync.Row) error) error {
	if !slices.Contains(p.table.Indexes, in.Column) {
		return f.r.e.Dest.Query(ctx, p.dest, backlogsync.Query{Columns: cols, Filter: backlogsync.And{f.acct(p), in}}, fn)
	}
	acct := p.table.Columns[0].Name
	all := append(slices.Clone(cols), acct)
	want := f.r.e.account()
	return f.r.e.Dest.Query(ctx, p.dest, backlogsync.Query{Columns: all, Filter: in}, func(row backlogsync.Row) error {
		if a, _ := row[len(cols)].(string); a != want {
			return nil
		}
		return fn(row[:len(cols)])
	})
}

// lastComments returns the largest stored comment id of each issue (from
// IssueComments when the run replicates it; otherwise every comment is
// read again).
func (f *family) lastComments(ctx context.Context, ids []any) (map[int64]int64, error) {
	var cp *plan
	for _, p := range f.plans {
		if p.src.Name == "IssueComments" {
			cp = p
		}
	}
	if cp == nil {
		return nil, nil
	}
	out := map[int64]int64{}
	if cp.col("IssueId") == "" || cp.col("Id") == "" {
		return nil, nil
	}
	err := f.queryIn(ctx, cp, []string{cp.col("IssueId"), cp.col("Id")}, backlogsync.In{Column: cp.col("IssueId"), Values: ids},
		func(row backlogsync.Row) error {
			is, _ := row[0].(int64)
			id, _ := row[1].(int64)
			out[is] = max(out[is], id)
			return nil
		})
	return out, err
}

// deleteIssues removes the issues ids from every family table.
func (f *family) deleteIssues(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	for chunk := range slices.Chunk(ids, 500) {
		vals := make([]any, len(chunk))
		for i, id := range chunk {
			vals[i] = id
		}
		for _, p := range f.plans {
			if p.stmt.Settings.SkipDeleted {
				continue
			}
			col := issueCol(p)
			if col == "" {
				f.r.log.Warn("cannot delete the rows of deleted issues: the statement's SELECT list has no issue id column; add IssueId (Id for Issues) to it", "table", p.dest)
				continue
			}
			w := &writer{e: f.r.e, p: p, rt: f.tables[p]}
			if err := f.keysWhere(ctx, p, backlogsync.In{Column: col, Values: vals}, func(k []any) error { return w.delete(ctx, k) }); err != nil {
				return err
			}
			if err := w.flush(ctx, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// deleteUnseen ends a reload: issues stored but not read are gone.
func (f *family) deleteUnseen(ctx context.Context) error {
	stored := map[int64]bool{}
	for _, p := range f.plans {
		col := issueCol(p)
		if col == "" {
			continue
		}
		err := f.r.e.Dest.Query(ctx, p.dest, backlogsync.Query{Columns: []string{col},
			Filter: f.acct(p)},
			func(row backlogsync.Row) error {
				if id, ok := row[0].(int64); ok && !f.seen[id] {
					stored[id] = true
				}
				return nil
			})
		if err != nil {
			return err
		}
	}
	gone := make([]int64, 0, len(stored))
	for id := range stored {
		gone = append(gone, id)
	}
	slices.Sort(gone)
	if len(gone) > 0 {
		f.r.log.Info("reload: deleting issues no longer in the space", "issues", len(gone))
	}
	return f.deleteIssues(ctx, gone)
}

// activityIssue extracts the issue ids an activity's content names.
func activityIssues(a *backlog.Activity) []int64 {
	var c struct {
		ID   int64 `json:"id"`
		Link []struct {
			ID int64 `json:"id"`
		} `json:"link"`
	}
	if json.Unmarshal(a.Content, &c) != nil {
		return nil
	}
	var out []int64
	if c.ID > 0 {
		out = append(out, c.ID)
	}
	for _, l := range c.Link {
		if l.ID > 0 {
			out = append(out, l.ID)
		}
	}
	return out
}

// incremental applies the changes since the state's cursors.
func (f *family) incremental(ctx context.Context) error {
	r, e := f.r, f.r.e
	cur := f.state
	f.touched = map[int64]bool{}
	// 1. The activity feed: changed and deleted issues.
	changed := map[int64]bool{}
	deleted := map[int64]bool{}
	next := cur.ActivityID
	issueTypes := map[backlog.ActivityType]bool{}
	for _, t := range catalogIssueSignals() {
		issueTypes[t] = true
	}
	for a, err := range e.Client.Activities.SpaceIter(ctx, &backlog.ActivityListOptions{
		CursorOptions: backlog.CursorOptions{MinID: cur.ActivityID, Count: 100, Order: backlog.OrderAsc}}) {
		if err != nil {
			return fmt.Errorf("reading the activity feed: %w", err)
		}
		if a.ID <= cur.ActivityID {
			continue // inclusive minId servers
		}
		next = max(next, a.ID)
		switch {
		case a.Type == backlog.ActivityIssueDeleted:
			for _, id := range activityIssues(a) {
				deleted[id] = true
			}
		case issueTypes[a.Type]:
			for _, id := range activityIssues(a) {
				changed[id] = true
				if a.Type != backlog.ActivityIssueCreated {
					f.touched[id] = true
				}
			}
		default:
			for _, id := range activityIssues(a) {
				f.touched[id] = true // a comment notification, a star…
			}
		}
	}
	// Deleting an issue changes others without moving their Updated: its
	// sub-issues lose their parent, related issues lose the link. Read
	// those again.
	if err := f.affectedByDeletes(ctx, deleted, changed); err != nil {
		return err
	}
	// 2. The issues updated since the cursor, newest first.
	got := map[int64]*backlog.Issue{}
	var order []int64
	add := func(is *backlog.Issue) {
		if deleted[is.ID] {
			return
		}
		if _, ok := got[is.ID]; !ok {
			order = append(order, is.ID)
		}
		got[is.ID] = is
	}
	if len(f.projects) > 0 {
		o := &backlog.IssueListOptions{ProjectIDs: f.projects, Sort: backlog.SortUpdated, Order: backlog.OrderDesc,
			ListOptions: backlog.ListOptions{Count: pageSize}}
		if !cur.Updated.IsZero() {
			o.UpdatedSince = backlog.DateOf(cur.Updated.UTC().AddDate(0, 0, -1))
		}
		for {
			page, _, err := e.Client.Issues.List(ctx, o)
			if err != nil {
				return fmt.Errorf("reading the updated issues: %w", err)
			}
			older := false
			for _, is := range page {
				if is.Updated.UTC().Truncate(time.Second).Before(cur.Updated) {
					older = true
					continue
				}
				add(is)
			}
			if older || len(page) < pageSize {
				break
			}
			o.Offset += len(page)
		}
		// 3. Issues the feed names that the list did not show.
		var missing []int64
		for id := range changed {
			if _, ok := got[id]; !ok && !deleted[id] {
				missing = append(missing, id)
			}
		}
		slices.Sort(missing)
		for chunk := range slices.Chunk(missing, pageSize) {
			page, _, err := e.Client.Issues.List(ctx, &backlog.IssueListOptions{ProjectIDs: f.projects, IDs: chunk,
				ListOptions: backlog.ListOptions{Count: pageSize}})
			if err != nil {
				return fmt.Errorf("reading changed issues by id: %w", err)
			}
			for _, is := range page {
				add(is)
			}
		}
	}
	// CommentRecheckDays: the issues updated in the last N days have all
	// their comments read again (edits and deletions make no activity).
	if err := f.addRechecks(ctx, add); err != nil {
		return err
	}
	// Skip issues stored at the same version (the boundary second).
	list := make([]*backlog.Issue, 0, len(order))
	stored, err := f.storedVersions(ctx, order)
	if err != nil {
		return err
	}
	newCur := issuesState{Phase: phaseIncremental, Updated: cur.Updated, ActivityID: next}
	for _, id := range order {
		is := got[id]
		u := is.Updated.UTC().Truncate(time.Second)
		if u.After(newCur.Updated) {
			newCur.Updated = u
		}
		if t, ok := stored[id]; ok && t.Equal(u) && !changed[id] && !f.recheck[id] {
			// Updated has a one-second resolution: an issue the feed names
			// is read even at the stored version.
			continue
		}
		list = append(list, is)
	}
	f.expected = int64(len(list))
	// 4. Store the changed issues, a page at a time. The state written
	// with them is the old one: a run killed here starts over.
	for chunk := range slices.Chunk(list, pageSize) {
		if err := f.store(ctx, chunk, PhaseIncremental); err != nil {
			return err
		}
	}
	// 5. Deletions.
	var gone []int64
	for id := range deleted {
		gone = append(gone, id)
	}
	slices.Sort(gone)
	if err := f.deleteIssues(ctx, gone); err != nil {
		return err
	}
	f.state = newCur
	r.log.Info("Issues tables replicated (incremental)", "changed", len(list), "deleted", len(gone),
		"activities", next-cur.ActivityID, "cursor", newCur.Updated)
	return f.checkpointAll(ctx)
}

// affectedByDeletes adds to changed the stored issues whose parent is a
// deleted issue and those related to one.
func (f *family) affectedByDeletes(ctx context.Context, deleted, changed map[int64]bool) error {
	if len(deleted) == 0 {
		return nil
	}
	vals := make([]any, 0, len(deleted))
	for id := range deleted {
		vals = append(vals, id)
	}
	look := func(p *plan, idCol, refCol string) error {
		id, ref := p.col(idCol), p.col(refCol)
		if id == "" || ref == "" {
			return nil
		}
		return f.queryIn(ctx, p, []string{id}, backlogsync.In{Column: ref, Values: vals},
			func(row backlogsync.Row) error {
				if v, ok := row[0].(int64); ok && !deleted[v] {
					changed[v] = true
					f.touched[v] = true
				}
				return nil
			})
	}
	for _, p := range f.plans {
		var err error
		switch p.src.Name {
		case "Issues":
			err = look(p, "Id", "ParentIssueId")
		case "IssueRelatedIssues":
			err = look(p, "IssueId", "RelatedIssueId")
		}
		if err != nil {
			return fmt.Errorf("finding issues that referred to deleted ones: %w", err)
		}
	}
	return nil
}

// storedVersions returns the stored Updated of the given issues (none
// when the run does not replicate Issues). With several statements over
// Issues an issue has a stored version only when every one of their tables
// holds it at the same Updated (a filtered table that lacks it reads it).
func (f *family) storedVersions(ctx context.Context, ids []int64) (map[int64]time.Time, error) {
	var out map[int64]time.Time
	for _, ip := range f.issues {
		got, err := f.storedVersionsIn(ctx, ip, ids)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = got
			continue
		}
		for id, t := range out {
			if u, ok := got[id]; !ok || !u.Equal(t) {
				delete(out, id)
			}
		}
	}
	if out == nil {
		out = map[int64]time.Time{}
	}
	return out, nil
}

// storedVersionsIn is storedVersions for one table over Issues.
func (f *family) storedVersionsIn(ctx context.Context, ip *plan, ids []int64) (map[int64]time.Time, error) {
	out := map[int64]time.Time{}
	if len(ids) == 0 || ip.col("Id") == "" || ip.col("Updated") == "" {
		return out, nil
	}
	for chunk := range slices.Chunk(ids, 500) {
		vals := make([]any, len(chunk))
		for i, id := range chunk {
			vals[i] = id
		}
		err := f.r.e.Dest.Query(ctx, ip.dest, backlogsync.Query{Columns: []string{ip.col("Id"), ip.col("Updated")},
			Filter: backlogsync.And{f.acct(ip),
				backlogsync.In{Column: ip.col("Id"), Values: vals}}},
			func(row backlogsync.Row) error {
				id, _ := row[0].(int64)
				if t, ok := row[1].(time.Time); ok {
					out[id] = t.UTC()
				}
				return nil
			})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// catalogIssueSignals are the activity types that announce a change of an
// issue (catalog's Issues.Change.Signals).
func catalogIssueSignals() []backlog.ActivityType {
	t, _ := catalog.Lookup("Issues")
	return t.Change.Signals
}
