package replicate

import (
	"context"
	"sync"

	"github.com/backlogsync/backlogsync"
)

// serialDest is the destination as the accounts of one job share it: the
// calls that change it (Migrate, Write, WriteAll, Truncate, Drop,
// StartRun, FinishRun) run one at a time, while reads and the accounts'
// API requests stay concurrent. Two accounts creating or widening the
// same table at once would otherwise race on its DDL (MariaDB: duplicate
// index), and on PostgreSQL two write transactions on one table could wait
// for each other through the connection pool where the server cannot see
// the cycle. Each call is one transaction, so holding the lock for its
// length cannot deadlock.
type serialDest struct {
	backlogsync.Destination
	mu *sync.Mutex
}

// serialMultiDest is a serialDest of a backlogsync.MultiWriter.
type serialMultiDest struct {
	serialDest
	mw backlogsync.MultiWriter
}

// shared returns d wrapped for use by several accounts at once.
func shared(d backlogsync.Destination) backlogsync.Destination {
	s := serialDest{Destination: d, mu: &sync.Mutex{}}
	if mw, ok := d.(backlogsync.MultiWriter); ok {
		return serialMultiDest{s, mw}
	}
	return s
}

// Migrate implements backlogsync.Destination.
func (s serialDest) Migrate(ctx context.Context, t *backlogsync.Table) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Destination.Migrate(ctx, t)
}

// Write implements backlogsync.Destination.
func (s serialDest) Write(ctx context.Context, b backlogsync.Batch) (backlogsync.WriteResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Destination.Write(ctx, b)
}

// Truncate implements backlogsync.Destination.
func (s serialDest) Truncate(ctx context.Context, table string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Destination.Truncate(ctx, table)
}

// Drop implements backlogsync.Destination.
func (s serialDest) Drop(ctx context.Context, table string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Destination.Drop(ctx, table)
}

// StartRun implements backlogsync.Destination.
func (s serialDest) StartRun(ctx context.Context, r backlogsync.Run) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Destination.StartRun(ctx, r)
}

// FinishRun implements backlogsync.Destination.
func (s serialDest) FinishRun(ctx context.Context, r backlogsync.Run) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Destination.FinishRun(ctx, r)
}

// WriteAll implements backlogsync.MultiWriter.
func (s serialMultiDest) WriteAll(ctx context.Context, batches []backlogsync.Batch) ([]backlogsync.WriteResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mw.WriteAll(ctx, batches)
}
