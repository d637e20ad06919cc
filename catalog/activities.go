package catalog

import (
	"encoding/json"
	"fmt"
	"iter"
	"slices"

	"github.com/backlogsync/backlogsync/backlog"
)

// activityTypeNames names the activity types (entities.md).
var activityTypeNames = map[backlog.ActivityType]string{
	1: "issue created", 2: "issue updated", 3: "issue commented", 4: "issue deleted",
	5: "wiki created", 6: "wiki updated", 7: "wiki deleted",
	8: "file added", 9: "file updated", 10: "file deleted",
	11: "svn committed", 12: "git pushed", 13: "git repository created",
	14: "issues updated in bulk", 15: "project user added", 16: "project user removed",
	17: "comment notification added", 18: "pull request added", 19: "pull request updated",
	20: "pull request commented", 21: "pull request merged",
	22: "milestone created", 23: "milestone updated", 24: "milestone deleted",
	25: "project team added", 26: "project team removed", 34: "status deleted",
	35: "issue dates updated", 36: "document created", 37: "document deleted", 38: "document title updated",
	39: "document updated", 40: "document comment created", 41: "document comment updated",
	42: "document comment deleted", 43: "document reply created", 44: "document reply updated",
	45: "document reply deleted", 46: "document attachment added", 47: "issues created in bulk",
	48: "documents created in bulk", 49: "document mentioned",
}

// activityColumns are the columns of an activity feed row: the common
// members, typed columns for the object the activity is about, and the raw
// content.
func activityColumns() []column {
	return cols(
		cInt("Id", "activity id (increases with time)"),
		nInt("ProjectId", "project id"), nText("ProjectKey", "project key"), nText("ProjectName", "project name"),
		cInt("Type", "activity type (1 issue created, 2 issue updated, 3 issue commented, 4 issue deleted, 5–7 wiki, 8–10 file, 11–13 svn/git, 14 bulk update, 15–16 project user, 17 comment notification, 18–21 pull request, 22–24 milestone, 25–26 project team, 34 status deleted, 35 issue dates, 36–46 and 49 document, 47 bulk create, 48 documents)"),
		cText("TypeName", "activity type in words, e.g. issue created"),
		cCreated("activity"),
		nInt("IssueId", "issue activities (1–4, 17): the issue id"),
		nText("IssueKey", "issue activities: the issue key"),
		nInt("CommentId", "issue and pull-request comment activities: the comment id"),
		nText("CommentContent", "issue and pull-request activities: the comment text"),
		nInt("WikiId", "wiki activities (5–7): the page id"),
		nInt("SharedFileId", "file activities (8–10): the shared file id"),
		nInt("RepositoryId", "git and pull-request activities (12, 13, 18–21): the repository id"),
		nText("RepositoryName", "git and pull-request activities: the repository name"),
		nInt("PullRequestId", "pull-request activities (18–21): the pull request id"),
		nInt("PullRequestNumber", "pull-request activities: the pull request number"),
		nInt("MilestoneId", "milestone activities (22–24): the version id"),
		nText("DocumentId", "document activities (36–46, 49): the document id"),
		nText("Title", "the object's title: issue or pull-request summary, wiki page, file, milestone or document name"),
		cJSON("Content", "the activity's content as sent by the API (snake_case JSON; shape depends on Type)"),
	)
}

// setActivity fills activityColumns from a. Content that does not decode
// leaves the typed columns NULL (the raw content is always kept).
func (r *row) setActivity(a *backlog.Activity) *row {
	r.set("Id", a.ID).set("Type", a.Type).user("CreatedUser", a.CreatedUser).set("Created", a.Created)
	name := activityTypeNames[a.Type]
	if name == "" {
		name = fmt.Sprintf("type %d", int(a.Type))
	}
	r.set("TypeName", name)
	content := string(a.Content)
	if content == "" {
		content = "null"
	}
	r.set("Content", content)
	projectKey := ""
	if p := a.Project; p != nil {
		projectKey = p.ProjectKey
		r.set("ProjectId", p.ID).set("ProjectKey", p.ProjectKey).set("ProjectName", p.Name)
	}
	comment := func(c *backlog.ActivityComment) {
		if c != nil {
			if c.ID != 0 {
				r.set("CommentId", c.ID)
			}
			r.set("CommentContent", c.Content)
		}
	}
	v, err := a.DecodeContent()
	if err != nil {
		return r
	}
	// The typed decoders cannot tell a missing title from an empty one
	// (issue deletions carry no summary): read the titles as pointers.
	var head struct{ Summary, Name, Title *string }
	_ = json.Unmarshal(a.Content, &head)
	switch c := v.(type) {
	case *backlog.IssueContent:
		r.set("IssueId", c.ID).set("Title", head.Summary)
		if projectKey != "" && c.KeyID != 0 {
			r.set("IssueKey", fmt.Sprintf("%s-%d", projectKey, c.KeyID))
		}
		comment(c.Comment)
	case *backlog.WikiContent:
		r.set("WikiId", c.ID).set("Title", head.Name)
	case *backlog.FileContent:
		r.set("SharedFileId", c.ID).set("Title", head.Name)
	case *backlog.GitContent:
		r.set("RepositoryId", c.Repository.ID).set("RepositoryName", c.Repository.Name)
	case *backlog.PullRequestContent:
		r.set("PullRequestId", c.ID).set("PullRequestNumber", c.Number).set("Title", head.Summary).
			set("RepositoryId", c.Repository.ID).set("RepositoryName", c.Repository.Name)
		comment(c.Comment)
	case *backlog.MilestoneContent:
		r.set("MilestoneId", c.ID).set("Title", head.Name)
	case *backlog.DocumentContent:
		r.set("DocumentId", c.ID).set("Title", head.Title)
	}
	return r
}

