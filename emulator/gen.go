package emulator

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// A generated space is built by replaying a simulated history through the
// mutation contract (contract_*.go) — the same code paths as the HTTP write
// handlers — in chronological order under a simulated clock. Activities,
// comment change logs, notifications, `updated` timestamps and ids are
// therefore consistent with the objects exactly as if every event had
// happened through the API: ids increase with time, an issue's `updated` is
// its last comment's time, and issues never updated since creation have no
// comments.
//
// The plan (who joins which project when, when each issue is created, how
// many comments it gets, …) is drawn first; the events are then executed in
// time order from a priority queue. Events that depend on the state reached
// (the next lifecycle step of an issue, a star on a comment, a reply to a
// document comment) are pushed into the queue while executing.
//
// Determinism: everything is drawn from one PCG source seeded from the seed,
// maps are never iterated, and the timeline is anchored at HistoryEnd rather
// than the wall clock, so the same seed and size give byte-identical API
// responses on any day.

// HistoryEnd is the fixed end of every generated history: the last generated
// event happens shortly before it. It does not depend on the wall clock so
// that generation is reproducible; the history spans historyYears before it.
var HistoryEnd = time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)

// historyYears is the length of a generated history.
const historyYears = 4

// Size sets how much a generated space holds. Counts are what the finished
// space contains: deleted issues and wiki pages (about 1% and 5% more) are
// generated on top and leave only their activities.
type Size struct {
	Projects     int
	Users        int // including the administrator
	Teams        int
	Issues       int
	Comments     int // total issue comments (skewed: many issues have none, a few dozens)
	Wikis        int
	Documents    int
	Repositories int
	PullRequests int
	SharedFiles  int
}

// DefaultSize is a small space that generates in well under a second.
var DefaultSize = Size{Projects: 3, Users: 12, Teams: 3, Issues: 300, Comments: 900, Wikis: 30,
	Documents: 20, Repositories: 3, PullRequests: 40, SharedFiles: 30}

// event kinds of the generator's queue.
const (
	evUser = iota
	evTeam
	evProject
	evMember
	evIssue
	evIssueStep
	evIssueDelete
	evStar
	evWatch
	evWiki
	evWikiEdit
	evDoc
	evDocComment
	evDocReply
	evRepo
	evPR
	evPRStep
	evFile
)

// event is a scheduled step of the history. i indexes the plan slice of its
// kind; obj carries the target of dynamic events.
type event struct {
	t    int64 // unix seconds
	seq  uint64
	kind uint8
	i    int32
	obj  any
}

// eventQueue is a binary min-heap ordered by (t, seq).
type eventQueue []event

func (q eventQueue) less(i, j int) bool {
	if q[i].t != q[j].t {
		return q[i].t < q[j].t
	}
	return q[i].seq < q[j].seq
}

