package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Issue 13 item 7: files beyond their limit are refused before they are
// parsed, fast, with the file named; /dev/zero as a configuration fails
// after reading the limit, not when memory runs out.
func TestFileSizeLimits(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "jobs.sql")
	if err := os.WriteFile(big, []byte(strings.Repeat("REPLICATE Issues;\n", MaxStatementsBytes/18+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFileLimit(big, MaxStatementsBytes, "statements"); err == nil || !strings.Contains(err.Error(), big) || !strings.Contains(err.Error(), "8 MiB") {
		t.Errorf("statements file over the limit: %v", err)
	}
	yml := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(yml, []byte("jobs:\n  - name: j\n    statements_file: jobs.sql\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(yml, Options{}); err == nil || !strings.Contains(err.Error(), "larger than 8 MiB") {
		t.Errorf("statements_file over the limit: %v", err)
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		t0 := time.Now()
		_, err := Load("/dev/zero", Options{})
		if err == nil || !strings.Contains(err.Error(), "/dev/zero is larger than 4 MiB") {
			t.Errorf("/dev/zero as a configuration: %v", err)
		}
		// Reading 4 MiB takes milliseconds; the bound only says it ends
		// (under -race on a loaded machine it took 6 s once).
		if d := time.Since(t0); d > time.Minute {
			t.Errorf("/dev/zero took %s to refuse", d)
		}
	}
	secret := filepath.Join(dir, "key")
	if err := os.WriteFile(secret, make([]byte, MaxSecretBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFileLimit(secret, MaxSecretBytes, "secret"); err == nil || !strings.Contains(err.Error(), "64 KiB") {
		t.Errorf("secret over the limit: %v", err)
	}
	ok := filepath.Join(dir, "ok.sql")
	os.WriteFile(ok, []byte("REPLICATE Issues;"), 0o600)
	if b, err := ReadFileLimit(ok, MaxStatementsBytes, "statements"); err != nil || string(b) != "REPLICATE Issues;" {
		t.Errorf("small file: %q, %v", b, err)
	}
}
