package catalog

import (
	"github.com/backlogsync/backlogsync/backlog"
)

var (
	wikiSignals = []backlog.ActivityType{backlog.ActivityWikiCreated, backlog.ActivityWikiUpdated}
	wikiDeletes = []backlog.ActivityType{backlog.ActivityWikiDeleted}
	wikiKey     = map[string]string{"WikiId": "Id", "ProjectId": "ProjectId"}
	wikisCall   = get("/wikis", "per project (projectIdOrKey; the whole list at once, without content)")
	wikiCall    = get("/wikis/:wikiId", "per page")
)

// wikiDefs: wiki pages and their tags, attachments, shared files, stars
// and history.
func wikiDefs() []def {
	detailChange := Change{Kind: ChangeParent, Signals: wikiSignals, Deletes: wikiDeletes,
		Note: "re-read with the pages whose Updated advanced"}
	pushdown := []Pushdown{
		push("WikiId", "GET /wikis/:wikiId directly, without listing", "", eqIn...),
		push("ProjectId", "projectIdOrKey on GET /wikis", "", eqIn...),
	}
	child := func(name, desc, origin string, columns []column, key []string, list bool, fill func(f *fetcher, w *backlog.Wiki, emit func(*row) error) error) def {
		calls := []Call{projectsCall, wikisCall}
		if !list {
			calls = append(calls, wikiCall)
		}
		return def{name: name, desc: desc, origin: origin, parent: "WikiPages", parentKeys: wikiKey,
			columns: cols(cInt("WikiId", "wiki page id"), cInt("ProjectId", "project id"), columns),
			key:     append([]string{"WikiId"}, key...), calls: calls, pushdown: pushdown, change: detailChange,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				pq := q.translate(wikiKey)
				visit := f.wikiDetails
				if list {
					visit = f.wikiList
				}
				return visit(&pq, nil, func(w *backlog.Wiki) error {
					return fill(f, w, func(r *row) error {
						return emit(r.set("WikiId", w.ID).set("ProjectId", w.ProjectID))
					})
				})
			}}
	}
	return []def{
		{
			name: "WikiPages", desc: "The wiki pages of every project, with their content.",
			origin: "CData table",
			columns: cols(cInt("Id", "wiki page id"), cInt("ProjectId", "project id"),
				cText("Name", "page name; / separates tree levels"), cText("Content", "page content (Backlog or Markdown syntax)"),
				cCreated("page"), cUpdated("page")),
			key:   []string{"Id"},
			calls: []Call{projectsCall, wikisCall, get("/wikis/:wikiId", "per page that passes the other predicates (for Content)")},
			pushdown: []Pushdown{
				push("Id", "GET /wikis/:wikiId directly, without listing", "", eqIn...),
				push("ProjectId", "projectIdOrKey on GET /wikis", "", eqIn...),
				push("Updated", "checked on the list before the per-page call", "", rangeOps...),
			},
			change: Change{Kind: ChangeCursor, Cursor: "Updated", Signals: wikiSignals, Deletes: wikiDeletes,
				Note: "the list (one call per project) carries Updated: only pages past the cursor are read in full; deleted pages drop out of the list"},
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				// Predicates on every column but Content are checked on the
				// list item, before spending a call on the page.
				pre := func(w *backlog.Wiki) bool { return q.matchExcept(f.t, wikiRow(f.row(), w).vals, "Content") }
				return f.wikiDetails(q, pre, func(w *backlog.Wiki) error {
					return emit(wikiRow(f.row(), w).set("Content", w.Content))
				})
			},
		},
		child("WikiPageTags", "The tags of each wiki page.", "CData view",
			cols(cInt("TagId", "tag id"), cText("TagName", "tag name")), []string{"TagId"}, true,
			func(f *fetcher, w *backlog.Wiki, emit func(*row) error) error {
				for _, t := range w.Tags {
					if err := emit(f.row().set("TagId", t.ID).set("TagName", t.Name)); err != nil {
						return err
					}
				}
				return nil
			}),
		child("WikiPageAttachments", "The files attached to each wiki page (metadata).", "CData table",
			attachmentColumns(), []string{"Id"}, false,
			func(f *fetcher, w *backlog.Wiki, emit func(*row) error) error {
				for _, a := range w.Attachments {
					if err := emit(f.row().setAttachment(a)); err != nil {
						return err
					}
				}
				return nil
			}),
		child("WikiPageLinkedSharedFiles", "The shared files linked to each wiki page.", "CData view",
			sharedFileColumns(), []string{"Id"}, false,
			func(f *fetcher, w *backlog.Wiki, emit func(*row) error) error {
				for _, s := range w.SharedFiles {
					if err := emit(f.row().setSharedFile(s)); err != nil {
						return err
					}
				}
				return nil
			}),
		child("WikiPageStars", "The stars given to each wiki page.", "CData view",
			starColumns(), []string{"Id"}, false,
			func(f *fetcher, w *backlog.Wiki, emit func(*row) error) error {
				for _, s := range w.Stars {
					if err := emit(f.row().setStar(s)); err != nil {
						return err
					}
				}
				return nil
			}),
		{
			name: "WikiPageHistory", desc: "Every version of each wiki page, with its content.",
			origin: "CData view", parent: "WikiPages", parentKeys: wikiKey,
			columns: cols(cInt("WikiId", "wiki page id"), cInt("ProjectId", "project id"), cInt("Version", "version number, from 1"),
				cText("Name", "page name in this version"), cText("Content", "page content in this version"),
				cUser("CreatedUser", "user who saved this version"), cTime("Created", "when this version was saved (UTC)")),
			key:   []string{"WikiId", "Version"},
			calls: []Call{projectsCall, wikisCall, get("/wikis/:wikiId/history", "per page, pages of 100 by version (asc)")},
			pushdown: append(pushdown[:2:2],
				push("Version", "minId / maxId (the history cursor runs over versions)", "bounds passed one beyond and re-checked", rangeOps...)),
			change: Change{Kind: ChangeParent, Signals: wikiSignals, Deletes: wikiDeletes,
				Note: "append-only per page: for pages whose Updated advanced, read versions above the last one seen"},
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				pq := q.translate(wikiKey)
				lo, hi := q.intBounds("Version")
				opts := cursorOpts(lo, hi)
				return f.wikiList(&pq, nil, func(w *backlog.Wiki) error {
					if f.unchanged(KindWiki, itoa(w.ID), w.Updated) {
						return nil
					}
					list, err := collect(f.c.Wikis.HistoryIter(f.ctx, w.ID, opts))
					if notFound(err) {
						return nil
					}
					if err != nil {
						return err
					}
					for _, h := range list {
						if err := emit(f.row().set("WikiId", w.ID).set("ProjectId", w.ProjectID).set("Version", h.Version).
							set("Name", h.Name).set("Content", h.Content).user("CreatedUser", h.CreatedUser).set("Created", h.Created)); err != nil {
							return err
						}
					}
					return nil
				})
			},
		},
	}
}

