package backlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestToken_redacted(t *testing.T) {
	t.Parallel()
	tok := Token{AccessToken: "ACCESS-SECRET", RefreshToken: "REFRESH-SECRET", Expiry: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	tf := TokenFile{BaseURL: "https://a.backlog.com/", ClientID: "cid", ClientSecret: "CLIENT-SECRET", Token: tok}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "token", tok, "ptr", &tok)
	outs := []string{fmt.Sprint(tok), fmt.Sprintf("%v %+v %#v %s %q", tok, tok, tok, &tok, tok),
		fmt.Sprint(tf), fmt.Sprintf("%+v %#v", tf, &tf), logged.String()}
	for _, s := range outs {
		for _, secret := range []string{"ACCESS-SECRET", "REFRESH-SECRET", "CLIENT-SECRET"} {
			if strings.Contains(s, secret) {
				t.Errorf("printed %s: %s", secret, s)
			}
		}
	}
	if !strings.Contains(outs[0], "expiry 2026-01-02T03:04:05Z") {
		t.Errorf("String = %s", outs[0])
	}
}

func TestFileTokenStore(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "sub", "dir")
	path := filepath.Join(dir, "token.json")
	s := NewFileTokenStore(path)
	_, err := s.Load(t.Context())
	if !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, ErrLoginRequired) || !strings.Contains(err.Error(), "backlogsync auth login") {
		t.Fatalf("missing file: %v", err)
	}
	acct := &TokenAccount{SpaceKey: "demo", UserID: "admin", ID: 1}
	if err := s.WriteFile(&TokenFile{BaseURL: "https://a.backlog.com/", ClientID: "cid", ClientSecret: "cs", Account: acct}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(t.Context()); !errors.Is(err, ErrLoginRequired) {
		t.Errorf("file without token: %v", err)
	}
	tok := &Token{AccessToken: "a1", RefreshToken: "r1", Expiry: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := s.Save(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(t.Context())
	if err != nil || *got != *tok {
		t.Fatalf("Load = %v, %v", got, err)
	}
	f, err := s.ReadFile()
	if err != nil || f.ClientSecret != "cs" || f.BaseURL != "https://a.backlog.com/" || f.Account == nil || *f.Account != *acct {
		t.Errorf("Save lost the other members: %+v %v", f, err)
	}
	if runtime.GOOS != "windows" {
		for p, want := range map[string]os.FileMode{path: 0o600, dir: 0o700} {
			if st, err := os.Stat(p); err != nil || st.Mode().Perm() != want {
				t.Errorf("%s: mode %v, want %v (%v)", p, st.Mode().Perm(), want, err)
			}
		}
	}
	// Saving over a file with broader permissions narrows them.
	if runtime.GOOS != "windows" {
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := s.Save(t.Context(), tok); err != nil {
			t.Fatal(err)
		}
		if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
			t.Errorf("mode after save %v", st.Mode().Perm())
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	var raw map[string]any
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &raw); err != nil || raw["token"].(map[string]any)["refresh_token"] != "r1" {
		t.Errorf("file content %s", data)
	}
	// A corrupt file is reported without its content.
	if err := os.WriteFile(path, []byte(`{"token": SECRETSECRET`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(t.Context()); err == nil || strings.Contains(err.Error(), "SECRETSECRET") || !strings.Contains(err.Error(), "auth login") {
		t.Errorf("corrupt file: %v", err)
	}
}
