package service

import (
	"context"
	"errors"
	"log/slog"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/backlogsync/backlogsync/replicate"
	"github.com/backlogsync/backlogsync/store"
)

// runLog collects the log of one run, in slog's text format, bounded in
// memory: it keeps the first half of store.MaxRunLog bytes and the newest
// half, counting what falls between.
type runLog struct {
	mu      sync.Mutex
	half    int
	head    []byte
	tail    []byte
	dropped int
}

func newRunLog(max int) *runLog { return &runLog{half: max / 2} }

// Write appends p (one record, from slog.TextHandler).
func (l *runLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.head)+len(p) <= l.half && len(l.tail) == 0 {
		l.head = append(l.head, p...)
		return len(p), nil
	}
	l.tail = append(l.tail, p...)
	if over := len(l.tail) - l.half; over > 0 {
		// Drop whole records from the front of the tail.
		cut := over
		for cut < len(l.tail) && l.tail[cut-1] != '\n' {
			cut++
		}
		l.dropped += cut
		l.tail = append(l.tail[:0], l.tail[cut:]...)
	}
	return len(p), nil
}

// String is the collected log, with a line where records were left out.
func (l *runLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := string(l.head)
	if l.dropped > 0 {
		s += "… " + strconv.Itoa(l.dropped) + " bytes of the log left out …\n"
	}
	return s + string(l.tail)
}

// secretParams are credentials that may appear inside logged URLs or
// headers, whatever the config says.
var secretParams = regexp.MustCompile(`(?i)(apiKey=|access_token=|refresh_token=|client_secret=|Bearer\s+|Backlog-API-Key:\s*)[^\s&"']+`)

// scrubLog removes the config's secrets and any credential parameter.
func (s *Service) scrubLog(text string) string {
	return secretParams.ReplaceAllString(s.notif.Scrub(text), "${1}****")
}

// tee sends each record to two handlers (serve's log and a run's log).
type tee struct{ a, b slog.Handler }

func (t tee) Enabled(ctx context.Context, lv slog.Level) bool {
	return t.a.Enabled(ctx, lv) || t.b.Enabled(ctx, lv)
}

func (t tee) Handle(ctx context.Context, r slog.Record) error {
	var errs []error
	if t.a.Enabled(ctx, r.Level) {
		errs = append(errs, t.a.Handle(ctx, r.Clone()))
	}
	if t.b.Enabled(ctx, r.Level) {
		errs = append(errs, t.b.Handle(ctx, r))
	}
	return errors.Join(errs...)
}

func (t tee) WithAttrs(as []slog.Attr) slog.Handler {
	return tee{t.a.WithAttrs(as), t.b.WithAttrs(as)}
}

func (t tee) WithGroup(name string) slog.Handler {
	return tee{t.a.WithGroup(name), t.b.WithGroup(name)}
}

// runLogger returns a logger writing to serve's log and to a new runLog
// (records of level Info and above).
func (s *Service) runLogger(job string) (*slog.Logger, *runLog) {
	l := newRunLog(store.MaxRunLog)
	var h slog.Handler = slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelInfo})
	h = h.WithAttrs([]slog.Attr{slog.String("instance", s.o.Instance)}) // New sets it; serve's log has it already
	return slog.New(tee{s.log.Handler(), h}).With("job", job), l
}

// saveRunLog stores the run's log, scrubbed, under each of its rows in the
// runs table (one per account).
func (s *Service) saveRunLog(job string, res *replicate.Result, l *runLog) {
	if res == nil {
		return
	}
	text := s.scrubLog(l.String())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, a := range res.Accounts {
		if a.RunID <= 0 {
			continue
		}
		if err := s.o.Store.SaveRunLog(ctx, job, a.RunID, text); err != nil {
			s.log.Error("run log not saved", "job", job, "run", a.RunID, "err", err)
		}
	}
}
