package catalog

import (
	"github.com/backlogsync/backlogsync/backlog"
)

// changeLogColumns are the columns of a comment's change log entry after
// the owner's columns.
func changeLogColumns() []column {
	return cols(
		cInt("Seq", "position of the change in the comment's change log, from 1"),
		cText("Field", "changed field, e.g. status, assigner, limitDate, component, attachment, or a custom field name"),
		nText("NewValue", "new value as displayed (names, not ids)"),
		nText("OriginalValue", "previous value as displayed"),
		nInt("AttachmentId", "attachment changes: the attachment id"),
		nText("AttachmentName", "attachment changes: the file name"),
		nInt("AttributeId", "custom-field changes: the custom field id"),
		nInt("AttributeTypeId", "custom-field changes: the field type"),
		nText("NotificationType", "notification info of the change, e.g. issue.create"),
	)
}

func (r *row) setChange(seq int, c *backlog.ChangeLogEntry) *row {
	r.set("Seq", seq).set("Field", c.Field).set("NewValue", c.NewValue).set("OriginalValue", c.OriginalValue)
	if a := c.AttachmentInfo; a != nil {
		r.set("AttachmentId", a.ID)
		if a.Name != "" {
			r.set("AttachmentName", a.Name)
		}
	}
	if a := c.AttributeInfo; a != nil {
		r.set("AttributeId", a.ID).set("AttributeTypeId", a.TypeID)
	}
	if n := c.NotificationInfo; n != nil {
		r.set("NotificationType", n.Type)
	}
	return r
}

// commentNotificationColumns are the columns of a comment notification.
func commentNotificationColumns() []column {
	return cols(cInt("Id", "notification id"), cUser("User", "notified user"),
		cInt("Reason", "why the user was notified (1 assigned, 2 commented, 3 issue added, 4 issue updated, 5 file added, 6 project user added, 9 other, 10 assigned to pull request, 11 pull request commented, 12 pull request added, 13 pull request updated)"),
		cBool("AlreadyRead", "the user has read the notification"),
		cBool("ResourceAlreadyRead", "the user has read the commented object"))
}

func (r *row) setCommentNotification(n *backlog.CommentNotification) *row {
	return r.set("Id", n.ID).user("User", n.User).set("Reason", n.Reason).set("AlreadyRead", n.AlreadyRead).
		set("ResourceAlreadyRead", n.ResourceAlreadyRead)
}

