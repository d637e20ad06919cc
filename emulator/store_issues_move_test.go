package emulator

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"
)

// TestMoveIssue moves an issue with comments through POST
// /_emulator/issues/move and checks the model of Backlog's UI move: same id,
// the target's next key, the old key gone, fields of the old project
// cleared, comments and notifications in the target, an activity 2 there.
func TestMoveIssue(t *testing.T) {
	s := newTestServer(t, Options{Seed: 7, AdminAPIKey: "k", Size: Size{Projects: 2, Users: 6, Issues: 40, Comments: 120}})
	st := s.store
	var is *issue
	for _, x := range st.issueList {
		if len(x.Comments) > 0 && movable(st, x) {
			is = x
			break
		}
	}
	if is == nil {
		t.Fatal("no movable issue with comments")
	}
	from := st.projects[is.ProjectID]
	var to *project
	for _, p := range st.projectList {
		if p.ID != from.ID {
			to = p
		}
	}
	oldKey := fmt.Sprintf("%s-%d", from.Key, is.KeyID)
	wantKey := fmt.Sprintf("%s-%d", to.Key, to.NextKeyID)
	nActs := len(st.activities)
	oldType, oldStatus := findIssueType(from, is.IssueTypeID).Name, st.statusOf(from, is.StatusID).Name
	sameType, sameStatus := false, false
	for _, x := range to.IssueTypes {
		sameType = sameType || x.Name == oldType
	}
	for _, x := range st.projectStatuses(to) {
		sameStatus = sameStatus || x.Name == oldStatus
	}
	if !sameType || !sameStatus {
		t.Fatalf("the target has no issue type %q or status %q: the name mapping is not exercised", oldType, oldStatus)
	}

	code, _, body := send(t, s, "POST", "/_emulator/issues/move", adminHeader,
		fmt.Sprintf(`{"issue":%q,"project":%q}`, oldKey, to.Key))
	if code != 200 {
		t.Fatalf("move: %d %s", code, body)
	}
	var res struct{ IssueKey string }
	if err := json.Unmarshal(body, &res); err != nil || res.IssueKey != wantKey {
		t.Fatalf("move answered %s, want key %s", body, wantKey)
	}
	if code, _, body := do(t, s, "GET", "/api/v2/issues/"+oldKey, "k", ""); code != 404 {
		t.Errorf("GET old key %s: %d %s", oldKey, code, body)
	}
	code, _, body = do(t, s, "GET", "/api/v2/issues/"+wantKey, "k", "")
	if code != 200 {
		t.Fatalf("GET new key: %d %s", code, body)
	}
	var got struct {
		ID, ProjectID int64
		IssueKey      string
		Category      []any
		Versions      []any
		Milestone     []any
		CustomFields  []any
		SharedFiles   []any
		Status        struct {
			ProjectID int64
			Name      string
		}
		IssueType struct {
			ProjectID int64
			Name      string
		}
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if got.ID != is.ID || got.ProjectID != to.ID || got.IssueKey != wantKey {
		t.Errorf("moved issue id %d project %d key %s, want %d %d %s", got.ID, got.ProjectID, got.IssueKey, is.ID, to.ID, wantKey)
	}
	if got.IssueType.ProjectID != to.ID || got.Status.ProjectID != to.ID {
		t.Errorf("issue type/status of project %d/%d, want %d", got.IssueType.ProjectID, got.Status.ProjectID, to.ID)
	}
	if got.IssueType.Name != oldType || got.Status.Name != oldStatus {
		t.Errorf("issue type %q, status %q after the move; want the same names %q, %q", got.IssueType.Name, got.Status.Name, oldType, oldStatus)
	}
	if got.SharedFiles == nil || len(got.SharedFiles) != 0 {
		t.Errorf("shared files after the move: %v, want [] (links name files of the old project)", got.SharedFiles)
	}
	if len(got.Category)+len(got.Versions)+len(got.Milestone) != 0 {
		t.Errorf("old project's categories/versions/milestones kept: %s", body)
	}
	for _, cf := range got.CustomFields {
		if v, _ := cf.(map[string]any)["value"]; v != nil && fmt.Sprint(v) != "[]" {
			t.Errorf("custom-field value kept: %v", cf)
		}
	}
	for _, c := range is.Comments {
		if c.ProjectID != to.ID {
			t.Errorf("comment %d in project %d, want %d", c.ID, c.ProjectID, to.ID)
		}
	}
	for _, n := range st.notifications {
		if n.IssueID == is.ID && n.ProjectID != to.ID {
			t.Errorf("notification %d in project %d, want %d", n.ID, n.ProjectID, to.ID)
		}
	}
	code, _, body = do(t, s, "GET", fmt.Sprintf("/api/v2/issues/%s/comments", wantKey), "k", "")
	if code != 200 || len(body) < 3 {
		t.Errorf("comments by the new key: %d %s", code, body)
	}
	if len(st.activities) != nActs+1 {
		t.Fatalf("%d activities recorded, want 1", len(st.activities)-nActs)
	}
	if a := st.activities[nActs]; a.Type != ActIssueUpdated || a.ProjectID != to.ID {
		t.Errorf("activity type %d project %d, want 2 in %d", a.Type, a.ProjectID, to.ID)
	}

	// Refusals change nothing: a move to the same project, an issue with
	// a parent, an unknown project.
	if _, err := s.MoveIssue(wantKey, to.Key); err == nil {
		t.Error("move to its own project accepted")
	}
	if _, err := s.MoveIssue(wantKey, "NOSUCH"); err == nil {
		t.Error("move to an unknown project accepted")
	}
	for _, x := range st.issueList {
		if x.ParentIssueID != nil {
			p := st.projects[x.ProjectID]
			key := fmt.Sprintf("%s-%d", p.Key, x.KeyID)
			other := to
			if p.ID == to.ID {
				other = from
			}
			if _, err := s.MoveIssue(key, other.Key); err == nil || x.ProjectID != p.ID {
				t.Errorf("child issue %s moved (err %v)", key, err)
			}
			parent := st.issues[*x.ParentIssueID]
			pkey := fmt.Sprintf("%s-%d", st.projects[parent.ProjectID].Key, parent.KeyID)
			if _, err := s.MoveIssue(pkey, other.Key); err == nil || parent.ProjectID != p.ID {
				t.Errorf("parent issue %s moved (err %v)", pkey, err)
			}
			break
		}
	}
	for body, want := range map[string]int{`{}`: 400, `{"issue":"NOPE-1","project":"` + to.Key + `"}`: 404,
		`{"issue":"` + wantKey + `","project":"NOPE"}`: 404} {
		if code, _, out := send(t, s, "POST", "/_emulator/issues/move", adminHeader, body); code != want {
			t.Errorf("move %s: %d %s, want %d", body, code, out, want)
		}
	}
	if len(st.activities) != nActs+1 {
		t.Errorf("a refused move recorded an activity")
	}
}

// TestChurnMoveIssue draws only moves: each gives the issue a new key in
// another project, and DefaultChurnMix never moves.
func TestChurnMoveIssue(t *testing.T) {
	s := newTestServer(t, Options{Seed: 3, Size: Size{Projects: 3, Users: 6, Issues: 40, Comments: 60}})
	rep := s.ChurnWith(6, ChurnOptions{Seed: 1, Mix: ChurnMix{ChurnMoveIssue: 1}})
	if rep.Failed != 0 || rep.Counts[ChurnMoveIssue] != 6 || len(rep.IssuesMoved) != 6 {
		t.Fatalf("churn: %+v", rep)
	}
	st := s.store
	for _, id := range rep.IssuesMoved {
		is := st.issues[id]
		if is == nil || st.issueKeys[[2]int64{is.ProjectID, is.KeyID}] != is {
			t.Errorf("moved issue %d not indexed by its new key", id)
		}
	}
	if DefaultChurnMix[ChurnMoveIssue] != 0 {
		t.Error("DefaultChurnMix moves issues")
	}
}

// TestMoveIssueClockNeverGoesBack: with the server's clock before the
// generated history, MoveIssue records its activity at the time of the
// newest one (as churn does), so the activity feed does not run backwards.
func TestMoveIssueClockNeverGoesBack(t *testing.T) {
	early := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	s := newTestServer(t, Options{Seed: 3, Now: func() time.Time { return early },
		Size: Size{Projects: 2, Users: 6, Issues: 40, Comments: 60}})
	st := s.store
	var is *issue
	for _, x := range st.issueList {
		if movable(st, x) {
			is = x
			break
		}
	}
	if is == nil {
		t.Fatal("no movable issue")
	}
	var to *project
	for _, p := range st.projectList {
		if p.ID != is.ProjectID {
			to = p
		}
	}
	last := st.activities[len(st.activities)-1].Created
	if !last.After(early) {
		t.Fatalf("the history's last activity %s is not after the clock %s", last, early)
	}
	if _, err := s.MoveIssue(strconv.FormatInt(is.ID, 10), to.Key); err != nil {
		t.Fatal(err)
	}
	if a := st.activities[len(st.activities)-1]; !a.Created.Equal(last) || !is.Updated.Equal(last) {
		t.Errorf("move recorded at %s (issue updated %s), want the history's last %s", a.Created, is.Updated, last)
	}
}
