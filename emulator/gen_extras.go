package emulator

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Extras are the parts of a space that the lifecycles of gen.go do not
// produce on their own but that every Backlog space in use has, so that every
// documented array and object of a response is filled somewhere (see
// fill_test.go): webhooks, attachments on wiki pages and pull requests,
// shared files linked to issues and wiki pages, related issues, stars on pull
// request comments, comment notifications (activity 17), notices of an
// issue's creation (changeLog notificationInfo), document tags,
// pushes, recently viewed lists, edited shared files and the space
// notification.
//
// Their choices are drawn from a second random source (gen.x), so that adding
// an extra does not shift the draws of the main history: the same seed keeps
// the same issues, comments and texts as before extras existed.

// event kinds of the extras (after those of gen.go).
const (
	evWebhooks = evFile + 1 + iota
	evFileEdit
	evFinal
)

// webhookPresets are the activity filters of generated webhooks: one
// catching everything and the others one area each (activity type ids).
var webhookPresets = []struct {
	name, hook string
	all        bool
	types      []int64
}{
	{"Slack 通知", "https://hooks.slack.example/services/T000/B000/all", true, nil},
	{"課題の更新", "https://ci.example.com/backlog/issues", false, []int64{1, 2, 3, 4, 14, 17}},
	{"Wiki changes", "https://docs.example.com/hooks/wiki", false, []int64{5, 6, 7}},
	{"Git / pull requests", "https://ci.example.com/backlog/git", false, []int64{12, 13, 18, 19, 20}},
	{"ファイル共有", "https://files.example.com/hooks/backlog", false, []int64{8, 9, 10}},
	{"Documents", "https://docs.example.com/hooks/documents", false, []int64{36, 37, 38, 39, 40}},
}

// newExtraRand returns the extras' random source for seed.
func newExtraRand(seed int64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed)^0x2545f4914f6cdd1d, uint64(seed)+0x27d4eb2f165667c5))
}

// xchance reports true with probability pct percent (extras' source).
func (g *gen) xchance(pct int) bool { return g.x.IntN(100) < pct }

// xbetween returns a time in [a, b) from the extras' source.
func (g *gen) xbetween(a, b int64) int64 {
	if b <= a {
		return a
	}
	return a + g.x.Int64N(b-a)
}

// planExtras queues the extras that do not hang on another event: webhooks
// per project and the final event (recently viewed lists, space
// notification).
func (g *gen) planExtras() {
	for j, pp := range g.projects {
		g.schedule(g.xbetween(pp.at+86400, pp.at+30*86400), evWebhooks, int32(j), nil)
	}
	g.schedule(g.end-1800, evFinal, 0, nil)
}

// runExtra executes an event of the extras; ok is false for other kinds.
func (g *gen) runExtra(e event, at time.Time) (ok bool, err error) {
	switch e.kind {
	case evWebhooks:
		return true, g.webhooks(g.projects[e.i], at)
	case evFileEdit:
		f := e.obj.(*sharedFile)
		if g.st.sharedFiles[f.ID] == nil {
			return true, nil
		}
		p := g.st.projects[f.ProjectID]
		if err := g.st.updateSharedFile(g.writer(p), at, f, f.Size+g.x.Int64N(1<<16)); err != nil {
			return true, fmt.Errorf("updateSharedFile: %w", err)
		}
		return true, nil
	case evFinal:
		return true, g.final(at)
	}
	return false, nil
}

// webhooks registers several webhooks on a project, more in bigger spaces
// (two to all presets), each with a different activity filter.
func (g *gen) webhooks(pp *projPlan, at time.Time) error {
	n := 2 + g.size.Issues/(300*max(len(g.projects), 1))
	n = min(n+g.x.IntN(2), len(webhookPresets))
	for k, ps := range webhookPresets[:n] {
		in := &webhookInput{Name: gptr(ps.name), Description: gptr(pp.name + " → " + ps.name),
			HookURL: gptr(fmt.Sprintf("%s?project=%s&n=%d", ps.hook, pp.key, k)), AllEvent: gptr(ps.all)}
		if !ps.all {
			types := ps.types
			in.ActivityTypeIDs = &types
		}
		if _, err := g.st.addWebhook(g.admin, at, pp.p, in); err != nil {
			return fmt.Errorf("addWebhook %s: %w", ps.name, err)
		}
	}
	return nil
}

// extraProject gives a new project's first issue type templates and a
// repository-wide hook URL on the way (projects alternate which).
func (g *gen) extraProject(j int32, p *project, at time.Time) error {
	if len(p.IssueTypes) > 0 && (j == 0 || g.xchance(50)) {
		t := p.IssueTypes[0]
		in := &issueTypeUpdate{
			TemplateSummary:     opt[string]{Set: true, Value: gptr("[" + t.Name + "] ")},
			TemplateDescription: opt[string]{Set: true, Value: gptr("## 現象\n\n## 再現手順\n\n## 期待する結果\n")}}
		if err := g.st.updateIssueType(g.admin, at, p, t, in); err != nil {
			return fmt.Errorf("updateIssueType template: %w", err)
		}
	}
	return nil
}

