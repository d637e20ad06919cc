package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"testing"
)

func TestExpandEnv(t *testing.T) {
	env := testEnv(map[string]string{"A": "1", "B_2": "two", "EMPTY": ""})
	tests := []struct {
		in, want, whole, err string
	}{
		{"plain", "plain", "", ""},
		{"${A}", "1", "${A}", ""},
		{"x${A}y${B_2}z", "x1ytwoz", "", ""},
		{"${EMPTY}", "", "${EMPTY}", ""},
		{"$${A}", "${A}", "", ""},
		{"cost $5", "cost $5", "", ""},
		{"${MISSING}", "", "", "environment variable MISSING is not set; export it, or remove the reference"},
		{"ab${A", "", "", "unterminated ${ at offset 2; write ${NAME}, or $${ for a literal ${"},
		{"${1A}", "", "", `"1A" is not a valid environment variable name (letters, digits and _, not starting with a digit)`},
		{"${}", "", "", `"" is not a valid environment variable name (letters, digits and _, not starting with a digit)`},
	}
	for _, tt := range tests {
		got, whole, err := env.expandEnv(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("expandEnv(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want || whole != tt.whole {
			t.Errorf("expandEnv(%q) = %q, %q, %v; want %q, %q", tt.in, got, whole, err, tt.want, tt.whole)
		}
	}
}

func TestResolveSecret(t *testing.T) {
	files := map[string]string{
		"/run/secrets/key":   "fileVALUE\n",
		"/cfg/rel/key":       "relVALUE\r\n",
		"/cfg/empty":         "\n",
		"/home/u/keys/multi": "line1\nline2\n",
	}
	env := Env{
		LookupEnv: func(k string) (string, bool) {
			v, ok := map[string]string{"KEY": "envVALUE", "HOME_KEYS": "/home/u/keys"}[k]
			return v, ok
		},
		ReadFile: func(p string) ([]byte, error) {
			if v, ok := files[p]; ok {
				return []byte(v), nil
			}
			return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
		},
	}
	tests := []struct {
		raw, value, shown, err string
	}{
		{"literalVALUE", "literalVALUE", "****", ""},
		{"", "", "", ""},
		{"${KEY}", "envVALUE", "${KEY}", ""},
		{"pre-${KEY}", "pre-envVALUE", "****", ""},
		{"file:/run/secrets/key", "fileVALUE", "file:/run/secrets/key", ""},
		{"file:rel/key", "relVALUE", "file:/cfg/rel/key", ""},
		{"file:${HOME_KEYS}/multi", "line1\nline2", "file:/home/u/keys/multi", ""},
		{"file:", "", "", "file: reference without a path; write file:/path/to/secret"},
		{"file:/nope", "", "", "cannot read secret file /nope: file does not exist"},
		{"file:empty", "", "", "secret file /cfg/empty is empty"},
		{"file:${NOPE}/x", "", "", "environment variable NOPE is not set; export it, or remove the reference"},
		{"${NOPE}", "", "", "environment variable NOPE is not set; export it, or remove the reference"},
	}
	for _, tt := range tests {
		s, err := env.resolveSecret(tt.raw, "/cfg")
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("resolveSecret(%q) error = %v, want %q", tt.raw, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("resolveSecret(%q): %v", tt.raw, err)
			continue
		}
		if s.Reveal() != tt.value || s.String() != tt.shown {
			t.Errorf("resolveSecret(%q) = %q shown %q, want %q shown %q", tt.raw, s.Reveal(), s.String(), tt.value, tt.shown)
		}
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	s := NewSecret("TOPsecretVALUE")
	var buf strings.Builder
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	logger.Info("x", "key", s, "auth", Auth{Scheme: AuthAPIKey, APIKey: s})
	b, _ := json.Marshal(struct{ K Secret }{s})
	txt, _ := s.MarshalText()
	outs := []string{
		fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %q %x", s, s, s, s, s, s),
		fmt.Sprintf("%v %+v %#v", Auth{APIKey: s}, &OAuth{ClientSecret: s}, Account{Auth: Auth{APIKey: s}}),
		string(b), string(txt), buf.String(), errors.New(fmt.Sprint("bad key ", s)).Error(),
	}
	for _, o := range outs {
		if strings.Contains(o, "TOPsecret") {
			t.Errorf("secret printed: %s", o)
		}
	}
	if s.Reveal() != "TOPsecretVALUE" {
		t.Error("Reveal lost the value")
	}
	if got := fmt.Sprintf("%#v", s); got != `config.Secret("****")` {
		t.Errorf("%%#v = %s", got)
	}
	if (Secret{}).String() != "" || !(Secret{}).IsZero() {
		t.Error("zero Secret should print empty")
	}
}
