package config

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"
)

// The server section of the YAML config (all keys optional):
//
//	server:
//	  addr: 127.0.0.1:8080              # listen address; --addr overrides it
//	  state: backlogsync.state.db       # serve's own database: a SQLite file (default: <config name>.state.db
//	                                    # beside the config) or postgres://… for several instances
//	  tls_cert: /etc/backlogsync/cert.pem
//	  tls_key: file:/etc/backlogsync/key.pem   # both or neither; with them serve speaks HTTPS
//	  base_url: https://bi.example.com  # how clients reach the server (printed OData URLs); default from addr
//	  allow_insecure_http: false        # true: serve plain HTTP on a non-loopback address (tokens cross the network in clear)
//
// A CData XML config has no server section; it gets the defaults.

// DefaultServerAddr is where serve listens when neither the config nor
// --addr says otherwise: loopback only.
const DefaultServerAddr = "127.0.0.1:8080"

// StateType is the kind of database holding serve's own state.
type StateType string

// The state database kinds.
const (
	StateSQLite   StateType = "sqlite"
	StatePostgres StateType = "postgres"
)

// Server configures "backlogsync serve".
type Server struct {
	// Addr is the listen address, host:port.
	Addr string `json:"addr"`
	// StateType says which database State names.
	StateType StateType `json:"state_type"`
	// State is the state database: a SQLite file path (absolute) or a
	// PostgreSQL connection string, which may carry a password: print
	// StateRedacted.
	State string `json:"-"`
	// TLSCert and TLSKey are PEM files; both or neither.
	TLSCert string `json:"tls_cert,omitempty"`
	TLSKey  string `json:"tls_key,omitempty"`
	// BaseURL is the URL clients use to reach the server, without a
	// trailing slash; derived from Addr and TLS when not configured.
	BaseURL string `json:"base_url"`
	// AllowInsecureHTTP permits plain HTTP on a non-loopback address.
	AllowInsecureHTTP bool `json:"allow_insecure_http,omitempty"`
}

// MarshalJSON shows the state database without its password.
func (s Server) MarshalJSON() ([]byte, error) {
	type plain Server
	return json.Marshal(struct {
		plain
		State string `json:"state"`
	}{plain(s), s.StateRedacted()})
}

// StateRedacted is State with any password replaced by "****".
func (s Server) StateRedacted() string {
	if s.StateType != StatePostgres {
		return s.State
	}
	d, err := ParseDSN(Postgres, s.State, "")
	if err != nil {
		return "postgres://****"
	}
	return d.Redacted()
}

// StateDriverDSN is the connection string to pass to the driver: the
// SQLite file path, or a pgx connection string.
func (s Server) StateDriverDSN() (string, error) {
	if s.StateType != StatePostgres {
		return s.State, nil
	}
	d, err := ParseDSN(Postgres, s.State, "")
	if err != nil {
		return "", err
	}
	return d.DriverDSN()
}

// TLS reports whether the server serves HTTPS.
func (s Server) TLS() bool { return s.TLSCert != "" && s.TLSKey != "" }

// DefaultBaseURL is the base URL clients reach addr at: https when tls,
// and the loopback address for a wildcard host.
func DefaultBaseURL(addr string, tls bool) string {
	scheme := "http"
	if tls {
		scheme = "https"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return scheme + "://" + addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// defaultStatePath is the SQLite state file of a config: its name with
// ".state.db" beside it.
func defaultStatePath(file, dir string) string {
	base := "backlogsync"
	if file != "" {
		base = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	}
	return filepath.Join(dir, base+".state.db")
}

// IsPostgresDSN reports whether s is a PostgreSQL connection string (a
// postgres:// or postgresql:// URL) rather than a SQLite file path.
func IsPostgresDSN(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// defaultServer is the server section of a config that has none.
func defaultServer(file, dir string) Server {
	return Server{Addr: DefaultServerAddr, StateType: StateSQLite, State: defaultStatePath(file, dir),
		BaseURL: DefaultBaseURL(DefaultServerAddr, false)}
}

// server reads the YAML server section.
func (y *ydec) server(file string, top *ymap) Server {
	s := defaultServer(file, y.dir)
	m := y.mapping(top.vals["server"], "server", "addr", "state", "tls_cert", "tls_key", "base_url", "allow_insecure_http")
	if m == nil {
		return s
	}
	if m.has("addr") {
		s.Addr = m.str("addr")
		if err := CheckListenAddr(s.Addr); err != nil {
			y.p.errf("server.addr", "%v", err)
		}
	}
	if m.has("state") {
		v := m.str("state")
		switch {
		case v == "":
			y.p.errf("server.state", "is empty; give a SQLite file (serve.db) or postgres://user@host/db")
		case IsPostgresDSN(v):
			s.StateType, s.State = StatePostgres, v
			if _, err := ParseDSN(Postgres, v, ""); err != nil {
				y.p.errf("server.state", "%v", err)
			}
		default:
			s.State = y.abs(strings.TrimPrefix(v, "sqlite:"))
		}
	}
	s.TLSCert = m.filePath("tls_cert")
	if m.has("tls_key") {
		// file:PATH is accepted for symmetry with the secret keys.
		s.TLSKey = y.abs(strings.TrimPrefix(m.str("tls_key"), "file:"))
	}
	if (s.TLSCert == "") != (s.TLSKey == "") {
		y.p.errf("server", "give both tls_cert and tls_key (PEM files) for HTTPS, or neither for plain HTTP")
	}
	if v, ok := m.scalar("allow_insecure_http"); ok {
		b, err := parseBool(v)
		if err != nil {
			y.p.errf("server.allow_insecure_http", "%v", err)
		}
		s.AllowInsecureHTTP = b
	}
	s.BaseURL = DefaultBaseURL(s.Addr, s.TLS())
	if m.has("base_url") {
		u, err := url.Parse(m.str("base_url"))
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			y.p.errf("server.base_url", "%q is not an http(s) URL; write e.g. base_url: https://bi.example.com", m.str("base_url"))
		case u.User != nil || u.RawQuery != "" || u.Fragment != "":
			y.p.errf("server.base_url", "must not carry credentials, a query or a fragment; write scheme://host[:port][/path]")
		default:
			s.BaseURL = strings.TrimSuffix(u.String(), "/")
		}
	}
	if err := s.checkExposure(); err != nil {
		y.p.errf("server", "%v", err)
	}
	return s
}

// CheckListenAddr checks a host:port listen address.
func CheckListenAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return fmt.Errorf("%q is not a listen address; write host:port, e.g. 127.0.0.1:8080", addr)
	}
	return nil
}

// IsLoopbackAddr reports whether a listen address accepts connections from
// this machine only.
func IsLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkExposure refuses plain HTTP on an address other machines can reach
// (Basic auth would send tokens in clear) unless AllowInsecureHTTP is set.
func (s Server) checkExposure() error {
	if s.TLS() || s.AllowInsecureHTTP || IsLoopbackAddr(s.Addr) {
		return nil
	}
	return fmt.Errorf("addr %s is reachable from other machines but no TLS is configured, so tokens would cross the network in clear; "+
		"set tls_cert and tls_key, listen on 127.0.0.1 behind a TLS proxy, or set allow_insecure_http: true", s.Addr)
}

// CheckExposure refuses plain HTTP on an address other machines can reach
// (Basic auth would send tokens in clear) unless AllowInsecureHTTP is set;
// for callers that change Addr (serve --addr).
func (s Server) CheckExposure() error { return s.checkExposure() }
