package emuserve

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync/emulator"
	"github.com/backlogsync/backlogsync/internal/cli"
)

func TestParseArgs(t *testing.T) {
	cfg, err := ParseArgs("backlogsync emulator", nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:8787" || cfg.Opts.Seed != 1 || cfg.Opts.Size != emulator.DefaultSize ||
		cfg.Opts.RateLimits != emulator.PaidLimits || cfg.Opts.RateWindow != time.Minute || cfg.TLS ||
		cfg.Opts.SpaceKey != "demo" || cfg.Opts.AdminAPIKey != "" || cfg.Opts.InclusiveIDBounds ||
		!strings.HasSuffix(cfg.CertFile, filepath.Join("backlogsync", "emulator-cert.pem")) {
		t.Errorf("defaults: %+v", cfg)
	}
	cfg, err = ParseArgs("backlogsync emulator", []string{"--addr", "127.0.0.1:0", "--seed", "7", "--projects", "2", "--users", "5",
		"--teams", "1", "--issues", "10000", "--comments", "20", "--wikis", "3", "--documents", "4", "--repositories", "1",
		"--pull-requests", "6", "--shared-files", "8", "--rate-limit", "free", "--rate-window", "5s", "--tls",
		"--cert-file", "/tmp/x.pem", "--api-key", "KEY_1", "--space-key", "acme", "--inclusive-id-bounds"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := emulator.Size{Projects: 2, Users: 5, Teams: 1, Issues: 10000, Comments: 20, Wikis: 3, Documents: 4,
		Repositories: 1, PullRequests: 6, SharedFiles: 8}
	if cfg.Opts.Size != want || cfg.Opts.Seed != 7 || cfg.Opts.RateLimits != emulator.FreeLimits ||
		cfg.Opts.RateWindow != 5*time.Second || !cfg.TLS || cfg.CertFile != "/tmp/x.pem" ||
		cfg.Opts.AdminAPIKey != "KEY_1" || cfg.Opts.SpaceKey != "acme" || !cfg.Opts.InclusiveIDBounds {
		t.Errorf("all flags: %+v", cfg)
	}
	if cfg, _ := ParseArgs("backlogsync emulator", []string{"--issues", "10000"}, io.Discard); cfg.Opts.Size.Comments != 30000 {
		t.Errorf("--issues alone: comments %d, want 3 per issue like the default space", cfg.Opts.Size.Comments)
	}
	if cfg, _ := ParseArgs("backlogsync emulator", []string{"--rate-limit", "off"}, io.Discard); cfg.Opts.RateLimits != (emulator.RateLimits{}) {
		t.Errorf("off: %+v", cfg.Opts.RateLimits)
	}

	var stdout bytes.Buffer
	if _, err := ParseArgs("backlogsync emulator", []string{"-h"}, &stdout); !errors.Is(err, flag.ErrHelp) ||
		!strings.Contains(stdout.String(), "--rate-limit profile") || !strings.Contains(stdout.String(), "--pull-requests int") {
		t.Errorf("-h: %v %s", err, stdout.String())
	}
	if !strings.Contains(stdout.String(), "Usage: backlogsync emulator [flags]") {
		t.Errorf("-h names the command:\n%s", stdout.String())
	}
	_, err = ParseArgs("x", []string{"--rate-limit", "fast"}, io.Discard)
	var ue *cli.UsageError
	if !errors.As(err, &ue) || !strings.Contains(ue.Msg, `--rate-limit "fast": use paid, free or off`) {
		t.Errorf("bad flag: %v", err)
	}
}