// extraIssue relates a new issue to an earlier issue of its project now and
// then (RELATES is symmetric).
//
// A project's first ten issues are left unrelated (tests relate them
// themselves); its tenth gets a relation to its fifth for sure, and after
// the tenth its first child issue and its first issue with attachments are
// related to the issue created before them.
func (g *gen) extraIssue(pp *projPlan, is *issue) {
	n := len(pp.issues)
	if n > 10 {
		child := is.ParentIssueID != nil && !pp.relatedChild
		attached := len(is.Attachments) > 0 && !pp.relatedAttached
		if prev := g.issues[pp.issues[n-2]].is; (child || attached) && prev != nil && g.st.issues[prev.ID] != nil {
			g.st.relateIssues(prev, is)
			pp.related = append(pp.related, is, prev)
			pp.relatedChild = pp.relatedChild || child
			pp.relatedAttached = pp.relatedAttached || attached
		}
	}
	if n < 10 || !(n == 10 || g.xchance(5)) {
		return
	}
	j := 4
	if n > 10 {
		j = 10 + g.x.IntN(n-10)
	}
	if j == n-1 {
		return
	}
	other := g.issues[pp.issues[j]].is
	if other == nil || other == is || g.st.issues[other.ID] == nil {
		return
	}
	g.st.relateIssues(is, other)
	pp.related = append(pp.related, is, other)
	if n == 10 {
		// The project's first relation: its older issue gets a star, so
		// that related issues show stars too.
		k := pp.issues[4]
		g.schedule(g.xbetween(is.Created.Unix()+600, is.Created.Unix()+86400), evStar, k, starTarget{IssueID: other.ID})
	}
}

// extraCreationNotice now and then has an issue's creator, commenting on
// it, also tell another member about the issue's creation (the comment's
// change log gains notificationInfo {type: "issue.create"}).
func (g *gen) extraCreationNotice(p *project, is *issue, c *comment, at time.Time) error {
	if c == nil || c.CreatedUser != is.CreatedUser || !g.xchance(25) {
		return nil
	}
	m := g.members(p).reporters
	if len(m) == 0 {
		return nil
	}
	u := pickOne(g.x, m)
	author := g.st.users[c.CreatedUser]
	if u.ID == c.CreatedUser || author == nil {
		return nil
	}
	if err := g.st.noticeIssueCreated(author, at, is, c, []int64{u.ID}); err != nil {
		return fmt.Errorf("noticeIssueCreated: %w", err)
	}
	return nil
}

// extraComment has the author of a new comment notify another member of it
// now and then (activity 17, comment.notifications).
func (g *gen) extraComment(p *project, is *issue, c *comment, at time.Time) error {
	if c == nil || !g.xchance(4) {
		return nil
	}
	u := g.other(p, c.CreatedUser)
	author := g.st.users[c.CreatedUser]
	if u == nil || author == nil {
		return nil
	}
	if err := g.st.addCommentNotification(author, at, is, c, []int64{u.ID}); err != nil {
		return fmt.Errorf("addCommentNotification: %w", err)
	}
	return nil
}

// extraWiki attaches a file to a new wiki page (the space's first page and
// about a third of the others) and stars some pages.
func (g *gen) extraWiki(pp *projPlan, i int32, w *wiki, at time.Time) error {
	pp.wikiObjs = append(pp.wikiObjs, w)
	if i == 0 || g.xchance(30) {
		u := g.st.users[w.CreatedUser]
		up := g.st.addUpload(u, at, g.xc.fileName(), g.xc.fileSize())
		if _, err := g.st.addWikiAttachments(u, at, w, []int64{up.ID}); err != nil {
			return fmt.Errorf("addWikiAttachments: %w", err)
		}
	}
	if i == 0 || g.xchance(8) {
		g.schedule(g.xbetween(at.Unix()+600, at.Unix()+30*86400), evStar, i, starTarget{WikiID: w.ID})
	}
	return nil
}

