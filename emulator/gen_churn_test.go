package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"
)

// churnActivity is the activity type each churn kind records.
var churnActivity = map[ChurnKind][]int{
	ChurnCreateIssue:        {ActIssueCreated},
	ChurnUpdateIssue:        {ActIssueUpdated},
	ChurnComment:            {ActIssueCommented},
	ChurnCloseIssue:         {ActIssueUpdated},
	ChurnDeleteIssue:        {ActIssueDeleted},
	ChurnCreateWiki:         {ActWikiCreated},
	ChurnUpdateWiki:         {ActWikiUpdated},
	ChurnDeleteWiki:         {ActWikiDeleted},
	ChurnCreatePullRequest:  {ActPullRequestAdded},
	ChurnPullRequestComment: {ActPullRequestCommented},
	ChurnAddSharedFile:      {ActFileAdded},
	ChurnMoveIssue:          {ActIssueUpdated},
}

// fixedClock returns a server clock after the generated history.
func fixedClock() func() time.Time {
	now := HistoryEnd.Add(30 * 24 * time.Hour)
	return func() time.Time { return now }
}

func TestChurnKinds(t *testing.T) {
	for _, kind := range churnKinds {
		t.Run(string(kind), func(t *testing.T) {
			s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k", Now: fixedClock()})
			st := s.store
			before := len(st.activities)
			issues, comments := len(st.issueList), len(st.comments)
			rep := s.ChurnWith(20, ChurnOptions{Seed: 9, Mix: ChurnMix{kind: 1}})
			if rep.Err != nil || rep.Failed != 0 || rep.Events != 20 || rep.Counts[kind] != 20 {
				t.Fatalf("report %+v", rep)
			}
			added := st.activities[before:]
			if len(added) < 20 {
				t.Fatalf("%d activities for 20 events", len(added))
			}
			for _, a := range added {
				if !slices.Contains(churnActivity[kind], a.Type) {
					t.Errorf("activity type %d for %s", a.Type, kind)
				}
				if !a.Created.Equal(fixedClock()()) {
					t.Errorf("activity at %s, want the server clock", a.Created)
				}
			}
			switch kind {
			case ChurnCreateIssue:
				if len(st.issueList) != issues+20 || len(rep.IssuesCreated) != 20 {
					t.Errorf("%d issues after creating 20 (was %d)", len(st.issueList), issues)
				}
				for _, id := range rep.IssuesCreated {
					if st.issues[id] == nil {
						t.Errorf("created issue %d missing", id)
					}
				}
			case ChurnUpdateIssue, ChurnComment, ChurnCloseIssue:
				if len(st.comments) != comments+20 || len(rep.Comments) != 20 || len(rep.IssuesUpdated) != 20 {
					t.Errorf("%d comments after 20 %s (was %d); report %d/%d", len(st.comments), kind, comments,
						len(rep.Comments), len(rep.IssuesUpdated))
				}
				for i, id := range rep.IssuesUpdated {
					is := st.issues[id]
					c := st.comments[rep.Comments[i]]
					if is == nil || c == nil || c.IssueID != id || !is.Updated.Equal(fixedClock()()) {
						t.Errorf("issue %d / comment %d not updated", id, rep.Comments[i])
						continue
					}
					if kind == ChurnComment && len(c.ChangeLog) != 0 {
						t.Errorf("comment %d has changes %v", c.ID, c.ChangeLog)
					}
					if kind == ChurnUpdateIssue && len(c.ChangeLog) == 0 && (c.Content == nil || *c.Content == "") {
						t.Errorf("update comment %d is empty", c.ID)
					}
				}
				if kind == ChurnCloseIssue {
					for _, id := range rep.IssuesUpdated {
						if is := st.issues[id]; is.StatusID != StatusClosed && is.StatusID != StatusResolved {
							t.Errorf("closed issue %d has status %d", id, is.StatusID)
						}
					}
				}
			case ChurnDeleteIssue:
				if len(st.issueList) != issues-20 {
					t.Errorf("%d issues after deleting 20 (was %d)", len(st.issueList), issues)
				}
				for _, id := range rep.IssuesDeleted {
					if code, _, _ := do(t, s, "GET", fmt.Sprintf("/api/v2/issues/%d", id), "k", ""); code != 404 {
						t.Errorf("deleted issue %d: %d", id, code)
					}
				}
			case ChurnDeleteWiki:
				for _, id := range rep.WikisDeleted {
					if st.wikis[id] != nil {
						t.Errorf("deleted wiki %d still there", id)
					}
				}
			case ChurnUpdateWiki:
				for _, id := range rep.WikisUpdated {
					if w := st.wikis[id]; w != nil && !w.Updated.Equal(fixedClock()()) {
						t.Errorf("wiki %d updated %s", id, w.Updated)
					}
				}
			}
		})
	}
}