// wikiRow fills the WikiPages columns a list item carries (not Content).
func wikiRow(r *row, w *backlog.Wiki) *row {
	return r.set("Id", w.ID).set("ProjectId", w.ProjectID).set("Name", w.Name).
		user("CreatedUser", w.CreatedUser).set("Created", w.Created).user("UpdatedUser", w.UpdatedUser).set("Updated", w.Updated)
}

// wikiList calls fn for every page (list items, without content) q allows,
// q being in WikiPages' columns. keep, when set, filters list items. With Id
// given, the pages are read one by one instead.
func (f *fetcher) wikiList(q *Query, keep func(*backlog.Wiki) bool, fn func(*backlog.Wiki) error) error {
	if ids, ok := q.ints("Id"); ok {
		for _, id := range ids {
			w, _, err := f.c.Wikis.Get(f.ctx, id)
			if notFound(err) {
				continue
			}
			if err != nil {
				return err
			}
			if keep != nil && !keep(w) {
				continue
			}
			if err := fn(w); err != nil {
				return err
			}
		}
		return nil
	}
	return f.projectIDs(q.translate(projectKey), func(pid int64) error {
		list, err := memo(f, key("wikis", pid), func() ([]*backlog.Wiki, error) {
			l, _, err := f.c.Wikis.List(f.ctx, &backlog.WikiListOptions{ProjectIDOrKey: itoa(pid)})
			return l, err
		})
		if err != nil {
			return err
		}
		for _, w := range list {
			if keep != nil && !keep(w) {
				continue
			}
			if err := fn(w); err != nil {
				return err
			}
		}
		return nil
	})
}

// wikiDetails is wikiList with each page read in full (GET /wikis/:id).
func (f *fetcher) wikiDetails(q *Query, keep func(*backlog.Wiki) bool, fn func(*backlog.Wiki) error) error {
	if _, ok := q.ints("Id"); ok {
		return f.wikiList(q, keep, fn) // already read in full
	}
	return f.wikiList(q, keep, func(w *backlog.Wiki) error {
		if f.unchanged(KindWiki, itoa(w.ID), w.Updated) {
			return nil
		}
		full, err := memo(f, key("wiki", w.ID), func() (*backlog.Wiki, error) {
			w, _, err := f.c.Wikis.Get(f.ctx, w.ID)
			return w, err
		})
		if notFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return fn(full)
	})
}
