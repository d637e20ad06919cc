package emulator

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// run executes one event of the generated history.
func (g *gen) run(e event) error {
	at := time.Unix(e.t, 0).UTC()
	st := g.st
	switch e.kind {
	case evUser:
		up := &g.users[e.i]
		u, err := st.createUser(at, up.in)
		if err != nil {
			return fmt.Errorf("createUser %s: %w", up.in.UserID, err)
		}
		up.u = u
		u.LastLoginTime = time.Unix(g.between(e.t, g.end), 0).UTC()
	case evTeam:
		return g.team(e.i, at)
	case evProject:
		return g.project(e.i, at)
	case evMember:
		up, pp := &g.users[e.i], g.projects[e.obj.(int)]
		if err := st.addProjectUser(g.admin, at, pp.p, up.u); err != nil {
			return fmt.Errorf("addProjectUser: %w", err)
		}
		// The first normal member becomes the project's administrator.
		if up.u.RoleType == RoleNormal && pp.admins == 0 {
			pp.admins++
			if err := st.addProjectAdmin(g.admin, at, pp.p, up.u); err != nil {
				return fmt.Errorf("addProjectAdmin: %w", err)
			}
		}
	case evIssue:
		return g.createIssue(e.i, at)
	case evIssueStep:
		return g.issueStep(e.i, e.t, at)
	case evIssueDelete:
		ip := &g.issues[e.i]
		pp := g.projects[ip.proj]
		if err := st.deleteIssue(g.manager(pp.p), at, ip.is); err != nil {
			return fmt.Errorf("deleteIssue: %w", err)
		}
	case evStar:
		return g.star(e.obj.(starTarget), e.i, at)
	case evWatch:
		ip := &g.issues[e.i]
		u := g.reporter(g.projects[ip.proj].p)
		g.clock(at)
		if _, err := st.addWatching(u, at, ip.is, g.c.text(commentTemplates, langOf(ip.is.Summary))); err != nil {
			return fmt.Errorf("addWatching: %w", err)
		}
	case evWiki:
		return g.createWiki(e.i, at)
	case evWikiEdit:
		return g.editWiki(e.obj.(*wiki), e.i, e.t, at)
	case evDoc:
		return g.createDocument(e.i, at)
	case evDocComment:
		return g.documentComment(e.obj.(*document), e.i, e.t, at)
	case evDocReply:
		return g.documentReply(e.obj.(*documentComment), at)
	case evRepo:
		rp := g.repos[e.i]
		pp := g.projects[rp.proj]
		name := repoNames[len(pp.repos)%len(repoNames)]
		if len(pp.repos) >= len(repoNames) {
			name += "-" + strconv.Itoa(len(pp.repos)/len(repoNames)+1)
		}
		g.clock(at)
		r, err := st.createRepository(g.writer(pp.p), at, pp.p, name, g.c.fill(g.c.lang(), "{C}"))
		if err != nil {
			return fmt.Errorf("createRepository: %w", err)
		}
		pp.repos = append(pp.repos, r)
		g.repoObjs[e.i] = r
		if e.i == 0 || g.xchance(50) {
			st.setRepositoryHook(r, "https://ci.example.com/backlog/"+pp.key+"/"+r.Name)
		}
	case evPR:
		return g.createPR(e.i, at)
	case evPRStep:
		return g.prStep(e.obj.(*pullRequest), e.i, e.t, at)
	case evFile:
		fp := g.files[e.i]
		pp := g.projects[fp.proj]
		g.clock(at)
		dir, name := pickOne(g.r, sharedDirs), g.c.fileName()
		for k := 2; pp.files[dir+name]; k++ {
			name = strconv.Itoa(k) + "_" + name
		}
		pp.files[dir+name] = true
		f, err := st.addSharedFile(g.writer(pp.p), at, pp.p, dir, name, g.c.fileSize(), false)
		if err != nil {
			return fmt.Errorf("addSharedFile: %w", err)
		}
		g.extraFile(pp, f, at)
	default:
		if ok, err := g.runExtra(e, at); ok {
			return err
		}
		return fmt.Errorf("unknown event kind %d", e.kind)
	}
	return nil
}