// activityOptions pushes Id bounds and Type values into a feed request.
func activityOptions(q *Query) (*backlog.ActivityListOptions, bool) {
	lo, hi := q.intBounds("Id")
	o := &backlog.ActivityListOptions{CursorOptions: *cursorOpts(lo, hi)}
	if types, ok := q.ints("Type"); ok {
		if len(types) == 0 {
			return nil, false
		}
		for _, t := range types {
			o.TypeIDs = append(o.TypeIDs, backlog.ActivityType(t))
		}
		slices.Sort(o.TypeIDs)
	}
	return o, true
}

// activityPushdown is the pushdown of every activity feed.
func activityPushdown(extra ...Pushdown) []Pushdown {
	return append(extra,
		push("Id", "minId / maxId", "bounds passed one beyond and re-checked", rangeOps...),
		push("Type", "activityTypeId[]", "", eqIn...))
}

// activityDefs: the three recent-updates feeds.
func activityDefs() []def {
	feed := Change{Kind: ChangeAppend, Cursor: "Id", Note: "append-only feed: read ids above the last one seen (minId, order=asc)"}
	emitFeed := func(f *fetcher, seq iter.Seq2[*backlog.Activity, error], extra func(*row), emit func(*row) error) error {
		return each(seq, func(a *backlog.Activity) error {
			r := f.row().setActivity(a)
			if extra != nil {
				extra(r)
			}
			return emit(r)
		})
	}
	userKey := map[string]string{"UserId": "Id"}
	return []def{
		{
			name: "SpaceUpdates", desc: "The space's activity feed (recent updates) with typed columns for the object each activity is about. It is also the change feed the other tables' Signals refer to.",
			origin: "CData view", domo: []string{domoUpdates},
			columns: activityColumns(), key: []string{"Id"},
			calls:    []Call{get("/space/activities", "pages of 100 by id (asc)")},
			pushdown: activityPushdown(), change: feed,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				o, ok := activityOptions(q)
				if !ok {
					return nil
				}
				return emitFeed(f, f.c.Activities.SpaceIter(f.ctx, o), nil, emit)
			},
		},
		{
			name: "ProjectRecentUpdates", desc: "Each project's activity feed.",
			origin: "CData view", parent: "Projects", parentKeys: projectKey,
			columns: activityColumns(), key: []string{"Id"},
			calls:    []Call{projectsCall, get("/projects/:projectIdOrKey/activities", "per project, pages of 100 by id (asc)")},
			pushdown: activityPushdown(pushProject), change: feed,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				o, ok := activityOptions(q)
				if !ok {
					return nil
				}
				return f.projectIDs(q.translate(projectKey), func(pid int64) error {
					return emitFeed(f, f.c.Projects.ActivitiesIter(f.ctx, itoa(pid), o), nil, emit)
				})
			},
		},
		{
			name: "UserRecentUpdates", desc: "Each user's activity feed (the activities the user made).",
			origin: "CData view", parent: "Users", parentKeys: userKey,
			columns: cols(cInt("UserId", "numeric id of the user whose feed this is"), activityColumns()), key: []string{"UserId", "Id"},
			calls:    []Call{get("/users", "once, unless UserId is given"), get("/users/:userId/activities", "per user, pages of 100 by id (asc)")},
			pushdown: activityPushdown(push("UserId", "/users/:userId/activities (only those users)", "", eqIn...)),
			change:   feed,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				o, ok := activityOptions(q)
				if !ok {
					return nil
				}
				return f.users(q.translate(userKey), func(uid int64) error {
					return emitFeed(f, f.c.Users.ActivitiesIter(f.ctx, uid, o), func(r *row) { r.set("UserId", uid) }, emit)
				})
			},
		},
	}
}
