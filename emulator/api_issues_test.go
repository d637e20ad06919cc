package emulator

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// listFixture adds a known set of issues:
//
//	P1-1 Alpha crash  Bug  High   alice→alice UI v1     start 03-01 due 03-05 est 1  created 03-10 (updated 03-16)
//	P1-2 Beta slow    Task Normal bob→bob     DB  ms v2 due 03-20 est 3  attachment  created 03-11
//	P1-3 Gamma        Bug  Low    alice, child of P1-1, Closed/Fixed, shared file    created 03-12
//	P1-4 Delta        Task Normal pm, child of P1-1, In Progress, comment "needle"   created 03-13
//	P1-5 Epsilon      Bug  High   rep                                                created 03-14
//	P2-1 z1 ← P2-2 z2 ← P2-3 z3 (three levels), P2-4 z4 standalone                    created 03-15
type listFixture struct {
	*fixture
	i     []*issue // i[1]..i[5]
	z     []*issue // z[1]..z[4]
	total int
}

func newListFixture(t *testing.T) *listFixture {
	f := &listFixture{fixture: newFixture(t), i: make([]*issue, 6), z: make([]*issue, 5)}
	f.now = day(2024, 3, 10).Add(9 * time.Hour)
	cf := func(typ int, v ...string) (int64, cfInput) { return f.cf[typ].ID, cfInput{Values: v} }
	f.i[1] = f.issue(f.alice, f.p1, "Alpha crash", func(in *issueInput) {
		in.PriorityID = ptr(int64(2))
		in.AssigneeID = opt[int64]{true, &f.alice.ID}
		in.CategoryIDs = &[]int64{f.ui.ID}
		in.VersionIDs = &[]int64{f.v1.ID}
		in.StartDate = opt[time.Time]{true, ptr(day(2024, 3, 1))}
		in.DueDate = opt[time.Time]{true, ptr(day(2024, 3, 5))}
		in.EstimatedHours = opt[float64]{true, ptr(1.0)}
		in.CustomFields = map[int64]cfInput{}
		for _, kv := range []struct {
			id int64
			v  cfInput
		}{} {
			in.CustomFields[kv.id] = kv.v
		}
		id, v := cf(CFText, "red apple")
		in.CustomFields[id] = v
		id, v = cf(CFNumeric, "10")
		in.CustomFields[id] = v
		id, v = cf(CFSingleList, itoa(f.items["5a"].ID))
		in.CustomFields[id] = v
		id, v = cf(CFDate, "2024-06-01")
		in.CustomFields[id] = v
	})
	f.tick(24 * time.Hour)
	f.st.mu.Lock()
	up := f.st.addUpload(f.bob, f.now, "log.txt", 5)
	f.st.mu.Unlock()
	f.i[2] = f.issue(f.bob, f.p1, "Beta slow", func(in *issueInput) {
		in.IssueTypeID = &f.task.ID
		in.AssigneeID = opt[int64]{true, &f.bob.ID}
		in.CategoryIDs = &[]int64{f.db.ID}
		in.MilestoneIDs = &[]int64{f.v2.ID}
		in.DueDate = opt[time.Time]{true, ptr(day(2024, 3, 20))}
		in.EstimatedHours = opt[float64]{true, ptr(3.0)}
		in.AttachmentIDs = []int64{up.ID}
		in.CustomFields = map[int64]cfInput{}
		id, v := cf(CFNumeric, "50")
		in.CustomFields[id] = v
		id, v = cf(CFMultipleList, itoa(f.items["6a"].ID), itoa(f.items["6b"].ID))
		in.CustomFields[id] = v
	})
	f.tick(24 * time.Hour)
	f.i[3] = f.issue(f.alice, f.p1, "Gamma", func(in *issueInput) {
		in.PriorityID = ptr(int64(4))
		in.ParentIssueID = opt[int64]{true, &f.i[1].ID}
		in.StatusID = ptr(int64(StatusClosed))
		in.ResolutionID = opt[int64]{true, ptr(int64(0))}
	})
	f.i[3].SharedFileIDs = []int64{f.p1file.ID}
	f.st.issueChanged(f.i[3])
	f.tick(24 * time.Hour)
	f.i[4] = f.issue(f.pm, f.p1, "Delta", func(in *issueInput) {
		in.IssueTypeID = &f.task.ID
		in.ParentIssueID = opt[int64]{true, &f.i[1].ID}
		in.StatusID = ptr(int64(StatusInProgress))
	})
	f.comment(f.bob, f.i[4], "a NEEDLE in a comment")
	f.tick(24 * time.Hour)
	f.i[5] = f.issue(f.rep, f.p1, "Epsilon", func(in *issueInput) { in.PriorityID = ptr(int64(2)) })
	f.tick(24 * time.Hour)
	for n := 1; n <= 4; n++ {
		n := n
		f.z[n] = f.issue(f.admin, f.p2, fmt.Sprintf("z%d", n), func(in *issueInput) {
			if n == 2 || n == 3 {
				in.ParentIssueID = opt[int64]{true, &f.z[n-1].ID}
			}
		})
		f.tick(time.Minute)
	}
	f.now = day(2024, 3, 16).Add(8 * time.Hour)
	f.update(f.bob, f.i[1], &issueInput{Comment: ptr("ping")})
	f.total = 9
	return f
}

