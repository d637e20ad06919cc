package backlog

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// idsJSON renders objects {"id":n,…} for ids from..to (step ±1), with an
// extra member template (%d is the id).
func idsJSON(from, to int64, extra string) string {
	var parts []string
	step := int64(1)
	if to < from {
		step = -1
	}
	for id := from; ; id += step {
		parts = append(parts, fmt.Sprintf(`{"id":%d%s}`, id, strings.ReplaceAll(extra, "%d", strconv.FormatInt(id, 10))))
		if id == to {
			break
		}
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// pagedHandler answers the i-th request with pages[i] and records the
// decoded queries.
func pagedHandler(t *testing.T, pages []string) (http.HandlerFunc, func() []string) {
	var mu sync.Mutex
	var got []string
	return func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			testMethod(t, r, http.MethodGet)
			got = append(got, r.URL.Query().Encode())
			if len(got) > len(pages) {
				t.Errorf("request %d beyond the %d pages: %s", len(got), len(pages), r.URL)
				writeJSON(w, 200, "[]")
				return
			}
			writeJSON(w, 200, pages[len(got)-1])
		}, func() []string {
			mu.Lock()
			defer mu.Unlock()
			return slices.Clone(got)
		}
}

func span(from, to int64) []int64 {
	var out []int64
	step := int64(1)
	if to < from {
		step = -1
	}
	for id := from; ; id += step {
		out = append(out, id)
		if id == to {
			return out
		}
	}
}

func TestCatalogReads_iterators(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		pattern string
		pages   []string
		queries []string
		want    []int64
		run     func(ctx context.Context, c *Client) iter.Seq2[int64, error]
	}{
		{
			name: "Watchings.ListIter", pattern: "GET /api/v2/users/7/watchings",
			pages:   []string{idsJSON(1, 100, ""), idsJSON(101, 150, "")},
			queries: []string{"count=100&order=asc&sort=created", "count=100&offset=100&order=asc&sort=created"},
			want:    span(1, 150),
			run: func(ctx context.Context, c *Client) iter.Seq2[int64, error] {
				return pageSeqIDs(c.Watchings.ListIter(ctx, 7, &WatchingListOptions{Sort: "created", Order: OrderAsc}), func(w *Watching) int64 { return w.ID })
			},
		},
		{
			name: "Watchings.ListIter exact multiple", pattern: "GET /api/v2/users/7/watchings",
			pages:   []string{idsJSON(1, 100, ""), "[]"},
			queries: []string{"count=100", "count=100&offset=100"},
			want:    span(1, 100),
			run: func(ctx context.Context, c *Client) iter.Seq2[int64, error] {
				return pageSeqIDs(c.Watchings.ListIter(ctx, 7, nil), func(w *Watching) int64 { return w.ID })
			},
		},
		{
			name: "Notifications.ListIter asc", pattern: "GET /api/v2/notifications",
			pages:   []string{idsJSON(1, 100, ""), idsJSON(101, 120, "")},
			queries: []string{"count=100&order=asc&senderId=5", "count=100&minId=100&order=asc&senderId=5"},
			want:    span(1, 120),
			run: func(ctx context.Context, c *Client) iter.Seq2[int64, error] {
				return pageSeqIDs(c.Notifications.ListIter(ctx, &NotificationListOptions{SenderID: 5, CursorOptions: CursorOptions{Order: OrderAsc}}),
					func(n *Notification) int64 { return n.ID })
			},
		},
		{
			name: "Stars.ReceivedIter desc", pattern: "GET /api/v2/users/3/stars",
			pages:   []string{idsJSON(300, 201, ""), idsJSON(200, 191, "")},
			queries: []string{"count=100&order=desc", "count=100&maxId=201&order=desc"},
			want:    span(300, 191),
			run: func(ctx context.Context, c *Client) iter.Seq2[int64, error] {
				return pageSeqIDs(c.Stars.ReceivedIter(ctx, 3, nil), func(s *Star) int64 { return s.ID })
			},
		},
		{
			name: "Git.PullRequestCommentsIter inclusive bounds", pattern: "GET /api/v2/projects/P/git/repositories/r/pullRequests/4/comments",
			pages:   []string{idsJSON(1, 100, ""), idsJSON(100, 105, "")}, // the server repeats the boundary
			queries: []string{"count=100&order=asc", "count=100&minId=100&order=asc"},
			want:    span(1, 105),
			run: func(ctx context.Context, c *Client) iter.Seq2[int64, error] {
				return pageSeqIDs(c.Git.PullRequestCommentsIter(ctx, "P", "r", 4, &CursorOptions{Order: OrderAsc}),
					func(x *PullRequestComment) int64 { return x.ID })
			},
		},
		{
			name: "Users.RecentlyViewedIssuesIter", pattern: "GET /api/v2/users/myself/recentlyViewedIssues",
			pages:   []string{`[{"issue":{"id":5},"updated":"2025-01-01T00:00:00Z"},{"issue":{"id":4},"updated":"2024-12-31T00:00:00Z"}]`},
			queries: []string{"count=100&order=desc"},
			want:    []int64{5, 4},
			run: func(ctx context.Context, c *Client) iter.Seq2[int64, error] {
				return pageSeqIDs(c.Users.RecentlyViewedIssuesIter(ctx, &RecentlyViewedOptions{Order: OrderDesc}),
					func(v *RecentlyViewedIssue) int64 { return v.Issue.ID })
			},
		},
		{
			name: "Users.RecentlyViewedProjectsIter", pattern: "GET /api/v2/users/myself/recentlyViewedProjects",
			pages:   []string{`[{"project":{"id":9},"updated":"2025-01-01T00:00:00Z"}]`},
			queries: []string{"count=100"},
			want:    []int64{9},
			run: func(ctx context.Context, c *Client) iter.Seq2[int64, error] {
				return pageSeqIDs(c.Users.RecentlyViewedProjectsIter(ctx, nil), func(v *RecentlyViewedProject) int64 { return v.Project.ID })
			},
		},
		{
			name: "Users.RecentlyViewedWikisIter", pattern: "GET /api/v2/users/myself/recentlyViewedWikis",
			pages:   []string{`[{"page":{"id":8},"updated":"2025-01-01T00:00:00Z"}]`},
			queries: []string{"count=2&offset=4"},
			want:    []int64{8},
			run: func(ctx context.Context, c *Client) iter.Seq2[int64, error] {
				return pageSeqIDs(c.Users.RecentlyViewedWikisIter(ctx, &RecentlyViewedOptions{ListOptions: ListOptions{Offset: 4, Count: 2}}),
					func(v *RecentlyViewedWiki) int64 { return v.Page.ID })
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			h, queries := pagedHandler(t, tt.pages)
			mux.HandleFunc(tt.pattern, h)
			var got []int64
			for id, err := range tt.run(t.Context(), c) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, id)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ids = %v, want %v", got, tt.want)
			}
			if q := queries(); !slices.Equal(q, tt.queries) {
				t.Errorf("queries = %q, want %q", q, tt.queries)
			}
		})
	}
}

