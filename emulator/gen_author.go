package emulator

import (
	"math/rand/v2"
	"strconv"
	"time"
	"unicode/utf8"
)

// author makes the random choices of a write — who acts, what text, which
// field changes — for both the space generator and churn. It never changes
// the store itself except through the mutation contract.
type author struct {
	st     *store
	r      *rand.Rand
	c      corpus
	day    int64
	actors map[int64]*actorCache
}

// actorCache holds a project's members by capability, rebuilt when the
// member list grows.
type actorCache struct {
	n         int
	writers   []*user // administrators and normal users
	reporters []*user // writers and reporters: may add issues and comments
}

func newAuthor(st *store, r *rand.Rand) *author {
	return &author{st: st, r: r, c: corpus{r: r}, day: -1, actors: map[int64]*actorCache{}}
}

// clock sets the date used in texts to the day of t.
func (a *author) clock(t time.Time) {
	if d := t.Unix() / 86400; d != a.day {
		a.day = d
		a.c.date = t.Format("2006-01-02")
	}
}

// members returns p's members by capability.
func (a *author) members(p *project) *actorCache {
	ac := a.actors[p.ID]
	if ac != nil && ac.n == len(p.Users) {
		return ac
	}
	ac = &actorCache{n: len(p.Users)}
	for _, id := range p.Users {
		u := a.st.users[id]
		if u == nil {
			continue
		}
		if u.RoleType <= RoleNormal {
			ac.writers = append(ac.writers, u)
		}
		if u.RoleType <= RoleReporter {
			ac.reporters = append(ac.reporters, u)
		}
	}
	a.actors[p.ID] = ac
	return ac
}

// writer picks a member who may update issues (falls back to the owner).
func (a *author) writer(p *project) *user {
	if m := a.members(p); len(m.writers) > 0 {
		return pickOne(a.r, m.writers)
	}
	return a.st.users[a.st.space.OwnerID]
}

// reporter picks a member who may add issues and comments.
func (a *author) reporter(p *project) *user {
	if m := a.members(p); len(m.reporters) > 0 {
		return pickOne(a.r, m.reporters)
	}
	return a.st.users[a.st.space.OwnerID]
}

// manager picks a project administrator (or the space owner), who may
// delete issues.
func (a *author) manager(p *project) *user {
	if len(p.Admins) > 0 {
		if u := a.st.users[pickOne(a.r, p.Admins)]; u != nil {
			return u
		}
	}
	return a.st.users[a.st.space.OwnerID]
}

// other picks a reporter-capable member other than not (or nil).
func (a *author) other(p *project, not int64) *user {
	m := a.members(p)
	for range 4 {
		if len(m.reporters) == 0 {
			return nil
		}
		if u := pickOne(a.r, m.reporters); u.ID != not {
			return u
		}
	}
	return nil
}

// setPerson chooses the name used by {U} in texts.
func (a *author) setPerson(p *project) {
	if m := a.members(p); len(m.reporters) > 0 {
		a.c.person = pickOne(a.r, m.reporters).Name
	} else {
		a.c.person = "admin"
	}
}

// langOf returns the language of a text: "ja" if it contains non-ASCII.
func langOf(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return "ja"
		}
	}
	return "en"
}

func gptr[T any](v T) *T { return &v }

// date returns the calendar date of t (midnight UTC) plus days.
func calDate(t time.Time, days int) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d+days, 0, 0, 0, 0, time.UTC)
}

// lifecycle returns the order in which issues of p move through statuses:
// Open, In Progress, the custom statuses, Resolved, Closed.
func lifecycle(p *project) []int64 {
	out := []int64{StatusOpen, StatusInProgress}
	for _, s := range p.Statuses {
		out = append(out, s.ID)
	}
	return append(out, StatusResolved, StatusClosed)
}

