package catalog

import (
	"github.com/backlogsync/backlogsync/backlog"
)

// projectKey maps a child's ProjectId to Projects.Id.
var projectKey = map[string]string{"ProjectId": "Id"}

// projectsCall is the first call of every per-project table.
var projectsCall = get("/projects", "once (all=true), unless ProjectId is given")

// pushProject is the pushdown of a per-project table's ProjectId.
var pushProject = push("ProjectId", "only the given projects' calls are made", "", eqIn...)

// projectDefs: Projects and their members and teams.
func projectDefs() []def {
	memberChange := Change{Kind: ChangeFull, Signals: []backlog.ActivityType{backlog.ActivityProjectUserAdded, backlog.ActivityProjectUserDeleted},
		Note: "one short list per project: re-read and diff by key"}
	teamsChange := Change{Kind: ChangeFull, Signals: []backlog.ActivityType{backlog.ActivityProjectTeamAdded, backlog.ActivityProjectTeamDeleted},
		Note: "one short list per project: re-read and diff by key"}
	return []def{
		{
			name: "Projects", desc: "The projects of the space (all of them for an administrator key, else the joined ones).",
			origin: "CData table", domo: []string{domoProjects},
			columns: cols(
				cInt("Id", "project id"),
				cText("ProjectKey", "project key, the prefix of issue keys"),
				cText("Name", "project name"),
				cBool("ChartEnabled", "burndown and Gantt charts enabled"),
				cBool("UseResolvedForChart", "charts count resolved issues as done"),
				cBool("SubtaskingEnabled", "child issues enabled"),
				cBool("GrandchildIssueEnabled", "grandchild issues enabled"),
				cBool("ProjectLeaderCanEditProjectLeader", "project administrators can change project administrators"),
				cBool("UseWiki", "wiki enabled"), cBool("UseDocument", "documents enabled"),
				cBool("UseFileSharing", "shared files enabled"), cBool("UseWikiTreeView", "wiki tree view enabled"),
				cBool("UseOriginalImageSizeAtWiki", "wiki shows images at original size"),
				cBool("UseSubversion", "Subversion enabled"), cBool("UseGit", "Git enabled"),
				cBool("UseDevAttributes", "development attributes (versions, milestones…) enabled"),
				cText("TextFormattingRule", "text formatting rule: backlog or markdown"),
				cBool("Archived", "the project is archived"),
				cInt("DisplayOrder", "display order"),
			),
			key:      []string{"Id"},
			calls:    []Call{get("/projects", "once (all=true)")},
			pushdown: []Pushdown{push("Archived", "archived", "", OpEq)},
			change:   Change{Kind: ChangeFull, Note: "one short list: re-read and diff by key (project settings make no activity)"},
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				return f.projects(*q, func(p *backlog.Project) error {
					return emit(f.row().set("Id", p.ID).set("ProjectKey", p.ProjectKey).set("Name", p.Name).
						set("ChartEnabled", p.ChartEnabled).set("UseResolvedForChart", p.UseResolvedForChart).
						set("SubtaskingEnabled", p.SubtaskingEnabled).set("GrandchildIssueEnabled", p.GrandchildIssueEnabled).
						set("ProjectLeaderCanEditProjectLeader", p.ProjectLeaderCanEditProjectLeader).
						set("UseWiki", p.UseWiki).set("UseDocument", p.UseDocument).set("UseFileSharing", p.UseFileSharing).
						set("UseWikiTreeView", p.UseWikiTreeView).set("UseOriginalImageSizeAtWiki", p.UseOriginalImageSizeAtWiki).
						set("UseSubversion", p.UseSubversion).set("UseGit", p.UseGit).set("UseDevAttributes", p.UseDevAttributes).
						set("TextFormattingRule", p.TextFormattingRule).set("Archived", p.Archived).set("DisplayOrder", p.DisplayOrder))
				})
			},
		},
		{
			name: "ProjectUsers", desc: "The members of each project (directly or through a team).",
			origin: "CData table", parent: "Projects", parentKeys: projectKey,
			columns:  cols(cInt("ProjectId", "project id"), cInt("UserId", "numeric user id"), userColumns()),
			key:      []string{"ProjectId", "UserId"},
			calls:    []Call{projectsCall, get("/projects/:projectIdOrKey/users", "per project")},
			pushdown: []Pushdown{pushProject},
			change:   memberChange,
			fetch: projectUsers(func(f *fetcher, pid int64) ([]*backlog.User, error) {
				list, _, err := f.c.Projects.ListUsers(f.ctx, itoa(pid), nil)
				return list, err
			}),
		},
		{
			name: "ProjectAdministrators", desc: "The project administrators of each project.",
			origin: "CData table", parent: "Projects", parentKeys: projectKey,
			columns:  cols(cInt("ProjectId", "project id"), cInt("UserId", "numeric user id"), userColumns()),
			key:      []string{"ProjectId", "UserId"},
			calls:    []Call{projectsCall, get("/projects/:projectIdOrKey/administrators", "per project")},
			pushdown: []Pushdown{pushProject},
			change:   Change{Kind: ChangeFull, Note: "one short list per project: re-read and diff by key"},
			fetch: projectUsers(func(f *fetcher, pid int64) ([]*backlog.User, error) {
				list, _, err := f.c.Projects.ListAdministrators(f.ctx, itoa(pid))
				return list, err
			}),
		},
		{
			name: "ProjectTeams", desc: "The teams that joined each project.",
			origin: "CData table", parent: "Projects", parentKeys: projectKey,
			columns:  cols(cInt("ProjectId", "project id"), teamColumns()),
			key:      []string{"ProjectId", "Id"},
			calls:    []Call{projectsCall, get("/projects/:projectIdOrKey/teams", "per project")},
			pushdown: []Pushdown{pushProject},
			change:   teamsChange,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				return f.projectTeams(q.translate(projectKey), func(pid int64, t *backlog.Team) error {
					return emit(f.row().set("ProjectId", pid).setTeam(t))
				})
			},
		},
		{
			name: "ProjectTeamMembers", desc: "The members of each team that joined a project.",
			origin: "CData view", parent: "ProjectTeams", parentKeys: map[string]string{"ProjectId": "ProjectId", "TeamId": "Id"},
			columns: cols(cInt("ProjectId", "project id"), cInt("TeamId", "team id"),
				cInt("UserId", "numeric id of the member"), cText("UserName", "display name of the member")),
			key:      []string{"ProjectId", "TeamId", "UserId"},
			calls:    []Call{projectsCall, get("/projects/:projectIdOrKey/teams", "per project (members are embedded)")},
			pushdown: []Pushdown{pushProject},
			change:   teamsChange,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				return f.projectTeams(q.translate(projectKey), func(pid int64, t *backlog.Team) error {
					for _, u := range t.Members {
						if err := emit(f.row().set("ProjectId", pid).set("TeamId", t.ID).set("UserId", u.ID).set("UserName", u.Name)); err != nil {
							return err
						}
					}
					return nil
				})
			},
		},
	}
}

