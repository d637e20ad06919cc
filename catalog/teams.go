package catalog

import (
	"github.com/backlogsync/backlogsync/backlog"
)

// teamColumns are the columns of a team after any owner columns.
func teamColumns() []column {
	return cols(
		cInt("Id", "team id"),
		cText("Name", "team name"),
		nInt("DisplayOrder", "display order; NULL when unset"),
		cCreated("team"), cUpdated("team"),
	)
}

func (r *row) setTeam(t *backlog.Team) *row {
	return r.set("Id", t.ID).set("Name", t.Name).set("DisplayOrder", t.DisplayOrder).
		user("CreatedUser", t.CreatedUser).set("Created", t.Created).
		user("UpdatedUser", t.UpdatedUser).set("Updated", t.Updated)
}

var teamChange = Change{Kind: ChangeFull, Signals: []backlog.ActivityType{backlog.ActivityProjectTeamAdded, backlog.ActivityProjectTeamDeleted},
	Note: "a short list: re-read and diff by key (team edits make no space activity)"}

// teamDefs: Teams and TeamMembers.
func teamDefs() []def {
	teamKey := map[string]string{"TeamId": "Id"}
	return []def{
		{
			name: "Teams", desc: "The teams (groups of users) of the space. Needs a space or project administrator key.",
			origin: "CData view", domo: []string{domoTeams},
			columns:  teamColumns(),
			key:      []string{"Id"},
			calls:    []Call{get("/teams", "pages of 100")},
			pushdown: []Pushdown{},
			change:   teamChange,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				return f.teams(*q, func(t *backlog.Team) error { return emit(f.row().setTeam(t)) })
			},
		},
		{
			name: "TeamMembers", desc: "The members of each team.",
			origin: "CData view", parent: "Teams", parentKeys: teamKey,
			columns: cols(cInt("TeamId", "team id"), cInt("UserId", "numeric id of the member"), cText("UserName", "display name of the member")),
			key:     []string{"TeamId", "UserId"},
			calls:   []Call{get("/teams", "pages of 100 (members are embedded)")},
			change:  teamChange,
			fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
				return f.teams(q.translate(teamKey), func(t *backlog.Team) error {
					for _, u := range t.Members {
						if err := emit(f.row().set("TeamId", t.ID).set("UserId", u.ID).set("UserName", u.Name)); err != nil {
							return err
						}
					}
					return nil
				})
			},
		},
	}
}

// teams calls fn for every team (GET /teams, oldest first).
func (f *fetcher) teams(q Query, fn func(*backlog.Team) error) error {
	ids, restricted := q.ints("Id")
	if restricted && len(ids) == 0 {
		return nil
	}
	return each(f.c.Teams.ListIter(f.ctx, &backlog.TeamListOptions{Order: backlog.OrderAsc}), func(t *backlog.Team) error {
		if restricted && !containsInt(ids, t.ID) {
			return nil
		}
		return fn(t)
	})
}
