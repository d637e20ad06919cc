// Package canceltest helps tests that cancel an operation at many points
// of its course, to check that a call whose context ends half-way leaves
// nothing behind (a row the server applied while the call reported the
// cancellation, a clean-up skipped).
package canceltest

import (
	"context"
	"time"
)

// At returns a context derived from parent that is cancelled after the
// i-th of n equal steps of span — with span 1.5 times an uncancelled
// call's duration, i from 0 to n-1 cancels before, during and after the
// call — and its cancel function, which the caller calls when done.
func At(parent context.Context, i, n int, span time.Duration) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancel(parent)
	t := time.AfterFunc(span*time.Duration(i)/time.Duration(n), cancel)
	return c, func() {
		t.Stop()
		cancel()
	}
}
