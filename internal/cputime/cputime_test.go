package cputime

import (
	"os"
	"runtime"
	"testing"
	"time"
)

// burn spins this goroutine for about d of CPU time as Self measures it.
func burn(d time.Duration) {
	start := Self()
	x := 0
	for {
		for i := range 1 << 16 {
			x += i
		}
		if Self()-start >= d {
			break
		}
	}
	runtime.KeepAlive(x)
}

// TestSelf: CPU time grows by at least what a busy loop spends, and not by
// wall time spent asleep.
func TestSelf(t *testing.T) {
	if !Supported {
		if d := Self(); d != 0 {
			t.Fatalf("Self = %v where not supported, want 0", d)
		}
		return
	}
	before := Self()
	if before <= 0 {
		t.Fatalf("Self = %v after the test binary started", before)
	}
	burn(50 * time.Millisecond)
	mid := Self()
	if mid-before < 50*time.Millisecond {
		t.Errorf("CPU time grew by %v in a 50 ms busy loop", mid-before)
	}
	time.Sleep(200 * time.Millisecond)
	after := Self()
	if after-mid > 100*time.Millisecond {
		t.Errorf("CPU time grew by %v while asleep for 200 ms", after-mid)
	}
}

// TestProcess reads this process through /proc and agrees with Self to
// within /proc's resolution (and what ran between the two readings).
func TestProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		if _, err := Process(os.Getpid()); err == nil {
			t.Error("Process answered without /proc")
		}
		return
	}
	burn(100 * time.Millisecond)
	self := Self()
	proc, err := Process(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if d := proc - self; d < -50*time.Millisecond || d > 50*time.Millisecond {
		t.Errorf("Process(self) = %v, Self = %v", proc, self)
	}
	if _, err := Process(-1); err == nil {
		t.Error("Process(-1) answered")
	}
}

func TestParseStat(t *testing.T) {
	for _, tc := range []struct {
		line string
		want time.Duration
		ok   bool
	}{
		// The command name may hold spaces and ')'.
		{"1234 (a b) c) S 1 2 3 4 5 6 7 8 9 10 250 130 0 0 20 0 1", 3800 * time.Millisecond, true},
		{"1 (init) S 0 1 1 0 -1 4194560 1 2 3 4 0 1 2", 10 * time.Millisecond, true},
		{"1 init S 0 1", 0, false},
		{"1 (init) S 0 1 1", 0, false},
		{"1 (x) S 1 2 3 4 5 6 7 8 9 10 u 1", 0, false},
	} {
		got, err := parseStat([]byte(tc.line))
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseStat(%q) = %v, %v; want %v (ok %v)", tc.line, got, err, tc.want, tc.ok)
		}
	}
}