// team creates a team of existing users and adds it to one or two projects.
func (g *gen) team(k int32, at time.Time) error {
	var existing []int64
	for i := range g.users {
		if g.users[i].u != nil {
			existing = append(existing, g.users[i].u.ID)
		}
	}
	var members []int64
	for _, id := range existing {
		if g.r.IntN(3) == 0 && len(members) < 8 {
			members = append(members, id)
		}
	}
	name := teamNames[int(k)%len(teamNames)]
	if int(k) >= len(teamNames) {
		name += " " + strconv.Itoa(int(k)/len(teamNames)+1)
	}
	t, err := g.st.createTeam(g.admin, at, name, members)
	if err != nil {
		return fmt.Errorf("createTeam: %w", err)
	}
	var created []*projPlan
	for _, pp := range g.projects {
		if pp.p != nil {
			created = append(created, pp)
		}
	}
	for n := 0; n < 1+g.r.IntN(2) && len(created) > 0; n++ {
		i := g.r.IntN(len(created))
		pp := created[i]
		created = append(created[:i], created[i+1:]...)
		if err := g.st.addProjectTeam(g.admin, at, pp.p, t); err != nil {
			return fmt.Errorf("addProjectTeam: %w", err)
		}
	}
	return nil
}

// project creates a project and its metadata: extra issue types,
// categories, versions and milestones, custom statuses on some projects, and
// one custom field of every type.
func (g *gen) project(j int32, at time.Time) error {
	pp := g.projects[j]
	st := g.st
	p, err := st.createProject(g.admin, at, &pp.in)
	if err != nil {
		return fmt.Errorf("createProject %s: %w", pp.key, err)
	}
	pp.p = p
	// Everything happens at the event's own time: a later time could come
	// after events queued in between and break the feed's time order.
	tick := func() time.Time { return at }
	for _, it := range extraIssueTypes[:g.r.IntN(len(extraIssueTypes)+1)] {
		if _, err := st.addIssueType(g.admin, tick(), p, it.Name, it.Color); err != nil {
			return fmt.Errorf("addIssueType: %w", err)
		}
	}
	for _, k := range g.r.Perm(len(categoryNames))[:3+g.r.IntN(5)] {
		if _, err := st.addCategory(g.admin, tick(), p, categoryNames[k]); err != nil {
			return fmt.Errorf("addCategory: %w", err)
		}
	}
	// Versions every few months over the project's life (some in the future).
	// Named "v1.0", "v1.1", … or after their release month.
	nv := 3 + g.r.IntN(4)
	life := float64(g.end - pp.at)
	byMonth := g.r.IntN(2) == 0
	for k := range nv {
		s := calDate(time.Unix(pp.at+int64(life*float64(k)/float64(nv)), 0).UTC(), 0)
		due := calDate(s, int(life/float64(nv)/86400)+30)
		name := fmt.Sprintf("v%d.%d", 1+k/3, k%3)
		if byMonth {
			name = fmt.Sprintf("%d年%d月リリース", due.Year(), due.Month())
		}
		in := &versionInput{Name: &name, Description: gptr(""),
			StartDate:      opt[time.Time]{Set: true, Value: &s},
			ReleaseDueDate: opt[time.Time]{Set: true, Value: &due}}
		if g.r.IntN(3) == 0 {
			in.Description = gptr(g.c.fill("ja", "{S}画面の改修"))
		}
		if _, err := st.addVersion(g.admin, tick(), p, in); err != nil {
			return fmt.Errorf("addVersion: %w", err)
		}
	}
	if j == 0 || g.r.IntN(10) < 4 {
		for _, k := range g.r.Perm(len(statusNames))[:1+g.r.IntN(2)] {
			if _, err := st.addStatus(g.admin, tick(), p, statusNames[k], pickOne(g.r, customStatusColors)); err != nil {
				return fmt.Errorf("addStatus: %w", err)
			}
		}
	}
	for _, in := range g.customFields(p) {
		if _, err := st.addCustomField(g.admin, tick(), p, in); err != nil {
			return fmt.Errorf("addCustomField %s: %w", in.Name, err)
		}
	}
	return g.extraProject(j, p, at)
}

