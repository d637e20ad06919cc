package catalog

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/backlog"
)

// Session shares API results between Fetch calls, so that tables filled
// from the same calls (Projects and its child tables, IssueComments and its
// change logs, WikiPages and its tags…) read each resource once. It also
// lets the replication engine narrow what a fetch reads:
//
//   - Issues stands for GET /issues: tables read through the issue list
//     (Issues and its child tables) see these issues instead, filtered by
//     their query. The engine reads the issue list itself, page by page.
//   - CommentsAbove limits the comment reads of the issues it names to
//     comments with a larger id (the last comment the destination holds).
//   - Unchanged tells the fetch that the destination already holds an
//     object at this version: its detail calls are not made and no rows of
//     it are emitted (the engine keeps the stored rows). Kept lists them.
//
// Results are kept for the Session's lifetime: use one per group of tables
// read together. Errors are not kept. A Session is safe for concurrent use.
type Session struct {
	// Issues, when non-nil, replaces GET /issues (see Session).
	Issues []*backlog.Issue
	// CommentsAbove maps an issue id to the last comment id already held;
	// only comments above it are read. Issues absent from a non-nil map
	// have all their comments read.
	CommentsAbove map[int64]int64
	// NoComments, when set, reports issues whose comments need no call
	// (an issue never updated has none).
	NoComments func(is *backlog.Issue) bool
	// Unchanged reports whether the destination holds the object of kind
	// (KindWiki, KindPullRequest) and id at version updated.
	Unchanged func(kind, id string, updated time.Time) bool
	// Concurrency is how many per-issue calls of an issue page (comments,
	// participants, related issues) may be in flight at once; 0 or 1 reads
	// them one by one. It only applies when Issues is set.
	Concurrency int

	mu   sync.Mutex
	memo map[string]any
	kept map[string]map[string]bool
}

// Object kinds of Session.Unchanged and Session.Kept: wiki pages (a page
// whose Updated did not move has the same content, tags, files, stars and
// history) and pull requests (a new comment moves the pull request's
// Updated). Documents are not narrowed: their comments do not move them.
const (
	KindWiki        = "wiki"
	KindPullRequest = "pullRequest"
)

// KeptColumn returns the kind of object whose unchanged rows a table's
// fetch skips and the column holding the object's id ("" when the table
// is not narrowed by Session.Unchanged).
func KeptColumn(table string) (kind, column string) {
	switch table {
	case "WikiPages":
		return KindWiki, "Id"
	case "WikiPageTags", "WikiPageAttachments", "WikiPageLinkedSharedFiles", "WikiPageStars", "WikiPageHistory":
		return KindWiki, "WikiId"
	case "PullRequestComments", "PullRequestCommentChangeLog", "PullRequestCommentNotifications", "PullRequestCommentStars":
		return KindPullRequest, "PullRequestId"
	}
	return "", ""
}

// Kept returns the ids of kind that Unchanged reported unchanged so far.
func (s *Session) Kept(kind string) map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]bool, len(s.kept[kind]))
	for k := range s.kept[kind] {
		out[k] = true
	}
	return out
}

// unchanged asks s.Unchanged and records the answer.
func (f *fetcher) unchanged(kind, id string, updated time.Time) bool {
	s := f.s
	if s == nil || s.Unchanged == nil || updated.IsZero() || !s.Unchanged(kind, id, updated.UTC().Truncate(time.Second)) {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.kept == nil {
		s.kept = map[string]map[string]bool{}
	}
	if s.kept[kind] == nil {
		s.kept[kind] = map[string]bool{}
	}
	s.kept[kind][id] = true
	return true
}

// FetchWith is Fetch sharing the calls of s (nil s is Fetch).
func FetchWith(ctx context.Context, client *backlog.Client, table string, q Query, s *Session, emit func(backlogsync.Row) error) error {
	return fetch(ctx, client, table, q, s, emit)
}

// memo returns the result of load for key, made once per Session (every
// time without one). Only successes are kept.
func memo[T any](f *fetcher, key string, load func() (T, error)) (T, error) {
	s := f.s
	if s == nil {
		return load()
	}
	s.mu.Lock()
	v, ok := s.memo[key]
	s.mu.Unlock()
	if ok {
		return v.(T), nil
	}
	r, err := load()
	if err != nil {
		return r, err
	}
	s.mu.Lock()
	if s.memo == nil {
		s.memo = map[string]any{}
	}
	s.memo[key] = r
	s.mu.Unlock()
	return r, nil
}

// collect reads an iterator into a slice.
func collect[T any](seq func(func(T, error) bool)) ([]T, error) {
	var out []T
	err := each(seq, func(v T) error {
		out = append(out, v)
		return nil
	})
	return out, err
}

// key builds a memo key from a call name and its parameters.
func key(name string, args ...any) string { return fmt.Sprint(append([]any{name}, args...)...) }

// ProjectIDs returns the ids of every project the client sees (GET
// /projects?all=true), read once per Session (s may be nil).
func ProjectIDs(ctx context.Context, client *backlog.Client, s *Session) ([]int64, error) {
	f := &fetcher{ctx: ctx, c: client, s: s}
	var ids []int64
	err := f.projects(Query{}, func(p *backlog.Project) error {
		ids = append(ids, p.ID)
		return nil
	})
	return ids, err
}