// keys lists the issueKeys of a GET /issues response.
func (f *fixture) keys(path string, u *user) []string {
	f.t.Helper()
	var list []map[string]any
	f.get(path, u, &list)
	out := []string{}
	for _, m := range list {
		out = append(out, m["issueKey"].(string))
	}
	return out
}

func (f *fixture) count(path string, u *user) int {
	f.t.Helper()
	var c map[string]int
	f.get(path, u, &c)
	return c["count"]
}

func TestIssueListFilters(t *testing.T) {
	f := newListFixture(t)
	p1, p2 := "projectId[]="+itoa(f.p1.ID), "projectId[]="+itoa(f.p2.ID)
	cf := func(typ int) string { return "customField_" + itoa(f.cf[typ].ID) }
	cases := []struct {
		query string
		want  string // comma-separated keys in created order
	}{
		{"", "P1-1,P1-2,P1-3,P1-4,P1-5,P2-1,P2-2,P2-3,P2-4"},
		{p1, "P1-1,P1-2,P1-3,P1-4,P1-5"},
		{p1 + "&" + p2, "P1-1,P1-2,P1-3,P1-4,P1-5,P2-1,P2-2,P2-3,P2-4"},
		{"projectId%5B%5D=" + itoa(f.p2.ID), "P2-1,P2-2,P2-3,P2-4"},
		{"issueTypeId[]=" + itoa(f.bug.ID), "P1-1,P1-3,P1-5"},
		{"issueTypeId[]=" + itoa(f.bug.ID) + "&issueTypeId[]=" + itoa(f.p2type.ID), "P1-1,P1-3,P1-5,P2-1,P2-2,P2-3,P2-4"},
		{"categoryId[]=" + itoa(f.ui.ID), "P1-1"},
		{"categoryId[]=" + itoa(f.ui.ID) + "&categoryId[]=" + itoa(f.db.ID), "P1-1,P1-2"},
		{"versionId[]=" + itoa(f.v1.ID), "P1-1"},
		{"milestoneId[]=" + itoa(f.v2.ID), "P1-2"},
		{"versionId[]=" + itoa(f.v2.ID), ""},
		{"statusId[]=4", "P1-3"},
		{p1 + "&statusId[]=1&statusId[]=2", "P1-1,P1-2,P1-4,P1-5"},
		{"priorityId[]=2", "P1-1,P1-5"},
		{"assigneeId[]=" + itoa(f.alice.ID), "P1-1"},
		{"assigneeId[]=" + itoa(f.alice.ID) + "&assigneeId[]=" + itoa(f.bob.ID), "P1-1,P1-2"},
		{"createdUserId[]=" + itoa(f.alice.ID), "P1-1,P1-3"},
		{"resolutionId[]=0", "P1-3"},
		{"resolutionId[]=1", ""},
		{p1 + "&parentChild=0", "P1-1,P1-2,P1-3,P1-4,P1-5"},
		{p1 + "&parentChild=1", "P1-1,P1-2,P1-5"},
		{p1 + "&parentChild=2", "P1-3,P1-4"},
		{p1 + "&parentChild=3", "P1-2,P1-5"},
		{p1 + "&parentChild=4", "P1-1"},
		{p2 + "&parentChild=1", "P2-1,P2-4"},
		{p2 + "&parentChild=2", "P2-2,P2-3"},
		{p2 + "&parentChild=3", "P2-4"},
		{p2 + "&parentChild=4", "P2-1,P2-2"},
		{p2 + "&parentChild=5", "P2-3"},
		{p2 + "&parentChild=6", "P2-2"},
		{p2 + "&parentChild=7", "P2-1"},
		{p2 + "&parentChild=8", "P2-1,P2-2,P2-4"},
		{p2 + "&parentChild=9", "P2-2,P2-3,P2-4"},
		{p2 + "&parentChild=10", "P2-3,P2-4"},
		{"attachment=true", "P1-2"},
		{p1 + "&attachment=false", "P1-1,P1-3,P1-4,P1-5"},
		{"sharedFile=true", "P1-3"},
		{p1 + "&sharedFile=false", "P1-1,P1-2,P1-4,P1-5"},
		{p1 + "&createdSince=2024-03-12", "P1-3,P1-4,P1-5"},
		{p1 + "&createdUntil=2024-03-11", "P1-1,P1-2"},
		{"createdSince=2024-03-11&createdUntil=2024-03-12", "P1-2,P1-3"},
		{"createdSince=2024-03-20", ""},
		{"updatedSince=2024-03-16", "P1-1"},
		{"updatedUntil=2024-03-10", ""},
		{"updatedSince=2024-03-13&updatedUntil=2024-03-13", "P1-4"},
		{"startDateSince=2024-03-01&startDateUntil=2024-03-01", "P1-1"},
		{"startDateUntil=2024-02-29", ""},
		{"dueDateSince=2024-03-06", "P1-2"},
		{"dueDateUntil=2024-03-05", "P1-1"},
		{p1 + "&hasDueDate=false", "P1-3,P1-4,P1-5"},
		{"id[]=" + itoa(f.i[2].ID) + "&id[]=" + itoa(f.i[5].ID), "P1-2,P1-5"},
		{"parentIssueId[]=" + itoa(f.i[1].ID), "P1-3,P1-4"},
		{"parentIssueId[]=" + itoa(f.i[1].ID) + "&parentIssueId[]=" + itoa(f.z[2].ID), "P1-3,P1-4,P2-3"},
		{"keyword=alpha", "P1-1"},
		{"keyword=P1-2", "P1-2"},
		{"keyword=needle", "P1-4"},
		{"keyword=" + url.QueryEscape("beta  SLOW"), "P1-2"},
		{"keyword=" + url.QueryEscape("beta alpha"), ""},
		{cf(CFText) + "=apple", "P1-1"},
		{cf(CFText) + "=pear", ""},
		{cf(CFNumeric) + "_min=20", "P1-2"},
		{cf(CFNumeric) + "_max=20", "P1-1"},
		{cf(CFNumeric) + "_min=10&" + cf(CFNumeric) + "_max=50", "P1-1,P1-2"},
		{cf(CFDate) + "_min=2024-05-01", "P1-1"},
		{cf(CFDate) + "_max=2024-05-01", ""},
		{cf(CFSingleList) + "[]=" + itoa(f.items["5a"].ID), "P1-1"},
		{cf(CFMultipleList) + "[0]=" + itoa(f.items["6b"].ID), "P1-2"},
		{cf(CFMultipleList) + "[]=" + itoa(f.items["6c"].ID), ""},
		{"issueTypeId[]=" + itoa(f.bug.ID) + "&priorityId[]=2&keyword=eps", "P1-5"},
		{"projectId[]=", "P1-1,P1-2,P1-3,P1-4,P1-5,P2-1,P2-2,P2-3,P2-4"}, // empty value = omitted
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			f.t = t
			got := strings.Join(f.keys("/api/v2/issues?sort=created&order=asc&count=100&"+c.query, f.admin), ",")
			if got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
			want := 0
			if c.want != "" {
				want = len(strings.Split(c.want, ","))
			}
			if n := f.count("/api/v2/issues/count?"+c.query, f.admin); n != want {
				t.Errorf("count %d, want %d", n, want)
			}
		})
	}
}

