package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backlogsync/backlogsync/config"
	bsserver "github.com/backlogsync/backlogsync/server"
	"github.com/backlogsync/backlogsync/store"
	"github.com/backlogsync/backlogsync/web"
)

func TestMountWeb(t *testing.T) {
	cfgPath, _ := serveConfig(t, "")
	cfg, err := config.Load(cfgPath, config.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.Context(), store.SQLite, filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	newSrv := func() *bsserver.Server {
		srv, err := bsserver.New(bsserver.Options{Store: st, Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		return srv
	}
	t.Setenv(web.EnvSecretKey, "too-short")
	if err := mountWeb(newSrv(), st, cfg, cfg.Server, nil, log); err == nil || !strings.Contains(err.Error(), "openssl rand -base64 32") {
		t.Fatalf("bad key: %v", err)
	}
	t.Setenv(web.EnvSecretKey, "")
	srv := newSrv()
	if err := mountWeb(srv, st, cfg, cfg.Server, nil, log); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/signin") {
		t.Fatalf("GET /: %d %s, want a redirect to the sign-in page", rec.Code, rec.Header().Get("Location"))
	}
	rec = httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/healthz beside the web admin: %d", rec.Code)
	}
}
