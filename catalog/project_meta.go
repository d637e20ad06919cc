package catalog

import (
	"context"

	"github.com/backlogsync/backlogsync/backlog"
)

// perProject fetches a per-project list and emits one row per item.
func perProject[T any](f *fetcher, q *Query, list func(ctx context.Context, project string) ([]*T, *backlog.Response, error),
	fill func(r *row, pid int64, v *T), emit func(*row) error) error {
	return f.projectIDs(q.translate(projectKey), func(pid int64) error {
		items, _, err := list(f.ctx, itoa(pid))
		if err != nil {
			return err
		}
		for _, v := range items {
			r := f.row().set("ProjectId", pid)
			fill(r, pid, v)
			if err := emit(r); err != nil {
				return err
			}
		}
		return nil
	})
}

// projectMetaDefs: issue types, categories, versions and statuses.
func projectMetaDefs() []def {
	short := Change{Kind: ChangeFull, Note: "one short list per project: re-read and diff by key (edits make no activity)"}
	return []def{
		{
			name: "ProjectIssueTypes", desc: "The issue types of each project.",
			origin: "CData table", parent: "Projects", parentKeys: projectKey, domo: []string{domoIssueTypes},
			columns: cols(cInt("ProjectId", "project id"), cInt("Id", "issue type id"), cText("Name", "issue type name"),
				cText("Color", "colour, e.g. #990000"), cInt("DisplayOrder", "display order"),
				nText("TemplateSummary", "summary template for new issues; NULL when none"),
				nText("TemplateDescription", "description template for new issues; NULL when none")),
			key:      []string{"Id"},
			calls:    []Call{projectsCall, get("/projects/:projectIdOrKey/issueTypes", "per project")},
			pushdown: []Pushdown{pushProject},
			change:   short,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				return perProject(f, q, f.c.Projects.ListIssueTypes, func(r *row, _ int64, t *backlog.IssueType) {
					r.set("Id", t.ID).set("Name", t.Name).set("Color", t.Color).set("DisplayOrder", t.DisplayOrder).
						set("TemplateSummary", t.TemplateSummary).set("TemplateDescription", t.TemplateDescription)
				}, emit)
			},
		},
		{
			name: "ProjectCategories", desc: "The categories of each project.",
			origin: "CData table", parent: "Projects", parentKeys: projectKey, domo: []string{domoCategories},
			columns: cols(cInt("ProjectId", "project id"), cInt("Id", "category id"), cText("Name", "category name"),
				cInt("DisplayOrder", "display order")),
			key:      []string{"Id"},
			calls:    []Call{projectsCall, get("/projects/:projectIdOrKey/categories", "per project")},
			pushdown: []Pushdown{pushProject},
			change:   short,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				return perProject(f, q, f.c.Projects.ListCategories, func(r *row, _ int64, c *backlog.Category) {
					r.set("Id", c.ID).set("Name", c.Name).set("DisplayOrder", c.DisplayOrder)
				}, emit)
			},
		},
		{
			name: "ProjectVersionMilestones", desc: "The versions and milestones of each project (Backlog uses one list for both).",
			origin: "CData table", parent: "Projects", parentKeys: projectKey,
			columns: cols(cInt("ProjectId", "project id"), cInt("Id", "version id"), cText("Name", "version name"),
				nText("Description", "description; NULL when none"),
				nDate("StartDate", "start date; NULL when unset"), nDate("ReleaseDueDate", "release due date; NULL when unset"),
				cBool("Archived", "the version is archived"), cInt("DisplayOrder", "display order")),
			key:      []string{"Id"},
			calls:    []Call{projectsCall, get("/projects/:projectIdOrKey/versions", "per project")},
			pushdown: []Pushdown{pushProject},
			change: Change{Kind: ChangeFull, Signals: []backlog.ActivityType{backlog.ActivityMilestoneCreated, backlog.ActivityMilestoneUpdated},
				Deletes: []backlog.ActivityType{backlog.ActivityMilestoneDeleted},
				Note:    "one short list per project: re-read the projects the signals name and diff by key"},
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				return perProject(f, q, f.c.Projects.ListVersions, func(r *row, _ int64, v *backlog.Version) {
					r.set("Id", v.ID).set("Name", v.Name).set("Description", v.Description).set("StartDate", v.StartDate).
						set("ReleaseDueDate", v.ReleaseDueDate).set("Archived", v.Archived).set("DisplayOrder", v.DisplayOrder)
				}, emit)
			},
		},
		{
			name: "ProjectStatuses", desc: "The issue statuses of each project: the four built-in ones (ids 1–4, shared by every project) and custom ones.",
			origin: "CData table", parent: "Projects", parentKeys: projectKey,
			columns: cols(cInt("ProjectId", "project id"), cInt("Id", "status id (1 open, 2 in progress, 3 resolved, 4 closed, others custom)"),
				cText("Name", "status name"), cText("Color", "colour, e.g. #ed8077"), cInt("DisplayOrder", "display order")),
			key:      []string{"ProjectId", "Id"},
			calls:    []Call{projectsCall, get("/projects/:projectIdOrKey/statuses", "per project")},
			pushdown: []Pushdown{pushProject},
			change: Change{Kind: ChangeFull, Deletes: []backlog.ActivityType{backlog.ActivityStatusDeleted},
				Note: "one short list per project: re-read and diff by key"},
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				return perProject(f, q, f.c.Projects.ListStatuses, func(r *row, _ int64, s *backlog.Status) {
					r.set("Id", s.ID).set("Name", s.Name).set("Color", s.Color).set("DisplayOrder", s.DisplayOrder)
				}, emit)
			},
		},
	}
}
