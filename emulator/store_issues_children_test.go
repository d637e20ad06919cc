package emulator

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// wantChildIndex checks store.children against a full scan of the issues:
// the same parents, each with its children in ascending id, and no entry
// left empty or naming a removed issue.
func wantChildIndex(t testing.TB, st *store) {
	t.Helper()
	want := map[int64][]int64{}
	for _, is := range st.issueList {
		if is.ParentIssueID != nil {
			want[*is.ParentIssueID] = append(want[*is.ParentIssueID], is.ID)
		}
	}
	got := map[int64][]int64{}
	for pid, list := range st.children {
		ids := []int64{}
		for _, c := range list {
			if st.issues[c.ID] != c {
				t.Errorf("index names issue %d under %d, which is not in the store", c.ID, pid)
			}
			ids = append(ids, c.ID)
		}
		got[pid] = ids
	}
	if len(got) != len(want) {
		t.Errorf("index has %d parents, the issues %d: %v vs %v", len(got), len(want), got, want)
	}
	for pid, ids := range want {
		if !slices.Equal(got[pid], ids) {
			t.Errorf("children of %d: index %v, issues %v", pid, got[pid], ids)
		}
	}
}

// childIDs are the ids childrenOf answers for is.
func childIDs(st *store, is *issue) []int64 {
	var out []int64
	for _, c := range st.childrenOf(is.ID) {
		out = append(out, c.ID)
	}
	return out
}

// TestChildIndexMutations runs every mutation that can change parent
// relations — create with a parent, update of parentIssueId (set, change,
// clear, refused), delete of a parent and of a child, moves between
// projects (allowed and refused) and deletion of a whole project — and
// checks the parent → children index after each.
func TestChildIndexMutations(t *testing.T) {
	f := newFixture(t)
	st := f.st
	parent := func(p *issue) func(*issueInput) {
		return func(in *issueInput) { in.ParentIssueID = opt[int64]{Set: true, Value: &p.ID} }
	}
	want := func(step string, is *issue, ids ...int64) {
		t.Helper()
		if got := childIDs(st, is); !slices.Equal(got, ids) {
			t.Errorf("%s: children of %d are %v, want %v", step, is.ID, got, ids)
		}
		wantChildIndex(t, st)
	}

	// Create.
	a := f.issue(f.alice, f.p1, "a", nil)
	b := f.issue(f.alice, f.p1, "b", parent(a))
	c := f.issue(f.alice, f.p1, "c", parent(a))
	e := f.issue(f.alice, f.p1, "e", nil)
	d := f.issue(f.alice, f.p1, "d", nil)
	want("create", a, b.ID, c.ID)

	// Update parentIssueId: set (d sorts after c although created later
	// than e), change, clear; a refused change leaves the index alone.
	f.update(f.alice, d, &issueInput{ParentIssueID: opt[int64]{Set: true, Value: &a.ID}})
	want("update: set", a, b.ID, c.ID, d.ID)
	f.update(f.alice, c, &issueInput{ParentIssueID: opt[int64]{Set: true, Value: &e.ID}})
	want("update: change", a, b.ID, d.ID)
	want("update: change", e, c.ID)
	f.update(f.alice, b, &issueInput{ParentIssueID: opt[int64]{Set: true}})
	want("update: clear", a, d.ID)
	f.wantError("PATCH", fmt.Sprintf("/api/v2/issues/%d", e.ID), f.alice,
		map[string][]string{"parentIssueId": {itoa(a.ID)}}, 400, CodeInvalidRequest) // e has a child: no grandchildren in P1
	want("update: refused", a, d.ID)
	// An update that does not name parentIssueId keeps the issue listed.
	f.update(f.alice, d, &issueInput{Summary: strp("d renamed")})
	want("update: other field", a, d.ID)

	// Delete: a parent's children (all of them: detaching changes the list
	// being walked) are detached; a child leaves its parent.
	e2 := f.issue(f.alice, f.p1, "e2", parent(e))
	e3 := f.issue(f.alice, f.p1, "e3", parent(e))
	want("create", e, c.ID, e2.ID, e3.ID)
	f.tick(time.Minute)
	if code, _, body := f.do("DELETE", fmt.Sprintf("/api/v2/issues/%d", e.ID), f.pm, nil); code != 200 {
		t.Fatalf("delete parent: %d %s", code, body)
	}
	for _, x := range []*issue{c, e2, e3} {
		if x.ParentIssueID != nil {
			t.Errorf("delete parent: child %d keeps parent %v", x.ID, *x.ParentIssueID)
		}
	}
	if _, ok := st.children[e.ID]; ok {
		t.Errorf("delete parent: index entry %v", st.children[e.ID])
	}
	want("delete parent", a, d.ID)
	if code, _, body := f.do("DELETE", fmt.Sprintf("/api/v2/issues/%d", d.ID), f.pm, nil); code != 200 {
		t.Fatalf("delete child: %d %s", code, body)
	}
	want("delete child", a)
	if _, ok := st.children[a.ID]; ok {
		t.Error("an emptied parent keeps an index entry")
	}

	// Move: a child and a parent are refused and stay listed; a plain
	// issue moves (same id, so nothing in the index changes).
	f.update(f.alice, b, &issueInput{ParentIssueID: opt[int64]{Set: true, Value: &a.ID}})
	want("re-parent", a, b.ID)
	for _, x := range []*issue{a, b} {
		if _, err := f.s.MoveIssue(itoa(x.ID), f.p2.Key); err == nil {
			t.Errorf("issue %d with a parent or child moved", x.ID)
		}
	}
	want("refused moves", a, b.ID)
	if _, err := f.s.MoveIssue(itoa(c.ID), f.p2.Key); err != nil {
		t.Fatalf("move: %v", err)
	}
	want("move", a, b.ID)
	// In its new project (grandchildren allowed) the moved issue can be a
	// parent and a grandparent.
	g := f.issue(f.admin, f.p2, "g", parent(c))
	h := f.issue(f.admin, f.p2, "h", parent(g))
	want("children of a moved issue", c, g.ID)
	want("grandchild", g, h.ID)

	// Deleting a project removes its issues from the index.
	st.mu.Lock()
	err := st.deleteProject(f.admin, f.now, f.p2)
	st.mu.Unlock()
	if err != nil {
		t.Fatalf("deleteProject: %v", err)
	}
	want("delete project", c)
	want("delete project", g)
	want("delete project: other project", a, b.ID)
}

// TestChildIndexGeneratedAndChurned checks the index of a generated space
// (the generator creates and re-parents through the store) and after churn
// that creates children, updates, deletes and moves issues.
func TestChildIndexGeneratedAndChurned(t *testing.T) {
	s := newTestServer(t, Options{Seed: 5, Size: Size{Projects: 3, Users: 8, Issues: 300, Comments: 300}})
	st := s.store
	if len(st.children) == 0 {
		t.Fatal("the generated space has no child issues: nothing is checked")
	}
	wantChildIndex(t, st)
	mix := ChurnMix{ChurnCreateIssue: 10, ChurnUpdateIssue: 5, ChurnDeleteIssue: 5, ChurnMoveIssue: 3}
	rep := s.ChurnWith(300, ChurnOptions{Seed: 2, Mix: mix})
	if rep.Counts[ChurnDeleteIssue] == 0 || rep.Counts[ChurnMoveIssue] == 0 || rep.Counts[ChurnCreateIssue] == 0 {
		t.Fatalf("churn did not create, delete and move: %v", rep.Counts)
	}
	st.mu.RLock()
	defer st.mu.RUnlock()
	wantChildIndex(t, st)
}
