package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/config"
	"github.com/backlogsync/backlogsync/dest"
	"github.com/backlogsync/backlogsync/emulator"
	bsserver "github.com/backlogsync/backlogsync/server"
	"github.com/backlogsync/backlogsync/store"
)

// TestServiceRunsConfigJobs: the service serve starts runs a YAML job of
// two accounts (credentials from the config) when an admin says Run now
// through the REST API, and both accounts' rows land.
func TestServiceRunsConfigJobs(t *testing.T) {
	isolateAccountEnv(t)
	srvA, baseA := startAuthEmulator(t, nil)
	srvB, err := emulator.New(emulator.Options{Seed: 9, Size: emulator.Size{Projects: 1, Users: 3, Issues: 17}})
	if err != nil {
		t.Fatal(err)
	}
	baseB := srvB.Start()
	t.Cleanup(srvB.Close)
	dir := t.TempDir()
	path, db := writeTwoAccountConfig(t, dir, "backlogsync.yaml",
		yamlAccount{"a", baseA, srvA.AdminAPIKey(), "A_"}, yamlAccount{"b", baseB, srvB.AdminAPIKey(), "B_"},
		"REPLICATE Issues;", "", "")
	cfg, err := config.Load(path, config.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	st, err := store.Open(ctx, store.SQLite, filepath.Join(dir, "state.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.AddUser(ctx, "boss@example.com", true)
	tok, _, err := st.CreateToken(ctx, "boss@example.com", "t", 0)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	srv, err := bsserver.New(bsserver.Options{Store: st, Logger: log,
		OpenDestination: func(ctx context.Context, name string) (backlogsync.Destination, error) {
			d, _ := cfg.Destination(name)
			return dest.OpenConfig(ctx, d)
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	svc, err := newService(ctx, path, cfg, srv, st, log, multiOptions{instance: "test"})
	if err != nil {
		t.Fatal(err)
	}
	svc.Mount()
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(runCtx) }()
	defer func() { cancel(); <-done }()
	<-svc.Ready()

	req, _ := http.NewRequest("POST", hs.URL+"/api/jobs/"+cfg.Jobs[0].Name+"/run", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 202 {
		t.Fatalf("run now: %d", resp.StatusCode)
	}
	d, _ := srv.Destination(ctx, cfg.Jobs[0].Destination)
	deadline := time.Now().Add(60 * time.Second)
	for {
		runs, _ := d.Runs(ctx, cfg.Jobs[0].Name, 0)
		finished := 0
		for _, r := range runs {
			if r.Status != backlogsync.RunRunning {
				finished++
			}
		}
		if finished == 2 {
			for _, r := range runs {
				if r.Status != backlogsync.RunOK {
					t.Fatalf("run %+v", r)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("runs after 60 s: %+v", runs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got, want := countRows(t, db, "A_Issues"), srvA.Summary().Issues; got != want {
		t.Errorf("A_Issues: %d rows, want %d", got, want)
	}
	if got, want := countRows(t, db, "B_Issues"), srvB.Summary().Issues; got != want {
		t.Errorf("B_Issues: %d rows, want %d", got, want)
	}
}