func TestChurnDeterministic(t *testing.T) {
	run := func(seed int64) (ChurnReport, []byte) {
		s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k", Now: fixedClock()})
		rep := s.Churn(150, seed)
		_, _, body := do(t, s, "GET", "/api/v2/space/activities?count=100", "k", "")
		return rep, body
	}
	r1, a1 := run(4)
	r2, a2 := run(4)
	r3, a3 := run(5)
	if !reflect.DeepEqual(r1, r2) || !bytes.Equal(a1, a2) {
		t.Error("same seed, different churn")
	}
	if reflect.DeepEqual(r1, r3) || bytes.Equal(a1, a3) {
		t.Error("different seeds, same churn")
	}
	if r1.Events != 150 || r1.Failed != 0 {
		t.Fatalf("report: %d events, %d failed (%v)", r1.Events, r1.Failed, r1.Err)
	}
	// The default mix touches every kind in 150 events.
	for _, k := range churnKinds {
		if r1.Counts[k] == 0 && DefaultChurnMix[k] >= 3 {
			t.Errorf("no %s events in %v", k, r1.Counts)
		}
	}
	var acts []struct {
		ID      int64  `json:"id"`
		Type    int    `json:"type"`
		Created string `json:"created"`
	}
	if err := json.Unmarshal(a1, &acts); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(acts); i++ {
		if acts[i].ID >= acts[i-1].ID || acts[i].Created > acts[i-1].Created {
			t.Fatalf("activities out of order: %+v then %+v", acts[i-1], acts[i])
		}
	}
}

func TestChurnClockNeverGoesBack(t *testing.T) {
	// A server clock before the generated history: churn happens at the time
	// of the newest activity so that ids still increase with time.
	early := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k", Now: func() time.Time { return early }})
	last := s.store.activities[len(s.store.activities)-1].Created
	n := len(s.store.activities)
	if rep := s.Churn(30, 1); rep.Failed != 0 {
		t.Fatalf("failed: %v", rep.Err)
	}
	for _, a := range s.store.activities[n:] {
		if a.Created.Before(last) {
			t.Fatalf("churn activity at %s before the history's last %s", a.Created, last)
		}
	}
}

func TestChurnEmptySpace(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k", Empty: true})
	if rep := s.Churn(10, 1); rep.Events != 0 || rep.Failed != 0 {
		t.Errorf("churn on an empty space: %+v", rep)
	}
}

func TestStartChurn(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k"})
	count := func() int {
		s.store.mu.RLock()
		defer s.store.mu.RUnlock()
		return len(s.store.activities)
	}
	before := count()
	stop := s.StartChurn(context.Background(), ChurnOptions{Rate: 500, Seed: 3})
	deadline := time.Now().Add(10 * time.Second)
	for count() < before+20 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	stop() // idempotent
	after := count()
	if after < before+20 {
		t.Fatalf("%d activities after churning (was %d)", after, before)
	}
	// Reads keep working while churning, and nothing happens after stop.
	if code, _, body := do(t, s, "GET", "/api/v2/issues?count=5", "k", ""); code != 200 {
		t.Fatalf("GET /issues: %d %s", code, body)
	}
	time.Sleep(50 * time.Millisecond)
	if count() != after {
		t.Error("churn continued after stop")
	}

	// Cancelling the context stops it too.
	ctx, cancel := context.WithCancel(context.Background())
	stop = s.StartChurn(ctx, ChurnOptions{Rate: 1000, Seed: 4})
	time.Sleep(50 * time.Millisecond)
	cancel()
	stop()
}

// TestChurnDrawsOnlyRealChanges: a kind with nothing to act on (no issue
// that may move, no open issue to close) is not drawn, so every event is a
// real change; and a movable issue that is rare among many is still found.
func TestChurnDrawsOnlyRealChanges(t *testing.T) {
	s := newTestServer(t, Options{Seed: 3, Now: fixedClock(), Size: Size{Projects: 3, Users: 6, Issues: 400, Comments: 100}})
	st := s.store
	var kept *issue
	st.mu.Lock()
	// The first project is archived (its issues may not move); the other
	// two keep one issue between them.
	st.projectList[0].Archived = true
	for _, p := range st.projectList[1:] {
		p.UseWiki = true
	}
	for _, is := range slices.Clone(st.issueList) {
		if is.ProjectID == st.projectList[0].ID {
			continue
		}
		if kept == nil {
			kept = is
			continue
		}
		if err := st.deleteIssue(st.users[st.space.OwnerID], fixedClock()(), is); err != nil {
			t.Fatal(err)
		}
	}
	archived := len(st.issueList) - 1
	st.mu.Unlock()
	if kept == nil || !movable(st, kept) || archived < 100 {
		t.Fatalf("setup: kept %v movable %v, %d issues in the archived project", kept, kept != nil && movable(st, kept), archived)
	}

	// One movable issue among ~130: every move event moves it.
	rep := s.ChurnWith(5, ChurnOptions{Seed: 1, Mix: ChurnMix{ChurnMoveIssue: 1}})
	if rep.Failed != 0 || rep.Events != 5 || len(rep.IssuesMoved) != 5 {
		t.Fatalf("moves with one movable issue: %+v", rep)
	}
	for _, id := range rep.IssuesMoved {
		if id != kept.ID {
			t.Errorf("moved issue %d, want %d", id, kept.ID)
		}
	}

	// No movable issue and no open one: moves and closes are not drawn;
	// every event is a wiki page.
	st.mu.Lock()
	if err := st.deleteIssue(st.users[st.space.OwnerID], fixedClock()(), kept); err != nil {
		t.Fatal(err)
	}
	for _, is := range st.issueList {
		is.StatusID = StatusClosed
	}
	st.mu.Unlock()
	rep = s.ChurnWith(20, ChurnOptions{Seed: 2, Mix: ChurnMix{ChurnMoveIssue: 5, ChurnCloseIssue: 5, ChurnCreateWiki: 1}})
	if rep.Failed != 0 || rep.Events != 20 || rep.Counts[ChurnCreateWiki] != 20 {
		t.Errorf("churn with nothing to move or close: %+v", rep)
	}
}