// newIssue draws the parameters of a new issue of p created by creator.
func (a *author) newIssue(p *project, at time.Time, creator *user) *issueInput {
	a.clock(at)
	a.setPerson(p)
	lang := a.c.lang()
	in := &issueInput{ProjectID: p.ID, Summary: gptr(a.c.text(summaryTemplates, lang)),
		Description: gptr(a.c.text(descriptionTemplates, lang))}
	if len(p.IssueTypes) > 0 {
		in.IssueTypeID = gptr(pickOne(a.r, p.IssueTypes).ID)
	}
	in.PriorityID = gptr(a.priority())
	if a.r.IntN(10) < 7 {
		if u := a.other(p, 0); u != nil {
			in.AssigneeID = opt[int64]{Set: true, Value: gptr(u.ID)}
		}
	}
	if len(p.Categories) > 0 && a.r.IntN(2) == 0 {
		ids := []int64{pickOne(a.r, p.Categories).ID}
		if c := pickOne(a.r, p.Categories).ID; c != ids[0] && a.r.IntN(5) == 0 {
			ids = append(ids, c)
		}
		in.CategoryIDs = &ids
	}
	if v := a.version(p, at); v != nil && a.r.IntN(4) == 0 {
		in.VersionIDs = &[]int64{v.ID}
	}
	if v := a.version(p, at); v != nil && a.r.IntN(5) < 2 {
		in.MilestoneIDs = &[]int64{v.ID}
	}
	if a.r.IntN(10) < 3 {
		in.StartDate = opt[time.Time]{Set: true, Value: gptr(calDate(at, 0))}
	}
	if a.r.IntN(100) < 45 {
		in.DueDate = opt[time.Time]{Set: true, Value: gptr(calDate(at, 3+a.r.IntN(60)))}
	}
	if a.r.IntN(10) < 3 {
		in.EstimatedHours = opt[float64]{Set: true, Value: gptr(float64(1+a.r.IntN(80)) / 2)}
	}
	var typeID int64
	if in.IssueTypeID != nil {
		typeID = *in.IssueTypeID
	}
	for _, f := range p.CustomFields {
		if fieldApplies(f, typeID) && a.r.IntN(100) < 55 {
			if in.CustomFields == nil {
				in.CustomFields = map[int64]cfInput{}
			}
			in.CustomFields[f.ID] = a.cfValue(f, at)
		}
	}
	if a.r.IntN(100) < 8 {
		for range 1 + a.r.IntN(3) {
			up := a.st.addUpload(creator, at, a.c.fileName(), a.c.fileSize())
			in.AttachmentIDs = append(in.AttachmentIDs, up.ID)
		}
	}
	if a.r.IntN(10) == 0 {
		if u := a.other(p, creator.ID); u != nil {
			in.NotifiedUserIDs = []int64{u.ID}
		}
	}
	return in
}

// priority draws a priority: mostly Normal.
func (a *author) priority() int64 {
	switch v := a.r.IntN(100); {
	case v < 20:
		return 2
	case v < 85:
		return 3
	}
	return 4
}

// version picks a version of p that is not released long before at.
func (a *author) version(p *project, at time.Time) *version {
	if len(p.Versions) == 0 {
		return nil
	}
	for range 3 {
		v := pickOne(a.r, p.Versions)
		if v.ReleaseDueDate == nil || v.ReleaseDueDate.After(at.AddDate(0, -3, 0)) {
			return v
		}
	}
	return p.Versions[len(p.Versions)-1]
}

// cfValue draws a value for a custom field.
func (a *author) cfValue(f *customField, at time.Time) cfInput {
	lang := langOf(f.Name)
	switch f.TypeID {
	case CFText:
		return cfInput{Values: []string{a.c.fill(lang, pickOne(a.r, []string{"{C}", "{S}", "{B}", "{E}"}))}}
	case CFTextArea:
		return cfInput{Values: []string{a.c.text(commentTemplates, lang) + "\n" + a.c.text(commentTemplates, lang)}}
	case CFNumeric:
		lo, hi := 0.0, 1000.0
		if f.Min != nil {
			lo = *f.Min
		}
		if f.Max != nil {
			hi = *f.Max
		}
		v := lo + float64(a.r.IntN(int(hi-lo)*10+1))/10
		return cfInput{Values: []string{strconv.FormatFloat(v, 'f', -1, 64)}}
	case CFDate:
		return cfInput{Values: []string{calDate(at, a.r.IntN(90)-10).Format("2006-01-02")}}
	}
	if len(f.Items) == 0 {
		return cfInput{}
	}
	in := cfInput{Values: []string{strconv.FormatInt(pickOne(a.r, f.Items).ID, 10)}}
	if f.TypeID == CFMultipleList || f.TypeID == CFCheckBox {
		for _, it := range f.Items {
			if s := strconv.FormatInt(it.ID, 10); s != in.Values[0] && a.r.IntN(3) == 0 {
				in.Values = append(in.Values, s)
			}
		}
	}
	if f.AllowInput && a.r.IntN(5) == 0 {
		in.Other = gptr(a.c.fill(lang, "{B}"))
	}
	return in
}