func TestIssueListErrors(t *testing.T) {
	f := newListFixture(t)
	cf := func(typ int) string { return "customField_" + itoa(f.cf[typ].ID) }
	for _, q := range []string{
		"count=0", "count=101", "count=x", "offset=-1", "offset=x", "order=up", "sort=nope", "sort=customField_999",
		"sort=customField_x", "parentChild=11", "parentChild=-1", "attachment=yes", "sharedFile=1",
		"createdSince=2024-3-1", "createdUntil=x", "updatedSince=2024/03/01", "updatedUntil=1", "startDateSince=x",
		"startDateUntil=x", "dueDateSince=x", "dueDateUntil=x", "hasDueDate=true", "hasDueDate=maybe",
		"issueTypeId[]=x", "categoryId[]=x", "versionId[]=x", "milestoneId[]=x", "statusId[]=x", "priorityId[]=x",
		"assigneeId[]=x", "createdUserId[]=x", "resolutionId[]=x", "id[]=x", "parentIssueId[]=x", "projectId[]=x",
		"customField_999=x", "customField_x=1", cf(CFNumeric) + "=5", cf(CFDate) + "=2024-01-01",
		cf(CFText) + "_min=1", cf(CFNumeric) + "_min=abc", cf(CFDate) + "_max=2024", cf(CFSingleList) + "[]=abc",
		cf(CFSingleList) + "_max=1", "expand[]=children",
	} {
		for _, path := range []string{"/api/v2/issues?", "/api/v2/issues/count?"} {
			f.wantError("GET", path+q, f.admin, nil, 400, CodeInvalidRequest)
		}
	}
	// A field of an invisible project cannot be searched.
	f.wantError("GET", "/api/v2/issues?"+cf(CFText)+"=x", f.out, nil, 400, CodeInvalidRequest)
	f.wantError("GET", "/api/v2/issues?projectId[]=99", f.admin, nil, 404, CodeNoResource)
	f.wantError("GET", "/api/v2/issues", nil, nil, 401, CodeAuthentication)
}

