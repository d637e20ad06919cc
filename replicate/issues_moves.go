package replicate

import (
	"context"
	"fmt"
	"slices"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
)

// Moves between projects (docs/replication.md, "Issues moved to another
// project"). Backlog's web UI moves an issue to another project: it keeps
// its id, gets a new key, and its comments now carry the new project. The
// move is an issue update (activity 2, Updated moves), so the incremental
// run reads the issue and replaces its embedded child rows; two kinds of
// rows would stay stale without the rules below, and both are found in the
// destination, without an API request when nothing moved:
//
//   - the rows of its comments (IssueComments and the tables below it carry
//     ProjectId), which are otherwise read only above the last stored
//     comment: an issue whose stored project differs from the one read
//     (Issues' ProjectId, or the ProjectId of its stored comments) has every
//     comment read again, as CommentRecheckDays does (f.recheck), and its
//     comment rows the source no longer has are deleted;
//   - the IssueRelatedIssues rows of other issues that name it
//     (RelatedIssueKey, RelatedProjectId, RelatedIssueSummary): rows whose
//     related issue was read in this run with other values have their
//     issue read again by id (one issue-list call per 100 such issues).

// markRecheck marks issue id's comments to be read again in full (adding to
// the marks of CommentRecheckDays and of moves, never replacing them).
func (f *family) markRecheck(id int64) {
	if f.recheck == nil {
		f.recheck = map[int64]bool{}
	}
	f.recheck[id] = true
}

// markMoved adds to f.recheck the issues of got whose project differs from
// the stored one (stored maps issue id → stored ProjectId).
func (f *family) markMoved(got map[int64]*backlog.Issue, stored map[int64]int64) int {
	n := 0
	for id, p := range stored {
		if is := got[id]; is != nil && is.ProjectID != p {
			f.markRecheck(id)
			n++
		}
	}
	return n
}

// staleRelations returns the stored issues, not deleted, whose
// IssueRelatedIssues rows describe an issue of got otherwise than it now is
// (moved, renamed). Some may be in got: stored at the same Updated, they
// would be skipped unless marked changed.
func (f *family) staleRelations(ctx context.Context, got map[int64]*backlog.Issue, deleted map[int64]bool) ([]int64, error) {
	if len(got) == 0 {
		return nil, nil
	}
	ids := make([]int64, 0, len(got))
	for id := range got {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	stale := map[int64]bool{}
	for _, p := range f.plans {
		if p.src.Name != "IssueRelatedIssues" {
			continue
		}
		idCol, refCol := p.col("IssueId"), p.col("RelatedIssueId")
		if idCol == "" || refCol == "" {
			continue
		}
		cols := []string{idCol, refCol}
		var checks []string // catalog columns compared, in cols order after the first two
		for _, c := range []string{"RelatedIssueKey", "RelatedProjectId", "RelatedIssueSummary"} {
			if d := p.col(c); d != "" {
				cols = append(cols, d)
				checks = append(checks, c)
			}
		}
		if len(checks) == 0 {
			continue
		}
		for chunk := range slices.Chunk(ids, 500) {
			vals := make([]any, len(chunk))
			for i, id := range chunk {
				vals[i] = id
			}
			err := f.queryIn(ctx, p, cols, backlogsync.In{Column: refCol, Values: vals}, func(row backlogsync.Row) error {
				owner, _ := row[0].(int64)
				ref, _ := row[1].(int64)
				is := got[ref]
				if is == nil || deleted[owner] {
					return nil
				}
				for i, c := range checks {
					var want any
					switch c {
					case "RelatedIssueKey":
						want = is.IssueKey
					case "RelatedProjectId":
						want = is.ProjectID
					case "RelatedIssueSummary":
						// As stored (docs/replication.md, "Text a
						// database cannot store").
						want, _ = backlogsync.StorableText(is.Summary)
					}
					if row[2+i] != want {
						stale[owner] = true
					}
				}
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("finding related-issue rows to refresh: %w", err)
			}
		}
	}
	out := make([]int64, 0, len(stale))
	for id := range stale {
		out = append(out, id)
	}
	slices.Sort(out)
	return out, nil
}

// readByID reads the issues ids of the family's projects, 100 a call.
func (f *family) readByID(ctx context.Context, ids []int64, add func(*backlog.Issue)) error {
	for chunk := range slices.Chunk(ids, pageSize) {
		page, _, err := f.r.e.Client.Issues.List(ctx, &backlog.IssueListOptions{ProjectIDs: f.projects, IDs: chunk,
			ListOptions: backlog.ListOptions{Count: pageSize}})
		if err != nil {
			return fmt.Errorf("reading changed issues by id: %w", err)
		}
		for _, is := range page {
			add(is)
		}
	}
	return nil
}
