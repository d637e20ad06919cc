package catalog

import (
	"github.com/backlogsync/backlogsync/backlog"
)

// userColumns are the columns of a full user (Users, ProjectUsers, …),
// after the id column.
func userColumns() []column {
	return cols(
		nText("LoginId", "login id (the API's userId); NULL for some bot users"),
		cText("Name", "display name"),
		cInt("RoleType", "space role: 1 administrator, 2 member, 3 member restricted to adding issues, 4 viewer (classic plans also 5, 6 guests)"),
		nText("Lang", "language, e.g. ja or en; NULL when unset"),
		cText("MailAddress", "mail address"),
		nText("NulabId", "linked Nulab account id; NULL when not linked"),
		nText("NulabName", "linked Nulab account name"),
		nText("NulabUniqueId", "linked Nulab account unique id"),
		nTime("LastLoginTime", "last login (UTC); NULL if never"),
	)
}

// setUser fills userColumns from u.
func (r *row) setUser(u *backlog.User) *row {
	r.set("LoginId", u.UserID).set("Name", u.Name).set("RoleType", u.RoleType).set("Lang", u.Lang).
		set("MailAddress", u.MailAddress).set("LastLoginTime", u.LastLoginTime)
	if n := u.NulabAccount; n != nil {
		r.set("NulabId", n.NulabID).set("NulabName", n.Name).set("NulabUniqueId", n.UniqueID)
	}
	return r
}

// starColumns are the columns of a star, after the owner's columns.
func starColumns() []column {
	return cols(
		cInt("Id", "star id"),
		nText("Comment", "comment left with the star; NULL when none"),
		cText("Url", "URL of the starred object"),
		cText("Title", "title of the starred object"),
		cUser("Presenter", "user who gave the star"),
		cTime("Created", "when the star was given (UTC)"),
	)
}

// setStar fills starColumns from s.
func (r *row) setStar(s *backlog.Star) *row {
	return r.set("Id", s.ID).set("Comment", s.Comment).set("Url", s.URL).set("Title", s.Title).
		user("Presenter", s.Presenter).set("Created", s.Created)
}

