package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	bs "github.com/backlogsync/backlogsync"
)

// A lease held by a process of this host that was killed (it can neither
// renew nor release) is taken at once, without waiting for its expiry; a
// live holder's is not.
func TestLeaseOfDeadProcessIsTaken(t *testing.T) {
	ctx := context.Background()
	d := open(t, filepath.Join(t.TempDir(), "lease.db"))
	host, _ := os.Hostname()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("no true(1):", err)
	}
	far := time.Now().Add(time.Hour).UnixMilli()
	for _, c := range []struct {
		pid  int
		want string
	}{{os.Getppid(), bs.EBUSY}, {dead.Process.Pid, ""}} {
		if _, err := d.SQL().ExecContext(ctx, `DELETE FROM _backlogsync_leases`); err != nil {
			t.Fatal(err)
		}
		holder := fmt.Sprintf("%s pid %d #abcd", host, c.pid)
		if _, err := d.SQL().ExecContext(ctx, `INSERT INTO _backlogsync_leases (scope, holder, expires_ms, acquired) VALUES ('j/a', ?, ?, '2026-01-01 00:00:00')`, holder, far); err != nil {
			t.Fatal(err)
		}
		release, err := d.Lease(ctx, "j/a", time.Minute)
		if got := bs.ErrorCode(err); got != c.want {
			t.Errorf("holder %q: lease error %v; want code %q", holder, err, c.want)
		}
		if err == nil {
			release()
		}
	}
}
