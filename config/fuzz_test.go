package config

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// fuzzEnv reads no file and no environment variable.
var fuzzEnv = Env{LookupEnv: func(string) (string, bool) { return "", false },
	ReadFile: func(string) ([]byte, error) { return nil, os.ErrNotExist }}

// checkConfigErr fails unless err is nil or a *Error whose every problem
// names the file, has a message, and a line within the input (0 for a
// key path or the whole file).
func checkConfigErr(t *testing.T, data []byte, file string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %T %v is not a *config.Error", err, err)
	}
	if len(ce.Problems) == 0 {
		t.Fatalf("error without problems: %v", err)
	}
	// Lines end in LF, CRLF or a lone CR (as YAML and XML count them).
	text := strings.ReplaceAll(strings.ReplaceAll(string(data), "\r\n", "\n"), "\r", "\n")
	lines := strings.Count(text, "\n") + 1
	for _, p := range ce.Problems {
		// Line 0: a problem of a key path, or of the whole file.
		if p.File != file || p.Message == "" || p.Line < 0 || p.Line > lines+1 {
			t.Fatalf("problem %+v: want file %s, a message, and a line in 0..%d", p, file, lines+1)
		}
	}
}

// seeds adds the configuration examples of the repository to f.
func seeds(f *testing.F, glob string, extra ...string) {
	files, _ := filepath.Glob(glob)
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil && len(b) < 1<<16 {
			f.Add(b)
		}
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

func FuzzParseYAML(f *testing.F) {
	seeds(f, "testdata/*.yaml",
		"accounts:\n  - name: a\n    url: https://x.backlog.com\n    api_key: k\ndestinations:\n  - {name: d, type: sqlite, dsn: x.db}\njobs:\n  - name: j\n    destination: d\n    accounts: [a]\n    statements: REPLICATE Issues;\n",
		"jobs:\n\t- name: j\n", "a: [\n", "? x\n: y\n", "\xef\xbb\xbfaccounts: {}\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ParseYAML(data, "fuzz.yaml", Options{Env: fuzzEnv})
		checkConfigErr(t, data, "fuzz.yaml", err)
	})
}

func FuzzParseCData(f *testing.F) {
	seeds(f, "testdata/*.xml",
		`<?xml version="1.0" encoding="utf-8"?><CDataSync><Connection Name="Backlog" ConnectionString="URL=https://x.backlog.com;APIKey=k"/></CDataSync>`,
		`<a><b`, "<?xml version=\"1.0\" encoding=\"windows-1252\"?><x>\x93</x>", "\xff\xfe<\x00a\x00/\x00>\x00")
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ParseCData(data, "fuzz.xml", Options{Env: fuzzEnv})
		checkConfigErr(t, data, "fuzz.xml", err)
	})
}

func FuzzParseConnString(f *testing.F) {
	for _, s := range []string{"URL=https://x.backlog.com;APIKey=k", `a='it''s';b="say ""hi""";c==d=1`, "Password=p;;", "=x", "a='unterminated"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cs, err := ParseConnString(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		_ = cs
	})
}

func FuzzParseDSN(f *testing.F) {
	for _, s := range []string{"file.db", "postgres://u:secretpw@h:5432/db?sslmode=disable", "u:secretpw@tcp(h:3306)/db",
		"Server=h;Port=5432;Database=db;User=u;Password=secretpw", "file:x.db?mode=ro", "mysql://u:secretpw@h/db"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, ty := range []DestType{SQLite, Postgres, MySQL} {
			_, err := ParseDSN(ty, raw, "/tmp")
			if err != nil && pwOnlyInPasswordPosition(raw) && strings.Contains(err.Error(), "secretpw") {
				t.Fatalf("%s DSN error quotes the password: %v", ty, err)
			}
		}
	})
}

// pwInPasswordField matches the marker where the DSN syntax makes it a
// password: a Password=/Pwd= value (ADO.NET, libpq) or the part between ':'
// and '@' of URL or go-sql-driver/mysql user info.
var pwInPasswordField = regexp.MustCompile(`(?i)((password|pwd)\s*=\s*'?secretpw|:secretpw@)`)

// pwOnlyInPasswordPosition reports whether every occurrence of the marker
// "secretpw" in raw, in any letter case, is in a password position. The fuzzer also moves the
// marker into ports and host names, whose values errors may quote.
func pwOnlyInPasswordPosition(raw string) bool {
	n := strings.Count(strings.ToLower(raw), "secretpw") // errors may lower-case what they quote
	return n > 0 && len(pwInPasswordField.FindAllStringIndex(raw, -1)) == n
}
