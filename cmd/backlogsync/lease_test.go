package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync/dest/sqlite"
)

// TestReplicateBusyDestination: while another run holds the destination's
// lease on a job and account, replicate exits 5 naming --wait; with --wait
// it runs once the lease is given back.
func TestReplicateBusyDestination(t *testing.T) {
	cfg, db := stateFixture(t)
	d, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	release, err := d.Lease(context.Background(), "sync/east", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "replicate", "-c", cfg, "sync")
	if code != exitBusy || !strings.Contains(errOut, "--wait") || !strings.Contains(errOut, "sync/east") {
		t.Fatalf("replicate while the lease is held: exit %d\n%s\n%s", code, out, errOut)
	}
	go func() { time.Sleep(500 * time.Millisecond); release() }()
	if code, out, errOut := runCLI(t, "replicate", "-c", cfg, "--wait", "20s", "sync"); code != exitOK {
		t.Fatalf("replicate --wait: exit %d\n%s\n%s", code, out, errOut)
	}
}
