package emulator

import (
	"math/rand/v2"
	"strconv"
	"time"
)

// Churn keeps editing a space through the same mutation paths as the HTTP
// write handlers and the generator, so that incremental synchronisation can
// be tested while data changes. Each event takes the store's write lock,
// happens at the server's clock (never before the newest activity, so ids
// still increase with time) and records its activities like an API call.
// For a given seed and starting space the sequence of events is
// deterministic.

// ChurnKind names a kind of churn event.
type ChurnKind string

// Kinds of churn events.
const (
	ChurnCreateIssue        ChurnKind = "createIssue"        // activity 1
	ChurnUpdateIssue        ChurnKind = "updateIssue"        // a field change: activity 2
	ChurnComment            ChurnKind = "comment"            // activity 3
	ChurnCloseIssue         ChurnKind = "closeIssue"         // status Closed with a resolution: activity 2
	ChurnDeleteIssue        ChurnKind = "deleteIssue"        // activity 4
	ChurnCreateWiki         ChurnKind = "createWiki"         // activity 5
	ChurnUpdateWiki         ChurnKind = "updateWiki"         // activity 6
	ChurnDeleteWiki         ChurnKind = "deleteWiki"         // activity 7
	ChurnCreatePullRequest  ChurnKind = "createPullRequest"  // activity 18
	ChurnPullRequestComment ChurnKind = "pullRequestComment" // activity 20
	ChurnAddSharedFile      ChurnKind = "addSharedFile"      // activity 8
	// ChurnMoveIssue moves an issue without parent or children to another
	// project (store.moveIssue: new key, activity 2). It is not in
	// DefaultChurnMix, so seeded default churn is unchanged.
	ChurnMoveIssue ChurnKind = "moveIssue"
)

// churnKinds fixes the order in which kinds are drawn (maps are never
// iterated, for determinism).
var churnKinds = []ChurnKind{ChurnCreateIssue, ChurnUpdateIssue, ChurnComment, ChurnCloseIssue,
	ChurnDeleteIssue, ChurnCreateWiki, ChurnUpdateWiki, ChurnDeleteWiki, ChurnCreatePullRequest,
	ChurnPullRequestComment, ChurnAddSharedFile, ChurnMoveIssue}

// ChurnMix weights the kinds of churn events; kinds absent or weighted 0
// never happen. A nil mix means DefaultChurnMix.
type ChurnMix map[ChurnKind]int

// DefaultChurnMix is mostly issue traffic with some wiki, pull-request and
// file activity.
var DefaultChurnMix = ChurnMix{ChurnCreateIssue: 12, ChurnUpdateIssue: 25, ChurnComment: 28,
	ChurnCloseIssue: 8, ChurnDeleteIssue: 2, ChurnCreateWiki: 3, ChurnUpdateWiki: 8, ChurnDeleteWiki: 1,
	ChurnCreatePullRequest: 4, ChurnPullRequestComment: 6, ChurnAddSharedFile: 3}

// ChurnOptions configure StartChurn and ChurnWith.
type ChurnOptions struct {
	// Rate is the number of events per second (StartChurn only; default 1).
	Rate float64
	// Seed makes the sequence of events deterministic.
	Seed int64
	// Mix weights the kinds of events (nil: DefaultChurnMix).
	Mix ChurnMix
}

// ChurnReport tells what churn did, so that tests can compute what a
// replica should contain. Id lists are in event order; IssuesUpdated may
// repeat an id and may name issues deleted later.
type ChurnReport struct {
	// Events is the number of events applied.
	Events int
	// Counts is the number of events applied per kind.
	Counts map[ChurnKind]int
	// Failed counts events a mutation refused; Err is the first such error.
	Failed int
	Err    error

	IssuesCreated       []int64
	IssuesUpdated       []int64 // updated, commented, closed or moved
	IssuesDeleted       []int64
	Comments            []int64 // issue comments added (updates included)
	WikisCreated        []int64
	WikisUpdated        []int64
	WikisDeleted        []int64
	PullRequests        []int64 // pull requests created
	PullRequestComments []int64
	SharedFiles         []int64
	IssuesMoved         []int64 // moved to another project (also in IssuesUpdated)
}

// churner draws and applies churn events.
type churner struct {
	// current returns the space's store held against a concurrent reseed
	// (release undoes that) and the time now.
	current func() (st *store, now time.Time, release func())
	r       *rand.Rand
	mix     []int // weights in churnKinds order
	a       *author
	fresh   int // files added (for unique names)
}

func newChurner(current func() (*store, time.Time, func()), opts ChurnOptions) *churner {
	mix := opts.Mix
	if mix == nil {
		mix = DefaultChurnMix
	}
	c := &churner{current: current, r: rand.New(rand.NewPCG(uint64(opts.Seed), uint64(opts.Seed)^0x6a09e667f3bcc909))}
	for _, k := range churnKinds {
		c.mix = append(c.mix, max(mix[k], 0))
	}
	return c
}

