package replicate

import (
	"context"
	"slices"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/catalog"
)

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

// lastComments returns the largest stored comment id of each issue of page
// (from IssueComments when the run replicates it; otherwise every comment
// is read again) and the issues whose stored comments carry another
// project than the one read (moved: issues_moves.go).
func (f *family) lastComments(ctx context.Context, page []*backlog.Issue) (map[int64]int64, map[int64]bool, error) {
	var cp *plan
	for _, p := range f.plans {
		if p.src.Name == "IssueComments" {
			cp = p
		}
	}
	if cp == nil || cp.col("IssueId") == "" || cp.col("Id") == "" {
		return nil, nil, nil
	}
	ids := make([]any, len(page))
	project := make(map[int64]int64, len(page))
	for i, is := range page {
		ids[i] = is.ID
		project[is.ID] = is.ProjectID
	}
	cols := []string{cp.col("IssueId"), cp.col("Id")}
	if pc := cp.col("ProjectId"); pc != "" {
		cols = append(cols, pc)
	}
	out := map[int64]int64{}
	var moved map[int64]bool
	err := f.queryIn(ctx, cp, cols, backlogsync.In{Column: cp.col("IssueId"), Values: ids},
		func(row backlogsync.Row) error {
			is, _ := row[0].(int64)
			id, _ := row[1].(int64)
			out[is] = max(out[is], id)
			if len(row) > 2 {
				if p, ok := row[2].(int64); ok && p != project[is] {
					if moved == nil {
						moved = map[int64]bool{}
					}
					moved[is] = true
				}
			}
			return nil
		})
	return out, moved, err
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
