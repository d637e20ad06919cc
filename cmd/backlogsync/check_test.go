package main

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/emulator"
)

// runCLI runs the command and returns exit code, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(t.Context(), args, nil, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCheck(t *testing.T) {
	isolateAccountEnv(t)
	srv, base := startAuthEmulator(t, nil)
	users := srv.Users()
	admin := users[0]
	var member emulator.UserKey
	for _, u := range users {
		if u.RoleType == emulator.RoleNormal {
			member = u
			break
		}
	}
	if member.APIKey == "" {
		t.Fatal("no normal user in the space")
	}

	t.Run("admin", func(t *testing.T) {
		code, out, errOut := runCLI(t, "check", "--url", base, "--api-key", admin.APIKey)
		if code != exitOK {
			t.Fatalf("exit %d: %s\n%s", code, errOut, out)
		}
		for _, want := range []string{
			"Checking " + base + "/ with the API key from --api-key",
			`Space:        demo ("`,
			fmt.Sprintf("User:         admin (%q), id %d, role Administrator", admin.Name, admin.ID),
			"Rate limits:  read 600 (", "update 150 (150 left), search 150 (", "icon 60 (60 left)",
			"Projects:     3 joined: ", "(3 in the space)",
			"Issues:       40 in the joined projects",
			"Admin-only:   user list allowed (administrators and project administrators); space disk usage allowed (administrators)",
			"OK: the connection works.",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out+errOut, admin.APIKey) {
			t.Error("the API key was printed")
		}
	})

	t.Run("member from the environment", func(t *testing.T) {
		t.Setenv(envURL, base)
		t.Setenv(envAPIKey, member.APIKey)
		code, out, errOut := runCLI(t, "check")
		if code != exitOK {
			t.Fatalf("exit %d: %s\n%s", code, errOut, out)
		}
		for _, want := range []string{"with the API key from BACKLOG_API_KEY", "role Normal user", "space disk usage denied (administrators)"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "in the space)") {
			t.Error("a member's check listed all projects")
		}
		if strings.Contains(out+errOut, member.APIKey) {
			t.Error("the API key was printed")
		}
	})

	t.Run("flags win over the environment", func(t *testing.T) {
		t.Setenv(envURL, "https://elsewhere.backlog.com")
		t.Setenv(envAPIKey, "wrong-env-key")
		code, out, errOut := runCLI(t, "check", "--url", base, "--api-key", member.APIKey)
		if code != exitOK || !strings.Contains(out, "role Normal user") {
			t.Errorf("exit %d: %s\n%s", code, errOut, out)
		}
	})

	t.Run("wrong key", func(t *testing.T) {
		const bad = "wrongKEY0123456789"
		code, out, errOut := runCLI(t, "check", "--url", base, "--api-key", bad)
		if code != exitAuth {
			t.Errorf("exit %d, want %d", code, exitAuth)
		}
		want := "backlogsync check: FAILED: the API key was rejected by " + base + "/ (401 Unauthorized, Authentication failure.)"
		if !strings.Contains(errOut, want) || !strings.Contains(errOut, "Personal Settings > API") {
			t.Errorf("stderr %q\nwant %q", errOut, want)
		}
		if strings.Contains(out+errOut, bad) {
			t.Error("the API key was printed")
		}
	})
}

func TestCheckFailures(t *testing.T) {
	isolateAccountEnv(t)
	_, base := startAuthEmulator(t, nil)

	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + closed.Addr().String()
	closed.Close()

	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	plain := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(plain.Close)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><body>Welcome to our wiki</body></html>")
	})
	html := httptest.NewServer(mux)
	t.Cleanup(html.Close)
	jsonSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"status":"ok"}`)
	}))
	t.Cleanup(jsonSrv.Close)

	otherFile := filepath.Join(t.TempDir(), "other.json")
	if err := backlog.NewFileTokenStore(otherFile).WriteFile(&backlog.TokenFile{BaseURL: "https://other.backlog.com/",
		ClientID: "id", ClientSecret: "s", Token: backlog.Token{AccessToken: "a", RefreshToken: "r"}}); err != nil {
		t.Fatal(err)
	}

	const key = "someKEY0123456789"
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"refused", []string{"--url", refused, "--api-key", key}, exitError, "nothing accepts connections at " + strings.TrimPrefix(refused, "http://") + " (connection refused)"},
		{"tls", []string{"--url", tlsSrv.URL, "--api-key", key}, exitError, "TLS error talking to " + strings.TrimPrefix(tlsSrv.URL, "https://") + ": the server's certificate is signed by an authority this machine does not trust"},
		{"https to plain http", []string{"--url", strings.Replace(plain.URL, "http:", "https:", 1), "--api-key", key}, exitError, "does not speak HTTPS on that port"},
		{"404", []string{"--url", plain.URL, "--api-key", key}, exitError, "is not a Backlog server: GET " + plain.URL + "/api/v2/space answered 404 Not Found"},
		{"html", []string{"--url", html.URL, "--api-key", key}, exitError, "is not a Backlog server: its answer is not Backlog's JSON"},
		{"json", []string{"--url", jsonSrv.URL, "--api-key", key}, exitError, "is not a Backlog server: GET /api/v2/space answered JSON without a spaceKey"},
		{"dns", []string{"--url", "https://no-such-space.invalid", "--api-key", key}, exitError, "cannot reach https://no-such-space.invalid/"},
		{"plain http elsewhere", []string{"--url", "http://acme.backlog.com", "--api-key", key}, exitUsage, "--url: base URL \"http://acme.backlog.com\" uses plain http"},
		{"key in URL", []string{"--url", base + "/?apiKey=" + key}, exitUsage, "must be the space's address alone, without user info, a query or a fragment: write " + base + "/ and give the API key with --api-key or BACKLOG_API_KEY"},
		{"user info in URL", []string{"--url", strings.Replace(base, "http://", "http://u:"+key+"@", 1)}, exitUsage, "write " + base + "/ and give the API key with --api-key"},
		{"no credentials", []string{"--url", base}, exitUsage, "no credentials: give --api-key (or set BACKLOG_API_KEY)"},
		{"no URL", []string{"--api-key", key}, exitUsage, "no space URL: give --url (or set BACKLOG_URL)"},
		{"both", []string{"--url", base, "--api-key", key, "--token-file", otherFile}, exitUsage, "either --api-key or --token-file"},
		{"token file of another space", []string{"--url", base, "--token-file", otherFile}, exitUsage, "was issued for https://other.backlog.com/, not " + base + "/"},
		{"missing token file", []string{"--token-file", filepath.Join(t.TempDir(), "none.json")}, exitAuth, "sign in with `backlogsync auth login` first"},
		{"bad timeout", []string{"--url", base, "--api-key", key, "--timeout", "0s"}, exitUsage, "--timeout 0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"check"}, tt.args...)...)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d and %q", code, errOut, tt.code, tt.want)
			}
			if strings.Contains(out+errOut, key) {
				t.Errorf("the API key was printed:\n%s%s", out, errOut)
			}
		})
	}
}
