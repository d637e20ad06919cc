package emulator

import (
	"net/url"
	"slices"
	"strconv"
	"time"
)

// Stars: what may be starred, giving and removing one. Stars are embedded in
// the Stars slices of the starred issue, comment, wiki page, pull request or
// pull-request comment.

// starTarget names what a star is given to; exactly one field is set.
type starTarget struct {
	IssueID, CommentID, WikiID, PullRequestID, PullRequestCommentID int64
}

// starPlace is a resolved star target.
type starPlace struct {
	project  *project
	receiver int64
	stars    *[]*star
	issue    *issue // issue or the comment's issue (cache invalidation)
	url      string
	title    string
}

// starTitleSuffix is the web page title suffix of a starred object's page.
func (s *store) starTitleSuffix(ja, en string) string {
	if s.space.Lang == "en" {
		return " | " + en + " - Backlog"
	}
	return " | " + ja + " - Backlog"
}

// resolveStar finds a star target; missing targets are 404 with Backlog's
// wording and targets in projects actor cannot see are treated as missing.
func (s *store) resolveStar(actor *user, t starTarget) (*starPlace, error) {
	set := 0
	for _, id := range []int64{t.IssueID, t.CommentID, t.WikiID, t.PullRequestID, t.PullRequestCommentID} {
		if id != 0 {
			set++
		}
	}
	if set != 1 {
		return nil, badRequest("Specify exactly one of issueId, commentId, wikiId, pullRequestId and pullRequestCommentId.")
	}
	base := s.webURL()
	visible := func(pid int64) *project {
		if p := s.projects[pid]; p != nil && s.canSee(actor, p) {
			return p
		}
		return nil
	}
	issueTitle := func(is *issue) string {
		return "[" + s.issueKey(is) + "] " + is.Summary + s.starTitleSuffix("課題の表示", "View issue")
	}
	prPlace := func(pr *pullRequest) (string, string) {
		r := s.repos[pr.RepositoryID]
		p := s.projects[pr.ProjectID]
		if r == nil || p == nil {
			return "", ""
		}
		n := strconv.FormatInt(pr.Number, 10)
		return base + "/git/" + p.Key + "/" + url.PathEscape(r.Name) + "/pullRequests/" + n,
			"[" + p.Key + "/" + r.Name + "#" + n + "] " + pr.Summary + s.starTitleSuffix("プルリクエスト", "Pull request")
	}
	switch {
	case t.IssueID != 0:
		is := s.issues[t.IssueID]
		if is == nil || visible(is.ProjectID) == nil {
			return nil, notFound("issue")
		}
		return &starPlace{project: s.projects[is.ProjectID], receiver: is.CreatedUser, stars: &is.Stars, issue: is,
			url: base + "/view/" + s.issueKey(is), title: issueTitle(is)}, nil
	case t.CommentID != 0:
		c := s.comments[t.CommentID]
		if c == nil {
			return nil, notFound("comment")
		}
		is := s.issues[c.IssueID]
		if is == nil || visible(is.ProjectID) == nil {
			return nil, notFound("comment")
		}
		return &starPlace{project: s.projects[is.ProjectID], receiver: c.CreatedUser, stars: &c.Stars, issue: is,
			url: base + "/view/" + s.issueKey(is) + "#comment-" + strconv.FormatInt(c.ID, 10), title: issueTitle(is)}, nil
	case t.WikiID != 0:
		w := s.wikis[t.WikiID]
		if w == nil || visible(w.ProjectID) == nil {
			return nil, notFound("wiki")
		}
		p := s.projects[w.ProjectID]
		return &starPlace{project: p, receiver: w.CreatedUser, stars: &w.Stars,
			url:   base + "/wiki/" + p.Key + "/" + url.PathEscape(w.Name),
			title: "[" + p.Key + "] " + w.Name + s.starTitleSuffix("Wiki", "Wiki")}, nil
	case t.PullRequestID != 0:
		pr := s.pullReqs[t.PullRequestID]
		if pr == nil || visible(pr.ProjectID) == nil {
			return nil, notFound("pull request")
		}
		u, title := prPlace(pr)
		return &starPlace{project: s.projects[pr.ProjectID], receiver: pr.CreatedUser, stars: &pr.Stars,
			url: u, title: title}, nil
	default:
		c := s.prComments[t.PullRequestCommentID]
		if c == nil {
			return nil, notFound("pull request comment")
		}
		pr := s.pullReqs[c.PullRequestID]
		if pr == nil || visible(pr.ProjectID) == nil {
			return nil, notFound("pull request comment")
		}
		u, title := prPlace(pr)
		return &starPlace{project: s.projects[pr.ProjectID], receiver: c.CreatedUser, stars: &c.Stars,
			url: u + "#comment-" + strconv.FormatInt(c.ID, 10), title: title}, nil
	}
}

