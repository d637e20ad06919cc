package emulator

import (
	"context"
	"sync"
	"time"
)

// Churn as the server offers it: at once (Churn, ChurnWith) or in the
// background (StartChurn); the engine is gen_churn.go.

// Churn applies n events of DefaultChurnMix at once, drawn from seed.
func (s *Server) Churn(n int, seed int64) ChurnReport {
	return s.ChurnWith(n, ChurnOptions{Seed: seed})
}

// ChurnWith applies n events at once with the given seed and mix (Rate is
// ignored).
func (s *Server) ChurnWith(n int, opts ChurnOptions) ChurnReport {
	c := newChurner(s.churnStore, opts)
	rep := ChurnReport{Counts: map[ChurnKind]int{}}
	for range n {
		c.step(&rep)
	}
	return rep
}

// StartChurn applies events at opts.Rate per second in the background until
// ctx is done or stop is called; stop waits for the current event to finish.
func (s *Server) StartChurn(ctx context.Context, opts ChurnOptions) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	rate := opts.Rate
	if rate <= 0 {
		rate = 1
	}
	c := newChurner(s.churnStore, opts)
	go func() {
		defer close(done)
		interval := max(time.Duration(float64(time.Second)/rate), 10*time.Millisecond)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		start, applied := time.Now(), 0
		rep := ChurnReport{Counts: map[ChurnKind]int{}}
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-tick.C:
				due := int(rate*now.Sub(start).Seconds()) - applied
				for range min(due, 10000) {
					if ctx.Err() != nil {
						return
					}
					c.step(&rep)
					// Keep the report small: only the counts matter here.
					rep = ChurnReport{Counts: rep.Counts}
				}
				applied += due
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
}

// churnStore is a churner's view of the server: the current store, held
// with storeMu so that a concurrent Reseed cannot swap it mid-event.
func (s *Server) churnStore() (*store, time.Time, func()) {
	s.storeMu.RLock()
	return s.store, s.now(), s.storeMu.RUnlock
}
