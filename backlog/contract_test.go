package backlog

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/emulator"
)

// Contract tests: the same read scenarios run against the emulator (always,
// in virtual time) and against a real Backlog space when BACKLOG_URL and
// BACKLOG_API_KEY are set. Against a real space they only read, use at most
// half of each rate-limit window (WithMaxShare(0.5)) and assume nothing
// about the data beyond what they find; a scenario skips when the space
// lacks what it needs.

// contractTarget is one server the scenarios run against.
type contractTarget struct {
	c      *Client
	newBad func(key string) (*Client, error) // a client of the same space with another key
	emu    *emulator.Server                  // nil for a real space
}

var contractScenarios = []struct {
	name string
	run  func(t *testing.T, tg *contractTarget)
}{
	{"paging exact multiples and empty pages", contractOffsetPaging},
	{"minId maxId paging", contractCursorPaging},
	{"updatedSince", contractUpdatedSince},
	{"rate-limit headers", contractRateHeaders},
	{"error bodies", contractErrorBodies},
	{"auth failure", contractAuthFailure},
}

func TestContract_emulator(t *testing.T) {
	t.Parallel()
	for _, sc := range contractScenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				srv, c := newEmulator(t, emulator.Options{Seed: 42, RateLimits: emulator.PaidLimits})
				tg := &contractTarget{c: c, emu: srv, newBad: func(key string) (*Client, error) {
					return NewClient(emuBase, WithAPIKey(key), WithHTTPClient(srv.Client()), WithGovernor(NewGovernor(GovernorConfig{})))
				}}
				sc.run(t, tg)
			})
		})
	}
}

func TestContract_realSpace(t *testing.T) {
	base, key := os.Getenv("BACKLOG_URL"), os.Getenv("BACKLOG_API_KEY")
	if base == "" || key == "" {
		t.Skip("set BACKLOG_URL (e.g. https://example.backlog.com) and BACKLOG_API_KEY to run the contract tests against a real Backlog space")
	}
	c, err := NewClient(base, WithAPIKey(key), WithMaxShare(0.5))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Users.GetMyself(t.Context()); err != nil {
		t.Fatalf("BACKLOG_URL/BACKLOG_API_KEY do not work: %v", err)
	}
	tg := &contractTarget{c: c, newBad: func(k string) (*Client, error) { return NewClient(base, WithAPIKey(k)) }}
	for _, sc := range contractScenarios {
		t.Run(sc.name, func(t *testing.T) { sc.run(t, tg) }) // sequential: one request at a time
	}
}

