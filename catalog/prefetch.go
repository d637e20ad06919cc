package catalog

import (
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/backlogsync/backlogsync/backlog"
)

// issueCall is one per-issue list call (comments, participants, related
// issues): its memo key and how to make it. ok false means no call is
// needed for the issue.
type issueCall[T any] struct {
	key  string
	load func() ([]T, error)
	ok   bool
}

// eachIssueList calls fn with the list that plan's call returns for every
// issue q allows, in the issues' order. When the engine gave the issue page
// (Session.Issues) and allows concurrency (Session.Concurrency > 1), the
// page's calls are made first, up to Concurrency at once, so that Backlog's
// latency is paid once per group of calls instead of once per issue; rows
// are still emitted in order, so checkpoints and writes see exactly what a
// sequential read would give. A failed prefetch is reported when its issue's
// turn comes (a deleted issue's 404 is skipped as in eachIssue).
func eachIssueList[T any](f *fetcher, q *Query, plan func(is *backlog.Issue) issueCall[T], fn func(is *backlog.Issue, list []T) error) error {
	failed := prefetchIssueLists(f, q, plan)
	return f.eachIssue(q, func(is *backlog.Issue) error {
		c := plan(is)
		if !c.ok {
			return nil
		}
		if err, ok := failed[c.key]; ok {
			return err
		}
		list, err := memo(f, c.key, c.load)
		if err != nil {
			return err
		}
		return fn(is, list)
	})
}

// prefetchIssueLists makes the calls of the session's issue page that are
// not memoised yet, Concurrency at a time, and returns the errors by key.
func prefetchIssueLists[T any](f *fetcher, q *Query, plan func(is *backlog.Issue) issueCall[T]) map[string]error {
	s := f.s
	if s == nil || s.Issues == nil || s.Concurrency <= 1 {
		return nil
	}
	var calls []issueCall[T]
	seen := map[string]bool{}
	_ = f.eachIssue(q, func(is *backlog.Issue) error {
		c := plan(is)
		if !c.ok || seen[c.key] {
			return nil
		}
		seen[c.key] = true
		s.mu.Lock()
		_, done := s.memo[c.key]
		s.mu.Unlock()
		if !done {
			calls = append(calls, c)
		}
		return nil
	})
	if len(calls) < 2 {
		return nil
	}
	var (
		mu       sync.Mutex
		failed   = map[string]error{}
		panicked *GoroutinePanic // the first panic of a read
		wg       sync.WaitGroup
		sem      = make(chan struct{}, s.Concurrency)
	)
	for _, c := range calls {
		if f.ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() {
				if v := recover(); v != nil {
					mu.Lock()
					if panicked == nil {
						panicked = NewGoroutinePanic(v, "prefetching "+c.key)
					}
					mu.Unlock()
				}
				<-sem
				wg.Done()
			}()
			if _, err := memo(f, c.key, c.load); err != nil {
				mu.Lock()
				failed[c.key] = err
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if panicked != nil {
		// In the caller's goroutine, where the run that reads can
		// recover it (a panic here would end the process).
		panic(panicked)
	}
	return failed
}

// GoroutinePanic is the panic of a goroutine a read started, panicked
// again in the goroutine that started it (where the run can recover it; a
// panic in the other goroutine would end the process).
type GoroutinePanic struct {
	Value any
	// Where says what the goroutine was doing.
	Where string
	// Stack is the goroutine's stack where it panicked.
	Stack []byte
}

// NewGoroutinePanic is the GoroutinePanic of v, recovered in a goroutine
// that was doing where. Call it in the deferred function that recovered
// v: Stack is the stack it is called on, which then still holds the
// panic's frames.
func NewGoroutinePanic(v any, where string) *GoroutinePanic {
	return &GoroutinePanic{Value: v, Where: where, Stack: debug.Stack()}
}

func (p *GoroutinePanic) String() string { return fmt.Sprintf("%v (%s)", p.Value, p.Where) }
