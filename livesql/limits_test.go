package livesql

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
)

// A statement that never ends stops at the context's deadline, and one
// whose result is too big at MaxRows, each with an error that says what
// to change.
func TestLiveLimits(t *testing.T) {
	const endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
	s := newSpace(t, 3)
	for _, tc := range []struct {
		name, sql string
		maxRows   int
		want      string
	}{
		{"endless aggregate", endless + "SELECT count(*) FROM c", 0, "ran out of time"},
		{"endless rows", endless + "SELECT x FROM c", 1000, "more than 1000 rows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lq, err := PrepareLive(t.Context(), tc.sql)
			if err != nil {
				t.Fatal(err)
			}
			defer lq.Close()
			lq.MaxRows = tc.maxRows
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err = lq.Run(ctx, s.client, "demo")
			if backlogsync.ErrorCode(err) != backlogsync.EINVALID || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want EINVALID with %q", err, tc.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("stopped after %s", d)
			}
		})
	}
}
