package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backlogsync/backlogsync/store"
)

func TestUsersPasswdAndAdmin(t *testing.T) {
	cfg, _ := serveConfig(t, "")
	mustCLI(t, "users", "add", "ana@example.com", "-c", cfg)
	passwd := func(stdin string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(t.Context(), []string{"users", "passwd", "ana@example.com", "-c", cfg}, strings.NewReader(stdin), &out, &errOut)
		return code, out.String(), errOut.String()
	}
	if code, _, errOut := passwd(""); code != exitUsage || !strings.Contains(errOut, "no password on stdin") {
		t.Errorf("empty stdin: exit %d %q", code, errOut)
	}
	if code, _, errOut := passwd("short\n"); code != exitUsage || !strings.Contains(errOut, "at least 10") {
		t.Errorf("short password: exit %d %q", code, errOut)
	}
	code, out, errOut := passwd("a long password\r\n")
	if code != exitOK || !strings.Contains(out, "password set for ana@example.com") || strings.Contains(out+errOut, "a long password") {
		t.Fatalf("passwd: exit %d %q %q", code, out, errOut)
	}
	wantCLIError(t, exitUsage, "give the password on stdin", "users", "passwd", "ana@example.com", "-c", cfg)
	mustCLI(t, "users", "admin", "ana@example.com", "-c", cfg)

	st, err := store.Open(t.Context(), store.SQLite, filepath.Join(filepath.Dir(cfg), "backlogsync.state.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.CheckPassword(t.Context(), "ana@example.com", "a long password")
	if err != nil || !u.Admin {
		t.Fatalf("after passwd and admin: %+v %v", u, err)
	}
	if _, err := st.CheckPassword(t.Context(), "ana@example.com", "a long password\r"); err == nil {
		t.Error("the line end became part of the password")
	}
}
