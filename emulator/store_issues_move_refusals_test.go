package emulator

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestMoveIssueRefusals runs moveIssue's refusals one by one — an actor who
// may not edit the issue (viewer; reporter on someone else's issue), who
// cannot see it, or who may not write to the target; no target, the same
// project, a parent or a child, a target without issue types — and checks
// each answer (code and message) and that a refused move changes nothing.
// A member allowed on both sides then moves the same issue, so the actor
// checks are not refusing everyone.
func TestMoveIssueRefusals(t *testing.T) {
	f := newFixture(t)
	st := f.st
	p3 := f.addProject("P3", false, f.admin, f.alice, f.rep, f.vic, f.out)
	f.addIssueType(p3, "Bug", 1)
	bare := f.addProject("BARE", false, f.admin, f.alice) // no issue types
	is := f.issue(f.alice, f.p1, "movable", nil)
	parent := f.issue(f.alice, f.p1, "parent", nil)
	child := f.issue(f.alice, f.p1, "child", func(in *issueInput) { in.ParentIssueID = opt[int64]{Set: true, Value: &parent.ID} })

	cases := []struct {
		name   string
		actor  *user
		is     *issue
		to     *project
		code   int
		inText string
	}{
		{"viewer", f.vic, is, p3, CodeUnauthorizedOperation, "permission"},
		{"reporter, not the creator", f.rep, is, p3, CodeUnauthorizedOperation, "permission"},
		{"cannot see the issue's project", f.out, is, p3, CodeNoResource, "No issue."},
		{"no project at all", f.loner, is, p3, CodeNoResource, "No issue."},
		{"may not write to the target", f.bob, is, p3, CodeNoResource, "No project."},
		{"target it cannot see", f.alice, is, f.p2, CodeNoResource, "No project."},
		{"no target", f.alice, is, nil, CodeNoResource, "No project."},
		{"same project", f.alice, is, f.p1, CodeInvalidRequest, "already in project P1"},
		{"has children", f.alice, parent, p3, CodeInvalidRequest, "parent or child"},
		{"has a parent", f.alice, child, p3, CodeInvalidRequest, "parent or child"},
		{"target without issue types", f.alice, is, bare, CodeInvalidRequest, "no issue type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			proj, key, acts, next := tc.is.ProjectID, tc.is.KeyID, len(st.activities), p3.NextKeyID
			st.mu.Lock()
			err := st.moveIssue(tc.actor, f.now, tc.is, tc.to)
			st.mu.Unlock()
			var ae *apiError
			if !errors.As(err, &ae) || ae.Code != tc.code || !strings.Contains(ae.Message, tc.inText) {
				t.Fatalf("moveIssue by %s: %v, want code %d with %q", tc.actor.UserID, err, tc.code, tc.inText)
			}
			if tc.is.ProjectID != proj || tc.is.KeyID != key || st.issueKeys[[2]int64{proj, key}] != tc.is ||
				len(st.activities) != acts || p3.NextKeyID != next {
				t.Errorf("refused move changed the store: project %d key %d, %d new activities, P3 next key %d→%d",
					tc.is.ProjectID, tc.is.KeyID, len(st.activities)-acts, next, p3.NextKeyID)
			}
		})
	}

	// Allowed: the creator (a member of both projects); the reporter may
	// move an issue of their own.
	st.mu.Lock()
	err := st.moveIssue(f.alice, f.now, is, p3)
	st.mu.Unlock()
	if err != nil || is.ProjectID != p3.ID {
		t.Fatalf("allowed move: %v (project %d)", err, is.ProjectID)
	}
	own := f.issue(f.rep, f.p1, "reporter's own", nil)
	st.mu.Lock()
	err = st.moveIssue(f.rep, f.now, own, p3)
	st.mu.Unlock()
	if err != nil || own.ProjectID != p3.ID {
		t.Fatalf("reporter moving their own issue: %v", err)
	}
}

// TestAdminMoveIssueRefusals is POST /_emulator/issues/move's refusals:
// each answers its HTTP status with a Backlog error body, and none moves
// the issue or records an activity.
func TestAdminMoveIssueRefusals(t *testing.T) {
	f := newFixture(t)
	st := f.st
	bare := f.addProject("BARE", false, f.admin)
	is := f.issue(f.alice, f.p1, "movable", nil)
	parent := f.issue(f.alice, f.p1, "parent", nil)
	child := f.issue(f.alice, f.p1, "child", func(in *issueInput) { in.ParentIssueID = opt[int64]{Set: true, Value: &parent.ID} })
	keyOf := func(x *issue) string { return fmt.Sprintf("%s-%d", st.projects[x.ProjectID].Key, x.KeyID) }
	adminKey := map[string][]string{"Backlog-API-Key": {"admin"}, "Content-Type": {"application/json"}}
	cases := []struct {
		name, body string
		status     int
	}{
		{"no fields", `{}`, 400},
		{"no project", fmt.Sprintf(`{"issue":%q}`, keyOf(is)), 400},
		{"not JSON", `issue=P1-1`, 400},
		{"unknown issue", `{"issue":"P1-999","project":"P2"}`, 404},
		{"unknown project", fmt.Sprintf(`{"issue":%q,"project":"NOPE"}`, keyOf(is)), 404},
		{"same project", fmt.Sprintf(`{"issue":%q,"project":"P1"}`, keyOf(is)), 400},
		{"has children", fmt.Sprintf(`{"issue":%q,"project":"P2"}`, keyOf(parent)), 400},
		{"has a parent", fmt.Sprintf(`{"issue":"%d","project":"P2"}`, child.ID), 400},
		{"target without issue types", fmt.Sprintf(`{"issue":%q,"project":%q}`, keyOf(is), bare.Key), 400},
		{"member's key", fmt.Sprintf(`{"issue":%q,"project":"P2"}`, keyOf(is)), 401},
	}
	acts := len(st.activities)
	for _, tc := range cases {
		h := adminKey
		if tc.name == "member's key" {
			h = map[string][]string{"Backlog-API-Key": {key(f.alice)}, "Content-Type": {"application/json"}}
		}
		code, _, body := send(t, f.s, "POST", "/_emulator/issues/move", h, tc.body)
		if code != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, code, body, tc.status)
			continue
		}
		backlogError(t, body) // a Backlog error body
	}
	for _, x := range []*issue{is, parent, child} {
		if x.ProjectID != f.p1.ID {
			t.Errorf("issue %d moved to project %d by a refused request", x.ID, x.ProjectID)
		}
	}
	if len(st.activities) != acts {
		t.Errorf("refused requests recorded %d activities", len(st.activities)-acts)
	}
	// The same request with a target that accepts it moves the issue.
	code, _, body := send(t, f.s, "POST", "/_emulator/issues/move", adminKey, fmt.Sprintf(`{"issue":%q,"project":"P2"}`, keyOf(is)))
	if code != 200 || is.ProjectID != f.p2.ID {
		t.Errorf("allowed move: %d %s", code, body)
	}
}
