package main

// The bench's processes: the emulator child and what is measured of this
// process and of it (peak RSS, CPU time).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/backlogsync/backlogsync/emulator"
	"github.com/backlogsync/backlogsync/internal/cputime"
)

// maxRSSMiB is the peak resident set size of this process: VmHWM from
// /proc/self/status on Linux, else getrusage's ru_maxrss. (On Linux
// ru_maxrss is not enough: a child started with fork+exec inherits its
// parent's peak, so the rss scenario's fresh processes would report the
// bench's own.)
func maxRSSMiB() float64 {
	v := readMaxRSSMiB()
	// Linux records the high-water mark lazily (VmHWM reads max(recorded,
	// current)), so a reading taken while the RSS was at its peak can
	// exceed a later one: keep the largest seen.
	rssPeakMu.Lock()
	defer rssPeakMu.Unlock()
	rssPeak = max(rssPeak, v)
	return rssPeak
}

var (
	rssPeakMu sync.Mutex
	rssPeak   float64
)

// readMaxRSSMiB reads the peak RSS of this process in MiB: VmHWM, or
// getrusage's ru_maxrss where /proc is missing.
func readMaxRSSMiB() float64 {
	if data, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				f := strings.Fields(v) // "123456 kB"
				if len(f) == 2 && f[1] == "kB" {
					if kb, err := strconv.ParseFloat(f[0], 64); err == nil {
						return kb / 1024
					}
				}
			}
		}
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // kilobytes on Linux
}

// cpuSeconds is the user+system CPU time of this process.
func cpuSeconds() float64 { return cputime.Self().Seconds() }

// cpuSeconds is the user+system CPU time of the emulator process, read
// from /proc (0 where there is none).
func (e *childEmulator) cpuSeconds() float64 { return procCPUSeconds(e.cmd.Process.Pid) }

// childEmulator is "backlogsync-bench emulator" running as a child process.
type childEmulator struct {
	cmd       *exec.Cmd
	base, key string
	window    time.Duration // its rate-limit window
	done      chan error
}

// benchExecutable returns the binary to start children from; tests set
// BACKLOGSYNC_BENCH_EXE (their own binary runs as main with
// BACKLOGSYNC_TEST_AS_MAIN=1).
func benchExecutable() (string, error) {
	if exe := os.Getenv("BACKLOGSYNC_BENCH_EXE"); exe != "" {
		return exe, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding this program to start the emulator: %w", err)
	}
	return exe, nil
}

// benchChildEnv is the environment of child processes.
func benchChildEnv() []string { return os.Environ() }

// startChildEmulator starts "backlogsync-bench emulator" on a free port and waits
// for its banner.
func startChildEmulator(ctx context.Context, issues int, seed int64, profile string, window, timeout time.Duration, stderr io.Writer, extra ...string) (*childEmulator, error) {
	exe, err := benchExecutable()
	if err != nil {
		return nil, err
	}
	key := "bench" + strconv.FormatInt(time.Now().UnixNano(), 36)
	cmd := exec.Command(exe, "emulator", "--addr", "127.0.0.1:0", "--seed", strconv.FormatInt(seed, 10),
		"--issues", strconv.Itoa(issues), "--rate-limit", profile, "--rate-window", window.String(), "--api-key", key)
	cmd.Args = append(cmd.Args, extra...)
	cmd.Env = benchChildEnv()
	var errBuf bytes.Buffer
	cmd.Stderr = &errBuf
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the emulator (%s emulator): %w", exe, err)
	}
	e := &childEmulator{cmd: cmd, key: key, window: window, done: make(chan error, 1)}
	baseCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(outPipe)
		found := false
		for sc.Scan() {
			line := sc.Text()
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Base URL:"); ok && !found {
				found = true
				baseCh <- strings.TrimSpace(v)
			}
		}
		if !found {
			close(baseCh)
		}
		_, _ = io.Copy(io.Discard, outPipe)
		e.done <- cmd.Wait()
	}()
	select {
	case base, ok := <-baseCh:
		if !ok {
			<-e.done
			return nil, fmt.Errorf("the emulator exited before serving: %s", strings.TrimSpace(errBuf.String()))
		}
		e.base = base
	case <-time.After(timeout):
		e.stop()
		return nil, fmt.Errorf("the emulator did not serve within %v (--generate-timeout); %d issues may take longer to generate", timeout, issues)
	case <-ctx.Done():
		e.stop()
		return nil, ctx.Err()
	}
	return e, nil
}

// stop interrupts the emulator and waits for it (killing it after 10 s).
func (e *childEmulator) stop() {
	if e.cmd.ProcessState != nil {
		return
	}
	_ = e.cmd.Process.Signal(os.Interrupt)
	select {
	case <-e.done:
	case <-time.After(10 * time.Second):
		_ = e.cmd.Process.Kill()
		<-e.done
	}
}

// admin calls an admin route of the emulator and decodes the answer.
func (e *childEmulator) admin(ctx context.Context, method, path string, body, v any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, e.base+path, r)
	if err != nil {
		return err
	}
	req.Header.Set("Backlog-API-Key", e.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("emulator %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("emulator %s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("emulator %s %s: %s: %.300s", method, path, resp.Status, data)
	}
	return json.Unmarshal(data, v)
}

func (e *childEmulator) summary(ctx context.Context) (emulator.Summary, error) {
	var s emulator.Summary
	err := e.admin(ctx, http.MethodGet, "/_emulator/space", nil, &s)
	return s, err
}

func (e *childEmulator) churn(ctx context.Context, events int, seed int64) (emulator.ChurnResponse, error) {
	var rep emulator.ChurnResponse
	err := e.admin(ctx, http.MethodPost, "/_emulator/churn", map[string]any{"events": events, "seed": seed}, &rep)
	return rep, err
}
