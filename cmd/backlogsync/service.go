package main

import (
	"context"
	"log/slog"
	"net/http"
	"sync"

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
func newService(ctx context.Context, path string, cfg *config.Config, srv *bsserver.Server, st *store.Store, log *slog.Logger) (*service.Service, error) {
	key, err := seal.KeyFromEnv() // the key the web admin seals connection secrets with; the REST API reads and writes the same ones
	if err != nil {
		return nil, usagef("%v", err)
	}
	var mu sync.Mutex
	clients := map[string]*backlog.Client{}
	return service.New(ctx, service.Options{Config: cfg, Server: srv, Store: st, Logger: log, SecretKey: key,
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
