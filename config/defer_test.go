package config

import (
	"strings"
	"testing"
)

// With DeferAccountSecrets, an account's credentials that cannot be
// resolved do not fail the load: the account carries the problem Load
// would have reported, word for word, and its secret is empty. (Without
// the option an unset access_token also reports client_id and
// client_secret missing; deferred, it counts as given.)
func TestDeferAccountSecrets(t *testing.T) {
	oauth := func(body string) string {
		return strings.Replace(yamlBase, "      api_key: ${KEY}\n", "      oauth:\n"+body, 1)
	}
	for _, tt := range []struct{ name, src, path string }{
		{"api_key unset", strings.Replace(yamlBase, "${KEY}", "${NOPE}", 1), "accounts[0].auth.api_key"},
		{"api_key file missing", strings.Replace(yamlBase, "${KEY}", "file:/run/secrets/nope", 1), "accounts[0].auth.api_key"},
		{"api_key file path unset", strings.Replace(yamlBase, "${KEY}", "file:${NOPE}/key", 1), "accounts[0].auth.api_key"},
		{"client_secret unset", oauth("        client_id: c\n        client_secret: ${NOPE}\n"), "accounts[0].auth.oauth.client_secret"},
		{"client_id unset", oauth("        client_id: ${NOPE}\n        client_secret: s\n"), "accounts[0].auth.oauth.client_id"},
		{"access_token unset", oauth("        access_token: ${NOPE}\n"), "accounts[0].auth.oauth.access_token"},
		{"refresh_token unset", oauth("        client_id: c\n        client_secret: s\n        refresh_token: ${NOPE}\n"), "accounts[0].auth.oauth.refresh_token"},
		{"token_store unset", oauth("        client_id: c\n        client_secret: s\n        token_store: ${NOPE}/t.json\n"), "accounts[0].auth.oauth.token_store"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, eager := parseTestYAML(tt.src)
			var want string
			if e, ok := eager.(*Error); ok {
				for _, p := range e.Problems {
					if p.Path == tt.path {
						want = "config: " + p.String()
					}
				}
			}
			if want == "" {
				t.Fatalf("without DeferAccountSecrets: %v, want an error at %s", eager, tt.path)
			}
			cfg, err := ParseYAML([]byte(tt.src), "/cfg/c.yaml", Options{Env: yamlTestEnv(), DeferAccountSecrets: true})
			if err != nil {
				t.Fatalf("with DeferAccountSecrets: %v", err)
			}
			a := cfg.Accounts[0]
			if got := a.AuthErr(); got == nil || got.Error() != want {
				t.Errorf("AuthErr() = %v\nwant      %s", got, want)
			}
			if !a.Auth.APIKey.IsZero() && tt.path == "accounts[0].auth.api_key" {
				t.Errorf("the unresolved key has a value")
			}
		})
	}
}

// Only the broken account carries an error; the others resolve as usual,
// and secrets outside accounts' auth still fail the load.
func TestDeferAccountSecretsScope(t *testing.T) {
	src := strings.Replace(yamlBase, "destinations:", `  - name: broken
    url: https://broken.backlog.com
    auth: {api_key: "${NOPE}"}
destinations:`, 1)
	opts := Options{Env: yamlTestEnv(), DeferAccountSecrets: true}
	cfg, err := ParseYAML([]byte(src), "/cfg/c.yaml", opts)
	if err != nil {
		t.Fatal(err)
	}
	prod, _ := cfg.Account("prod")
	if prod.AuthErr() != nil || prod.Auth.APIKey.Reveal() != "ENVsecretKEY" {
		t.Errorf("prod: %v %v", prod.AuthErr(), prod.Auth.APIKey)
	}
	broken, _ := cfg.Account("broken")
	want := "config: /cfg/c.yaml:8: accounts[1].auth.api_key: environment variable NOPE is not set; export it, or remove the reference"
	if err := broken.AuthErr(); err == nil || err.Error() != want {
		t.Errorf("broken: %v\nwant %s", err, want)
	}
	if !strings.Contains(cfg.Redacted(), `"name": "broken"`) {
		t.Errorf("Redacted lacks the account:\n%s", cfg.Redacted())
	}

	for _, tt := range []struct{ name, old, new, want string }{
		{"destination password", "${PGPW}", "${NOPE}", "destinations[1].password: environment variable NOPE is not set"},
		{"account url", "https://example.backlog.com", "${NOPE}", "accounts[0].url: environment variable NOPE is not set"},
		{"empty api_key", "${KEY}", "${EMPTY}", "accounts[0].auth.api_key: is empty"},
		{"server state", "jobs:", "server: {state: \"${NOPE}/s.db\"}\njobs:", "server.state: environment variable NOPE is not set"},
	} {
		_, err := ParseYAML([]byte(strings.Replace(yamlBase, tt.old, tt.new, 1)), "/cfg/c.yaml", opts)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}

// CData XML has no ${NAME} or file: references: its values are literal, so
// DeferAccountSecrets changes nothing, and a missing APIKey stays an error.
func TestDeferAccountSecretsCData(t *testing.T) {
	const doc = `<CDataSync><DatabaseType>SQLite</DatabaseType>
<ConnectionString>URL=https://x.backlog.com;APIKey=${NOPE};</ConnectionString>
<DatabaseConnectionString>Data Source=b.db</DatabaseConnectionString></CDataSync>`
	opts := Options{Env: yamlTestEnv(), DeferAccountSecrets: true}
	cfg, err := ParseCData([]byte(doc), "/cfg/x.xml", opts)
	if err != nil {
		t.Fatal(err)
	}
	if a := cfg.Accounts[0]; a.AuthErr() != nil || a.Auth.APIKey.Reveal() != "${NOPE}" {
		t.Errorf("account: %v %q", a.AuthErr(), a.Auth.APIKey.Reveal())
	}
	_, err = ParseCData([]byte(strings.Replace(doc, "APIKey=${NOPE};", "", 1)), "/cfg/x.xml", opts)
	if err == nil || !strings.Contains(err.Error(), "ConnectionString.APIKey: missing") {
		t.Errorf("missing APIKey: %v", err)
	}
}
