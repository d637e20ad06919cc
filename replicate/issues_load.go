package replicate

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/catalog"
)

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
		if res.panicked != nil {
			panic(res.panicked) // here, where the run recovers it
		}
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
				var res pageResult
				defer func() {
					// A panic here would end the process: the page's
					// reader panics with it instead.
					if v := recover(); v != nil {
						res = pageResult{panicked: catalog.NewGoroutinePanic(v, fmt.Sprintf("reading ahead the issues at offset %d", offset))}
					}
					pre.ch <- res
				}()
				res.page, res.err = f.fetchPage(ctx, w, offset)
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
	// panicked is the read's panic (its page and err are unset).
	panicked *catalog.GoroutinePanic
}

// prefetchPages is how many pages of a load window are read ahead.
const prefetchPages = 2

// dropPrefetch waits for the pages read ahead that will not be used.
func (f *family) dropPrefetch() {
	for _, pre := range f.pre {
		if res := <-pre.ch; res.panicked != nil {
			// Its page is not used: log the bug rather than end the run.
			f.r.log.Error("reading ahead a page of issues panicked", "panic", res.panicked.String(), "panic_stack", string(res.panicked.Stack))
		}
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
