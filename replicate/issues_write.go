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

// store writes the family rows of a page of issues, each table's batch
// carrying the state (see flush); the pages of a first load are written a
// few at a time.
func (f *family) store(ctx context.Context, page []*backlog.Issue, ph Phase) error {
	e := f.r.e
	ids := make([]any, len(page))
	for i, is := range page {
		ids[i] = is.ID
	}
	s := &catalog.Session{Issues: page, Concurrency: e.Client.Concurrency()}
	s.NoComments = f.noComments(ph)
	if !f.pristine && !f.state.Resync {
		above, moved, err := f.lastComments(ctx, page)
		if err != nil {
			return err
		}
		for id := range moved {
			// Moved to another project: its stored comment rows carry
			// the old one (issues_moves.go).
			f.markRecheck(id)
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
		var out writeOutcome
		defer func() {
			// A panic here would end the process: wait panics with it
			// in the run's goroutine, which a panic there ends.
			if v := recover(); v != nil {
				out = writeOutcome{panicked: catalog.NewGoroutinePanic(v, "writing a group of issues")}
			}
			in.done <- out
		}()
		out.res, out.err = writeAll(ctx, f.r.e.Dest, batches)
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
	// panicked is the write's panic (its res and err are unset).
	panicked *catalog.GoroutinePanic
}

// wait collects the group in flight, if any: its counts and checkpoint
// move into the run's tables, or its error is returned (its panic
// panicked again).
func (f *family) wait() error {
	in := f.inflight
	if in == nil {
		return nil
	}
	f.inflight = nil
	out := <-in.done
	if out.panicked != nil {
		panic(out.panicked) // here, where the run recovers it
	}
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
