package catalog

import (
	"github.com/backlogsync/backlogsync/backlog"
)

// eachIssue calls fn for every issue a child table's q allows (IssueId and
// ProjectId are pushed through GET /issues). A 404 from fn's own calls
// (the issue was deleted meanwhile) yields no rows for that issue.
func (f *fetcher) eachIssue(q *Query, fn func(is *backlog.Issue) error) error {
	return f.issues(q.translate(issueKey), func(is *backlog.Issue) error {
		if err := fn(is); err != nil && !notFound(err) {
			return err
		}
		return nil
	})
}

// attachmentColumns are the columns of an attachment after its owner's.
func attachmentColumns() []column {
	return cols(cInt("Id", "attachment id"), cText("Name", "file name"), cInt("Size", "size in bytes"),
		cUser("CreatedUser", "user who attached the file"), nTime("Created", "when the file was attached (UTC)"))
}

func (r *row) setAttachment(a *backlog.Attachment) *row {
	return r.set("Id", a.ID).set("Name", a.Name).set("Size", a.Size).user("CreatedUser", a.CreatedUser).set("Created", a.Created)
}

// sharedFileColumns are the columns of a shared file.
func sharedFileColumns() []column {
	return cols(cInt("Id", "shared file id"), cText("Type", "file or directory"),
		cText("Dir", "parent directory, with leading and trailing /"), cText("Name", "file name"),
		cInt("Size", "size in bytes (0 for directories)"), cCreated("file"),
		cUser("UpdatedUser", "user who last updated the file"), nTime("Updated", "when the file was last updated (UTC)"))
}

func (r *row) setSharedFile(s *backlog.SharedFile) *row {
	return r.set("Id", s.ID).set("Type", s.Type).set("Dir", s.Dir).set("Name", s.Name).set("Size", s.Size).
		user("CreatedUser", s.CreatedUser).set("Created", s.Created).user("UpdatedUser", s.UpdatedUser).set("Updated", s.Updated)
}

