package backlog

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync/emulator"
)

// emuBase is the base URL of in-process emulator clients (only the path
// matters to the in-process transport).
const emuBase = "http://127.0.0.1"

// newEmulator builds an emulator and a client of its administrator with a
// governor of its own (tests must not share budgets through DefaultGovernor).
func newEmulator(t testing.TB, opts emulator.Options, copts ...Option) (*emulator.Server, *Client) {
	t.Helper()
	srv, err := emulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return srv, emuClient(t, srv, NewGovernor(GovernorConfig{Window: opts.RateWindow}), copts...)
}

// emuClient is a client of srv's administrator drawing from gov.
func emuClient(t testing.TB, srv *emulator.Server, gov *Governor, copts ...Option) *Client {
	t.Helper()
	all := append([]Option{WithAPIKey(srv.AdminAPIKey()), WithHTTPClient(srv.Client()), WithGovernor(gov)}, copts...)
	c, err := NewClient(emuBase, all...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// crawlResult is everything a full read of a space returns, decoded.
type crawlResult struct {
	Users      []*User
	Projects   []*Project
	Issues     []*Issue             // per project, created ascending
	Details    map[int64]*Issue     // GET /issues/:id
	Comments   map[int64][]*Comment // per issue, ascending
	Wikis      map[int64][]*Wiki    // per project
	Activities []*Activity          // the space feed
}

// crawl reads the space the way a first replication does.
func crawl(ctx context.Context, c *Client) (*crawlResult, error) {
	r := &crawlResult{Details: map[int64]*Issue{}, Comments: map[int64][]*Comment{}, Wikis: map[int64][]*Wiki{}}
	var err error
	if r.Users, _, err = c.Users.List(ctx); err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	if r.Projects, _, err = c.Projects.List(ctx, &ProjectListOptions{All: true}); err != nil {
		return nil, fmt.Errorf("projects: %w", err)
	}
	for _, p := range r.Projects {
		for is, err := range c.Issues.ListIter(ctx, &IssueListOptions{ProjectIDs: []int64{p.ID}, Sort: SortCreated, Order: OrderAsc}) {
			if err != nil {
				return nil, fmt.Errorf("issues of %s: %w", p.ProjectKey, err)
			}
			r.Issues = append(r.Issues, is)
		}
		w, _, err := c.Wikis.List(ctx, &WikiListOptions{ProjectIDOrKey: p.ProjectKey})
		if err != nil {
			return nil, fmt.Errorf("wikis of %s: %w", p.ProjectKey, err)
		}
		r.Wikis[p.ID] = w
	}
	for _, is := range r.Issues {
		d, _, err := c.Issues.Get(ctx, is.IssueKey, nil)
		if err != nil {
			return nil, fmt.Errorf("issue %s: %w", is.IssueKey, err)
		}
		r.Details[is.ID] = d
		var cs []*Comment
		for cm, err := range c.Issues.CommentsIter(ctx, is.IssueKey, &CursorOptions{Order: OrderAsc}) {
			if err != nil {
				return nil, fmt.Errorf("comments of %s: %w", is.IssueKey, err)
			}
			cs = append(cs, cm)
		}
		r.Comments[is.ID] = cs
	}
	for a, err := range c.Activities.SpaceIter(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("activities: %w", err)
		}
		r.Activities = append(r.Activities, a)
	}
	return r, nil
}

// classUse summarises how one rate-limit class was used, from the emulator's
// request log.
type classUse struct {
	Requests  int           // answered within the budget (not 429)
	Limited   int           // 429s
	Span      time.Duration // first to last request
	Budget    float64       // limit × (span + one pacing interval) / window
	Use       float64       // Requests / Budget
	Windows   []int         // requests per server window (windows start at a window's first request)
	MaxBucket int           // most requests in any tenth of a window
}

// useOf computes the budget use of class from the request log.
func useOf(log []emulator.LoggedRequest, class string, limit int, window time.Duration) classUse {
	var u classUse
	var times []time.Time
	for _, r := range log {
		if r.Class != class || r.Status == 0 {
			continue
		}
		if r.Status == 429 {
			u.Limited++
			continue
		}
		times = append(times, r.Time)
	}
	u.Requests = len(times)
	if len(times) == 0 {
		return u
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	u.Span = times[len(times)-1].Sub(times[0])
	u.Budget = float64(limit) * float64(u.Span+window/time.Duration(limit)) / float64(window)
	u.Use = float64(u.Requests) / u.Budget
	start, n := times[0], 0
	for _, t := range times {
		if !t.Before(start.Add(window)) {
			u.Windows = append(u.Windows, n)
			start, n = t, 0
		}
		n++
	}
	u.Windows = append(u.Windows, n)
	tenth := window / 10
	for i := range times {
		j := sort.Search(len(times), func(j int) bool { return !times[j].Before(times[i].Add(tenth)) })
		u.MaxBucket = max(u.MaxBucket, j-i)
	}
	return u
}

func (u classUse) String() string {
	return fmt.Sprintf("%d requests, %d 429s, span %s, budget %.0f, use %.1f%%, per window %v, max per tenth-window %d",
		u.Requests, u.Limited, u.Span.Round(time.Millisecond), u.Budget, 100*u.Use, u.Windows, u.MaxBucket)
}

// countStatus counts logged answers by status (0 = connection reset).
func countStatus(log []emulator.LoggedRequest) map[int]int {
	m := map[int]int{}
	for _, r := range log {
		m[r.Status]++
	}
	return m
}

func sortedKeys[K interface{ ~int | ~int64 }, V any](m map[K]V) []K {
	ks := make([]K, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// equalCrawls compares two crawls and reports the first differences.
func equalCrawls(t *testing.T, want, got *crawlResult) bool {
	t.Helper()
	if reflect.DeepEqual(want, got) {
		return true
	}
	t.Errorf("users equal %v, projects %v, issues %v (%d vs %d), details %v, comments %v, wikis %v, activities %v (%d vs %d)",
		reflect.DeepEqual(want.Users, got.Users), reflect.DeepEqual(want.Projects, got.Projects),
		reflect.DeepEqual(want.Issues, got.Issues), len(want.Issues), len(got.Issues),
		reflect.DeepEqual(want.Details, got.Details), reflect.DeepEqual(want.Comments, got.Comments),
		reflect.DeepEqual(want.Wikis, got.Wikis), reflect.DeepEqual(want.Activities, got.Activities),
		len(want.Activities), len(got.Activities))
	return false
}
