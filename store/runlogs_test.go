package store

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/backlogsync/backlogsync"
)

func TestRunLogs(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *Store, c *clock) {
		ctx := t.Context()
		if _, err := s.RunLog(ctx, "nightly", 1); code(err) != backlogsync.ENOTFOUND {
			t.Fatalf("no log yet: %v", err)
		}
		if err := s.SaveRunLog(ctx, "", 1, "x"); code(err) != backlogsync.EINVALID {
			t.Fatalf("no job: %v", err)
		}
		if err := s.SaveRunLog(ctx, "nightly", 1, "first\n"); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveRunLog(ctx, "nightly", 1, "replaced\n"); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveRunLog(ctx, "hourly", 1, "other job\n"); err != nil {
			t.Fatal(err)
		}
		l, err := s.RunLog(ctx, "nightly", 1)
		if err != nil || l.Text != "replaced\n" || l.Truncated || !l.Saved.Equal(c.now()) {
			t.Fatalf("RunLog: %+v, %v", l, err)
		}
		// A long log is capped, keeping its start and its end.
		var b strings.Builder
		for i := 0; b.Len() < 3*MaxRunLog; i++ {
			b.WriteString("line ü ")
			b.WriteString(strings.Repeat("x", i%50))
			b.WriteString("\n")
		}
		long := "START\n" + b.String() + "THE ERROR AT THE END\n"
		if err := s.SaveRunLog(ctx, "nightly", 2, long); err != nil {
			t.Fatal(err)
		}
		l, err = s.RunLog(ctx, "nightly", 2)
		if err != nil {
			t.Fatal(err)
		}
		if !l.Truncated || len(l.Text) > MaxRunLog || len(l.Text) < MaxRunLog-1000 || !strings.HasPrefix(l.Text, "START\n") ||
			!strings.HasSuffix(l.Text, "THE ERROR AT THE END\n") || !strings.Contains(l.Text, "bytes of the log left out") || !utf8.ValidString(l.Text) {
			t.Fatalf("capped log: %d bytes, truncated %v, start %q, end %q", len(l.Text), l.Truncated, l.Text[:20], l.Text[len(l.Text)-30:])
		}
		// Saving a log prunes those older than the retention.
		c.add(RunLogRetention + time.Hour)
		if err := s.SaveRunLog(ctx, "nightly", 3, "new\n"); err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{1, 2} {
			if _, err := s.RunLog(ctx, "nightly", id); code(err) != backlogsync.ENOTFOUND {
				t.Errorf("log %d after %v: %v, want pruned", id, RunLogRetention, err)
			}
		}
		if _, err := s.RunLog(ctx, "nightly", 3); err != nil {
			t.Error(err)
		}
	})
}

func TestCapLog(t *testing.T) {
	if s, cut := CapLog("short", 100); s != "short" || cut {
		t.Fatalf("short: %q %v", s, cut)
	}
	in := strings.Repeat("日本語", 1000) // no newlines: cuts must fall between runes
	s, cut := CapLog(in, 1000)
	if !cut || len(s) > 1000 || !utf8.ValidString(s) {
		t.Fatalf("capped: %d bytes, cut %v, valid %v", len(s), cut, utf8.ValidString(s))
	}
}