// userDefs: Users and the per-user lists.
func userDefs() []def {
	userKey := map[string]string{"UserId": "Id"}
	return []def{
		{
			name: "Users", desc: "The users of the space. Needs a space administrator (or project administrator) key.",
			origin: "CData view", domo: []string{domoUsers},
			columns: cols(cInt("Id", "numeric user id"), userColumns()),
			key:     []string{"Id"},
			calls:   []Call{get("/users", "once")},
			change:  Change{Kind: ChangeFull, Note: "one list of all users: re-read and diff by key (deleted users disappear)"},
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				list, err := f.userList()
				if err != nil {
					return err
				}
				for _, u := range list {
					if err := emit(f.row().set("Id", u.ID).setUser(u)); err != nil {
						return err
					}
				}
				return nil
			},
		},
		{
			name: "UserReceivedStars", desc: "Stars each user received, for issues, comments, wiki pages and pull requests.",
			origin: "CData view", parent: "Users", parentKeys: userKey,
			columns: cols(cInt("UserId", "numeric id of the user who received the star"), starColumns()),
			key:     []string{"UserId", "Id"},
			calls:   []Call{get("/users", "once, unless UserId is given"), get("/users/:userId/stars", "per user, pages of 100 by id")},
			pushdown: []Pushdown{
				push("UserId", "/users/:userId/stars (only those users)", "", eqIn...),
				push("Id", "minId / maxId", "bounds passed one beyond and re-checked", rangeOps...),
			},
			change: Change{Kind: ChangeFull, Note: "every user's list re-read and diffed by key: a star disappears when it is removed or its issue, comment, wiki page or pull request is deleted, which no feed reports (one request per user, as reading above the last id would cost)"},
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				lo, hi := q.intBounds("Id")
				opts := cursorOpts(lo, hi)
				return f.users(q.translate(userKey), func(uid int64) error {
					return each(f.c.Stars.ReceivedIter(f.ctx, uid, opts), func(s *backlog.Star) error {
						return emit(f.row().set("UserId", uid).setStar(s))
					})
				})
			},
		},
		{
			name: "Watchings", desc: "Issues each user watches.",
			origin: "CData table", parent: "Users", parentKeys: userKey,
			columns: cols(
				cInt("Id", "watching id"),
				cInt("UserId", "numeric id of the watching user"),
				cText("Type", "watched object type (issue)"),
				nInt("IssueId", "watched issue id"), nText("IssueKey", "watched issue key, e.g. BLG-12"),
				nText("IssueSummary", "watched issue summary"), nInt("ProjectId", "project of the watched issue"),
				cText("Note", "the user's note"),
				cBool("ResourceAlreadyRead", "the user has read the issue's latest change"),
				nTime("LastContentUpdated", "when the issue's content last changed (UTC)"),
				cTime("Created", "when the watching was created (UTC)"),
				cTime("Updated", "when the watching was last updated (UTC)"),
			),
			key:   []string{"Id"},
			calls: []Call{get("/users", "once, unless UserId is given"), get("/users/:userId/watchings", "per user, pages of 100")},
			pushdown: []Pushdown{
				push("UserId", "/users/:userId/watchings (only those users)", "", eqIn...),
				push("IssueId", "issueId[]", "", eqIn...),
				push("ResourceAlreadyRead", "resourceAlreadyRead", "", OpEq),
			},
			change: Change{Kind: ChangeFull, Note: "watchings make no activity: re-read per user and diff by key"},
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				opts := &backlog.WatchingListOptions{Sort: "created", Order: backlog.OrderAsc}
				if ids, ok := q.ints("IssueId"); ok {
					if len(ids) == 0 {
						return nil
					}
					opts.IssueIDs = ids
				}
				if b, ok := q.boolEq("ResourceAlreadyRead"); ok {
					opts.ResourceAlreadyRead = &b
				}
				return f.users(q.translate(userKey), func(uid int64) error {
					return each(f.c.Watchings.ListIter(f.ctx, uid, opts), func(w *backlog.Watching) error {
						r := f.row().set("Id", w.ID).set("UserId", uid).set("Type", w.Type).set("Note", w.Note).
							set("ResourceAlreadyRead", w.ResourceAlreadyRead).set("LastContentUpdated", w.LastContentUpdated).
							set("Created", w.Created).set("Updated", w.Updated)
						if is := w.Issue; is != nil {
							r.set("IssueId", is.ID).set("IssueKey", is.IssueKey).set("IssueSummary", is.Summary).set("ProjectId", is.ProjectID)
						}
						return emit(r)
					})
				})
			},
		},
	}
}

// users calls fn with the id of every user q allows: the ids given for Id,
// or else every user of GET /users.
func (f *fetcher) users(q Query, fn func(id int64) error) error {
	if ids, ok := q.ints("Id"); ok {
		for _, id := range ids {
			if err := fn(id); err != nil && !notFound(err) {
				return err
			}
		}
		return nil
	}
	list, err := f.userList()
	if err != nil {
		return err
	}
	for _, u := range list {
		if err := fn(u.ID); err != nil && !notFound(err) {
			return err
		}
	}
	return nil
}

// cursorOpts turns inclusive id bounds into id-cursor options read in
// ascending order. The bounds are passed one beyond (minId = lo-1, maxId =
// hi+1) so the answer is right whether the server treats them as inclusive
// or exclusive; the extra ids are dropped by the local re-check.
func cursorOpts(lo, hi int64) *backlog.CursorOptions {
	o := &backlog.CursorOptions{Order: backlog.OrderAsc}
	if lo > 1 {
		o.MinID = lo - 1
	}
	if hi > 0 {
		o.MaxID = hi + 1
	}
	return o
}

// userList returns GET /users (once per Session).
func (f *fetcher) userList() ([]*backlog.User, error) {
	return memo(f, "users", func() ([]*backlog.User, error) {
		l, _, err := f.c.Users.List(f.ctx)
		return l, err
	})
}
