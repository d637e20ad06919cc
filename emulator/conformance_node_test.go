package emulator

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBacklogJSConformance drives an emulator listening on loopback with the
// official npm client backlog-js (conformance/run.mjs, pinned in
// conformance/package-lock.json) and fails when any call's response differs
// from entities.md or behaviour.md.
//
// It needs node and conformance/node_modules (npm ci --prefix conformance).
// When either is missing it skips, except under CI=true, where a skipped
// conformance test would hide a broken install, so it fails instead.
func TestBacklogJSConformance(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(root, "conformance", "run.mjs")
	unavailable := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf(format+" (CI=true: the conformance test must run; .ci/run installs its dependencies)", args...)
		}
		t.Skipf(format+"; run: npm ci --prefix conformance", args...)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		unavailable("node is not installed")
	}
	if _, err := os.Stat(filepath.Join(root, "conformance", "node_modules", "backlog-js", "package.json")); err != nil {
		unavailable("conformance/node_modules/backlog-js is missing")
	}
	if testing.Short() && os.Getenv("CI") != "true" {
		t.Skip("-short: skipping the backlog-js conformance run")
	}

	const adminKey = "conformance-admin-key"
	s, err := New(Options{Seed: 1, AdminAPIKey: adminKey, RateLimits: PaidLimits})
	if err != nil {
		t.Fatal(err)
	}
	base := s.Start()
	t.Cleanup(s.Close)

	memberKey := ""
	for _, u := range s.Users() {
		if u.RoleType != RoleAdmin && u.APIKey != "" {
			memberKey = u.APIKey
			break
		}
	}
	if memberKey == "" {
		t.Log("the generated space has no non-administrator user: member checks will be reported as blocked")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = root
	cmd.Env = append(os.Environ(),
		"BACKLOG_BASE_URL="+base,
		"BACKLOG_API_KEY="+adminKey,
		"BACKLOG_MEMBER_API_KEY="+memberKey,
		"BACKLOG_EMULATOR=1",
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node conformance/run.mjs: %v\n%s", err, out)
	}
	// On success show the summary line, or everything with -v.
	if testing.Verbose() {
		t.Logf("%s", out)
		return
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	t.Log(lines[len(lines)-1])
}
