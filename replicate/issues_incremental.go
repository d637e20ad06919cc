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
	// No activity above the cursor: either none happened or the space went
	// back in time (restored from a backup). Activity above it proves the
	// space's newest activity is not older than the cursor, so the check
	// costs a request only in quiet runs.
	if next == cur.ActivityID && cur.ActivityID > 0 {
		back, err := f.rolledBack(ctx, cur.ActivityID)
		if err != nil {
			return err
		}
		if back {
			return errRolledBack
		}
	} else if r.newest == nil {
		newest := next // the feed was read to its end
		r.newest = &newest
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
		if err := f.readByID(ctx, missing, add); err != nil {
			return err
		}
		// Issues whose related-issue rows name a changed issue as it no
		// longer is (moved to another project: new key; issues_moves.go).
		refresh, err := f.staleRelations(ctx, got, deleted)
		if err != nil {
			return err
		}
		var unread []int64
		for _, id := range refresh {
			changed[id] = true
			if _, ok := got[id]; !ok {
				unread = append(unread, id)
			}
		}
		if err := f.readByID(ctx, unread, add); err != nil {
			return err
		}
	}
	// CommentRecheckDays: the issues updated in the last N days have all
	// their comments read again (edits and deletions make no activity).
	if err := f.addRechecks(ctx, add); err != nil {
		return err
	}
	// Skip issues stored at the same version (the boundary second).
	list := make([]*backlog.Issue, 0, len(order))
	stored, storedProjects, err := f.storedVersions(ctx, order)
	if err != nil {
		return err
	}
	// Issues moved to another project have every comment read again.
	if n := f.markMoved(got, storedProjects); n > 0 {
		r.log.Info("issues moved to another project: reading all their comments", "issues", n)
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
// when the run does not replicate Issues) and their stored ProjectId (when
// a table over Issues has it). With several statements over Issues an
// issue has a stored version only when every one of their tables holds it
// at the same Updated (a filtered table that lacks it reads it).
func (f *family) storedVersions(ctx context.Context, ids []int64) (map[int64]time.Time, map[int64]int64, error) {
	var out map[int64]time.Time
	projects := map[int64]int64{}
	for _, ip := range f.issues {
		got, err := f.storedVersionsIn(ctx, ip, ids, projects)
		if err != nil {
			return nil, nil, err
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
	return out, projects, nil
}

// storedVersionsIn is storedVersions for one table over Issues; it records
// the stored ProjectId of each issue in projects when the table has it.
func (f *family) storedVersionsIn(ctx context.Context, ip *plan, ids []int64, projects map[int64]int64) (map[int64]time.Time, error) {
	out := map[int64]time.Time{}
	if len(ids) == 0 || ip.col("Id") == "" || ip.col("Updated") == "" {
		return out, nil
	}
	cols := []string{ip.col("Id"), ip.col("Updated")}
	if pc := ip.col("ProjectId"); pc != "" {
		cols = append(cols, pc)
	}
	for chunk := range slices.Chunk(ids, 500) {
		vals := make([]any, len(chunk))
		for i, id := range chunk {
			vals[i] = id
		}
		err := f.r.e.Dest.Query(ctx, ip.dest, backlogsync.Query{Columns: cols,
			Filter: backlogsync.And{f.acct(ip),
				backlogsync.In{Column: ip.col("Id"), Values: vals}}},
			func(row backlogsync.Row) error {
				id, _ := row[0].(int64)
				if t, ok := row[1].(time.Time); ok {
					out[id] = t.UTC()
				}
				if len(row) > 2 {
					if p, ok := row[2].(int64); ok {
						projects[id] = p
					}
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
