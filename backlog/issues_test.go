package backlog

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func fullIssueListOptions() *IssueListOptions {
	return &IssueListOptions{
		ProjectIDs: []int64{1, 2}, IssueTypeIDs: []int64{3}, CategoryIDs: []int64{4}, VersionIDs: []int64{5},
		MilestoneIDs: []int64{6}, StatusIDs: []int64{1, 2, 3}, PriorityIDs: []int64{2}, AssigneeIDs: []int64{7},
		CreatedUserIDs: []int64{8}, ResolutionIDs: []int64{0}, ParentChild: ParentChildLeaves,
		Attachment: Bool(true), SharedFile: Bool(false), Sort: SortUpdated, Order: OrderAsc,
		CreatedSince: NewDate(2024, 1, 1), CreatedUntil: NewDate(2024, 1, 31), UpdatedSince: NewDate(2024, 2, 1),
		UpdatedUntil: NewDate(2024, 2, 29), StartDateSince: NewDate(2024, 3, 1), StartDateUntil: NewDate(2024, 3, 2),
		DueDateSince: NewDate(2024, 4, 1), DueDateUntil: NewDate(2024, 4, 2), HasDueDate: Bool(false),
		IDs: []int64{10, 11}, ParentIssueIDs: []int64{12}, Keyword: "login bug", Expand: []string{"childIssueSummary"},
		CustomFields: []CustomFieldFilter{
			{ID: 5, ItemIDs: []int64{1, 2}},
			{ID: 6, Keyword: "text"},
			{ID: 7, Min: "1.5", Max: "10"},
			{ID: 8, Min: "2024-01-01"},
		},
		ListOptions: ListOptions{Offset: 200, Count: 100},
	}
}

func TestIssueListOptions_encoding(t *testing.T) {
	t.Parallel()
	filters := url.Values{
		"projectId[]": {"1", "2"}, "issueTypeId[]": {"3"}, "categoryId[]": {"4"}, "versionId[]": {"5"},
		"milestoneId[]": {"6"}, "statusId[]": {"1", "2", "3"}, "priorityId[]": {"2"}, "assigneeId[]": {"7"},
		"createdUserId[]": {"8"}, "resolutionId[]": {"0"}, "parentChild": {"10"}, "attachment": {"true"},
		"sharedFile": {"false"}, "createdSince": {"2024-01-01"}, "createdUntil": {"2024-01-31"},
		"updatedSince": {"2024-02-01"}, "updatedUntil": {"2024-02-29"}, "startDateSince": {"2024-03-01"},
		"startDateUntil": {"2024-03-02"}, "dueDateSince": {"2024-04-01"}, "dueDateUntil": {"2024-04-02"},
		"hasDueDate": {"false"}, "id[]": {"10", "11"}, "parentIssueId[]": {"12"}, "keyword": {"login bug"},
		"expand[]": {"childIssueSummary"}, "customField_5[]": {"1", "2"}, "customField_6": {"text"},
		"customField_7_min": {"1.5"}, "customField_7_max": {"10"}, "customField_8_min": {"2024-01-01"},
	}
	paged := url.Values{"sort": {"updated"}, "order": {"asc"}, "offset": {"200"}, "count": {"100"}}
	for k, v := range filters {
		paged[k] = v
	}
	c, mux, _ := setup(t)
	mux.HandleFunc("GET /api/v2/issues", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, paged)
		// Brackets travel percent-encoded, as backlog-js sends them.
		if !strings.Contains(r.URL.RawQuery, "projectId%5B%5D=1&projectId%5B%5D=2") {
			t.Errorf("raw query = %s", r.URL.RawQuery)
		}
		writeJSON(w, 200, `[]`)
	})
	mux.HandleFunc("GET /api/v2/issues/count", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, filters) // no sort, order, offset, count
		writeJSON(w, 200, `{"count":7}`)
	})
	if _, _, err := c.Issues.List(t.Context(), fullIssueListOptions()); err != nil {
		t.Fatal(err)
	}
	n, _, err := c.Issues.Count(t.Context(), fullIssueListOptions())
	if err != nil || n != 7 {
		t.Errorf("count = %d, %v", n, err)
	}
	// Zero options send nothing.
	if got := (&IssueListOptions{}).values(true); len(got) != 0 {
		t.Errorf("zero options encode to %v", got)
	}
}

func TestIssuesListIter(t *testing.T) {
	t.Parallel()
	const total = 250
	c, mux, _ := setup(t)
	var mu sync.Mutex
	var calls []string
	mux.HandleFunc("GET /api/v2/issues", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls = append(calls, r.URL.RawQuery)
		mu.Unlock()
		q := r.URL.Query()
		off, _ := strconv.Atoi(q.Get("offset"))
		cnt, _ := strconv.Atoi(q.Get("count"))
		var parts []string
		for i := off; i < total && i < off+cnt; i++ {
			parts = append(parts, fmt.Sprintf(`{"id":%d,"issueKey":"BLG-%d"}`, i+1, i+1))
		}
		writeJSON(w, 200, "["+strings.Join(parts, ",")+"]")
	})
	opts := &IssueListOptions{ProjectIDs: []int64{1}, Sort: SortCreated, Order: OrderAsc}
	var ids []int64
	for is, err := range c.Issues.ListIter(t.Context(), opts) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, is.ID)
	}
	if len(ids) != total || ids[0] != 1 || ids[total-1] != total {
		t.Errorf("got %d issues", len(ids))
	}
	want := []string{
		"count=100&order=asc&projectId%5B%5D=1&sort=created",
		"count=100&offset=100&order=asc&projectId%5B%5D=1&sort=created",
		"count=100&offset=200&order=asc&projectId%5B%5D=1&sort=created",
	}
	if !reflect.DeepEqual(calls, want) {
		t.Errorf("calls = %q", calls)
	}
	if opts.Count != 0 || opts.Offset != 0 {
		t.Error("ListIter mutated the caller's options")
	}
}

func TestActivitiesSpaceIter_error(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, WithoutRetry()) // the 429 must surface, not be waited out
	mux.HandleFunc("GET /api/v2/space/activities", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("maxId") == "" {
			var parts []string
			for i := 100; i > 0; i-- {
				parts = append(parts, fmt.Sprintf(`{"id":%d,"type":1,"content":{}}`, i+1000))
			}
			writeJSON(w, 200, "["+strings.Join(parts, ",")+"]")
			return
		}
		w.Header().Set("X-RateLimit-Reset", "1605484860")
		writeJSON(w, 429, `{"errors":[{"message":"Too many requests.","code":13,"moreInfo":""}]}`)
	})
	n := 0
	var last error
	for a, err := range c.Activities.SpaceIter(t.Context(), &ActivityListOptions{TypeIDs: []ActivityType{1}}) {
		if err != nil {
			last = err
			break
		}
		if a.Type != ActivityIssueCreated {
			t.Errorf("activity %+v", a)
		}
		n++
	}
	if n != 100 {
		t.Errorf("%d activities before the error", n)
	}
	if _, ok := last.(*RateLimitError); !ok {
		t.Errorf("err = %v", last)
	}
}
