package service

import (
	"context"
	"reflect"
	"time"
)

// DefaultStoredSync is how often serve re-reads the stored jobs when its
// state database is shared (PostgreSQL): the longest a job added, changed
// or removed on one instance goes unnoticed by the others.
const DefaultStoredSync = 30 * time.Second

// SyncStored brings this instance's stored jobs in step with the state
// database, where another instance (or this one's REST API) may have added,
// changed or removed some: new and changed jobs are put into the scheduler
// (no catch-up run), removed ones taken out. A stored job whose name a
// config job has, or whose schedule does not parse, is left out with a
// warning, as at start. It returns the number of jobs added, changed and
// removed.
func (s *Service) SyncStored(ctx context.Context) (added, changed, removed int, err error) {
	s.storedMu.Lock()
	defer s.storedMu.Unlock()
	js, err := s.o.Store.Jobs(ctx)
	if err != nil {
		return 0, 0, 0, err
	}
	seen := map[string]bool{}
	for _, sj := range js {
		seen[sj.Name] = true
		s.jmu.RLock()
		cur, has := s.jobs[sj.Name]
		id, stored := s.stored[sj.Name]
		s.jmu.RUnlock()
		if has && !stored {
			continue // a config job's name: the config's runs (warned at start)
		}
		cj, _ := storedConfig(sj)
		if stored && id == sj.ID && reflect.DeepEqual(cur, cj) {
			continue
		}
		job, err := s.jobFromConfig(cj, time.Time{})
		if err != nil {
			s.log.Warn("stored job left out: its schedule does not parse", "job", sj.Name, "err", err)
			continue
		}
		s.install(cj, sj.ID, job)
		if has {
			changed++
		} else {
			added++
		}
	}
	var gone []string
	s.jmu.RLock()
	for name := range s.stored {
		if !seen[name] {
			gone = append(gone, name)
		}
	}
	s.jmu.RUnlock()
	s.uninstall(gone...)
	if added+changed+len(gone) > 0 {
		s.log.Info("stored jobs re-read from the state database", "added", added, "changed", changed, "removed", len(gone))
	}
	return added, changed, len(gone), nil
}

// syncStoredEvery calls SyncStored every d until ctx is done.
func (s *Service) syncStoredEvery(ctx context.Context, d time.Duration) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, _, _, err := s.SyncStored(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("stored jobs not re-read from the state database", "err", err)
			}
		}
	}
}