// projectWithIssues returns a project with at least min issues and its count.
func projectWithIssues(t *testing.T, c *Client, min int) (*Project, int) {
	t.Helper()
	ps, _, err := c.Projects.List(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		n, _, err := c.Issues.Count(t.Context(), &IssueListOptions{ProjectIDs: []int64{p.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if n >= min {
			return p, n
		}
	}
	t.Skipf("no project with at least %d issues", min)
	return nil, 0
}

// contractOffsetPaging reads the tail of a project's issues in full pages
// that end exactly at the last issue, so the iterator's final request is an
// empty page; and asks for the empty page past the end directly.
func contractOffsetPaging(t *testing.T, tg *contractTarget) {
	c := tg.c
	p, n := projectWithIssues(t, c, 2)
	count := min(20, n/2)
	pages := min(3, n/count)
	offset := n - pages*count
	base := IssueListOptions{ProjectIDs: []int64{p.ID}, Sort: SortCreated, Order: OrderAsc}

	whole := base
	whole.ListOptions = ListOptions{Offset: offset, Count: pages * count}
	want, _, err := c.Issues.List(t.Context(), &whole)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != pages*count {
		t.Fatalf("offset %d count %d of %d issues: got %d", offset, pages*count, n, len(want))
	}
	if tg.emu != nil {
		tg.emu.ClearRequests()
	}
	paged := base
	paged.ListOptions = ListOptions{Offset: offset, Count: count}
	var got []int64
	for is, err := range c.Issues.ListIter(t.Context(), &paged) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, is.ID)
	}
	if !slices.Equal(got, ids(want)) {
		t.Errorf("paged ids %v, want %v", got, ids(want))
	}
	if tg.emu != nil {
		log := tg.emu.Requests()
		if len(log) != pages+1 {
			t.Errorf("%d requests for %d full pages, want %d (the last one empty)", len(log), pages, pages+1)
		} else if q := log[len(log)-1].Query; !strings.Contains(q, "offset="+itoa(n)) {
			t.Errorf("last request %q does not ask past the end (offset %d)", q, n)
		}
	}
	past := base
	past.ListOptions = ListOptions{Offset: n, Count: count}
	empty, _, err := c.Issues.List(t.Context(), &past)
	if err != nil {
		t.Fatal(err)
	}
	if empty == nil || len(empty) != 0 {
		t.Errorf("page past the end = %#v, want an empty (non-nil) list", empty)
	}
}

func ids[T interface{ *Issue | *Comment }](vs []T) []int64 {
	out := make([]int64, len(vs))
	for i, v := range vs {
		switch v := any(v).(type) {
		case *Issue:
			out[i] = v.ID
		case *Comment:
			out[i] = v.ID
		}
	}
	return out
}

func itoa(n int) string { return id(int64(n)) }

// contractCursorPaging checks comments paged by minId/maxId: one-by-one
// iteration in both orders gives the full list, and maxId/minId bounds hold
// (exclusive or inclusive; which one the server uses is logged).
func contractCursorPaging(t *testing.T, tg *contractTarget) {
	c := tg.c
	p, _ := projectWithIssues(t, c, 1)
	issues, _, err := c.Issues.List(t.Context(), &IssueListOptions{ProjectIDs: []int64{p.ID}, Sort: SortUpdated, ListOptions: ListOptions{Count: 20}})
	if err != nil {
		t.Fatal(err)
	}
	var key string
	for _, is := range issues {
		n, _, err := c.Issues.CountComments(t.Context(), is.IssueKey)
		if err != nil {
			t.Fatal(err)
		}
		if n >= 3 && n <= 100 {
			key = is.IssueKey
			break
		}
	}
	if key == "" {
		t.Skip("no issue with 3–100 comments among the 20 last updated")
	}
	all, _, err := c.Issues.ListComments(t.Context(), key, &CursorOptions{Count: 100, Order: OrderDesc})
	if err != nil {
		t.Fatal(err)
	}
	desc := ids(all)
	if !slices.IsSortedFunc(desc, func(a, b int64) int { return int(b - a) }) {
		t.Fatalf("desc order: %v", desc)
	}
	var got []int64
	for cm, err := range c.Issues.CommentsIter(t.Context(), key, &CursorOptions{Count: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, cm.ID)
	}
	if !slices.Equal(got, desc) {
		t.Errorf("desc one by one: %v, want %v", got, desc)
	}
	got = got[:0]
	for cm, err := range c.Issues.CommentsIter(t.Context(), key, &CursorOptions{Count: 2, Order: OrderAsc}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, cm.ID)
	}
	asc := slices.Clone(desc)
	slices.Reverse(asc)
	if !slices.Equal(got, asc) {
		t.Errorf("asc two by two: %v, want %v", got, asc)
	}
	below, _, err := c.Issues.ListComments(t.Context(), key, &CursorOptions{MaxID: desc[1], Count: 100})
	if err != nil {
		t.Fatal(err)
	}
	above, _, err := c.Issues.ListComments(t.Context(), key, &CursorOptions{MinID: desc[len(desc)-2], Count: 100, Order: OrderAsc})
	if err != nil {
		t.Fatal(err)
	}
	switch b := ids(below); {
	case slices.Equal(b, desc[2:]):
		t.Logf("maxId is exclusive")
	case slices.Equal(b, desc[1:]):
		t.Logf("maxId is inclusive")
	default:
		t.Errorf("maxId=%d: %v, want %v (exclusive) or %v (inclusive)", desc[1], b, desc[2:], desc[1:])
	}
	switch a := ids(above); {
	case slices.Equal(a, asc[2:]):
		t.Logf("minId is exclusive")
	case slices.Equal(a, asc[1:]):
		t.Logf("minId is inclusive")
	default:
		t.Errorf("minId=%d: %v, want %v (exclusive) or %v (inclusive)", asc[1], a, asc[2:], asc[1:])
	}
	if tg.emu != nil && len(ids(below)) != len(desc)-2 {
		t.Errorf("the emulator's default bounds are exclusive")
	}
}