// commentDefs: issue comments and their change logs, notifications and stars.
func commentDefs() []def {
	commentKey := map[string]string{"IssueId": "IssueId", "ProjectId": "ProjectId", "CommentId": "Id"}
	calls := []Call{projectsCall, get("/issues", "pages of 100"), get("/issues/:issueIdOrKey/comments", "per issue, pages of 100 by id (asc)")}
	change := Change{Kind: ChangeParent, Signals: []backlog.ActivityType{backlog.ActivityIssueUpdated, backlog.ActivityIssueCommented,
		backlog.ActivityIssueMultiUpdated, backlog.ActivityCommentNotificationAdded}, Deletes: issueDeletes,
		Note: "a comment or an update moves the issue's Updated: re-read the comments of those issues (minId = last comment id)"}
	pushdown := append(childIssuePushdown(), push("Id", "minId / maxId (per issue)", "bounds passed one beyond and re-checked", rangeOps...))
	child := func(name, desc, origin string, columns []column, key []string, each func(f *fetcher, is *backlog.Issue, c *backlog.Comment, emit func(*row) error) error) def {
		return def{name: name, desc: desc, origin: origin, parent: "IssueComments", parentKeys: commentKey,
			columns: cols(cInt("CommentId", "comment id"), cInt("IssueId", "issue id"), cInt("ProjectId", "project id"), columns),
			key:     append([]string{"CommentId"}, key...), calls: calls,
			pushdown: append(childIssuePushdown(), push("CommentId", "minId / maxId (per issue)", "bounds passed one beyond and re-checked", rangeOps...)),
			change:   change,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				lo, hi := q.intBounds("CommentId")
				return f.comments(q, cursorOpts(lo, hi), func(is *backlog.Issue, c *backlog.Comment) error {
					return each(f, is, c, func(r *row) error {
						return emit(r.set("CommentId", c.ID).set("IssueId", is.ID).set("ProjectId", is.ProjectID))
					})
				})
			}}
	}
	return []def{
		{
			name: "IssueComments", desc: "The comments of each issue. Issue updates are comments too (their changes are in IssueCommentChangeLog).",
			origin: "CData table", parent: "Issues", parentKeys: issueKey,
			columns: cols(cInt("Id", "comment id"), cInt("IssueId", "issue id"), cInt("ProjectId", "project id"),
				nText("Content", "comment text; NULL or empty for pure field updates"),
				cCreated("comment"), cTime("Updated", "when the comment was last edited (UTC)")),
			key: []string{"Id"}, calls: calls, pushdown: pushdown, change: change,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				lo, hi := q.intBounds("Id")
				return f.comments(q, cursorOpts(lo, hi), func(is *backlog.Issue, c *backlog.Comment) error {
					return emit(f.row().set("Id", c.ID).set("IssueId", is.ID).set("ProjectId", is.ProjectID).
						set("Content", c.Content).user("CreatedUser", c.CreatedUser).set("Created", c.Created).set("Updated", c.Updated))
				})
			},
		},
		child("IssueCommentChangeLog", "The field changes recorded on each comment: one row per change, so an issue's field history can be rebuilt.",
			"CData view", changeLogColumns(), []string{"Seq"},
			func(f *fetcher, is *backlog.Issue, c *backlog.Comment, emit func(*row) error) error {
				for i, ch := range c.ChangeLog {
					if err := emit(f.row().setChange(i+1, ch)); err != nil {
						return err
					}
				}
				return nil
			}),
		child("IssueCommentNotifications", "The users notified of each comment.", "CData view",
			commentNotificationColumns(), []string{"Id"},
			func(f *fetcher, is *backlog.Issue, c *backlog.Comment, emit func(*row) error) error {
				for _, n := range c.Notifications {
					if err := emit(f.row().setCommentNotification(n)); err != nil {
						return err
					}
				}
				return nil
			}),
		child("IssueCommentStars", "The stars given to each comment.", "CData view",
			starColumns(), []string{"Id"},
			func(f *fetcher, is *backlog.Issue, c *backlog.Comment, emit func(*row) error) error {
				for _, s := range c.Stars {
					if err := emit(f.row().setStar(s)); err != nil {
						return err
					}
				}
				return nil
			}),
	}
}

// comments calls fn for every comment of every issue q allows (q in the
// child's columns: IssueId and ProjectId are pushed through GET /issues).
func (f *fetcher) comments(q *Query, opts *backlog.CursorOptions, fn func(is *backlog.Issue, c *backlog.Comment) error) error {
	plan := func(is *backlog.Issue) issueCall[*backlog.Comment] {
		o := *opts
		if s := f.s; s != nil {
			if s.NoComments != nil && s.NoComments(is) {
				return issueCall[*backlog.Comment]{}
			}
			if above, ok := s.CommentsAbove[is.ID]; ok && above > 0 && above >= o.MinID {
				// The cursor is exclusive on Backlog; an inclusive server's
				// extra comment is dropped by the re-check below.
				o.MinID = above
			}
		}
		return issueCall[*backlog.Comment]{key: key("comments", is.ID, o), ok: true, load: func() ([]*backlog.Comment, error) {
			return collect(f.c.Issues.CommentsIter(f.ctx, itoa(is.ID), &o))
		}}
	}
	return eachIssueList(f, q, plan, func(is *backlog.Issue, list []*backlog.Comment) error {
		above := int64(0)
		if f.s != nil {
			above = f.s.CommentsAbove[is.ID]
		}
		for _, c := range list {
			if c.ID <= above {
				continue
			}
			if err := fn(is, c); err != nil {
				return err
			}
		}
		return nil
	})
}