// step applies one event under the store's write lock.
func (c *churner) step(rep *ChurnReport) {
	st, at, release := c.current()
	defer release()
	st.mu.Lock()
	defer st.mu.Unlock()
	if c.a == nil || c.a.st != st {
		c.a = newAuthor(st, c.r)
	}
	at = st.afterLastActivity(at)
	// Draw among the kinds that have something to act on.
	w := make([]int, len(churnKinds))
	sum := 0
	for i, k := range churnKinds {
		if c.mix[i] > 0 && c.possible(st, k) {
			w[i] = c.mix[i]
			sum += w[i]
		}
	}
	if sum == 0 {
		return
	}
	v := c.r.IntN(sum)
	kind := churnKinds[0]
	for i, x := range w {
		if v < x {
			kind = churnKinds[i]
			break
		}
		v -= x
	}
	if err := c.apply(st, kind, at, rep); err != nil {
		rep.Failed++
		if rep.Err == nil {
			rep.Err = err
		}
		return
	}
	rep.Events++
	rep.Counts[kind]++
	st.space.Updated = at
}

// possible reports whether an event of kind k has a target.
func (c *churner) possible(st *store, k ChurnKind) bool {
	switch k {
	case ChurnCreateIssue:
		return len(st.projectList) > 0
	case ChurnUpdateIssue, ChurnComment, ChurnDeleteIssue:
		return len(st.issueList) > 0
	case ChurnCloseIssue:
		return anyIssue(st, func(is *issue) bool { return is.StatusID != StatusClosed })
	case ChurnCreateWiki:
		return c.project(st, func(p *project) bool { return p.UseWiki }) != nil
	case ChurnUpdateWiki, ChurnDeleteWiki:
		return len(st.wikiList) > 0
	case ChurnCreatePullRequest:
		return len(c.repos(st)) > 0
	case ChurnPullRequestComment:
		for _, r := range c.repos(st) {
			if len(r.PullRequests) > 0 {
				return true
			}
		}
		return false
	case ChurnAddSharedFile:
		return c.project(st, func(p *project) bool { return p.UseFileSharing }) != nil
	case ChurnMoveIssue:
		// A movable issue's project is live, so one more live project is
		// somewhere to move it to.
		live := 0
		for _, p := range st.projectList {
			if !p.Archived {
				live++
			}
		}
		return live > 1 && anyIssue(st, func(is *issue) bool { return movable(st, is) })
	}
	return false
}

// project picks a non-archived project satisfying ok (nil if none).
func (c *churner) project(st *store, ok func(*project) bool) *project {
	var list []*project
	for _, p := range st.projectList {
		if !p.Archived && ok(p) {
			list = append(list, p)
		}
	}
	if len(list) == 0 {
		return nil
	}
	return pickOne(c.r, list)
}

// repos lists the repositories of non-archived projects in id order.
func (c *churner) repos(st *store) []*repository {
	var out []*repository
	for _, p := range st.projectList {
		if !p.Archived {
			out = append(out, p.Repositories...)
		}
	}
	return out
}

// issue picks an issue: half the time among the 500 newest.
func (c *churner) issue(st *store, ok func(*issue) bool) *issue {
	list := st.issueList
	for range 20 {
		var is *issue
		if c.r.IntN(2) == 0 {
			is = list[max(0, len(list)-500)+c.r.IntN(min(500, len(list)))]
		} else {
			is = pickOne(c.r, list)
		}
		if ok == nil || ok(is) {
			return is
		}
	}
	return nil
}

// issueWhere picks an issue satisfying ok like issue does, and when those
// draws all miss (such issues are rare) picks among all of them; nil only
// when there is none, which possible has ruled out.
func (c *churner) issueWhere(st *store, ok func(*issue) bool) *issue {
	if is := c.issue(st, ok); is != nil || ok == nil {
		return is
	}
	var list []*issue
	for _, is := range st.issueList {
		if ok(is) {
			list = append(list, is)
		}
	}
	if len(list) == 0 {
		return nil
	}
	return pickOne(c.r, list)
}