func (q *eventQueue) push(e event) {
	*q = append(*q, e)
	h := *q
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func (q *eventQueue) pop() event {
	h := *q
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h[n] = event{}
	h = h[:n]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < n && h.less(l, m) {
			m = l
		}
		if l+1 < n && h.less(l+1, m) {
			m = l + 1
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	*q = h
	return top
}

// userPlan is a user to create.
type userPlan struct {
	at       int64
	in       userInput
	projects []int // projects to join
	u        *user
}

// projPlan is a project to create, with the generator's view of it.
type projPlan struct {
	at     int64
	key    string
	name   string
	weight float64
	in     projectInput
	p      *project
	issues []int32 // issue plans created so far, in creation order
	docs   []*document
	repos  []*repository
	files  map[string]bool
	wikis  map[string]bool
	admins int
	// wikiObjs are the project's wiki pages in creation order (extras).
	wikiObjs []*wiki
	// related are the project's issues that have a related issue (extras).
	related []*issue
	// relatedChild and relatedAttached are set once one of the project's
	// child issues, and one with attachments, has a related issue (so that
	// GET …/relatedIssues shows parentIssueId and attachments filled).
	relatedChild, relatedAttached bool // project administrators appointed
}

// issuePlan is an issue to create and the plan of its life.
type issuePlan struct {
	proj     int32
	at       int64
	comments int32 // planned comments (updates included)
	left     int32 // comments not yet made
	deadline int64 // the last comment happens before this
	deleted  bool  // deleted after creation (never commented)
	closeIt  bool  // the last comment closes it
	depth    int8  // 0 root, 1 child, 2 grandchild
	is       *issue
}

// wikiPlan is a wiki page to create.
type wikiPlan struct {
	proj    int32
	at      int64
	edits   int32
	deleted bool
}

// prPlan is a pull request to create.
type prPlan struct {
	repo     int32
	at       int64
	comments int32
	outcome  int // 1 open, 2 closed, 3 merged
}

// gen holds the state of one generation.
type gen struct {
	*author
	// x and xc draw the extras (gen_extras.go), apart from the main
	// history's source.
	x          *rand.Rand
	xc         corpus
	size       Size
	start, end int64
	seq        uint64
	q          eventQueue
	admin      *user
	last       int64
	names      map[string]bool // user names taken

	users    []userPlan
	teams    []int64 // creation times
	projects []*projPlan
	issues   []issuePlan
	wikis    []wikiPlan
	docs     []struct {
		proj     int32
		at       int64
		comments int32
	}
	repos []struct {
		proj int32
		at   int64
	}
	repoObjs []*repository
	prs      []prPlan
	files    []struct {
		proj int32
		at   int64
	}
}

// generate builds a space deterministically from seed. The history ends
// shortly before HistoryEnd whatever now is; now is not used for any
// generated timestamp (it only matters to later writes, which happen at the
// server's clock).
func generate(seed int64, size Size, spaceKey, adminKey string, now time.Time) (*store, error) {
	_ = now
	end := HistoryEnd.Unix()
	start := HistoryEnd.AddDate(-historyYears, 0, 0).Unix()
	st := newStore(space{SpaceKey: spaceKey, Name: spaceKey, Lang: "ja", Timezone: "Asia/Tokyo",
		ReportSendTime: "08:00:00", TextFormattingRule: "markdown", Created: time.Unix(start, 0).UTC(),
		Updated: time.Unix(start, 0).UTC(), Capacity: 1 << 40})
	if adminKey == "" {
		adminKey = fmt.Sprintf("emu%013x", seed)
	}
	r := rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15))
	g := &gen{author: newAuthor(st, r), size: size, start: start, end: end, names: map[string]bool{"Administrator": true}}
	g.x = newExtraRand(seed)
	g.xc = corpus{r: g.x}

	st.mu.Lock()
	defer st.mu.Unlock()
	admin, err := st.createUser(time.Unix(start, 0).UTC(), userInput{UserID: "admin", Name: "Administrator",
		MailAddress: "admin@example.com", RoleType: RoleAdmin, Lang: "ja", APIKey: adminKey})
	if err != nil {
		return nil, fmt.Errorf("generate: createUser admin: %w", err)
	}
	g.admin = admin
	admin.LastLoginTime = time.Unix(end-3600-r.Int64N(86400), 0).UTC()
	admin.NulabID = "nulab" + g.xc.hexString(10)
	st.space.OwnerID = admin.ID
	g.last = start

	g.plan()
	for len(g.q) > 0 {
		e := g.q.pop()
		g.last = e.t
		if err := g.run(e); err != nil {
			return nil, fmt.Errorf("generate: %s: %w", time.Unix(e.t, 0).UTC().Format(time.RFC3339), err)
		}
	}
	st.space.Updated = time.Unix(g.last, 0).UTC()
	st.touch()
	return st, nil
}

// schedule queues an event; events after the end of history are dropped.
func (g *gen) schedule(t int64, kind uint8, i int32, obj any) {
	if t >= g.end {
		return
	}
	g.seq++
	g.q.push(event{t: t, seq: g.seq, kind: kind, i: i, obj: obj})
}

// span returns a time between a and b (a ≤ result < b).
func (g *gen) between(a, b int64) int64 {
	if b <= a {
		return a
	}
	return a + g.r.Int64N(b-a)
}

// skewWeights returns n Zipf-like weights (the first is the largest).
func skewWeights(n int, exp float64) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = 1 / math.Pow(float64(i+1), exp)
	}
	return w
}

// apportion splits total into len(w) integer shares proportional to w
// (largest remainders first, ties by index).
func apportion(total int, w []float64) []int {
	out := make([]int, len(w))
	if total <= 0 || len(w) == 0 {
		return out
	}
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	if sum == 0 {
		out[0] = total
		return out
	}
	type rem struct {
		i int
		f float64
	}
	rems := make([]rem, 0, len(w))
	given := 0
	for i, x := range w {
		exact := float64(total) * x / sum
		out[i] = int(exact)
		given += out[i]
		if x > 0 {
			rems = append(rems, rem{i, exact - float64(out[i])})
		}
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].f > rems[b].f })
	for k := 0; given < total; k++ {
		out[rems[k%len(rems)].i]++
		given++
	}
	return out
}

// weighted picks an index of w with probability proportional to its weight,
// considering only the indexes for which ok returns true (-1 if none).
func (g *gen) weighted(w []float64, ok func(i int) bool) int {
	sum := 0.0
	for i, x := range w {
		if ok(i) {
			sum += x
		}
	}
	if sum == 0 {
		return -1
	}
	v := g.r.Float64() * sum
	last := -1
	for i, x := range w {
		if !ok(i) {
			continue
		}
		last = i
		if v < x {
			return i
		}
		v -= x
	}
	return last
}

