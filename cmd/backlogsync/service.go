package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/config"
	"github.com/backlogsync/backlogsync/internal/seal"
	bsserver "github.com/backlogsync/backlogsync/server"
	"github.com/backlogsync/backlogsync/service"
	"github.com/backlogsync/backlogsync/store"
)

// newService builds serve's unattended half for the config at path: the
// scheduler of its jobs, /metrics, /readyz and the REST API (call Mount,
// then Run). Each account gets one Backlog client for the server's life,
// so its rate budget carries over from run to run; credentials resolve as
// for replicate (flags aside: environment, then the config file).
func newService(ctx context.Context, path string, cfg *config.Config, srv *bsserver.Server, st *store.Store, log *slog.Logger, multi multiOptions) (*service.Service, error) {
	key, err := seal.KeyFromEnv() // the key the web admin seals connection secrets with; the REST API reads and writes the same ones
	if err != nil {
		return nil, usagef("%v", err)
	}
	var mu sync.Mutex
	clients := map[string]*backlog.Client{}
	return service.New(ctx, service.Options{Config: cfg, Server: srv, Store: st, Logger: log, SecretKey: key,
		Instance: multi.instance, ClaimTTL: multi.claimTTL, TestEvery: multi.testEvery,
		Client: func(ctx context.Context, name string) (*backlog.Client, error) {
			mu.Lock()
			defer mu.Unlock()
			if c, ok := clients[name]; ok {
				return c, nil
			}
			a, err := resolveAccount(accountFlags{config: path, account: name})
			if err != nil {
				return nil, err
			}
			c, _, err := a.client(ctx, &http.Client{})
			if err != nil {
				return nil, err
			}
			clients[name] = c
			return c, nil
		}})
}

// multiOptions are serve's settings for several instances.
type multiOptions struct {
	instance  string
	claimTTL  time.Duration // BACKLOGSYNC_TEST_CLAIM_TTL (tests)
	testEvery time.Duration // BACKLOGSYNC_TEST_SCHEDULE_EVERY (tests)
}

// The test-only variables: a test of several serve processes cannot use
// a fake clock, and the shortest real schedule is a minute.
const (
	envInstance      = "BACKLOGSYNC_INSTANCE"
	envTestEvery     = "BACKLOGSYNC_TEST_SCHEDULE_EVERY"
	envTestClaimTTL  = "BACKLOGSYNC_TEST_CLAIM_TTL"
	maxInstanceBytes = 128
)

// multiFromEnv reads the instance name (flag, else BACKLOGSYNC_INSTANCE,
// else host-pid) and the test-only variables.
func multiFromEnv(flagInstance string) (multiOptions, error) {
	m := multiOptions{instance: strings.TrimSpace(flagInstance)}
	from := "--instance"
	if m.instance == "" {
		m.instance, from = strings.TrimSpace(os.Getenv(envInstance)), envInstance
	}
	if m.instance == "" {
		m.instance = service.DefaultInstance()
	}
	if len(m.instance) > maxInstanceBytes || strings.ContainsAny(m.instance, "\r\n") {
		return m, usagef("%s: give a name of at most %d bytes on one line", from, maxInstanceBytes)
	}
	for _, v := range []struct {
		name string
		to   *time.Duration
	}{{envTestEvery, &m.testEvery}, {envTestClaimTTL, &m.claimTTL}} {
		if s := os.Getenv(v.name); s != "" {
			d, err := time.ParseDuration(s)
			if err != nil || d < 100*time.Millisecond {
				return m, usagef("%s=%q: give a duration of at least 100ms, e.g. 5s (a test setting)", v.name, s)
			}
			*v.to = d
		}
	}
	return m, nil
}

// warn logs the test-only settings in force.
func (m multiOptions) warn(log *slog.Logger) {
	if m.testEvery > 0 {
		log.Warn("test setting: every scheduled job starts every "+m.testEvery.String()+" instead of its schedule", "variable", envTestEvery)
	}
	if m.claimTTL > 0 {
		log.Warn("test setting: schedule claims last "+m.claimTTL.String(), "variable", envTestClaimTTL)
	}
}