// issueDetailDefs: the multi-valued members of issues and the per-issue lists.
func issueDetailDefs() []def {
	embedded := Change{Kind: ChangeParent, Signals: issueSignals, Deletes: issueDeletes,
		Note: "embedded in the issue: re-read with the issues whose Updated advanced"}
	embeddedCalls := []Call{projectsCall, get("/issues", "pages of 100 (embedded in each issue)")}
	child := func(name, desc, origin string, columns []column, key []string, fetch fetchFunc) def {
		return def{name: name, desc: desc, origin: origin, parent: "Issues", parentKeys: issueKey,
			columns: cols(cInt("IssueId", "issue id"), cInt("ProjectId", "project id of the issue"), columns),
			key:     append([]string{"IssueId"}, key...), calls: embeddedCalls, pushdown: childIssuePushdown(),
			change: embedded, fetch: fetch}
	}
	// list emits one row per element of a member of each issue.
	ref := func(prefix string, get func(is *backlog.Issue) []refItem) fetchFunc {
		return func(f *fetcher, q *Query, emit func(*row) error) error {
			return f.eachIssue(q, func(is *backlog.Issue) error {
				for _, it := range get(is) {
					if err := emit(f.row().set("IssueId", is.ID).set("ProjectId", is.ProjectID).
						set(prefix+"Id", it.id).set(prefix+"Name", it.name)); err != nil {
						return err
					}
				}
				return nil
			})
		}
	}
	return []def{
		child("IssueCategories", "The categories of each issue.", "CData view",
			cols(cInt("CategoryId", "category id"), cText("CategoryName", "category name")), []string{"CategoryId"},
			ref("Category", func(is *backlog.Issue) []refItem {
				var out []refItem
				for _, c := range is.Category {
					out = append(out, refItem{c.ID, c.Name})
				}
				return out
			})),
		child("IssueVersions", "The versions (affected versions) of each issue.", "CData view",
			cols(cInt("VersionId", "version id"), cText("VersionName", "version name")), []string{"VersionId"},
			ref("Version", func(is *backlog.Issue) []refItem { return versionRefs(is.Versions) })),
		child("IssueMilestones", "The milestones of each issue.", "CData view",
			cols(cInt("MilestoneId", "milestone (version) id"), cText("MilestoneName", "milestone name")), []string{"MilestoneId"},
			ref("Milestone", func(is *backlog.Issue) []refItem { return versionRefs(is.Milestone) })),
		child("IssueAttachments", "The files attached to each issue (metadata; the bytes are at /issues/:id/attachments/:id).", "CData table",
			attachmentColumns(), []string{"Id"},
			func(f *fetcher, q *Query, emit func(*row) error) error {
				return f.eachIssue(q, func(is *backlog.Issue) error {
					for _, a := range is.Attachments {
						if err := emit(f.row().set("IssueId", is.ID).set("ProjectId", is.ProjectID).setAttachment(a)); err != nil {
							return err
						}
					}
					return nil
				})
			}),
		withAliases(child("IssueLinkedSharedFiles", "The shared files linked to each issue.", "CData table",
			sharedFileColumns(), []string{"Id"},
			func(f *fetcher, q *Query, emit func(*row) error) error {
				return f.eachIssue(q, func(is *backlog.Issue) error {
					for _, s := range is.SharedFiles {
						if err := emit(f.row().set("IssueId", is.ID).set("ProjectId", is.ProjectID).setSharedFile(s)); err != nil {
							return err
						}
					}
					return nil
				})
			}), "IssueSharedFiles"),
		child("IssueStars", "The stars given to each issue.", "",
			starColumns(), []string{"Id"},
			func(f *fetcher, q *Query, emit func(*row) error) error {
				return f.eachIssue(q, func(is *backlog.Issue) error {
					for _, s := range is.Stars {
						if err := emit(f.row().set("IssueId", is.ID).set("ProjectId", is.ProjectID).setStar(s)); err != nil {
							return err
						}
					}
					return nil
				})
			}),
		withCalls(child("IssueParticipants", "The users who took part in each issue (created, commented or were assigned).", "CData view",
			cols(cInt("UserId", "numeric user id"), cText("UserName", "display name")), []string{"UserId"},
			func(f *fetcher, q *Query, emit func(*row) error) error {
				plan := func(is *backlog.Issue) issueCall[*backlog.User] {
					return issueCall[*backlog.User]{key: key("participants", is.ID), ok: true, load: func() ([]*backlog.User, error) {
						l, _, err := f.c.Issues.ListParticipants(f.ctx, itoa(is.ID))
						return l, err
					}}
				}
				return eachIssueList(f, q, plan, func(is *backlog.Issue, list []*backlog.User) error {
					for _, u := range list {
						if err := emit(f.row().set("IssueId", is.ID).set("ProjectId", is.ProjectID).
							set("UserId", u.ID).set("UserName", u.Name)); err != nil {
							return err
						}
					}
					return nil
				})
			}), get("/issues/:issueIdOrKey/participants", "per issue")),
		withCalls(child("IssueRelatedIssues", "The issues related to each issue (both directions are listed).", "",
			cols(cInt("RelatedIssueId", "related issue id"), cText("RelatedIssueKey", "related issue key"),
				cInt("RelatedProjectId", "project id of the related issue"), cText("RelatedIssueSummary", "related issue summary")),
			[]string{"RelatedIssueId"},
			func(f *fetcher, q *Query, emit func(*row) error) error {
				plan := func(is *backlog.Issue) issueCall[*backlog.Issue] {
					return issueCall[*backlog.Issue]{key: key("related", is.ID), ok: true, load: func() ([]*backlog.Issue, error) {
						l, _, err := f.c.Issues.ListRelated(f.ctx, itoa(is.ID))
						return l, err
					}}
				}
				return eachIssueList(f, q, plan, func(is *backlog.Issue, list []*backlog.Issue) error {
					for _, o := range list {
						if err := emit(f.row().set("IssueId", is.ID).set("ProjectId", is.ProjectID).
							set("RelatedIssueId", o.ID).set("RelatedIssueKey", o.IssueKey).
							set("RelatedProjectId", o.ProjectID).set("RelatedIssueSummary", o.Summary)); err != nil {
							return err
						}
					}
					return nil
				})
			}), get("/issues/:issueIdOrKey/relatedIssues", "per issue")),
	}
}

// refItem is an embedded object's id and name.
type refItem struct {
	id   int64
	name string
}

func versionRefs(vs []*backlog.Version) []refItem {
	var out []refItem
	for _, v := range vs {
		out = append(out, refItem{v.ID, v.Name})
	}
	return out
}

// withAliases adds lookup aliases to a def.
func withAliases(d def, aliases ...string) def { d.aliases = append(d.aliases, aliases...); return d }

// withCalls replaces the "embedded" call description of a child with the
// issue list plus a per-issue call.
func withCalls(d def, perItem Call) def {
	d.calls = []Call{projectsCall, get("/issues", "pages of 100"), perItem}
	d.change.Note = "a per-issue list: re-read it for the issues whose Updated advanced"
	return d
}