// plan draws the history and queues its initial events.
func (g *gen) plan() {
	sz := g.size
	span := float64(g.end - g.start)
	const day = 86400

	// Projects: created over the first 35% of the history.
	nProj := max(sz.Projects, 0)
	pw := skewWeights(nProj, 0.9)
	for j := range nProj {
		pp := &projPlan{at: g.start + day + int64(span*0.35*float64(j)/float64(max(nProj, 1))) + int64(j),
			weight: pw[j], files: map[string]bool{}, wikis: map[string]bool{}}
		if j < len(projectNames) {
			pp.key, pp.name = projectNames[j].Key, projectNames[j].Name
		} else {
			pp.key = fmt.Sprintf("PRJ%d", j+1)
			pp.name = fmt.Sprintf("プロジェクト %d", j+1)
		}
		t, f := true, false
		chance := func(pct int) *bool {
			if j == 0 || g.r.IntN(100) < pct {
				return &t
			}
			return &f
		}
		rule := "markdown"
		if j > 0 && g.r.IntN(10) < 3 {
			rule = "backlog"
		}
		sub := chance(70)
		grand := &f
		if *sub {
			grand = chance(50)
		}
		pp.in = projectInput{Name: &pp.name, Key: &pp.key, ChartEnabled: chance(60), UseResolvedForChart: chance(30),
			SubtaskingEnabled: sub, GrandchildIssueEnabled: grand, ProjectLeaderCanEditProjectLeader: chance(30),
			UseWiki: chance(85), UseDocument: chance(60), UseFileSharing: chance(70), UseWikiTreeView: chance(50),
			UseOriginalImageSizeAtWiki: &f, UseSubversion: &f, UseGit: chance(60), UseDevAttributes: chance(80),
			TextFormattingRule: &rule}
		g.projects = append(g.projects, pp)
		g.schedule(pp.at, evProject, int32(j), nil)
	}

	// Users: the administrator exists; the others arrive over 60% of the
	// history and join one or more projects (popular ones more often).
	nUsers := max(sz.Users-1, 0)
	for i := range nUsers {
		frac := float64(i) / float64(max(nUsers, 1))
		up := userPlan{at: g.start + 3600 + int64(span*0.6*math.Pow(frac, 1.5)) + int64(i)}
		up.in = g.userInput(i)
		if nProj > 0 {
			n := 1
			for n < nProj && g.r.IntN(2) == 0 {
				n++
			}
			chosen := map[int]bool{}
			for len(chosen) < n {
				j := g.weighted(pw, func(k int) bool { return !chosen[k] })
				chosen[j] = true
			}
			for j := range nProj {
				if chosen[j] {
					up.projects = append(up.projects, j)
				}
			}
		}
		g.users = append(g.users, up)
		g.schedule(up.at, evUser, int32(i), nil)
	}
	// Every project gets at least two members besides the administrator.
	for j := range nProj {
		members := 0
		for i := range g.users {
			for _, k := range g.users[i].projects {
				if k == j {
					members++
				}
			}
		}
		for tries := 0; members < min(2, nUsers) && tries < 100; tries++ {
			i := g.r.IntN(nUsers)
			if !slices.Contains(g.users[i].projects, j) {
				g.users[i].projects = append(g.users[i].projects, j)
				sort.Ints(g.users[i].projects)
				members++
			}
		}
	}
	for i := range g.users {
		for _, j := range g.users[i].projects {
			t := max(g.users[i].at, g.projects[j].at) + 3600 + int64(g.r.IntN(600))
			g.schedule(t, evMember, int32(i), j)
		}
	}

	// Teams: formed between 5% and 30% of the history.
	for k := range max(sz.Teams, 0) {
		t := g.start + int64(span*(0.05+0.25*float64(k)/float64(max(sz.Teams, 1))))
		g.teams = append(g.teams, t)
		g.schedule(t, evTeam, int32(k), nil)
	}

	if nProj > 0 {
		g.planIssues(pw)
		g.planContent(pw)
		g.planExtras()
	}
}

// userInput draws a user: 1 administrator (already created) and otherwise
// mostly normal users with some reporters and viewers; 70% Japanese names.
func (g *gen) userInput(i int) userInput {
	in := userInput{RoleType: RoleNormal}
	switch v := g.r.IntN(100); {
	case i == 0 || v < 75:
	case v < 90:
		in.RoleType = RoleReporter
	default:
		in.RoleType = RoleViewer
	}
	// Names are unique (change logs show assignees by name).
	for tries := 0; ; tries++ {
		if g.r.IntN(10) < 7 {
			fam := pickOne(g.r, familyNames)
			in.Name = fam + " " + pickOne(g.r, givenNames)
			in.UserID = fmt.Sprintf("%s%d", romaji[fam], i+1)
			in.Lang = "ja"
		} else {
			first, last := pickOne(g.r, enFirst), pickOne(g.r, enLast)
			in.Name = first + " " + last
			in.UserID = fmt.Sprintf("%c%s%d", first[0]|0x20, strings.ToLower(last), i+1)
			in.Lang = "en"
		}
		if tries >= 5 {
			in.Name += " " + strconv.Itoa(i+1)
		}
		if !g.names[in.Name] {
			g.names[in.Name] = true
			break
		}
	}
	if g.r.IntN(8) == 0 {
		in.Lang = "" // never chose a language: null
	}
	in.MailAddress = in.UserID + "@example.com"
	if g.r.IntN(2) == 0 {
		in.NulabID = fmt.Sprintf("nulab%s", g.c.hexString(10))
	}
	return in
}