func TestIssueListVisibility(t *testing.T) {
	f := newListFixture(t)
	p1, p2 := itoa(f.p1.ID), itoa(f.p2.ID)
	// A member of P2 only.
	if got := strings.Join(f.keys("/api/v2/issues?sort=created&order=asc", f.out), ","); got != "P2-1,P2-2,P2-3,P2-4" {
		t.Errorf("outsider default scope: %s", got)
	}
	f.wantError("GET", "/api/v2/issues?projectId[]="+p1, f.out, nil, 404, CodeNoResource)
	f.wantError("GET", "/api/v2/issues/count?projectId[]="+p1, f.out, nil, 404, CodeNoResource)
	if got := f.keys("/api/v2/issues?projectId[]="+p1+"&projectId[]="+p2, f.out); len(got) != 4 {
		t.Errorf("invisible project not ignored: %v", got)
	}
	// A user of no project sees nothing.
	if got := f.keys("/api/v2/issues", f.loner); len(got) != 0 {
		t.Errorf("loner: %v", got)
	}
	if n := f.count("/api/v2/issues/count", f.loner); n != 0 {
		t.Errorf("loner count %d", n)
	}
	// The administrator's default scope is the joined projects; other
	// projects are searchable by id.
	p3 := f.addProject("P3", false)
	f.addIssueType(p3, "Task", 1)
	f.issue(f.admin, p3, "hidden by default", nil)
	if n := f.count("/api/v2/issues/count", f.admin); n != f.total {
		t.Errorf("admin default count %d", n)
	}
	if got := f.keys("/api/v2/issues?projectId[]="+itoa(p3.ID), f.admin); !reflect.DeepEqual(got, []string{"P3-1"}) {
		t.Errorf("admin P3: %v", got)
	}
	// Single issues of invisible projects are 404.
	f.wantError("GET", "/api/v2/issues/P1-1", f.out, nil, 404, CodeNoResource)
	f.wantError("GET", "/api/v2/issues/"+itoa(f.i[1].ID), f.out, nil, 404, CodeNoResource)
	var is map[string]any
	f.get("/api/v2/issues/P1-1", f.vic, &is)
	f.get("/api/v2/issues/P3-1", f.admin, &is)
}