// contractUpdatedSince: issues listed with updatedSince were all updated on
// or after that day (one day of slack for the space's time zone), and there
// are no more of them than without the filter.
func contractUpdatedSince(t *testing.T, tg *contractTarget) {
	c := tg.c
	p, n := projectWithIssues(t, c, 2)
	recent, _, err := c.Issues.List(t.Context(), &IssueListOptions{ProjectIDs: []int64{p.ID}, Sort: SortUpdated, Order: OrderDesc, ListOptions: ListOptions{Count: 100}})
	if err != nil {
		t.Fatal(err)
	}
	since := DateOf(recent[len(recent)/2].Updated)
	opts := &IssueListOptions{ProjectIDs: []int64{p.ID}, UpdatedSince: since, Sort: SortUpdated, Order: OrderDesc, ListOptions: ListOptions{Count: 100}}
	list, _, err := c.Issues.List(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := c.Issues.Count(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if m == 0 || m > n || len(list) != min(m, 100) {
		t.Errorf("updatedSince %s: count %d of %d, listed %d", since, m, n, len(list))
	}
	slack := since.Time().Add(-24 * time.Hour)
	for _, is := range list {
		if is.Updated.Before(slack) {
			t.Errorf("%s updated %s, before updatedSince %s", is.IssueKey, is.Updated, since)
		}
	}
	if len(list) < len(recent)/2 {
		t.Errorf("updatedSince %s lists %d issues; at least %d of the last updated qualify", since, len(list), len(recent)/2)
	}
}

// contractRateHeaders: answers carry X-RateLimit-* for the request's class,
// consistent with GET /rateLimit.
func contractRateHeaders(t *testing.T, tg *contractTarget) {
	c := tg.c
	rl, resp, err := c.RateLimit.Get(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []Rate{rl.Read, rl.Update, rl.Search, rl.Icon} {
		if r.Limit <= 0 || r.Remaining < 0 || r.Remaining > r.Limit || r.Reset.IsZero() {
			t.Errorf("GET /rateLimit %s: %+v", r.Class, r)
		}
	}
	if rl.Read.Limit < rl.Search.Limit || rl.Update.Limit < rl.Icon.Limit {
		t.Errorf("limits out of proportion: %+v", rl)
	}
	if tg.emu != nil {
		p := emulator.PaidLimits
		if rl.Read.Limit != p.Read || rl.Update.Limit != p.Update || rl.Search.Limit != p.Search || rl.Icon.Limit != p.Icon {
			t.Errorf("emulator limits %+v, want the paid profile", rl)
		}
	}
	check := func(what string, r Rate, class RateClass, limit int) {
		t.Helper()
		now := time.Now()
		if r.Class != class || r.Limit != limit || r.Remaining < 0 || r.Remaining >= r.Limit {
			t.Errorf("%s: rate %+v, want class %s limit %d", what, r, class, limit)
		}
		if !r.Reset.After(now.Add(-time.Second)) || r.Reset.After(now.Add(2*time.Minute)) {
			t.Errorf("%s: reset %s not within the next window (now %s)", what, r.Reset, now)
		}
	}
	check("GET /rateLimit", resp.Rate, RateRead, rl.Read.Limit)
	_, resp, err = c.Space.Get(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	check("GET /space", resp.Rate, RateRead, rl.Read.Limit)
	before := resp.Rate.Remaining
	_, resp, err = c.Projects.List(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Rate.Reset.Equal(c.LastRate(RateRead).Reset) && resp.Rate.Remaining >= before {
		t.Errorf("remaining did not go down: %d then %d", before, resp.Rate.Remaining)
	}
	_, resp, err = c.Issues.Count(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	check("GET /issues/count", resp.Rate, RateSearch, rl.Search.Limit)
	if got := c.Governor().Budget(c, RateSearch); got.Limit != rl.Search.Limit {
		t.Errorf("governor learned search budget %+v", got)
	}
}

// contractErrorBodies: unknown objects are 404 with code 6, bad parameters
// 400 with code 7, each with Backlog's error body.
func contractErrorBodies(t *testing.T, tg *contractTarget) {
	c := tg.c
	tests := []struct {
		name   string
		call   func() error
		status int
		code   ErrorCode
		ecode  string
	}{
		{"unknown issue", func() error { _, _, err := c.Issues.Get(t.Context(), "NOSUCHPROJECT0-999999", nil); return err },
			404, CodeNoResource, backlogsync.ENOTFOUND},
		{"unknown project", func() error { _, _, err := c.Projects.Get(t.Context(), "NOSUCHPROJECT0"); return err },
			404, CodeNoResource, backlogsync.ENOTFOUND},
		{"count out of range", func() error {
			_, _, err := c.Issues.List(t.Context(), &IssueListOptions{ListOptions: ListOptions{Count: 101}})
			return err
		}, 400, CodeInvalidRequest, backlogsync.EINVALID},
		{"bad order", func() error {
			_, _, err := c.Issues.List(t.Context(), &IssueListOptions{Order: "sideways"})
			return err
		}, 400, CodeInvalidRequest, backlogsync.EINVALID},
	}
	for _, tt := range tests {
		err := tt.call()
		var er *ErrorResponse
		if !errors.As(err, &er) {
			t.Errorf("%s: err = %v, want *ErrorResponse", tt.name, err)
			continue
		}
		var re *RetryError
		if errors.As(err, &re) {
			t.Errorf("%s: retried a %d", tt.name, er.StatusCode())
		}
		if er.StatusCode() != tt.status || !er.HasCode(tt.code) || len(er.Errors) == 0 || er.Errors[0].Message == "" {
			t.Errorf("%s: %d %+v, want %d with code %d and a message", tt.name, er.StatusCode(), er.Errors, tt.status, tt.code)
		}
		if got := backlogsync.ErrorCode(err); got != tt.ecode {
			t.Errorf("%s: ErrorCode = %s, want %s", tt.name, got, tt.ecode)
		}
	}
}

// contractAuthFailure: a wrong API key is a 401 *AuthError that says the key
// was rejected, never shows the key, and is not retried.
func contractAuthFailure(t *testing.T, tg *contractTarget) {
	const bad = "ThisIsNotAValidBacklogApiKey0123456789abcdefghijklmnopqrstuv"
	c, err := tg.newBad(bad)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Space.Get(t.Context())
	var ae *AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want *AuthError", err)
	}
	if ae.Reason != AuthKeyRejected || ae.Response.StatusCode != 401 {
		t.Errorf("reason %s status %d", ae.Reason, ae.Response.StatusCode)
	}
	if msg := err.Error(); strings.Contains(msg, bad) || !strings.Contains(msg, "the API key was rejected") {
		t.Errorf("message %q", msg)
	}
	if backlogsync.ErrorCode(err) != backlogsync.EUNAUTHORIZED {
		t.Errorf("Code = %s", backlogsync.ErrorCode(err))
	}
	if n := c.Stats().Total().Requests; n != 1 {
		t.Errorf("%d attempts for a 401, want 1", n)
	}
}
