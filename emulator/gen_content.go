package emulator

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

var wikiTagNames = []string{"仕様", "手順", "議事録", "設計", "ops", "design", "FAQ"}

// uniqueName returns name, or name with a suffix, so that it is not in seen;
// it records the result.
func uniqueName(seen map[string]bool, name string) string {
	base := name
	for k := 2; seen[name]; k++ {
		name = base + " (" + strconv.Itoa(k) + ")"
	}
	seen[name] = true
	return name
}

// createWiki creates a planned wiki page and schedules its edits, deletion
// and star.
func (g *gen) createWiki(i int32, at time.Time) error {
	wp := &g.wikis[i]
	pp := g.projects[wp.proj]
	g.clock(at)
	g.setPerson(pp.p)
	lang := g.c.lang()
	name := uniqueName(pp.wikis, g.c.text(wikiPages, lang))
	var tags []string
	for n := g.r.IntN(3); n > 0; n-- {
		if t := pickOne(g.r, wikiTagNames); !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	w, err := g.st.createWiki(g.writer(pp.p), at, pp.p, name, g.wikiText(lang), tags)
	if err != nil {
		return fmt.Errorf("createWiki %q: %w", name, err)
	}
	if wp.edits > 0 || wp.deleted {
		g.schedule(g.between(at.Unix()+3600, at.Unix()+60*86400), evWikiEdit, i, w)
	}
	if g.r.IntN(100) < 5 {
		g.schedule(g.between(at.Unix()+600, at.Unix()+30*86400), evStar, i, starTarget{WikiID: w.ID})
	}
	return g.extraWiki(pp, i, w, at)
}

// editWiki appends to a wiki page (a new history version) or, once its
// planned edits are done, deletes it when planned.
func (g *gen) editWiki(w *wiki, i int32, t int64, at time.Time) error {
	wp := &g.wikis[i]
	p := g.st.projects[w.ProjectID]
	if wp.edits == 0 {
		if err := g.st.deleteWiki(g.manager(p), at, w); err != nil {
			return fmt.Errorf("deleteWiki: %w", err)
		}
		return nil
	}
	g.clock(at)
	g.setPerson(p)
	content := w.Content + g.c.text(wikiEdits, langOf(w.Content))
	var name *string
	if g.r.IntN(15) == 0 {
		name = gptr(uniqueName(g.projects[wp.proj].wikis, w.Name+" (old)"))
	}
	if err := g.st.updateWiki(g.writer(p), at, w, name, &content); err != nil {
		return fmt.Errorf("updateWiki: %w", err)
	}
	wp.edits--
	if wp.edits > 0 || wp.deleted {
		g.schedule(g.between(t+3600, t+90*86400), evWikiEdit, i, w)
	}
	return nil
}

// createDocument creates a planned document, sometimes under an earlier one,
// and schedules its comments.
func (g *gen) createDocument(i int32, at time.Time) error {
	dp := g.docs[i]
	pp := g.projects[dp.proj]
	g.clock(at)
	lang := g.c.lang()
	in := &documentInput{ProjectID: pp.p.ID, Title: g.c.text(documentTitles, lang),
		Content: g.wikiText(lang), AddLast: true}
	if len(pp.docs) > 0 && g.r.IntN(10) < 3 {
		in.ParentID = pickOne(g.r, pp.docs).ID
	}
	if g.r.IntN(4) == 0 {
		in.Emoji = gptr(pickOne(g.r, []string{"📄", "📝", "🚀", "🐛", "📊"}))
	}
	d, err := g.st.createDocument(g.writer(pp.p), at, in)
	if err != nil {
		return fmt.Errorf("createDocument: %w", err)
	}
	pp.docs = append(pp.docs, d)
	g.extraDocument(i, d)
	// About a third of documents carry an attachment (activity 46); the
	// first one always does, so that every space has one to download.
	if i == 0 || g.r.IntN(3) == 0 {
		w := g.writer(pp.p)
		up := g.st.addUpload(w, at, g.c.fileName(), g.c.fileSize())
		if _, err := g.st.addDocumentAttachments(w, at, d, []int64{up.ID}); err != nil {
			return fmt.Errorf("addDocumentAttachments: %w", err)
		}
	}
	if dp.comments > 0 {
		g.schedule(g.between(at.Unix()+600, at.Unix()+30*86400), evDocComment, i, d)
	}
	return nil
}

// documentComment adds a planned comment to a document and maybe schedules
// a reply to it.
func (g *gen) documentComment(d *document, i int32, t int64, at time.Time) error {
	p := g.st.projects[d.ProjectID]
	g.clock(at)
	g.setPerson(p)
	c, err := g.st.addDocumentComment(g.writer(p), at, d, g.c.text(commentTemplates, langOf(d.Title)), "")
	if err != nil {
		return fmt.Errorf("addDocumentComment: %w", err)
	}
	if g.r.IntN(4) == 0 {
		g.schedule(g.between(t+60, t+3*86400), evDocReply, i, c)
	}
	dp := &g.docs[i]
	dp.comments--
	if dp.comments > 0 {
		g.schedule(g.between(t+60, t+20*86400), evDocComment, i, d)
	}
	return nil
}

// documentReply replies to a document comment.
func (g *gen) documentReply(c *documentComment, at time.Time) error {
	d := g.st.documents[c.DocumentID]
	if d == nil {
		return nil
	}
	p := g.st.projects[d.ProjectID]
	g.clock(at)
	g.setPerson(p)
	if _, err := g.st.addDocumentComment(g.writer(p), at, d, g.c.text(commentTemplates, langOf(d.Title)), c.ID); err != nil {
		return fmt.Errorf("addDocumentComment reply: %w", err)
	}
	return nil
}

// createPR opens a planned pull request, often linked to an issue of the
// project, and schedules its comments and its merge or close.
func (g *gen) createPR(i int32, at time.Time) error {
	pl := &g.prs[i]
	r := g.repoObjs[pl.repo]
	if r == nil {
		return nil
	}
	p := g.st.projects[r.ProjectID]
	pp := g.projects[g.repos[pl.repo].proj]
	var linked *issue
	if len(pp.issues) > 0 && g.r.IntN(2) == 0 {
		ip := &g.issues[pp.issues[max(0, len(pp.issues)-1-g.r.IntN(min(len(pp.issues), 300)))]]
		if !ip.deleted {
			linked = ip.is
		}
	}
	actor := g.writer(p)
	in := g.prInput(p, r, at, linked)
	if err := g.extraPR(i, r, in, actor, at); err != nil {
		return err
	}
	pr, err := g.st.createPullRequest(actor, at, r, in)
	if err != nil {
		return fmt.Errorf("createPullRequest: %w", err)
	}
	steps := int64(pl.comments) + 1
	deadline := min(at.Unix()+steps*3*86400, g.end-60)
	if pl.comments > 0 || pl.outcome != 1 {
		g.schedule(g.nextTime(at.Unix(), deadline, int(steps)), evPRStep, i, pr)
	}
	if g.r.IntN(100) < 5 {
		g.schedule(g.between(at.Unix()+600, at.Unix()+7*86400), evStar, i, starTarget{PullRequestID: pr.ID})
	}
	if i == 0 || g.xchance(5) {
		g.schedule(g.xbetween(at.Unix()+600, at.Unix()+7*86400), evStar, i, starTarget{PullRequestID: pr.ID})
	}
	return nil
}

// prStep comments on a pull request or, after its planned comments, merges
// or closes it.
func (g *gen) prStep(pr *pullRequest, i int32, t int64, at time.Time) error {
	pl := &g.prs[i]
	p := g.st.projects[pr.ProjectID]
	g.clock(at)
	g.setPerson(p)
	lang := langOf(pr.Summary)
	actor := g.writer(p)
	if pl.comments == 0 {
		st := pl.outcome
		in := &pullRequestInput{StatusID: &st}
		if g.r.IntN(2) == 0 {
			in.Comment = gptr(g.c.text(closeTemplates, lang))
		}
		if err := g.st.updatePullRequest(actor, at, pr, in); err != nil {
			return fmt.Errorf("updatePullRequest status %d: %w", st, err)
		}
		pl.outcome = 1 // done
		return nil
	}
	if g.r.IntN(100) < 85 {
		pc, err := g.st.addPullRequestComment(actor, at, pr, g.c.text(commentTemplates, lang), nil)
		if err != nil {
			return fmt.Errorf("addPullRequestComment: %w", err)
		}
		g.extraPRComment(i, pc, t)
	} else {
		in := &pullRequestInput{Comment: gptr(g.c.text(commentTemplates, lang))}
		if u := g.other(p, 0); u != nil {
			in.AssigneeID = opt[int64]{Set: true, Value: gptr(u.ID)}
		}
		if err := g.st.updatePullRequest(actor, at, pr, in); err != nil {
			return fmt.Errorf("updatePullRequest: %w", err)
		}
	}
	pl.comments--
	if pl.comments > 0 || pl.outcome != 1 {
		deadline := min(t+int64(pl.comments+1)*3*86400, g.end-60)
		g.schedule(g.nextTime(t, deadline, int(pl.comments)+1), evPRStep, i, pr)
	}
	return nil
}