// addStar gives a star (POST /stars). A user stars an object once.
func (s *store) addStar(actor *user, at time.Time, t starTarget, comment *string) (*star, error) {
	pl, err := s.resolveStar(actor, t)
	if err != nil {
		return nil, err
	}
	for _, st := range *pl.stars {
		if st.Presenter == actor.ID {
			return nil, badRequest("You have already starred this.")
		}
	}
	st := &star{ID: s.nextID("star"), Comment: comment, URL: pl.url, Title: pl.title, Presenter: actor.ID,
		Receiver: pl.receiver, Created: at, IssueID: t.IssueID, CommentID: t.CommentID, WikiID: t.WikiID,
		PullRequestID: t.PullRequestID, PullRequestCommentID: t.PullRequestCommentID}
	*pl.stars = append(*pl.stars, st)
	s.stars[st.ID] = st
	if s.starsByUser == nil {
		s.starsByUser = map[int64][]*star{}
	}
	s.starsByUser[st.Receiver] = append(s.starsByUser[st.Receiver], st)
	if pl.issue != nil {
		s.issueChanged(pl.issue)
	}
	return st, nil
}

// removeStar takes back a star; only its presenter may.
func (s *store) removeStar(actor *user, at time.Time, st *star) error {
	if st.Presenter != actor.ID {
		return forbidden()
	}
	t := starTarget{st.IssueID, st.CommentID, st.WikiID, st.PullRequestID, st.PullRequestCommentID}
	if pl, err := s.resolveStar(s.users[s.space.OwnerID], t); err == nil {
		*pl.stars = slices.DeleteFunc(*pl.stars, func(x *star) bool { return x == st })
		if pl.issue != nil {
			s.issueChanged(pl.issue)
		}
	}
	delete(s.stars, st.ID)
	s.dropStarIndex(st)
	return nil
}

// dropStarIndex removes st from the per-receiver index.
func (s *store) dropStarIndex(st *star) {
	if list, ok := s.starsByUser[st.Receiver]; ok {
		s.starsByUser[st.Receiver] = slices.DeleteFunc(list, func(x *star) bool { return x == st })
	}
}

// starProject returns the id of the project holding a star's target, or 0
// when the target no longer exists.
func (s *store) starProject(st *star) int64 {
	switch {
	case st.IssueID != 0:
		if is := s.issues[st.IssueID]; is != nil {
			return is.ProjectID
		}
	case st.CommentID != 0:
		if c := s.comments[st.CommentID]; c != nil && s.issues[c.IssueID] != nil {
			return c.ProjectID
		}
	case st.WikiID != 0:
		if w := s.wikis[st.WikiID]; w != nil {
			return w.ProjectID
		}
	case st.PullRequestID != 0:
		if pr := s.pullReqs[st.PullRequestID]; pr != nil {
			return pr.ProjectID
		}
	case st.PullRequestCommentID != 0:
		if c := s.prComments[st.PullRequestCommentID]; c != nil {
			if pr := s.pullReqs[c.PullRequestID]; pr != nil {
				return pr.ProjectID
			}
		}
	}
	return 0
}

// starVisible reports whether u may see a star (its target exists in a
// project u can see).
func (s *store) starVisible(u *user, st *star) bool {
	p := s.projects[s.starProject(st)]
	return p != nil && s.canSee(u, p)
}
