package config

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// mask replaces a secret in everything backlogsync prints.
const mask = "****"

// Secret is a credential (API key, OAuth client secret or token, database
// password). Its value is only reachable through Reveal; String, GoString,
// MarshalJSON, MarshalText and LogValue all print where it came from instead:
// "${NAME}" for an environment variable, "file:PATH" for a file, "****" for a
// literal, "" when it is empty.
type Secret struct {
	value  string
	source string // "${NAME}", "file:PATH" or "" for a literal
}

// NewSecret returns a literal secret.
func NewSecret(value string) Secret { return Secret{value: value} }

// Reveal returns the secret's value. Pass it only to the API client or the
// database driver, never to a log or an error.
func (s Secret) Reveal() string { return s.value }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.value == "" }

// Source is where the value came from: "${NAME}", "file:PATH" or "" for a
// literal written in the config.
func (s Secret) Source() string { return s.source }

// String returns the redacted form.
func (s Secret) String() string {
	switch {
	case s.value == "" && s.source == "":
		return ""
	case s.source != "":
		return s.source
	default:
		return mask
	}
}

// GoString returns the redacted form, so %#v does not leak either.
func (s Secret) GoString() string { return fmt.Sprintf("config.Secret(%q)", s.String()) }

// Format prints the redacted form for every verb.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, s.GoString())
		return
	}
	if verb == 'q' {
		fmt.Fprintf(f, "%q", s.String())
		return
	}
	fmt.Fprint(f, s.String())
}

// MarshalJSON encodes the redacted form.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalText encodes the redacted form.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// LogValue implements slog.LogValuer with the redacted form.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

var _ slog.LogValuer = Secret{}

// Env looks up secrets and files. The zero value uses the process
// environment and the file system; tests substitute both.
type Env struct {
	// LookupEnv defaults to os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// ReadFile defaults to os.ReadFile.
	ReadFile func(string) ([]byte, error)
}

func (e Env) lookup(name string) (string, bool) {
	if e.LookupEnv != nil {
		return e.LookupEnv(name)
	}
	return os.LookupEnv(name)
}

// readFile reads name, refusing files larger than limit bytes (what
// describes the file in the error).
func (e Env) readFile(name string, limit int64, what string) ([]byte, error) {
	if e.ReadFile != nil {
		b, err := e.ReadFile(name)
		if err != nil {
			return nil, err
		}
		return checkSize(name, b, limit, what)
	}
	return ReadFileLimit(name, limit, what)
}

// expandEnv replaces every ${NAME} in s with the variable's value. "$${" is
// a literal "${". An unset variable is an error naming it; a value that
// is set but empty is substituted as empty. whole is "${NAME}" when s is exactly one
// reference.
func (e Env) expandEnv(s string) (out string, whole string, err error) {
	if !strings.Contains(s, "$") {
		return s, "", nil
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], "$${") {
			b.WriteString("${")
			i += 3
			continue
		}
		if !strings.HasPrefix(s[i:], "${") {
			b.WriteByte(s[i])
			i++
			continue
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", "", fmt.Errorf("unterminated ${ at offset %d; write ${NAME}, or $${ for a literal ${", i)
		}
		name := s[i+2 : i+end]
		if !validEnvName(name) {
			return "", "", fmt.Errorf("%q is not a valid environment variable name (letters, digits and _, not starting with a digit)", name)
		}
		v, ok := e.lookup(name)
		if !ok {
			return "", "", fmt.Errorf("environment variable %s is not set; export it, or remove the reference", name)
		}
		if i == 0 && end == len(s)-1 {
			whole = "${" + name + "}"
		}
		b.WriteString(v)
		i += end + 1
	}
	return b.String(), whole, nil
}

func validEnvName(n string) bool {
	if n == "" {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c == '_' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || i > 0 && '0' <= c && c <= '9' {
			continue
		}
		return false
	}
	return true
}

// resolveSecret turns a config value into a Secret: "file:PATH" reads the
// file (relative paths from dir; one trailing newline is dropped), ${NAME}
// is expanded, anything else is a literal.
func (e Env) resolveSecret(raw, dir string) (Secret, error) {
	if p, ok := strings.CutPrefix(raw, "file:"); ok {
		p, _, err := e.expandEnv(strings.TrimSpace(p))
		if err != nil {
			return Secret{}, err
		}
		if p == "" {
			return Secret{}, fmt.Errorf("file: reference without a path; write file:/path/to/secret")
		}
		if !filepath.IsAbs(p) && dir != "" {
			p = filepath.Join(dir, p)
		}
		b, err := e.readFile(p, MaxSecretBytes, "secret")
		if err != nil {
			return Secret{}, fmt.Errorf("cannot read secret file %s: %w", p, unwrapPathError(err))
		}
		v := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
		if v == "" {
			return Secret{}, fmt.Errorf("secret file %s is empty", p)
		}
		return Secret{value: v, source: "file:" + p}, nil
	}
	v, whole, err := e.expandEnv(raw)
	if err != nil {
		return Secret{}, err
	}
	// A value only partly from the environment is shown as "****".
	return Secret{value: v, source: whole}, nil
}

// unwrapPathError drops the path from an *os.PathError (the caller prints it).
func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