// customFields returns one definition of every custom-field type.
func (g *gen) customFields(p *project) []*customFieldInput {
	minN, maxN := 0.0, 1000.0
	yen := "円"
	if g.r.IntN(2) == 0 {
		maxN = 100
		yen = "h"
	}
	var bugOnly []int64
	if len(p.IssueTypes) > 0 && g.r.IntN(2) == 0 {
		bugOnly = []int64{p.IssueTypes[0].ID}
	}
	// Projects take turns with the three kinds of initial date: today,
	// today plus a shift, a fixed date.
	dateField := &customFieldInput{TypeID: CFDate, Name: "リリース予定日", InitialValueType: 1 + int(p.ID%3)}
	switch dateField.InitialValueType {
	case 2:
		dateField.InitialShift = gptr(7)
	case 3:
		dateField.InitialDate = gptr(calDate(HistoryEnd, 60))
	}
	return []*customFieldInput{
		{TypeID: CFText, Name: "顧客名", Description: "問い合わせ元の顧客"},
		{TypeID: CFTextArea, Name: "再現手順詳細", Description: "Steps to reproduce", ApplicableIssueTypes: bugOnly},
		{TypeID: CFNumeric, Name: "見積", Min: &minN, Max: &maxN, Unit: &yen, InitialValue: gptr(1.0)},
		dateField,
		{TypeID: CFSingleList, Name: "重要度", Items: []string{"S", "A", "B", "C"}},
		{TypeID: CFMultipleList, Name: "Browsers", Items: []string{"Chrome", "Firefox", "Safari", "Edge"}, AllowAddItem: true},
		{TypeID: CFCheckBox, Name: "影響範囲", Items: []string{"フロントエンド", "API", "DB", "バッチ"}, AllowInput: true},
		{TypeID: CFRadio, Name: "発生頻度", Items: []string{"毎回", "時々", "一度だけ"}, AllowInput: g.r.IntN(2) == 0},
	}
}

// createIssue creates a planned issue, possibly as a child of an earlier
// one, and schedules its comments, deletion, star and watching.
func (g *gen) createIssue(k int32, at time.Time) error {
	ip := &g.issues[k]
	pp := g.projects[ip.proj]
	p := pp.p
	creator := g.reporter(p)
	in := g.newIssue(p, at, creator)
	if p.SubtaskingEnabled && len(pp.issues) > 0 && g.r.IntN(100) < 15 {
		maxDepth := int8(1)
		if p.GrandchildIssueEnabled {
			maxDepth = 2
		}
		recent := pp.issues[max(0, len(pp.issues)-200):]
		for range 3 {
			par := &g.issues[recent[g.r.IntN(len(recent))]]
			if !par.deleted && par.depth < maxDepth && par.is != nil {
				in.ParentIssueID = opt[int64]{Set: true, Value: gptr(par.is.ID)}
				ip.depth = par.depth + 1
				break
			}
		}
	}
	is, err := g.st.createIssue(creator, at, in)
	if err != nil {
		return fmt.Errorf("createIssue in %s: %w", p.Key, err)
	}
	ip.is = is
	pp.issues = append(pp.issues, k)
	g.extraIssue(pp, is)
	switch {
	case ip.deleted:
		g.schedule(g.between(ip.at+3600, min(ip.at+30*86400, g.end-1)), evIssueDelete, k, nil)
		return nil
	case ip.comments > 0:
		g.schedule(g.nextTime(ip.at, ip.deadline, int(ip.left)), evIssueStep, k, nil)
	}
	if g.r.IntN(100) < 3 {
		g.schedule(g.between(ip.at+600, ip.at+30*86400), evStar, k, starTarget{IssueID: is.ID})
	}
	if g.r.IntN(100) < 5 {
		g.schedule(g.between(ip.at+600, ip.at+10*86400), evWatch, k, nil)
	}
	return nil
}

// nextTime returns the time of the next of r events spread uniformly over
// (t, deadline]: the minimum of r uniform draws.
func (g *gen) nextTime(t, deadline int64, r int) int64 {
	if deadline <= t || r <= 0 {
		return t
	}
	f := 1 - math.Pow(g.r.Float64(), 1/float64(r))
	return t + 1 + int64(f*float64(deadline-t-1))
}