func TestIssueListSort(t *testing.T) {
	f := newListFixture(t)
	// More variety for the sort keys.
	f.update(f.alice, f.i[2], &issueInput{ActualHours: opt[float64]{true, ptr(4.0)}})
	f.update(f.alice, f.i[5], &issueInput{ActualHours: opt[float64]{true, ptr(0.5)}})
	base := "/api/v2/issues?count=100&projectId[]=" + itoa(f.p1.ID)
	keys := []string{}
	for k := range issueSortKeys {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, c := range f.p1.CustomFields {
		keys = append(keys, "customField_"+itoa(c.ID))
	}
	for _, k := range keys {
		asc := f.keys(base+"&sort="+k+"&order=asc", f.admin)
		desc := f.keys(base+"&sort="+k, f.admin)
		if len(asc) != 5 {
			t.Errorf("sort=%s: %v", k, asc)
		}
		rev := slices.Clone(desc)
		slices.Reverse(rev)
		if !reflect.DeepEqual(asc, rev) {
			t.Errorf("sort=%s: asc %v is not the reverse of desc %v", k, asc, desc)
		}
	}
	want := map[string]string{
		"summary":                              "P1-1,P1-2,P1-4,P1-5,P1-3",
		"created":                              "P1-1,P1-2,P1-3,P1-4,P1-5",
		"dueDate":                              "P1-3,P1-4,P1-5,P1-1,P1-2", // nulls first
		"startDate":                            "P1-2,P1-3,P1-4,P1-5,P1-1",
		"estimatedHours":                       "P1-3,P1-4,P1-5,P1-1,P1-2",
		"actualHours":                          "P1-1,P1-3,P1-4,P1-5,P1-2",
		"priority":                             "P1-1,P1-5,P1-2,P1-4,P1-3",
		"status":                               "P1-1,P1-2,P1-5,P1-4,P1-3",
		"issueType":                            "P1-1,P1-3,P1-5,P1-2,P1-4",
		"assignee":                             "P1-3,P1-4,P1-5,P1-1,P1-2",
		"attachment":                           "P1-1,P1-3,P1-4,P1-5,P1-2",
		"sharedFile":                           "P1-1,P1-2,P1-4,P1-5,P1-3",
		"childIssue":                           "P1-2,P1-3,P1-4,P1-5,P1-1",
		"category":                             "P1-3,P1-4,P1-5,P1-2,P1-1",
		"milestone":                            "P1-1,P1-3,P1-4,P1-5,P1-2",
		"version":                              "P1-2,P1-3,P1-4,P1-5,P1-1",
		"updated":                              "P1-3,P1-4,P1-1,P1-2,P1-5", // ties by id
		"customField_" + itoa(f.cf[3].ID):      "P1-3,P1-4,P1-5,P1-1,P1-2",
		"customField_" + itoa(f.cf[CFText].ID): "P1-2,P1-3,P1-4,P1-5,P1-1",
	}
	// createdUser sorts by name: Alice (1, 3) < Bob (2) < PM Pat (4) < Reporter Rey (5).
	want["createdUser"] = "P1-1,P1-3,P1-2,P1-4,P1-5"
	for k, w := range want {
		if got := strings.Join(f.keys(base+"&sort="+k+"&order=asc", f.admin), ","); got != w {
			t.Errorf("sort=%s asc: got %s, want %s", k, got, w)
		}
	}
	// Default: updated, descending.
	if def, upd := f.keys(base, f.admin), f.keys(base+"&sort=updated&order=desc", f.admin); !reflect.DeepEqual(def, upd) {
		t.Errorf("default sort %v != updated desc %v", def, upd)
	}
	// A change re-sorts (cache invalidation).
	f.tick(240 * time.Hour)
	f.update(f.alice, f.i[3], &issueInput{Summary: ptr("Aardvark")})
	if got := f.keys(base+"&sort=summary&order=asc", f.admin); got[0] != "P1-3" {
		t.Errorf("after change: %v", got)
	}
	if got := f.keys(base, f.admin); got[0] != "P1-3" {
		t.Errorf("updated desc after change: %v", got)
	}
}

func TestIssueListPagination(t *testing.T) {
	f := newFixture(t)
	for i := range 45 {
		f.issue(f.alice, f.p1, fmt.Sprintf("issue %02d", i), nil)
		f.tick(time.Second)
	}
	base := "/api/v2/issues?sort=created&order=asc"
	cases := []struct {
		query      string
		n          int
		first      string
		emptyFirst bool
	}{
		{"", 20, "P1-1", false},
		{"&offset=20", 20, "P1-21", false},
		{"&offset=40", 5, "P1-41", false},
		{"&offset=45", 0, "", true},
		{"&offset=1000", 0, "", true},
		{"&count=15&offset=30", 15, "P1-31", false},
		{"&count=15&offset=45", 0, "", true},
		{"&count=100", 45, "P1-1", false},
		{"&count=1&offset=44", 1, "P1-45", false},
		{"&count=45", 45, "P1-1", false},
	}
	for _, c := range cases {
		got := f.keys(base+c.query, f.alice)
		if len(got) != c.n || !c.emptyFirst && got[0] != c.first {
			t.Errorf("%s: %d items %v", c.query, len(got), got)
		}
	}
	// Pages of 15 cover everything exactly once, also in desc order and
	// with a filter (the slow path).
	for _, q := range []string{"&order=desc", "&order=asc", "&order=asc&statusId[]=1", "&keyword=issue"} {
		seen := map[string]bool{}
		for off := 0; ; off += 15 {
			page := f.keys(fmt.Sprintf("/api/v2/issues?sort=created%s&count=15&offset=%d", q, off), f.alice)
			for _, k := range page {
				if seen[k] {
					t.Errorf("%s: %s twice", q, k)
				}
				seen[k] = true
			}
			if len(page) < 15 {
				break
			}
		}
		if len(seen) != 45 {
			t.Errorf("%s: %d distinct", q, len(seen))
		}
	}
	if n := f.count("/api/v2/issues/count?count=5&offset=40", f.alice); n != 45 {
		t.Errorf("count ignores paging: %d", n)
	}
}

func TestGetIssue(t *testing.T) {
	f := newListFixture(t)
	var byKey, byID map[string]any
	f.get("/api/v2/issues/P1-1", f.alice, &byKey)
	f.get("/api/v2/issues/"+itoa(f.i[1].ID), f.alice, &byID)
	if !reflect.DeepEqual(byKey, byID) || byKey["id"].(float64) != float64(f.i[1].ID) {
		t.Errorf("by key %v\nby id %v", byKey, byID)
	}
	if _, ok := byKey["childIssueSummary"]; ok {
		t.Errorf("childIssueSummary without expand")
	}
	// Every Issue field is present, nulls explicit.
	for _, k := range []string{"id", "projectId", "issueKey", "keyId", "issueType", "summary", "description",
		"resolution", "priority", "status", "assignee", "category", "versions", "milestone", "startDate", "dueDate",
		"estimatedHours", "actualHours", "parentIssueId", "createdUser", "created", "updatedUser", "updated",
		"customFields", "attachments", "sharedFiles", "externalFileLinks", "stars"} {
		if _, ok := byKey[k]; !ok {
			t.Errorf("issue lacks %s", k)
		}
	}
	var ex map[string]any
	f.get("/api/v2/issues/P1-1?expand[]=childIssueSummary", f.alice, &ex)
	if !reflect.DeepEqual(ex["childIssueSummary"], map[string]any{"total": 2.0, "closed": 1.0}) {
		t.Errorf("childIssueSummary %v", ex["childIssueSummary"])
	}
	var list []map[string]any
	f.get("/api/v2/issues?sort=created&order=asc&expand%5B%5D=childIssueSummary&projectId[]="+itoa(f.p1.ID), f.alice, &list)
	if len(list) != 5 || !reflect.DeepEqual(list[0]["childIssueSummary"], map[string]any{"total": 2.0, "closed": 1.0}) ||
		!reflect.DeepEqual(list[1]["childIssueSummary"], map[string]any{"total": 0.0, "closed": 0.0}) {
		t.Errorf("list with expand: %v", list[0]["childIssueSummary"])
	}
	// The cache is untouched by expand.
	var plain map[string]any
	f.get("/api/v2/issues/P1-1", f.alice, &plain)
	if _, ok := plain["childIssueSummary"]; ok {
		t.Errorf("expand leaked into the cache")
	}
	for _, p := range []string{"/api/v2/issues/P1-99", "/api/v2/issues/NOPE-1", "/api/v2/issues/P1-x",
		"/api/v2/issues/-1", "/api/v2/issues/123", "/api/v2/issues/abc"} {
		f.wantError("GET", p, f.alice, nil, 404, CodeNoResource)
	}
	f.wantError("GET", "/api/v2/issues/P1-1?expand[]=x", f.alice, nil, 400, CodeInvalidRequest)
}

func TestIssueSharedFilesParticipantsRelated(t *testing.T) {
	f := newListFixture(t)
	sf := "/api/v2/issues/P1-1/sharedFiles"
	var files []map[string]any
	f.get(sf, f.alice, &files)
	if len(files) != 0 {
		t.Errorf("shared files %v", files)
	}
	st, _, body := f.do("POST", sf, f.alice, url.Values{"fileId[]": {itoa(f.p1file.ID)}})
	if st != 200 || json.Unmarshal(body, &files) != nil || len(files) != 1 || files[0]["name"] != "spec.pdf" || files[0]["dir"] != "/docs/" {
		t.Fatalf("link: %d %s", st, body)
	}
	f.get(sf, f.vic, &files)
	if len(files) != 1 {
		t.Errorf("after link %v", files)
	}
	var is map[string]any
	f.get("/api/v2/issues/P1-1", f.alice, &is)
	if len(is["sharedFiles"].([]any)) != 1 {
		t.Errorf("issue sharedFiles %v", is["sharedFiles"])
	}
	f.wantError("POST", sf, f.alice, url.Values{}, 400, CodeInvalidRequest)
	f.wantError("POST", sf, f.alice, url.Values{"fileId[]": {"x"}}, 400, CodeInvalidRequest)
	f.wantError("POST", sf, f.alice, url.Values{"fileId[]": {itoa(f.p2file.ID)}}, 404, CodeNoResource)
	f.wantError("POST", sf, f.alice, url.Values{"fileId[]": {itoa(f.p1dir.ID)}}, 404, CodeNoResource)
	f.wantError("POST", sf, f.vic, url.Values{"fileId[]": {itoa(f.p1file.ID)}}, 403, CodeUnauthorizedOperation)
	f.wantError("DELETE", sf+"/"+itoa(f.p2file.ID), f.alice, nil, 404, CodeNoResource)
	f.wantError("DELETE", sf+"/x", f.alice, nil, 404, CodeNoResource)
	st, _, body = f.do("DELETE", sf+"/"+itoa(f.p1file.ID), f.alice, nil)
	var one map[string]any
	if st != 200 || json.Unmarshal(body, &one) != nil || one["id"].(float64) != float64(f.p1file.ID) {
		t.Errorf("unlink: %d %s", st, body)
	}
	f.get(sf, f.alice, &files)
	if len(files) != 0 {
		t.Errorf("after unlink %v", files)
	}

	// Participants: creator, assignee, commenters in first-seen order.
	f.comment(f.pm, f.i[2], "x")
	f.comment(f.bob, f.i[2], "y")
	f.comment(f.alice, f.i[2], "z")
	var users []map[string]any
	f.get("/api/v2/issues/P1-2/participants", f.alice, &users)
	if got := idsOf(users); !reflect.DeepEqual(got, []int64{f.bob.ID, f.pm.ID, f.alice.ID}) {
		t.Errorf("participants %v", got)
	}
	f.get("/api/v2/issues/P1-3/participants", f.alice, &users)
	if got := idsOf(users); !reflect.DeepEqual(got, []int64{f.alice.ID}) {
		t.Errorf("participants of P1-3 %v", got)
	}
	f.wantError("GET", "/api/v2/issues/P1-2/participants", f.out, nil, 404, CodeNoResource)

	// Related issues: symmetric, full issues with type RELATES.
	rel := "/api/v2/issues/P1-1/relatedIssues"
	st, _, body = f.do("POST", rel, f.alice, url.Values{"targetIssueId": {itoa(f.i[5].ID)}})
	if st != 200 || json.Unmarshal(body, &one) != nil || one["type"] != "RELATES" || one["issueKey"] != "P1-5" {
		t.Fatalf("relate: %d %s", st, body)
	}
	var list []map[string]any
	f.get("/api/v2/issues/P1-5/relatedIssues", f.alice, &list)
	if len(list) != 1 || list[0]["issueKey"] != "P1-1" || list[0]["type"] != "RELATES" || list[0]["summary"] != "Alpha crash" {
		t.Errorf("symmetric: %v", list)
	}
	// Related across projects: only visible ones are listed.
	if st, _, body := f.do("POST", rel, f.admin, url.Values{"targetIssueId": {itoa(f.z[1].ID)}}); st != 200 {
		t.Fatalf("relate P2: %d %s", st, body)
	}
	f.get(rel, f.alice, &list)
	if len(list) != 1 {
		t.Errorf("alice sees %d related", len(list))
	}
	f.get(rel, f.admin, &list)
	if len(list) != 2 {
		t.Errorf("admin sees %d related", len(list))
	}
	f.wantError("POST", rel, f.alice, url.Values{}, 400, CodeInvalidRequest)
	f.wantError("POST", rel, f.alice, url.Values{"targetIssueId": {"x"}}, 400, CodeInvalidRequest)
	f.wantError("POST", rel, f.alice, url.Values{"targetIssueId": {itoa(f.i[1].ID)}}, 400, CodeInvalidRequest)
	f.wantError("POST", rel, f.alice, url.Values{"targetIssueId": {itoa(f.i[5].ID)}}, 400, CodeInvalidRequest)
	f.wantError("POST", rel, f.alice, url.Values{"targetIssueId": {itoa(f.z[2].ID)}}, 404, CodeNoResource)
	f.wantError("POST", rel, f.alice, url.Values{"targetIssueId": {"5"}}, 404, CodeNoResource)
	f.wantError("POST", rel, f.vic, url.Values{"targetIssueId": {itoa(f.i[2].ID)}}, 403, CodeUnauthorizedOperation)
	f.wantError("DELETE", rel+"/"+itoa(f.i[2].ID), f.alice, nil, 404, CodeNoResource)
	st, _, body = f.do("DELETE", rel+"/"+itoa(f.i[5].ID), f.alice, nil)
	if st != 200 || json.Unmarshal(body, &one) != nil || one["issueKey"] != "P1-5" || one["type"] != "RELATES" {
		t.Errorf("unrelate: %d %s", st, body)
	}
	f.get("/api/v2/issues/P1-5/relatedIssues", f.alice, &list)
	if len(list) != 0 {
		t.Errorf("after unrelate %v", list)
	}
}

func TestIssueFilterCacheInvalidation(t *testing.T) {
	f := newListFixture(t)
	q := "/api/v2/issues?statusId[]=4&sort=created&order=asc"
	if got := strings.Join(f.keys(q, f.admin), ","); got != "P1-3" {
		t.Fatalf("before: %s", got)
	}
	f.update(f.alice, f.i[5], &issueInput{StatusID: ptr(int64(StatusClosed))})
	if got := strings.Join(f.keys(q, f.admin), ","); got != "P1-3,P1-5" {
		t.Errorf("after status change: %s", got)
	}
	if n := f.count("/api/v2/issues/count?statusId[]=4", f.admin); n != 2 {
		t.Errorf("count after change %d", n)
	}
	// Comments feed the keyword search.
	kq := "/api/v2/issues?keyword=zebra"
	if got := f.keys(kq, f.admin); len(got) != 0 {
		t.Fatalf("zebra before: %v", got)
	}
	f.comment(f.bob, f.i[2], "a zebra crossed")
	if got := f.keys(kq, f.admin); !reflect.DeepEqual(got, []string{"P1-2"}) {
		t.Errorf("zebra after: %v", got)
	}
	// Many distinct filters stay bounded.
	for i := range 3 * maxFilterCache {
		f.keys(fmt.Sprintf("/api/v2/issues?keyword=k%d", i), f.admin)
	}
	n := 0
	for k := range f.st.sortCache {
		if strings.HasPrefix(k, "filter|") {
			n++
		}
	}
	if n > maxFilterCache {
		t.Errorf("%d cached filters", n)
	}
}
