// Package cputime measures CPU time (user + system) of this process and of
// other processes: benchmarks and speed tests report work per CPU second,
// which a busy shared machine does not skew the way it skews wall time.
package cputime

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Self returns the user+system CPU time this process has used so far
// (getrusage RUSAGE_SELF), or 0 where it is not measured (Supported false).
func Self() time.Duration { return self() }

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's times: 100 on
// every Linux architecture Go supports.
const clockTicks = 100

// Process returns the user+system CPU time process pid has used so far,
// read from /proc/<pid>/stat (Linux; an error where there is no /proc or
// no such process). Its resolution is 1/100 s.
func Process(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseStat(data)
}

// parseStat reads utime and stime out of a /proc/<pid>/stat line.
func parseStat(data []byte) (time.Duration, error) {
	// The command name (field 2) is in parentheses and may hold spaces and
	// parentheses itself: count fields after the last ')'. There, state is
	// field 3, utime 14 and stime 15, in clock ticks.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, errors.New("cputime: no command name in /proc stat")
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("cputime: %d fields after the command name in /proc stat, want 13 or more", len(f))
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("cputime: /proc stat: %w", err)
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}
