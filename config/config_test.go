package config

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// testEnv is the environment the sample configs are resolved against.
func testEnv(vars map[string]string) Env {
	return Env{LookupEnv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }}
}

var sampleVars = map[string]string{
	"BACKLOG_API_KEY": "pr0dKeyVALUE",
	"PARTNER_REFRESH": "refreshVALUE",
	"PGPASSWORD":      "pgPassVALUE",
	"MYSQL_PW":        "myPassVALUE",
}

// sampleSecrets are the secret values in the sample configs: none may appear
// in a golden file.
var sampleSecrets = []string{"pr0dKeyVALUE", "refreshVALUE", "pgPassVALUE", "myPassVALUE", "bl_partner_s3cret",
	"literal-emulator-key", "k3yAbCdEf0123456789", "r3fresh", "se;cr", "p@ss;w0rd", "myK3y", "r00t", "abc123"}

func TestGolden(t *testing.T) {
	td, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("testdata/*/*.*ml")
	if len(files) < 5 {
		t.Fatalf("found only %d sample configs", len(files))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
		t.Run(filepath.Base(filepath.Dir(f))+"/"+name, func(t *testing.T) {
			cfg, err := Load(f, Options{Env: testEnv(sampleVars)})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			got := strings.ReplaceAll(cfg.Redacted(), td, "$TESTDATA") + "\n"
			for _, s := range sampleSecrets {
				if strings.Contains(got, s) {
					t.Errorf("secret %q appears in the redacted config", s)
				}
			}
			golden := filepath.Join("testdata", "golden", filepath.Base(filepath.Dir(f))+"_"+name+".json")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./config -update)", err)
			}
			if got != string(want) {
				t.Errorf("normalized config differs from %s (go test ./config -update to accept):\n%s", golden, got)
			}
		})
	}
}

func TestLoadDispatch(t *testing.T) {
	dir := t.TempDir()
	xmlBody := "<CDataSync><DatabaseType>SQLite</DatabaseType><ConnectionString>APIKey=k;URL=https://x.backlog.com</ConnectionString>" +
		"<DatabaseConnectionString>Data Source=b.db</DatabaseConnectionString></CDataSync>"
	yamlBody := "accounts: [{name: a, url: https://x.backlog.com, auth: {api_key: k}}]\n" +
		"destinations: [{name: d, type: sqlite, dsn: b.db}]\njobs: [{name: j, destination: d, accounts: [a], replicate_all: true}]\n"
	files := map[string]struct {
		body string
		want Format
	}{
		"sync.xml":    {xmlBody, FormatCData},
		"sync.XML":    {xmlBody, FormatCData},
		"sync.conf":   {"\n  " + xmlBody, FormatCData},
		"sync.yaml":   {yamlBody, FormatYAML},
		"sync.yml":    {yamlBody, FormatYAML},
		"backlogsync": {yamlBody, FormatYAML},
	}
	for name, f := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(f.body), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(p, Options{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if cfg.Format != f.want || cfg.File != p {
			t.Errorf("%s: format %s file %s", name, cfg.Format, cfg.File)
		}
		// Relative SQLite paths are taken from the config's directory.
		if dsn, _ := cfg.Destinations[0].DriverDSN(); dsn != filepath.Join(dir, "b.db") {
			t.Errorf("%s: DriverDSN %q", name, dsn)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml"), Options{}); err == nil || !strings.Contains(err.Error(), "no such file") ||
		!strings.Contains(err.Error(), "check the configuration file's name") {
		t.Errorf("missing file: %v; want the cause and what to check", err)
	}
	denied := Env{ReadFile: func(string) ([]byte, error) { return nil, fs.ErrPermission }}
	if _, err := Load(filepath.Join(dir, "sync.yaml"), Options{Env: denied}); err == nil || !strings.Contains(err.Error(), "make the file readable") {
		t.Errorf("unreadable file: %v; want what to change", err)
	}
}

func TestProblemAndError(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{File: "c.yaml", Line: 3, Path: "jobs[0]", Message: "m"}, "c.yaml:3: jobs[0]: m"},
		{Problem{File: "c.yaml", Path: "jobs", Message: "m"}, "c.yaml: jobs: m"},
		{Problem{Line: 4, Message: "m"}, "line 4: m"},
		{Problem{Message: "m"}, "m"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.p, got, tt.want)
		}
	}
	one := &Error{[]Problem{{Message: "a"}}}
	two := &Error{[]Problem{{Message: "a"}, {Message: "b"}}}
	if one.Error() != "config: a" || two.Error() != "config: 2 problems:\n  a\n  b" {
		t.Errorf("%q / %q", one.Error(), two.Error())
	}
}