// projects calls fn for every project q allows (GET /projects?all=true;
// Archived is pushed, Id filtered here).
func (f *fetcher) projects(q Query, fn func(*backlog.Project) error) error {
	ids, restricted := q.ints("Id")
	if restricted && len(ids) == 0 {
		return nil
	}
	opts := &backlog.ProjectListOptions{All: true}
	if b, ok := q.boolEq("Archived"); ok {
		opts.Archived = &b
	}
	list, err := memo(f, key("projects", opts.Archived != nil, opts.Archived != nil && *opts.Archived), func() ([]*backlog.Project, error) {
		l, _, err := f.c.Projects.List(f.ctx, opts)
		return l, err
	})
	if err != nil {
		return err
	}
	for _, p := range list {
		if restricted && !containsInt(ids, p.ID) {
			continue
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

// projectIDs calls fn with every project id q allows: the ids given for Id
// (no listing call), or else every project of GET /projects. A project
// that is gone or invisible (404) yields no rows.
func (f *fetcher) projectIDs(q Query, fn func(id int64) error) error {
	call := func(id int64) error {
		if err := fn(id); err != nil && !notFound(err) {
			return err
		}
		return nil
	}
	if ids, ok := q.ints("Id"); ok {
		for _, id := range ids {
			if err := call(id); err != nil {
				return err
			}
		}
		return nil
	}
	return f.projects(q, func(p *backlog.Project) error { return call(p.ID) })
}

// projectTeams calls fn for every team of every project q allows.
func (f *fetcher) projectTeams(q Query, fn func(pid int64, t *backlog.Team) error) error {
	return f.projectIDs(q, func(pid int64) error {
		list, err := memo(f, key("projectTeams", pid), func() ([]*backlog.Team, error) {
			l, _, err := f.c.Projects.ListTeams(f.ctx, itoa(pid))
			return l, err
		})
		if err != nil {
			return err
		}
		for _, t := range list {
			if err := fn(pid, t); err != nil {
				return err
			}
		}
		return nil
	})
}

// projectUsers fetches a per-project list of users (the members, the
// administrators): a row per project and user.
func projectUsers(list func(f *fetcher, pid int64) ([]*backlog.User, error)) fetchFunc {
	return func(f *fetcher, q *Query, emit func(*row) error) error {
		return f.projectIDs(q.translate(projectKey), func(pid int64) error {
			users, err := list(f, pid)
			if err != nil {
				return err
			}
			for _, u := range users {
				if err := emit(f.row().set("ProjectId", pid).set("UserId", u.ID).setUser(u)); err != nil {
					return err
				}
			}
			return nil
		})
	}
}
