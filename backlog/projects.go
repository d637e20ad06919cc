package backlog

import (
	"context"
	"iter"
	"net/url"
)

// ProjectsService reads projects and their metadata (members, issue types,
// categories, versions, statuses, custom fields, webhooks).
type ProjectsService service

// ProjectListOptions filter GET /projects.
type ProjectListOptions struct {
	// Archived: nil = all, false = active only, true = archived only.
	Archived *bool
	// All lists every project of the space instead of only the joined ones
	// (administrators only).
	All bool
}

func (o *ProjectListOptions) values() url.Values {
	if o == nil {
		return nil
	}
	q := query{}
	q.boolp("archived", o.Archived)
	if o.All {
		q.str("all", "true")
	}
	return url.Values(q)
}

// List returns the projects the user joined (or all with opts.All).
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-project-list/
func (s *ProjectsService) List(ctx context.Context, opts *ProjectListOptions) ([]*Project, *Response, error) {
	return get[[]*Project](ctx, s.client, "projects", opts.values())
}

// Get returns a project by id or key (e.g. "BLG").
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-project/
func (s *ProjectsService) Get(ctx context.Context, projectIDOrKey string) (*Project, *Response, error) {
	return get[*Project](ctx, s.client, "projects/"+seg(projectIDOrKey), nil)
}

// ProjectUserListOptions filter GET /projects/:p/users.
type ProjectUserListOptions struct {
	// ExcludeGroupMembers drops members who joined only through a team.
	ExcludeGroupMembers bool
}

// ListUsers returns the members of a project.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-project-user-list/
func (s *ProjectsService) ListUsers(ctx context.Context, projectIDOrKey string, opts *ProjectUserListOptions) ([]*User, *Response, error) {
	var q url.Values
	if opts != nil && opts.ExcludeGroupMembers {
		q = url.Values{"excludeGroupMembers": {"true"}}
	}
	return get[[]*User](ctx, s.client, "projects/"+seg(projectIDOrKey)+"/users", q)
}

// ListAdministrators returns the administrators of a project.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-list-of-project-administrators/
func (s *ProjectsService) ListAdministrators(ctx context.Context, projectIDOrKey string) ([]*User, *Response, error) {
	return get[[]*User](ctx, s.client, "projects/"+seg(projectIDOrKey)+"/administrators", nil)
}

// ListTeams returns the teams that joined a project.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-project-team-list/
func (s *ProjectsService) ListTeams(ctx context.Context, projectIDOrKey string) ([]*Team, *Response, error) {
	return get[[]*Team](ctx, s.client, "projects/"+seg(projectIDOrKey)+"/teams", nil)
}

// ListIssueTypes returns a project's issue types.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-issue-type-list/
func (s *ProjectsService) ListIssueTypes(ctx context.Context, projectIDOrKey string) ([]*IssueType, *Response, error) {
	return get[[]*IssueType](ctx, s.client, "projects/"+seg(projectIDOrKey)+"/issueTypes", nil)
}

// ListCategories returns a project's categories.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-category-list/
func (s *ProjectsService) ListCategories(ctx context.Context, projectIDOrKey string) ([]*Category, *Response, error) {
	return get[[]*Category](ctx, s.client, "projects/"+seg(projectIDOrKey)+"/categories", nil)
}

// ListVersions returns a project's versions and milestones.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-version-milestone-list/
func (s *ProjectsService) ListVersions(ctx context.Context, projectIDOrKey string) ([]*Version, *Response, error) {
	return get[[]*Version](ctx, s.client, "projects/"+seg(projectIDOrKey)+"/versions", nil)
}

// ListStatuses returns a project's statuses (the four built-in ones and
// custom ones).
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-status-list-of-project/
func (s *ProjectsService) ListStatuses(ctx context.Context, projectIDOrKey string) ([]*Status, *Response, error) {
	return get[[]*Status](ctx, s.client, "projects/"+seg(projectIDOrKey)+"/statuses", nil)
}

// ListCustomFields returns a project's custom-field definitions.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-custom-field-list/
func (s *ProjectsService) ListCustomFields(ctx context.Context, projectIDOrKey string) ([]*CustomField, *Response, error) {
	return get[[]*CustomField](ctx, s.client, "projects/"+seg(projectIDOrKey)+"/customFields", nil)
}

// GetDiskUsage returns a project's disk usage. Administrators only.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-project-disk-usage/
func (s *ProjectsService) GetDiskUsage(ctx context.Context, projectIDOrKey string) (*ProjectDiskUsage, *Response, error) {
	return get[*ProjectDiskUsage](ctx, s.client, "projects/"+seg(projectIDOrKey)+"/diskUsage", nil)
}

// ListWebhooks returns a project's webhooks. Administrators and project
// administrators only.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-list-of-webhooks/
func (s *ProjectsService) ListWebhooks(ctx context.Context, projectIDOrKey string) ([]*Webhook, *Response, error) {
	return get[[]*Webhook](ctx, s.client, "projects/"+seg(projectIDOrKey)+"/webhooks", nil)
}

// ListActivities returns a page of a project's activities.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-project-recent-updates/
func (s *ProjectsService) ListActivities(ctx context.Context, projectIDOrKey string, opts *ActivityListOptions) ([]*Activity, *Response, error) {
	return get[[]*Activity](ctx, s.client, "projects/"+seg(projectIDOrKey)+"/activities", opts.values())
}

// ActivitiesIter iterates over a project's activities, following the id
// cursor.
func (s *ProjectsService) ActivitiesIter(ctx context.Context, projectIDOrKey string, opts *ActivityListOptions) iter.Seq2[*Activity, error] {
	return activityIter(ctx, opts, func(ctx context.Context, o *ActivityListOptions) ([]*Activity, error) {
		v, _, err := s.ListActivities(ctx, projectIDOrKey, o)
		return v, err
	})
}
