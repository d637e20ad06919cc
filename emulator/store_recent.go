package emulator

import (
	"slices"
	"time"
)

// Recently viewed issues, projects and wikis per user.

// maxRecent is how many recently viewed entries are kept per user and kind.
const maxRecent = 100

// recordView moves id to the front of a user's recently-viewed list.
func recordView(m map[int64][]recentView, uid, id int64, at time.Time) {
	list := slices.DeleteFunc(m[uid], func(v recentView) bool { return v.ID == id })
	list = slices.Insert(list, 0, recentView{ID: id, Updated: at})
	if len(list) > maxRecent {
		list = list[:maxRecent]
	}
	m[uid] = list
}

// viewIssue records that u viewed an issue (and its project).
func (s *store) viewIssue(u *user, at time.Time, is *issue) {
	recordView(s.recentIssues, u.ID, is.ID, at)
	recordView(s.recentProjects, u.ID, is.ProjectID, at)
}

// viewWiki records that u viewed a wiki page (and its project).
func (s *store) viewWiki(u *user, at time.Time, w *wiki) {
	recordView(s.recentWikis, u.ID, w.ID, at)
	recordView(s.recentProjects, u.ID, w.ProjectID, at)
}

// viewProject records that u viewed a project.
func (s *store) viewProject(u *user, at time.Time, p *project) {
	recordView(s.recentProjects, u.ID, p.ID, at)
}

// visibleIssueByID returns the issue if it exists in a project u can see.
func (s *store) visibleIssueByID(u *user, id int64) *issue {
	is := s.issues[id]
	if is == nil {
		return nil
	}
	if p := s.projects[is.ProjectID]; p == nil || !s.canSee(u, p) {
		return nil
	}
	return is
}

// visibleWiki returns the wiki page if it exists in a project u can see.
func (s *store) visibleWiki(u *user, id int64) *wiki {
	w := s.wikis[id]
	if w == nil {
		return nil
	}
	if p := s.projects[w.ProjectID]; p == nil || !s.canSee(u, p) {
		return nil
	}
	return w
}