// ids maps an iterator of items to their ids.
func pageSeqIDs[T any](seq iter.Seq2[*T, error], id func(*T) int64) iter.Seq2[int64, error] {
	return func(yield func(int64, error) bool) {
		for v, err := range seq {
			if err != nil {
				yield(0, err)
				return
			}
			if !yield(id(v), nil) {
				return
			}
		}
	}
}

func TestCatalogReads_errorEndsIteration(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("GET /api/v2/users/7/watchings", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, `{"errors":[{"message":"No user.","code":6,"moreInfo":""}]}`)
	})
	n := 0
	for _, err := range c.Watchings.ListIter(t.Context(), 7, nil) {
		n++
		if e, ok := err.(*ErrorResponse); !ok || !e.HasCode(CodeNoResource) {
			t.Errorf("err = %v, want a 404 ErrorResponse", err)
		}
	}
	if n != 1 {
		t.Errorf("%d elements, want one error", n)
	}
}

func TestGit_ListPullRequestAttachments(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("GET /api/v2/projects/P/git/repositories/r%2Fx/pullRequests/4/attachments", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, nil)
		writeJSON(w, 200, `[{"id":1,"name":"a.txt","size":3,"createdUser":{"id":2,"name":"U"},"created":"2025-01-01T00:00:00Z"}]`)
	})
	list, _, err := c.Git.ListPullRequestAttachments(t.Context(), "P", "r/x", 4)
	if err != nil || len(list) != 1 || list[0].Name != "a.txt" || list[0].CreatedUser.ID != 2 {
		t.Errorf("attachments = %+v, %v", list, err)
	}
}
