package emulator

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/backlogsync/backlogsync/internal/cputime"
)

// genSize is a space big enough for every feature to show up (grandchildren,
// bulk updates, deleted wikis) yet quick to generate under -race.
var genSize = Size{Projects: 4, Users: 25, Teams: 3, Issues: 1500, Comments: 6000, Wikis: 60,
	Documents: 40, Repositories: 5, PullRequests: 80, SharedFiles: 60}

func generateT(t testing.TB, seed int64, size Size) *store {
	t.Helper()
	st, err := generate(seed, size, "demo", "k", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestGenerateDeterministic(t *testing.T) {
	paths := []string{
		"/api/v2/issues?count=100&sort=created&order=asc",
		"/api/v2/issues?count=100",
		"/api/v2/space/activities?count=100",
		"/api/v2/space",
		"/api/v2/users",
		"/api/v2/projects",
		"/api/v2/projects/WEB/customFields",
		"/api/v2/projects/WEB/statuses",
		"/api/v2/issues/WEB-1/comments?count=100",
		"/api/v2/wikis?projectIdOrKey=WEB",
		"/api/v2/notifications?count=100",
	}
	fetch := func(seed int64) map[string][]byte {
		// Different clocks: the generated space must not depend on them.
		now := time.Date(2027+int(seed), 1, 1, 0, 0, 0, 0, time.UTC)
		s := newTestServer(t, Options{Seed: seed, AdminAPIKey: "k", Now: func() time.Time { return now }})
		out := map[string][]byte{}
		for _, p := range paths {
			st, _, body := do(t, s, "GET", p, "k", "")
			if st != 200 {
				t.Fatalf("seed %d GET %s: %d %s", seed, p, st, body)
			}
			out[p] = body
		}
		return out
	}
	a, b, c := fetch(1), fetch(1), fetch(2)
	for _, p := range paths {
		if !bytes.Equal(a[p], b[p]) {
			t.Errorf("GET %s differs between two generations with seed 1", p)
		}
	}
	for _, p := range []string{paths[0], paths[2], paths[4]} {
		if bytes.Equal(a[p], c[p]) {
			t.Errorf("GET %s is the same for seeds 1 and 2", p)
		}
	}
}

func TestGenerateSizes(t *testing.T) {
	for _, size := range []Size{DefaultSize, genSize, {Projects: 1, Users: 1, Issues: 5, Comments: 3},
		{Projects: 2, Users: 3}, {Users: 4, Teams: 2}, {}} {
		t.Run(fmt.Sprintf("%d-issues-%d-comments", size.Issues, size.Comments), func(t *testing.T) {
			st := generateT(t, 3, size)
			files := 0
			for _, f := range st.sharedFiles {
				if f.Type == "file" {
					files++
				}
			}
			prs := len(st.pullReqs)
			got := Size{Projects: len(st.projectList), Users: len(st.userList), Teams: len(st.teamList),
				Issues: len(st.issueList), Comments: len(st.comments), Wikis: len(st.wikiList),
				Documents: len(st.docList), Repositories: len(st.repos), PullRequests: prs, SharedFiles: files}
			want := size
			want.Users = max(size.Users, 1)
			if got != want {
				t.Errorf("generated %+v, want %+v", got, want)
			}
			if st.users[st.space.OwnerID].APIKeys[0] != "k" {
				t.Errorf("administrator key %v", st.users[st.space.OwnerID].APIKeys)
			}
		})
	}
}

func TestGenerateConsistency(t *testing.T) {
	st := generateT(t, 5, genSize)
	start := HistoryEnd.AddDate(-historyYears, 0, 0)
	inHistory := func(what string, at time.Time) {
		if at.Before(start) || !at.Before(HistoryEnd) {
			t.Errorf("%s at %s is outside the history", what, at)
		}
	}

	// Issues: ids and keys increase with creation; updated is the last comment.
	var prev *issue
	zero, maxComments := 0, 0
	for _, is := range st.issueList {
		inHistory("issue", is.Created)
		if prev != nil && (is.ID <= prev.ID || is.Created.Before(prev.Created)) {
			t.Fatalf("issue %d created %s after %d created %s", is.ID, is.Created, prev.ID, prev.Created)
		}
		prev = is
		if is.Updated.Before(is.Created) {
			t.Errorf("issue %d updated %s before created %s", is.ID, is.Updated, is.Created)
		}
		n := len(is.Comments)
		maxComments = max(maxComments, n)
		if n == 0 {
			zero++
			if !is.Updated.Equal(is.Created) || is.UpdatedUser != is.CreatedUser {
				t.Errorf("issue %d has no comments but updated %s by %d ≠ created %s by %d", is.ID,
					is.Updated, is.UpdatedUser, is.Created, is.CreatedUser)
			}
			continue
		}
		last := is.Comments[n-1]
		if !is.Updated.Equal(last.Created) || is.UpdatedUser != last.CreatedUser {
			t.Errorf("issue %d updated %s by %d, last comment %s by %d", is.ID, is.Updated, is.UpdatedUser,
				last.Created, last.CreatedUser)
		}
	}
	mean := float64(genSize.Comments) / float64(genSize.Issues)
	if frac := float64(zero) / float64(len(st.issueList)); frac < 0.3 || frac > 0.7 {
		t.Errorf("%.0f%% of issues have no comments, want a skewed distribution", frac*100)
	}
	if float64(maxComments) < 5*mean {
		t.Errorf("busiest issue has %d comments, mean %.1f: not skewed", maxComments, mean)
	}

	// Comments: ids increase with time; each belongs to an existing issue.
	var ids []int64
	for id, c := range st.comments {
		is := st.issues[c.IssueID]
		if is == nil || !slices.Contains(is.Comments, c) {
			t.Fatalf("comment %d: issue %d missing or does not list it", id, c.IssueID)
		}
		if c.Created.Before(is.Created) {
			t.Errorf("comment %d before its issue", id)
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for i := 1; i < len(ids); i++ {
		if st.comments[ids[i]].Created.Before(st.comments[ids[i-1]].Created) {
			t.Fatalf("comment %d created before comment %d", ids[i], ids[i-1])
		}
	}

	// Activities: ids increase with created; the feed covers the history.
	types := map[int]int{}
	for i, a := range st.activities {
		inHistory("activity", a.Created)
		types[a.Type]++
		if i > 0 {
			p := st.activities[i-1]
			if a.ID <= p.ID || a.Created.Before(p.Created) {
				t.Fatalf("activity %d (%s) after %d (%s)", a.ID, a.Created, p.ID, p.Created)
			}
		}
	}
	for _, typ := range []int{ActIssueCreated, ActIssueUpdated, ActIssueCommented, ActIssueDeleted,
		ActWikiCreated, ActWikiUpdated, ActWikiDeleted, ActFileAdded, ActGitRepositoryCreated,
		ActProjectUserAdded, ActPullRequestAdded, ActPullRequestUpdated, ActPullRequestCommented,
		ActMilestoneCreated, ActProjectTeamAdded, ActDocumentCreated, ActDocumentCommentCreated,
		ActDocumentReplyCreated} {
		if types[typ] == 0 {
			t.Errorf("no activity of type %d (have %v)", typ, types)
		}
	}
	if got := types[ActIssueCreated]; got != genSize.Issues+genSize.Issues/100 {
		t.Errorf("%d issue-created activities, want %d", got, genSize.Issues+genSize.Issues/100)
	}
	if got := types[ActIssueDeleted]; got != genSize.Issues/100 {
		t.Errorf("%d issue-deleted activities, want %d", got, genSize.Issues/100)
	}

	// Content: every custom-field type with values, parents and grandchildren,
	// Japanese and English, statuses, resolutions, attachments, stars.
	cfTypes := map[int]int{}
	var children, grandchildren, ja, en, closed, resolved, attached, starred, assigned int
	for _, is := range st.issueList {
		p := st.projects[is.ProjectID]
		for _, v := range is.CustomFields {
			if f := customFieldByID(p, v.FieldID); f != nil && (v.Text != nil || v.Number != nil ||
				v.Date != nil || len(v.Items) > 0) {
				cfTypes[f.TypeID]++
			}
		}
		if is.ParentIssueID != nil {
			children++
			par := st.issues[*is.ParentIssueID]
			if par == nil || par.ProjectID != is.ProjectID || !par.Created.Before(is.Created) && par.ID != is.ID {
				t.Errorf("issue %d: bad parent %d", is.ID, *is.ParentIssueID)
			} else if par.ParentIssueID != nil {
				grandchildren++
				if !p.GrandchildIssueEnabled {
					t.Errorf("grandchild %d in project %s without grandchildren", is.ID, p.Key)
				}
			}
		}
		if utf8.RuneCountInString(is.Summary) < len(is.Summary) {
			ja++
		} else {
			en++
		}
		switch is.StatusID {
		case StatusClosed:
			closed++
			if is.ResolutionID == nil {
				t.Errorf("closed issue %d without resolution", is.ID)
			}
		case StatusResolved:
			resolved++
		}
		if len(is.Attachments) > 0 {
			attached++
		}
		if len(is.Stars) > 0 {
			starred++
		}
		if is.AssigneeID != nil {
			assigned++
		}
	}
	for typ := CFText; typ <= CFRadio; typ++ {
		if cfTypes[typ] == 0 {
			t.Errorf("no issue has a value for a custom field of type %d", typ)
		}
	}
	n := len(st.issueList)
	for _, c := range []struct {
		what     string
		got, min int
	}{{"children", children, n / 20}, {"grandchildren", grandchildren, 1}, {"Japanese", ja, n / 2},
		{"English", en, n / 5}, {"closed", closed, n / 4}, {"resolved", resolved, 1},
		{"with attachments", attached, n / 30}, {"starred", starred, 1}, {"assigned", assigned, n / 2},
		{"watchings", len(st.watchings), 1}, {"notifications", len(st.notifications), 1},
		{"stars", len(st.stars), 10}} {
		if c.got < c.min {
			t.Errorf("%d issues %s, want at least %d", c.got, c.what, c.min)
		}
	}
	if ja > n*3/4 || en > n/2 {
		t.Errorf("language mix: %d Japanese, %d English", ja, en)
	}
	custom := 0
	for _, p := range st.projectList {
		custom += len(p.Statuses)
		if len(p.CustomFields) < 8 || len(p.Versions) < 3 || len(p.Categories) < 3 || len(p.Users) < 3 {
			t.Errorf("project %s: %d fields, %d versions, %d categories, %d members", p.Key,
				len(p.CustomFields), len(p.Versions), len(p.Categories), len(p.Users))
		}
	}
	if custom == 0 {
		t.Error("no custom statuses")
	}

	// Users: one administrator, mostly normal users, some reporters and viewers.
	roles := map[int]int{}
	for _, u := range st.userList {
		roles[u.RoleType]++
	}
	if roles[RoleAdmin] != 1 || roles[RoleNormal] < len(st.userList)/2 || roles[RoleReporter]+roles[RoleViewer] == 0 {
		t.Errorf("roles %v", roles)
	}

	// Wikis have history; pull requests are merged, closed and open.
	edited := 0
	for _, w := range st.wikiList {
		if len(w.History) > 1 {
			edited++
		}
	}
	if edited == 0 {
		t.Error("no wiki page was edited")
	}
	prStatus := map[int]int{}
	for _, r := range st.repos {
		for _, pr := range r.PullRequests {
			prStatus[pr.StatusID]++
		}
	}
	if prStatus[1] == 0 || prStatus[2] == 0 || prStatus[3] == 0 {
		t.Errorf("pull request statuses %v", prStatus)
	}
	dirs := 0
	for _, f := range st.sharedFiles {
		if f.Type == "directory" && utf8.RuneCountInString(f.Name) < len(f.Name) {
			dirs++
		}
	}
	if dirs == 0 {
		t.Error("no Japanese shared-file directory")
	}
	replies := 0
	for _, d := range st.docList {
		for _, c := range d.Comments {
			replies += len(c.Replies)
		}
	}
	if replies == 0 {
		t.Error("no document comment replies")
	}
}

// TestGenerateSpeed is the test-sized check of the generation target (100,000
// issues and 500,000 comments in under 60 s): a tenth of it must take under
// a tenth of the time. CPU time is measured, so a busy machine does not fail
// the test; under the race detector only the counts are checked.
func TestGenerateSpeed(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	size := Size{Projects: 10, Users: 100, Teams: 5, Issues: 10000, Comments: 50000, Wikis: 200,
		Documents: 100, Repositories: 10, PullRequests: 300, SharedFiles: 200}
	if raceEnabled {
		size.Issues, size.Comments = 2000, 10000
	}
	cpu0, wall0 := cputime.Self(), time.Now()
	st := generateT(t, 1, size)
	cpu, wall := cputime.Self()-cpu0, time.Since(wall0)
	if len(st.issueList) != size.Issues || len(st.comments) != size.Comments {
		t.Fatalf("%d issues, %d comments", len(st.issueList), len(st.comments))
	}
	t.Logf("%d issues, %d comments: %v CPU, %v wall", size.Issues, size.Comments, cpu, wall)
	if !raceEnabled && cpu > 6*time.Second {
		t.Errorf("generation used %v of CPU for a tenth of the target size, want < 6s", cpu)
	}
}
