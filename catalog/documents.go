package catalog

import (
	"errors"

	"github.com/backlogsync/backlogsync/backlog"
)

var (
	docSignals = []backlog.ActivityType{backlog.ActivityDocumentCreated, backlog.ActivityDocumentTitleUpdated,
		backlog.ActivityDocumentUpdated, backlog.ActivityDocumentAttachmentAdded, backlog.ActivityDocumentsMultiCreated}
	docDeletes = []backlog.ActivityType{backlog.ActivityDocumentDeleted}
	docKey     = map[string]string{"DocumentId": "Id", "ProjectId": "ProjectId"}
	docsCall   = get("/documents", "pages of 100 (projectId[] of every visible project)")
)

// errStop ends an iteration early without an error.
var errStop = errors.New("stop")

// documentDefs: documents, their tags, attachments and comments.
func documentDefs() []def {
	childChange := Change{Kind: ChangeParent, Signals: docSignals, Deletes: docDeletes, Note: "embedded in the document: re-read with the documents whose Updated advanced"}
	childPush := []Pushdown{push("DocumentId", "GET /documents/:documentId directly", "", eqIn...), push("ProjectId", "projectId[] on GET /documents", "", eqIn...)}
	child := func(name, desc string, columns []column, key []string, fill func(f *fetcher, d *backlog.Document, emit func(*row) error) error) def {
		return def{name: name, desc: desc, parent: "Documents", parentKeys: docKey,
			columns: cols(cText("DocumentId", "document id (32 hex digits)"), cInt("ProjectId", "project id"), columns),
			key:     append([]string{"DocumentId"}, key...), calls: []Call{projectsCall, docsCall}, pushdown: childPush, change: childChange,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				pq := q.translate(docKey)
				return f.documents(&pq, func(d *backlog.Document) error {
					return fill(f, d, func(r *row) error { return emit(r.set("DocumentId", d.ID).set("ProjectId", d.ProjectID)) })
				})
			}}
	}
	return []def{
		{
			name: "Documents", desc: "The documents of every project (Backlog's newer rich-text pages).",
			parent: "Projects", parentKeys: projectKey,
			columns: cols(cText("Id", "document id (32 hex digits)"), cInt("ProjectId", "project id"), cText("Title", "title"),
				cText("Plain", "body as plain text"), cJSON("Content", "body as rich-text JSON (ProseMirror-style document)"),
				cInt("StatusId", "document status id"), nText("Emoji", "emoji shown with the title; NULL when none"),
				cCreated("document"), cUpdated("document")),
			key:   []string{"Id"},
			calls: []Call{projectsCall, docsCall},
			pushdown: []Pushdown{
				push("Id", "GET /documents/:documentId directly", "", eqIn...),
				push("ProjectId", "projectId[]", "", eqIn...),
				push("Updated", "sort=updated&order=desc, stopping below the lower bound", "", OpGE, OpGT),
			},
			change: Change{Kind: ChangeCursor, Cursor: "Updated", Signals: docSignals, Deletes: docDeletes,
				Note: "read newest-updated first and stop at the cursor; deletions only show in the feed (type 37)"},
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				return f.documents(q, func(d *backlog.Document) error {
					return emit(f.row().set("Id", d.ID).set("ProjectId", d.ProjectID).set("Title", d.Title).set("Plain", d.Plain).
						set("Content", jsonText(d.JSON)).set("StatusId", d.StatusID).set("Emoji", d.Emoji).
						user("CreatedUser", d.CreatedUser).set("Created", d.Created).
						user("UpdatedUser", d.UpdatedUser).set("Updated", d.Updated))
				})
			},
		},
		child("DocumentTags", "The tags of each document.",
			cols(cInt("TagId", "tag id"), cText("TagName", "tag name")), []string{"TagId"},
			func(f *fetcher, d *backlog.Document, emit func(*row) error) error {
				for _, t := range d.Tags {
					if err := emit(f.row().set("TagId", t.ID).set("TagName", t.Name)); err != nil {
						return err
					}
				}
				return nil
			}),
		child("DocumentAttachments", "The files attached to each document (metadata).",
			attachmentColumns(), []string{"Id"},
			func(f *fetcher, d *backlog.Document, emit func(*row) error) error {
				for _, a := range d.Attachments {
					if err := emit(f.row().setAttachment(a)); err != nil {
						return err
					}
				}
				return nil
			}),
		withDocCalls(child("DocumentComments", "The comments of each document and their replies (a reply has ParentCommentId set).",
			cols(cText("Id", "comment or reply id"), nText("ParentCommentId", "for replies: the comment replied to; NULL for comments"),
				nInt("StatusId", "comment status (comments only)"), nText("CommentType", "comment type (comments only)"),
				cJSON("Content", "rich-text JSON body"), cText("Plain", "body as plain text"),
				cUser("CreatedUser", "author"), cTime("Created", "when it was written (UTC)"),
				nInt("UpdatedUserId", "numeric id of the user who last edited it"), cTime("Updated", "when it was last edited (UTC)")),
			[]string{"Id"},
			func(f *fetcher, d *backlog.Document, emit func(*row) error) error {
				list, err := memo(f, key("documentComments", d.ID), func() ([]*backlog.DocumentComment, error) {
					l, _, err := f.c.Documents.ListComments(f.ctx, d.ID)
					return l, err
				})
				if notFound(err) {
					return nil
				}
				if err != nil {
					return err
				}
				for _, c := range list {
					r := f.row().set("Id", c.ID).set("StatusId", c.StatusID).set("CommentType", c.CommentType).
						set("Content", jsonText(c.Content)).set("Plain", c.Plain).set("Created", c.Created).
						set("UpdatedUserId", c.UpdatedUserID).set("Updated", c.Updated)
					docUser(r, c.CreatedUserID, c.CreatedUser)
					if err := emit(r); err != nil {
						return err
					}
					for _, rp := range c.Replies {
						r := f.row().set("Id", rp.ID).set("ParentCommentId", c.ID).set("Content", jsonText(rp.Content)).
							set("Plain", rp.Plain).set("Created", rp.Created).set("UpdatedUserId", rp.UpdatedUserID).set("Updated", rp.Updated)
						docUser(r, rp.CreatedUserID, rp.CreatedUser)
						if err := emit(r); err != nil {
							return err
						}
					}
				}
				return nil
			})),
	}
}