// apply performs one event of kind k.
func (c *churner) apply(st *store, k ChurnKind, at time.Time, rep *ChurnReport) error {
	a := c.a
	a.clock(at)
	switch k {
	case ChurnCreateIssue:
		p := c.project(st, func(*project) bool { return true })
		creator := a.reporter(p)
		in := a.newIssue(p, at, creator)
		if p.SubtaskingEnabled && c.r.IntN(10) == 0 {
			for i := len(st.issueList) - 1; i >= max(0, len(st.issueList)-200); i-- {
				if par := st.issueList[i]; par.ProjectID == p.ID && par.ParentIssueID == nil {
					in.ParentIssueID = opt[int64]{Set: true, Value: gptr(par.ID)}
					break
				}
			}
		}
		is, err := st.createIssue(creator, at, in)
		if err != nil {
			return err
		}
		rep.IssuesCreated = append(rep.IssuesCreated, is.ID)
	case ChurnUpdateIssue, ChurnComment, ChurnCloseIssue:
		var ok func(*issue) bool
		roll := c.r.IntN(rollUpdate)
		switch k {
		case ChurnUpdateIssue:
			roll = rollUpdate + c.r.IntN(100-rollUpdate)
		case ChurnCloseIssue:
			roll = rollClose
			ok = func(is *issue) bool { return is.StatusID != StatusClosed }
		}
		is := c.issueWhere(st, ok)
		if is == nil {
			return errorf(CodeInvalidRequest, "churn: no issue to %s", k)
		}
		p := st.projects[is.ProjectID]
		cm, err := a.issueChange(p, is, at, a.writer(p), roll, false)
		if err != nil {
			return err
		}
		rep.IssuesUpdated = append(rep.IssuesUpdated, is.ID)
		if cm != nil {
			rep.Comments = append(rep.Comments, cm.ID)
		}
	case ChurnDeleteIssue:
		is := c.issue(st, nil)
		if err := st.deleteIssue(a.manager(st.projects[is.ProjectID]), at, is); err != nil {
			return err
		}
		rep.IssuesDeleted = append(rep.IssuesDeleted, is.ID)
	case ChurnCreateWiki:
		p := c.project(st, func(p *project) bool { return p.UseWiki })
		lang := a.c.lang()
		seen := map[string]bool{}
		for _, w := range st.wikiList {
			if w.ProjectID == p.ID {
				seen[w.Name] = true
			}
		}
		a.setPerson(p)
		w, err := st.createWiki(a.writer(p), at, p, uniqueName(seen, a.c.text(wikiPages, lang)), a.wikiText(lang), nil)
		if err != nil {
			return err
		}
		rep.WikisCreated = append(rep.WikisCreated, w.ID)
	case ChurnUpdateWiki:
		w := pickOne(c.r, st.wikiList)
		p := st.projects[w.ProjectID]
		a.setPerson(p)
		content := w.Content + a.c.text(wikiEdits, langOf(w.Content))
		if err := st.updateWiki(a.writer(p), at, w, nil, &content); err != nil {
			return err
		}
		rep.WikisUpdated = append(rep.WikisUpdated, w.ID)
	case ChurnDeleteWiki:
		w := pickOne(c.r, st.wikiList)
		if err := st.deleteWiki(a.manager(st.projects[w.ProjectID]), at, w); err != nil {
			return err
		}
		rep.WikisDeleted = append(rep.WikisDeleted, w.ID)
	case ChurnCreatePullRequest:
		r := pickOne(c.r, c.repos(st))
		p := st.projects[r.ProjectID]
		var linked *issue
		if c.r.IntN(2) == 0 {
			linked = c.issue(st, func(is *issue) bool { return is.ProjectID == p.ID })
		}
		pr, err := st.createPullRequest(a.writer(p), at, r, a.prInput(p, r, at, linked))
		if err != nil {
			return err
		}
		rep.PullRequests = append(rep.PullRequests, pr.ID)
	case ChurnPullRequestComment:
		var prs []*pullRequest
		for _, r := range c.repos(st) {
			prs = append(prs, r.PullRequests...)
		}
		pr := prs[max(0, len(prs)-200)+c.r.IntN(min(200, len(prs)))]
		p := st.projects[pr.ProjectID]
		a.setPerson(p)
		pc, err := st.addPullRequestComment(a.writer(p), at, pr, a.c.text(commentTemplates, langOf(pr.Summary)), nil)
		if err != nil {
			return err
		}
		rep.PullRequestComments = append(rep.PullRequestComments, pc.ID)
	case ChurnAddSharedFile:
		p := c.project(st, func(p *project) bool { return p.UseFileSharing })
		c.fresh++
		dir := pickOne(c.r, sharedDirs)
		name := "churn" + strconv.Itoa(c.fresh) + "_" + a.c.fileName()
		for _, f := range p.SharedFiles {
			if f.Dir == dir && f.Name == name {
				name = "x" + name
			}
		}
		f, err := st.addSharedFile(a.writer(p), at, p, dir, name, a.c.fileSize(), false)
		if err != nil {
			return err
		}
		rep.SharedFiles = append(rep.SharedFiles, f.ID)
	case ChurnMoveIssue:
		is := c.issueWhere(st, func(is *issue) bool { return movable(st, is) })
		if is == nil {
			return errorf(CodeInvalidRequest, "churn: no issue to move")
		}
		to := c.project(st, func(p *project) bool { return p.ID != is.ProjectID })
		if err := st.moveIssue(st.users[st.space.OwnerID], at, is, to); err != nil {
			return err
		}
		rep.IssuesUpdated = append(rep.IssuesUpdated, is.ID)
		rep.IssuesMoved = append(rep.IssuesMoved, is.ID)
	}
	return nil
}

// anyIssue reports whether some issue satisfies ok (newest first, as churn
// mostly acts on recent issues, so the scan usually stops early).
func anyIssue(st *store, ok func(*issue) bool) bool {
	for i := len(st.issueList) - 1; i >= 0; i-- {
		if ok(st.issueList[i]) {
			return true
		}
	}
	return false
}

// movable reports whether churn may move is: its project is not archived and
// it has no parent and no children.
func movable(st *store, is *issue) bool {
	p := st.projects[is.ProjectID]
	return p != nil && !p.Archived && is.ParentIssueID == nil && len(st.childrenOf(is.ID)) == 0
}
