package replicate

import (
	"context"
	"fmt"
	"time"

	"github.com/backlogsync/backlogsync/backlog"
)

// Backlog records no activity for a comment edit or deletion, and neither
// moves the issue's Updated: an incremental run cannot see them. With
// CommentRecheckDays = N on a comment table's statement, incremental runs
// read again every comment of the issues updated in the last N days (a
// comment edit usually follows the issue's last activity closely) and
// delete the stored comments they no longer have. The cost per run: the
// issue-list pages of those issues (ceil(n/100), search class) plus one
// comment-list call per issue (ceil(comments/100)), whatever changed.
// Edits on issues quiet for longer are found by CHECKCACHE … WITH REPAIR.

// recheckDays is the largest CommentRecheckDays of the family's comment
// statements (0: off).
func (f *family) recheckDays() int {
	days := 0
	for _, p := range f.plans {
		if commentTable(p.src) {
			days = max(days, p.stmt.Settings.CommentRecheckDays)
		}
	}
	return days
}

// addRechecks lists the issues updated in the last recheckDays days, marks
// them in f.recheck and hands each to add.
func (f *family) addRechecks(ctx context.Context, add func(*backlog.Issue)) error {
	days := f.recheckDays()
	if days == 0 || len(f.projects) == 0 {
		return nil
	}
	since := f.r.e.now().UTC().Add(-time.Duration(days) * 24 * time.Hour)
	o := &backlog.IssueListOptions{ProjectIDs: f.projects, Sort: backlog.SortUpdated, Order: backlog.OrderDesc,
		UpdatedSince: backlog.DateOf(since.AddDate(0, 0, -1)), ListOptions: backlog.ListOptions{Count: pageSize}}
	for {
		page, _, err := f.r.e.Client.Issues.List(ctx, o)
		if err != nil {
			return fmt.Errorf("reading the issues whose comments are rechecked: %w", err)
		}
		older := false
		for _, is := range page {
			if is.Updated.Before(since) {
				older = true
				break
			}
			f.markRecheck(is.ID)
			add(is)
		}
		if older || len(page) < pageSize {
			return nil
		}
		o.Offset += len(page)
	}
}
