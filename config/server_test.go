package config

import (
	"strings"
	"testing"
)

func TestServerDefaults(t *testing.T) {
	cfg, err := parseTestYAML(yamlBase)
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Server
	if s.Addr != DefaultServerAddr || s.StateType != StateSQLite || s.State != "/cfg/c.state.db" ||
		s.BaseURL != "http://127.0.0.1:8080" || s.TLS() {
		t.Errorf("defaults: %+v", s)
	}
}

func TestServerSection(t *testing.T) {
	cfg, err := parseTestYAML(yamlBase + `server:
  addr: 0.0.0.0:8443
  state: postgres://serve:${PGPW}@db/state
  tls_cert: tls/cert.pem
  tls_key: file:tls/key.pem
`)
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Server
	if s.StateType != StatePostgres || s.TLSCert != "/cfg/tls/cert.pem" || s.TLSKey != "/cfg/tls/key.pem" ||
		s.BaseURL != "https://127.0.0.1:8443" {
		t.Errorf("server: %+v", s)
	}
	if strings.Contains(cfg.Redacted(), "PGsecretPW") || strings.Contains(s.StateRedacted(), "PGsecretPW") {
		t.Errorf("the state password leaks: %s", cfg.Redacted())
	}
	if dsn, err := s.StateDriverDSN(); err != nil || !strings.Contains(dsn, "PGsecretPW") {
		t.Errorf("driver DSN %v lacks the password", err)
	}

	cfg, err = parseTestYAML(yamlBase + "server: {state: serve/state.db, base_url: 'https://bi.example.com/'}\n")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.State != "/cfg/serve/state.db" || cfg.Server.BaseURL != "https://bi.example.com" {
		t.Errorf("server: %+v", cfg.Server)
	}
}

func TestServerErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"server: {addr: 8080}", `server.addr: "8080" is not a listen address; write host:port`},
		{"server: {tls_cert: c.pem}", "give both tls_cert and tls_key"},
		{"server: {addr: '0.0.0.0:8080'}", "no TLS is configured"},
		{"server: {base_url: 'ftp://x'}", "server.base_url: \"ftp://x\" is not an http(s) URL"},
		{"server: {base_url: 'https://u:p@x'}", "must not carry credentials"},
		{"server: {state: ''}", "server.state: is empty"},
		{"server: {adr: x}", `unknown key (did you mean "addr"?)`},
		{"server: {allow_insecure_http: maybe}", "server.allow_insecure_http"},
	} {
		_, err := parseTestYAML(yamlBase + c.src + "\n")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.src, err, c.want)
		}
	}
	if _, err := parseTestYAML(yamlBase + "server: {addr: '0.0.0.0:8080', allow_insecure_http: true}\n"); err != nil {
		t.Errorf("allow_insecure_http: %v", err)
	}
}

func TestIsLoopbackAddr(t *testing.T) {
	for addr, want := range map[string]bool{"127.0.0.1:80": true, "[::1]:80": true, "localhost:1": true,
		":8080": false, "0.0.0.0:80": false, "10.0.0.1:80": false, "bad": false} {
		if IsLoopbackAddr(addr) != want {
			t.Errorf("IsLoopbackAddr(%q) = %v", addr, !want)
		}
	}
}
