package main

import (
	"log/slog"

	"github.com/backlogsync/backlogsync/config"
	bsserver "github.com/backlogsync/backlogsync/server"
	"github.com/backlogsync/backlogsync/service"
	"github.com/backlogsync/backlogsync/store"
	"github.com/backlogsync/backlogsync/web"
)

// mountWeb adds the web admin (package web) to serve's server: the
// config's destinations and jobs, the base URL for OData links, Secure
// cookies under TLS, and the key that seals connection secrets from
// $BACKLOGSYNC_SECRET_KEY (without it connections can be tested but not
// saved, and the page says so), and svc, which lists, saves, deletes and
// runs jobs for the Jobs page (the functions the REST API calls; nil: the
// page lists the config's jobs read-only). serve calls it once after
// bsserver.New.
func mountWeb(srv *bsserver.Server, st *store.Store, cfg *config.Config, sc config.Server, svc *service.Service, log *slog.Logger) error {
	key, err := web.SecretKeyFromEnv()
	if err != nil {
		return usagef("%v", err)
	}
	if key == nil {
		log.Warn("web admin: " + web.EnvSecretKey + " is not set; Backlog connections can be tested but not saved: " + service.NoSecretKeyFix)
	}
	o := web.Options{Server: srv, Store: st, Service: svc, BaseURL: sc.BaseURL, TLS: sc.TLS(), SecretKey: key, Logger: log}
	for _, d := range cfg.Destinations {
		o.Destinations = append(o.Destinations, d.Name)
	}
	for _, j := range cfg.Jobs {
		o.Jobs = append(o.Jobs, web.Job{Name: j.Name, Destination: j.Destination, Statements: j.Statements.Text})
	}
	return web.Mount(o)
}
