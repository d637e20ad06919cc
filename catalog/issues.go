package catalog

import (
	"github.com/backlogsync/backlogsync/backlog"
)

// issueKey maps a child's IssueId and ProjectId to the Issues columns.
var issueKey = map[string]string{"IssueId": "Id", "ProjectId": "ProjectId"}

// issueSignals are the activity types that announce a change to an issue
// (and so to its embedded children); issueDeletes announce deletions.
var (
	issueSignals = []backlog.ActivityType{backlog.ActivityIssueCreated, backlog.ActivityIssueUpdated,
		backlog.ActivityIssueCommented, backlog.ActivityIssueMultiUpdated, backlog.ActivityIssuesDatesUpdated,
		backlog.ActivityIssuesMultiCreated}
	issueDeletes = []backlog.ActivityType{backlog.ActivityIssueDeleted}
)

// issueIDParam is an id column of Issues that GET /issues filters on.
type issueIDParam struct {
	column, param string
	set           func(o *backlog.IssueListOptions, ids []int64)
}

var issueIDParams = []issueIDParam{
	{"Id", "id[]", func(o *backlog.IssueListOptions, v []int64) { o.IDs = v }},
	{"ProjectId", "projectId[]", func(o *backlog.IssueListOptions, v []int64) { o.ProjectIDs = v }},
	{"IssueTypeId", "issueTypeId[]", func(o *backlog.IssueListOptions, v []int64) { o.IssueTypeIDs = v }},
	{"StatusId", "statusId[]", func(o *backlog.IssueListOptions, v []int64) { o.StatusIDs = v }},
	{"PriorityId", "priorityId[]", func(o *backlog.IssueListOptions, v []int64) { o.PriorityIDs = v }},
	{"AssigneeId", "assigneeId[]", func(o *backlog.IssueListOptions, v []int64) { o.AssigneeIDs = v }},
	{"CreatedUserId", "createdUserId[]", func(o *backlog.IssueListOptions, v []int64) { o.CreatedUserIDs = v }},
	{"ResolutionId", "resolutionId[]", func(o *backlog.IssueListOptions, v []int64) { o.ResolutionIDs = v }},
	{"ParentIssueId", "parentIssueId[]", func(o *backlog.IssueListOptions, v []int64) { o.ParentIssueIDs = v }},
}

// issueDateParam is a date or time column of Issues that GET /issues
// filters on with a since/until pair (yyyy-MM-dd, inclusive days).
type issueDateParam struct {
	column, since, until string
	widen                bool // a TIMESTAMP: the day's time zone is undocumented, so widen by a day
	set                  func(o *backlog.IssueListOptions, lo, hi backlog.Date)
}

var issueDateParams = []issueDateParam{
	{"Created", "createdSince", "createdUntil", true, func(o *backlog.IssueListOptions, lo, hi backlog.Date) { o.CreatedSince, o.CreatedUntil = lo, hi }},
	{"Updated", "updatedSince", "updatedUntil", true, func(o *backlog.IssueListOptions, lo, hi backlog.Date) { o.UpdatedSince, o.UpdatedUntil = lo, hi }},
	{"StartDate", "startDateSince", "startDateUntil", false, func(o *backlog.IssueListOptions, lo, hi backlog.Date) { o.StartDateSince, o.StartDateUntil = lo, hi }},
	{"DueDate", "dueDateSince", "dueDateUntil", false, func(o *backlog.IssueListOptions, lo, hi backlog.Date) { o.DueDateSince, o.DueDateUntil = lo, hi }},
}

// issuePushdown is the Issues pushdown list, derived from the parameter tables.
func issuePushdown() []Pushdown {
	var out []Pushdown
	for _, p := range issueIDParams {
		note := ""
		if p.column == "ProjectId" {
			note = "without it, the ids of every visible project are sent"
		}
		out = append(out, push(p.column, p.param, note, eqIn...))
	}
	for _, p := range issueDateParams {
		note := "exact days"
		if p.widen {
			note = "widened to whole days, one extra day each side (the API's time zone is undocumented), re-checked locally"
		}
		out = append(out, push(p.column, p.since+" / "+p.until, note, rangeOps...))
	}
	return out
}

// childIssuePushdown is the pushdown of a table read through Issues.
func childIssuePushdown() []Pushdown {
	return []Pushdown{
		push("IssueId", "id[] on GET /issues", "", eqIn...),
		push("ProjectId", "projectId[] on GET /issues", "", eqIn...),
	}
}

// issuesCalls are the calls of the issue list.
var issuesCalls = []Call{projectsCall, get("/issues", "pages of 100 (sort=created, order=asc)")}

