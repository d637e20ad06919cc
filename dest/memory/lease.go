package memory

import (
	"context"
	"sync"
	"time"

	bs "github.com/backlogsync/backlogsync"
)

// lease is a held lease (backlogsync.Leaser) of this in-process database.
type lease struct {
	holder  int64
	since   time.Time
	expires time.Time
}

var (
	holderMu sync.Mutex
	holders  int64
)

// Lease implements backlogsync.Leaser within the process.
func (db *DB) Lease(ctx context.Context, scope string, ttl time.Duration) (func() error, error) {
	if ttl < 3*time.Millisecond {
		return nil, bs.Errorf(bs.EINVALID, "lease %s: ttl %s is too short", scope, ttl)
	}
	holderMu.Lock()
	holders++
	me := holders
	holderMu.Unlock()
	db.mu.Lock()
	if err := db.check(ctx); err != nil {
		db.mu.Unlock()
		return nil, err
	}
	if db.leases == nil {
		db.leases = map[string]*lease{}
	}
	now := time.Now()
	if l := db.leases[scope]; l != nil && now.Before(l.expires) {
		// Read the lease before unlocking: its holder's renewer writes it.
		err := bs.Errorf(bs.EBUSY, "another run is replicating %s into this destination (holder %d since %s; its lease expires in %s unless renewed): wait for it to finish, or pass --wait DURATION to wait",
			scope, l.holder, l.since.UTC().Format(time.RFC3339), l.expires.Sub(now).Round(time.Second))
		db.mu.Unlock()
		return nil, err
	}
	db.leases[scope] = &lease{holder: me, since: now, expires: now.Add(ttl)}
	db.mu.Unlock()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				db.mu.Lock()
				if l := db.leases[scope]; l != nil && l.holder == me {
					l.expires = time.Now().Add(ttl)
				}
				db.mu.Unlock()
			}
		}
	}()
	var once sync.Once
	return func() error {
		once.Do(func() {
			close(stop)
			wg.Wait()
			db.mu.Lock()
			if l := db.leases[scope]; l != nil && l.holder == me {
				delete(db.leases, scope)
			}
			db.mu.Unlock()
		})
		return nil
	}, nil
}