// issueStep makes an issue's next planned comment or update; now and then
// it is a bulk update that also consumes a planned comment of a few other
// issues of the project.
func (g *gen) issueStep(k int32, t int64, at time.Time) error {
	ip := &g.issues[k]
	if ip.left <= 0 {
		return nil // consumed by bulk updates
	}
	pp := g.projects[ip.proj]
	p := pp.p
	actor := g.writer(p)
	if ip.is.StatusID != StatusClosed && ip.left >= 2 && g.r.IntN(1000) < 3 {
		if done, err := g.bulkUpdate(pp, k, actor, at); done || err != nil {
			return err
		}
	}
	ip.left--
	c, err := g.author.issueStep(p, ip.is, at, actor, ip.left == 0, ip.closeIt)
	if err != nil {
		return fmt.Errorf("issue step on %s-%d: %w", p.Key, ip.is.KeyID, err)
	}
	if c == nil {
		return fmt.Errorf("issue step on %s-%d made no comment (left %d status %d)", p.Key, ip.is.KeyID, ip.left, ip.is.StatusID)
	}
	g.afterStep(k, t, c)
	if err := g.extraCreationNotice(p, ip.is, c, at); err != nil {
		return err
	}
	return g.extraComment(p, ip.is, c, at)
}

// afterStep schedules an issue's next step and maybe a star on comment c.
func (g *gen) afterStep(k int32, t int64, c *comment) {
	ip := &g.issues[k]
	if ip.left > 0 {
		g.schedule(g.nextTime(t, ip.deadline, int(ip.left)), evIssueStep, k, nil)
	}
	if c != nil && g.r.IntN(100) < 2 {
		g.schedule(g.between(t+60, t+7*86400), evStar, k, starTarget{CommentID: c.ID})
	}
}

// bulkUpdate changes issue k together with up to four other open issues of
// its project that still have planned comments (activity 14).
func (g *gen) bulkUpdate(pp *projPlan, k int32, actor *user, at time.Time) (bool, error) {
	list := []*issue{g.issues[k].is}
	var others []int32
	recent := pp.issues[max(0, len(pp.issues)-100):]
	for _, o := range recent {
		op := &g.issues[o]
		if o != k && op.left >= 2 && !op.deleted && op.is.StatusID != StatusClosed && len(others) < 4 {
			others = append(others, o)
			list = append(list, op.is)
		}
	}
	if len(others) == 0 {
		return false, nil
	}
	in := &issueInput{PriorityID: gptr(int64(2)), Comment: gptr(g.c.fill("ja", "{V}に向けて優先度を見直しました。"))}
	if v := g.version(pp.p, at); v != nil && g.r.IntN(2) == 0 {
		in = &issueInput{MilestoneIDs: &[]int64{v.ID}, Comment: gptr("Moved to " + v.Name + ".")}
	}
	if err := g.st.bulkUpdateIssues(actor, at, list, in); err != nil {
		return true, fmt.Errorf("bulkUpdateIssues: %w", err)
	}
	g.issues[k].left--
	for _, o := range others {
		g.issues[o].left--
	}
	g.afterStep(k, at.Unix(), nil)
	return true, nil
}

// star gives a star to an issue, comment, wiki page or pull request from a
// member other than its author.
func (g *gen) star(t starTarget, k int32, at time.Time) error {
	var p *project
	var author int64
	switch {
	case t.IssueID != 0 || t.CommentID != 0:
		ip := &g.issues[k]
		p, author = g.projects[ip.proj].p, ip.is.CreatedUser
		if t.CommentID != 0 {
			if c := g.st.comments[t.CommentID]; c != nil {
				author = c.CreatedUser
			}
		}
	case t.WikiID != 0:
		w := g.st.wikis[t.WikiID]
		if w == nil {
			return nil
		}
		p, author = g.st.projects[w.ProjectID], w.CreatedUser
	case t.PullRequestID != 0:
		pr := g.st.pullReqs[t.PullRequestID]
		p, author = g.st.projects[pr.ProjectID], pr.CreatedUser
	case t.PullRequestCommentID != 0:
		c := g.st.prComments[t.PullRequestCommentID]
		if c == nil {
			return nil
		}
		p, author = g.st.projects[g.st.pullReqs[c.PullRequestID].ProjectID], c.CreatedUser
	}
	u := g.other(p, author)
	if u == nil {
		return nil
	}
	if pl, err := g.st.resolveStar(u, t); err == nil {
		for _, s := range *pl.stars {
			if s.Presenter == u.ID {
				return nil // a user stars a thing once
			}
		}
	}
	if _, err := g.st.addStar(u, at, t, nil); err != nil {
		return fmt.Errorf("addStar %+v: %w", t, err)
	}
	return nil
}