// extraFile links a new shared file to an issue and to a wiki page of its
// project now and then, and schedules an edit of some files.
func (g *gen) extraFile(pp *projPlan, f *sharedFile, at time.Time) {
	if len(pp.issues) > 0 && g.xchance(50) {
		is := g.issues[pp.issues[g.x.IntN(len(pp.issues))]].is
		if len(pp.related) > 0 && g.xchance(30) {
			// Related issues show their shared files too.
			is = pp.related[g.x.IntN(len(pp.related))]
		}
		if is != nil && g.st.issues[is.ID] != nil {
			if _, err := g.st.linkSharedFiles(is.ProjectID, &is.SharedFileIDs, []int64{f.ID}); err == nil {
				g.st.issueChanged(is)
			}
		}
	}
	edit := g.xchance(25)
	if len(pp.wikiObjs) > 0 && g.xchance(40) {
		w := pp.wikiObjs[g.x.IntN(len(pp.wikiObjs))]
		if g.st.wikis[w.ID] != nil {
			_, _ = g.st.linkSharedFiles(w.ProjectID, &w.SharedFileIDs, []int64{f.ID})
			edit = edit || g.xchance(50) // pages list their files' updatedUser too
		}
	}
	if edit {
		g.schedule(g.xbetween(at.Unix()+3600, at.Unix()+90*86400), evFileEdit, 0, f)
	}
}

// extraPR pushes the branch of a new pull request and gives the space's
// first pull request and about a third of the others an attachment.
func (g *gen) extraPR(i int32, r *repository, in *pullRequestInput, actor *user, at time.Time) error {
	revs := []gitRevision{{Comment: *in.Summary}}
	for g.xchance(40) && len(revs) < 5 {
		revs = append(revs, gitRevision{Comment: g.xc.text(commentTemplates, langOf(*in.Summary))})
	}
	if err := g.st.gitPush(actor, at, r, *in.Branch, revs); err != nil {
		return fmt.Errorf("gitPush: %w", err)
	}
	if i == 0 || g.xchance(30) {
		up := g.st.addUpload(actor, at, g.xc.fileName(), g.xc.fileSize())
		in.AttachmentIDs = append(in.AttachmentIDs, up.ID)
	}
	return nil
}

// extraPRComment stars some pull-request comments.
func (g *gen) extraPRComment(i int32, c *pullRequestComment, t int64) {
	if c != nil && (i == 0 || g.xchance(10)) {
		g.schedule(g.xbetween(t+60, t+7*86400), evStar, i, starTarget{PullRequestCommentID: c.ID})
	}
}

// extraDocument tags about half of the documents.
func (g *gen) extraDocument(i int32, d *document) {
	if i != 0 && !g.xchance(50) {
		return
	}
	names := []string{pickOne(g.x, wikiTagNames)}
	if g.xchance(30) {
		names = append(names, pickOne(g.x, wikiTagNames))
	}
	g.st.addDocumentTags(d, names)
}

// final fills what a space shows at the moment it is looked at: the
// recently viewed lists of every user (the administrator's most of all) and
// the space notification.
func (g *gen) final(at time.Time) error {
	st := g.st
	st.space.Notification = "メンテナンスのお知らせ: " + time.Unix(g.end+7*86400, 0).UTC().Format("2006-01-02") + " 02:00-04:00 (JST)"
	st.space.NotificationAt = at.Add(-time.Duration(g.x.Int64N(30*86400)) * time.Second)
	// One document per project that uses them ends in the trash.
	for _, pp := range g.projects {
		if len(pp.docs) > 1 {
			d := pp.docs[len(pp.docs)-1]
			if err := st.deleteDocument(g.writer(pp.p), at, d); err != nil {
				return fmt.Errorf("deleteDocument: %w", err)
			}
		}
	}
	for _, u := range st.userList {
		if u.Deleted {
			continue
		}
		nIssues, nWikis := 3, 2
		if u.ID == g.admin.ID {
			nIssues, nWikis = 20, 10
		}
		var issues []*issue
		for k := len(st.issueList) - 1; k >= 0 && len(issues) < nIssues; k-- {
			if is := st.issueList[k]; g.xchance(30) && st.canSee(u, st.projects[is.ProjectID]) {
				issues = append(issues, is)
			}
		}
		var wikis []*wiki
		for k := len(st.wikiList) - 1; k >= 0 && len(wikis) < nWikis; k-- {
			if w := st.wikiList[k]; g.xchance(50) && st.canSee(u, st.projects[w.ProjectID]) {
				wikis = append(wikis, w)
			}
		}
		// Oldest view first: each view moves its entry to the front.
		t := at.Add(-time.Duration(len(issues)+len(wikis)+1) * time.Minute)
		for _, p := range st.projectList {
			if st.canSee(u, p) && g.xchance(50) {
				st.viewProject(u, t, p)
			}
		}
		for k := len(wikis) - 1; k >= 0; k-- {
			t = t.Add(time.Minute)
			st.viewWiki(u, t, wikis[k])
		}
		for k := len(issues) - 1; k >= 0; k-- {
			t = t.Add(time.Minute)
			st.viewIssue(u, t, issues[k])
		}
	}
	return nil
}