// issueDefs: Issues.
func issueDefs() []def {
	return []def{{
		name: "Issues", desc: "The issues of every project (multi-valued fields are in the Issue* child tables).",
		origin: "CData table", domo: []string{domoIssues},
		columns: cols(
			cInt("Id", "issue id"), cInt("ProjectId", "project id"),
			cText("IssueKey", "issue key, e.g. BLG-12"), cInt("KeyId", "number part of the issue key"),
			nInt("IssueTypeId", "issue type id"), nText("IssueTypeName", "issue type name"),
			cText("Summary", "summary (title)"), cText("Description", "description"),
			nInt("ResolutionId", "resolution id; NULL when unresolved"), nText("ResolutionName", "resolution name"),
			nInt("PriorityId", "priority id"), nText("PriorityName", "priority name"),
			nInt("StatusId", "status id"), nText("StatusName", "status name"),
			cUser("Assignee", "assignee; NULL when unassigned"),
			nDate("StartDate", "start date"), nDate("DueDate", "due date"),
			nFloat("EstimatedHours", "estimated hours"), nFloat("ActualHours", "actual hours"),
			nInt("ParentIssueId", "parent issue id; NULL for top-level issues"),
			cCreated("issue"), cUpdated("issue"),
		),
		key:      []string{"Id"},
		calls:    issuesCalls,
		pushdown: issuePushdown(),
		change: Change{Kind: ChangeCursor, Cursor: "Updated", Signals: issueSignals, Deletes: issueDeletes,
			Note: "GET /issues with updatedSince (widened a day) finds changed issues; deletions only show in the activity feed (type 4)"},
		fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
			return f.issues(*q, func(is *backlog.Issue) error {
				r := f.row().set("Id", is.ID).set("ProjectId", is.ProjectID).set("IssueKey", is.IssueKey).
					set("KeyId", is.KeyID).set("Summary", is.Summary).set("Description", is.Description).
					user("Assignee", is.Assignee).set("StartDate", is.StartDate).set("DueDate", is.DueDate).
					set("EstimatedHours", is.EstimatedHours).set("ActualHours", is.ActualHours).
					set("ParentIssueId", is.ParentIssueID).user("CreatedUser", is.CreatedUser).
					set("Created", is.Created).user("UpdatedUser", is.UpdatedUser).set("Updated", is.Updated)
				if t := is.IssueType; t != nil {
					r.set("IssueTypeId", t.ID).set("IssueTypeName", t.Name)
				}
				if v := is.Resolution; v != nil {
					r.set("ResolutionId", v.ID).set("ResolutionName", v.Name)
				}
				if v := is.Priority; v != nil {
					r.set("PriorityId", v.ID).set("PriorityName", v.Name)
				}
				if v := is.Status; v != nil {
					r.set("StatusId", v.ID).set("StatusName", v.Name)
				}
				return emit(r)
			})
		},
	}}
}

// issues calls fn for every issue q (in Issues' columns) allows, reading
// GET /issues with the pushable predicates as parameters, oldest first.
func (f *fetcher) issues(q Query, fn func(*backlog.Issue) error) error {
	if f.s != nil && f.s.Issues != nil {
		// The engine read the list; q is re-checked on every row by Fetch.
		for _, is := range f.s.Issues {
			if err := fn(is); err != nil {
				return err
			}
		}
		return nil
	}
	opts := &backlog.IssueListOptions{Sort: backlog.SortCreated, Order: backlog.OrderAsc}
	for _, p := range issueIDParams {
		ids, ok := q.ints(p.column)
		if !ok {
			continue
		}
		if len(ids) == 0 {
			return nil // contradictory predicates: no row can match
		}
		p.set(opts, ids)
	}
	for _, p := range issueDateParams {
		lo, hi := q.timeBounds(p.column)
		if lo.IsZero() && hi.IsZero() {
			continue
		}
		var since, until backlog.Date
		if !lo.IsZero() {
			if p.widen {
				lo = lo.AddDate(0, 0, -1)
			}
			since = backlog.DateOf(lo.UTC())
		}
		if !hi.IsZero() {
			if p.widen {
				hi = hi.AddDate(0, 0, 1)
			}
			until = backlog.DateOf(hi.UTC())
		}
		if !since.IsZero() && !until.IsZero() && until.Before(since) {
			return nil
		}
		p.set(opts, since, until)
	}
	if opts.ProjectIDs == nil {
		// GET /issues without projectId[] covers only the joined projects;
		// an administrator sees more, so name every visible project.
		err := f.projects(Query{}, func(p *backlog.Project) error {
			opts.ProjectIDs = append(opts.ProjectIDs, p.ID)
			return nil
		})
		if err != nil {
			return err
		}
		if len(opts.ProjectIDs) == 0 {
			return nil
		}
	}
	var fnErr error
	err := each(f.c.Issues.ListIter(f.ctx, opts), func(is *backlog.Issue) error {
		fnErr = fn(is)
		return fnErr
	})
	if fnErr != nil {
		return fnErr
	}
	if notFound(err) {
		return nil // none of the given projects is visible
	}
	return err
}