// withDocCalls adds the per-document comments call.
func withDocCalls(d def) def {
	d.calls = append(d.calls, get("/documents/:documentId/comments", "per document"))
	d.change = Change{Kind: ChangeParent, Signals: []backlog.ActivityType{backlog.ActivityDocumentCommentCreated,
		backlog.ActivityDocumentCommentUpdated, backlog.ActivityDocumentReplyCreated, backlog.ActivityDocumentReplyUpdated},
		Deletes: []backlog.ActivityType{backlog.ActivityDocumentCommentDeleted, backlog.ActivityDocumentReplyDeleted},
		Note:    "re-read the comments of the documents the signals name"}
	return d
}

// docUser sets the CreatedUser columns from a document comment's light user.
func docUser(r *row, id int64, u *backlog.DocumentUser) {
	if u != nil {
		r.set("CreatedUserId", u.ID).set("CreatedUserName", u.Name)
		return
	}
	if id != 0 {
		r.set("CreatedUserId", id)
	}
}

// jsonText returns s, or "null" for an empty rich-text body, so the column
// always holds valid JSON.
func jsonText(s string) string {
	if s == "" {
		return "null"
	}
	return s
}

// documents calls fn for every document q (in Documents' columns) allows.
func (f *fetcher) documents(q *Query, fn func(*backlog.Document) error) error {
	if ids, ok := q.strs("Id"); ok {
		for _, id := range ids {
			d, _, err := f.c.Documents.Get(f.ctx, id)
			if notFound(err) {
				continue
			}
			if err != nil {
				return err
			}
			if err := fn(d); err != nil {
				return err
			}
		}
		return nil
	}
	opts := &backlog.DocumentListOptions{Sort: "created", Order: backlog.OrderAsc}
	if ids, ok := q.ints("ProjectId"); ok {
		if len(ids) == 0 {
			return nil
		}
		opts.ProjectIDs = ids
	} else {
		// Like issues, name every visible project so an administrator's
		// key reads documents of projects it did not join.
		if err := f.projects(Query{}, func(p *backlog.Project) error {
			opts.ProjectIDs = append(opts.ProjectIDs, p.ID)
			return nil
		}); err != nil {
			return err
		}
		if len(opts.ProjectIDs) == 0 {
			return nil
		}
	}
	lo, _ := q.timeBounds("Updated")
	if !lo.IsZero() {
		opts.Sort, opts.Order = "updated", backlog.OrderDesc
	}
	var fnErr error
	if lo.IsZero() {
		// The whole list: read once per Session.
		list, err := memo(f, key("documents", opts.ProjectIDs), func() ([]*backlog.Document, error) {
			return collect(f.c.Documents.ListIter(f.ctx, opts))
		})
		if notFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, d := range list {
			if err := fn(d); err != nil {
				return err
			}
		}
		return nil
	}
	err := each(f.c.Documents.ListIter(f.ctx, opts), func(d *backlog.Document) error {
		if !lo.IsZero() && d.Updated.Before(lo) {
			return errStop
		}
		fnErr = fn(d)
		return fnErr
	})
	switch {
	case fnErr != nil:
		return fnErr
	case errors.Is(err, errStop), notFound(err):
		return nil
	}
	return err
}