// issueStep makes the next change to an issue as actor: a comment or an
// update (status, assignee, dates, custom field, …). When final is set and
// closeIt too, it closes the issue with a resolution. It always produces
// exactly one comment.
func (a *author) issueStep(p *project, is *issue, at time.Time, actor *user, final, closeIt bool) (*comment, error) {
	roll := a.r.IntN(100)
	if final && closeIt {
		roll = rollClose
	}
	return a.issueChange(p, is, at, actor, roll, closeIt)
}

// Rolls of issueChange: below rollUpdate a plain comment, from rollUpdate
// on one kind of field update each, rollClose closes the issue.
const (
	rollUpdate = 45
	rollClose  = -1
)

// issueChange comments on or updates an issue; roll (0–99, or rollClose)
// selects what. closeIt keeps forward status moves short of Resolved (the
// issue will be closed by a later step).
func (a *author) issueChange(p *project, is *issue, at time.Time, actor *user, roll int, closeIt bool) (*comment, error) {
	a.clock(at)
	a.setPerson(p)
	lang := langOf(is.Summary)
	if a.r.IntN(10) == 0 {
		lang = a.c.lang()
	}
	text := func() *string { return gptr(a.c.text(commentTemplates, lang)) }
	life := lifecycle(p)
	pos := 0
	for i, id := range life {
		if id == is.StatusID {
			pos = i
		}
	}
	if roll == rollClose && is.StatusID != StatusClosed {
		in := &issueInput{StatusID: gptr(int64(StatusClosed)), Comment: gptr(a.c.text(closeTemplates, lang))}
		if a.r.IntN(10) < 3 {
			in.StatusID = gptr(int64(StatusResolved))
		}
		res := int64(0)
		switch v := a.r.IntN(100); {
		case v < 8:
			res = 1
		case v < 12:
			res = 2
		case v < 16:
			res = 3
		case v < 19:
			res = 4
		}
		if is.StatusID == *in.StatusID {
			in.StatusID = gptr(int64(StatusClosed))
		}
		in.ResolutionID = opt[int64]{Set: true, Value: &res}
		if is.ActualHours == nil && a.r.IntN(2) == 0 {
			in.ActualHours = opt[float64]{Set: true, Value: gptr(float64(1+a.r.IntN(60)) / 2)}
		}
		return a.st.updateIssue(actor, at, is, in)
	}
	in := &issueInput{}
	if a.r.IntN(10) < 6 {
		in.Comment = text()
	}
	switch v := roll; {
	case v < rollUpdate:
		var notified, uploads []int64
		if a.r.IntN(100) < 3 {
			uploads = append(uploads, a.st.addUpload(actor, at, a.c.fileName(), a.c.fileSize()).ID)
		}
		if a.r.IntN(10) == 0 {
			if u := a.other(p, actor.ID); u != nil {
				notified = []int64{u.ID}
			}
		}
		return a.st.addComment(actor, at, is, *text(), notified, uploads)
	case v < 65:
		// Forward in the lifecycle; Resolved only for issues that will not
		// be closed by their last step, Closed never here.
		limit := len(life) - 3 // the last status before Resolved
		if !closeIt {
			limit = len(life) - 2
		}
		if pos < limit {
			in.StatusID = gptr(life[pos+1])
			if life[pos+1] == StatusResolved {
				in.ResolutionID = opt[int64]{Set: true, Value: gptr(int64(0))}
			}
			if is.AssigneeID == nil {
				in.AssigneeID = opt[int64]{Set: true, Value: gptr(actor.ID)}
			}
		} else if in.Comment == nil {
			in.Comment = text()
		}
	case v < 73:
		var cur int64
		if is.AssigneeID != nil {
			cur = *is.AssigneeID
		}
		if u := a.other(p, cur); u != nil {
			in.AssigneeID = opt[int64]{Set: true, Value: gptr(u.ID)}
		} else if in.Comment == nil {
			in.Comment = text()
		}
	case v < 79:
		base := at
		if is.DueDate != nil && is.DueDate.After(base) {
			base = *is.DueDate
		}
		if is.StartDate != nil && is.StartDate.After(base) {
			base = *is.StartDate
		}
		in.DueDate = opt[time.Time]{Set: true, Value: gptr(calDate(base, 1+a.r.IntN(21)))}
		if is.StartDate == nil && a.r.IntN(2) == 0 {
			in.StartDate = opt[time.Time]{Set: true, Value: gptr(calDate(at, 0))}
		}
	case v < 84:
		var fields []*customField
		for _, f := range p.CustomFields {
			if fieldApplies(f, is.IssueTypeID) {
				fields = append(fields, f)
			}
		}
		if len(fields) > 0 {
			f := pickOne(a.r, fields)
			in.CustomFields = map[int64]cfInput{f.ID: a.cfValue(f, at)}
		}
		if in.Comment == nil {
			in.Comment = text() // the value may not have changed
		}
	case v < 88:
		pr := a.priority()
		for pr == is.PriorityID {
			pr = 2 + int64(a.r.IntN(3))
		}
		in.PriorityID = &pr
	case v < 92:
		h := 0.5
		if is.ActualHours != nil {
			h += *is.ActualHours
		}
		in.ActualHours = opt[float64]{Set: true, Value: gptr(h + float64(a.r.IntN(16))/2)}
	case v < 95:
		in.Description = gptr(is.Description + "\n\n" + a.c.text(commentTemplates, lang))
	case v < 98:
		if ver := a.version(p, at); ver != nil && !(len(is.MilestoneIDs) == 1 && is.MilestoneIDs[0] == ver.ID) {
			in.MilestoneIDs = &[]int64{ver.ID}
		} else if in.Comment == nil {
			in.Comment = text()
		}
	default:
		if len(p.Categories) > 0 {
			c := pickOne(a.r, p.Categories).ID
			if len(is.CategoryIDs) == 1 && is.CategoryIDs[0] == c {
				in.CategoryIDs = &[]int64{}
			} else {
				in.CategoryIDs = &[]int64{c}
			}
		} else if in.Comment == nil {
			in.Comment = text()
		}
	}
	if a.r.IntN(20) == 0 {
		if u := a.other(p, actor.ID); u != nil {
			in.NotifiedUserIDs = []int64{u.ID}
		}
	}
	return a.st.updateIssue(actor, at, is, in)
}

// wikiText returns a new wiki page body.
func (a *author) wikiText(lang string) string {
	return a.c.text(wikiBodies, lang)
}

// prInput draws a new pull request of r, optionally linked to an issue.
func (a *author) prInput(p *project, r *repository, at time.Time, linked *issue) *pullRequestInput {
	a.clock(at)
	lang := a.c.lang()
	in := &pullRequestInput{Summary: gptr(a.c.text(prSummaries, lang)),
		Description: gptr(a.c.text(descriptionTemplates, lang)), Base: gptr("main"), Branch: gptr(a.c.branch())}
	if a.r.IntN(10) == 0 {
		in.Base = gptr("develop")
	}
	if linked != nil {
		in.IssueID = opt[int64]{Set: true, Value: gptr(linked.ID)}
	}
	if u := a.other(p, 0); u != nil && a.r.IntN(10) < 7 {
		in.AssigneeID = opt[int64]{Set: true, Value: gptr(u.ID)}
	}
	return in
}
