package config

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The native YAML config:
//
//	version: 1                       # optional; 1 is the only version
//	accounts:
//	  - name: prod
//	    url: https://example.backlog.com
//	    auth:
//	      api_key: ${BACKLOG_API_KEY}    # or file:/run/secrets/backlog
//	    rate_limit:                      # per Backlog user; see below
//	      max_share: 0.5                 # or "50%"; default 1
//	      concurrency: 2                 # requests in flight at once, 1–16; default 4
//	      pacing: even                   # window (default) | even
//	  - name: partner
//	    url: https://partner.backlog.jp
//	    auth:
//	      oauth:
//	        client_id: abc
//	        client_secret: file:secrets/partner
//	        refresh_token: ${PARTNER_REFRESH}
//	        callback_url: http://localhost:33333/callback
//	        token_store: ~/.backlogsync/partner-token.json
//	destinations:
//	  - name: local
//	    type: sqlite                     # sqlite | postgres | mysql (aliases: sqlite3, postgresql, pg, mariadb)
//	    dsn: backlog.db
//	  - name: pg
//	    type: postgres
//	    dsn: Server=db;Port=5432;Database=backlog;User=sync;   # or postgres://…, host=… dbname=…
//	    password: ${PGPASSWORD}          # replaces the DSN's password
//	jobs:
//	  - name: nightly
//	    destination: pg
//	    accounts:
//	      - {account: prod, schema: prod}
//	      - {account: partner, prefix: PARTNER_}
//	    statements: |
//	      REPLICATE Issues;
//	    # or statements_file: jobs/nightly.sql
//	    replicate_all: false
//	    schedule: 15m                    # Never, Hourly, Daily, …, "*/15 * * * *", or {interval: daily, start: "09:51"}
//	    options: {BatchSize: 1000, AlterSchema: true}
//	    notify: [ops@example.com]        # addresses told about this job's runs (NotificationUserName)
//	notifications:                       # see Notifications in notify.go
//	  errors_only: true
//	  email: {host: smtp.example.com, user: sync, password: "${SMTP_PASSWORD}", from: sync@example.com}
//
// ${NAME} is replaced by the environment variable in every value except
// inline statements (an unset variable is an error naming it; $${ is a
// literal ${). "file:PATH" reads a secret from a file, in the secret keys
// only: api_key, client_secret, access_token, refresh_token, password.
// Relative paths (SQLite files, statements_file, file:, token_store) are
// taken from the config file's directory; ~/ is the home directory.
//
// rate_limit: Backlog's rate limit is a budget per user and fixed
// one-minute window. max_share is the part of each window the account may
// use, leaving the rest for people and other tools on the same user.
// concurrency is how many of its requests may be in flight at once (1 for
// one at a time; more hides latency). pacing: window spends the budget as
// fast as the work goes and then waits for the window's reset (the shortest
// run); even spreads it over the window, so that people sharing the user
// never find it used up in a burst. Accounts of one Backlog user (the same
// key, or keys of the same person) share one budget in a process: while
// they run within a minute of each other, the smallest concurrency and
// even pacing (if any asks for it) apply to all of them; max_share stays
// each account's own.

// ParseYAML reads a native YAML config. file names it in messages and
// anchors relative paths ("" for the working directory).
func ParseYAML(data []byte, file string, opts Options) (*Config, error) {
	p := &problems{file: file, lines: map[string]int{}, deferred: map[string]bool{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line, msg := yamlErr(err)
		line = problemLine(data, line, err)
		p.errAt(line, "", "malformed YAML: %s%s", msg, yamlHint(data, line, msg))
		return nil, p.err()
	}
	if len(doc.Content) == 0 {
		p.errAt(0, "", "the file is empty; it needs accounts, destinations and jobs")
		return nil, p.err()
	}
	y := &ydec{p: p, env: opts.Env, dir: configDir(file), lines: strings.Split(string(data), "\n"), deferAuth: opts.DeferAccountSecrets}
	cfg := &Config{File: file, Format: FormatYAML}
	top := y.mapping(doc.Content[0], "", "version", "accounts", "destinations", "jobs", "notifications", "server")
	if top == nil {
		return nil, p.err()
	}
	if v, ok := top.scalar("version"); ok && v != "1" {
		p.errf("version", "%q is not a config version this backlogsync reads; write version: 1", v)
	}
	for i, n := range top.seq("accounts") {
		cfg.Accounts = append(cfg.Accounts, y.account(n, fmt.Sprintf("accounts[%d]", i)))
	}
	for i, n := range top.seq("destinations") {
		cfg.Destinations = append(cfg.Destinations, y.destination(n, fmt.Sprintf("destinations[%d]", i)))
	}
	for i, n := range top.seq("jobs") {
		cfg.Jobs = append(cfg.Jobs, y.job(n, fmt.Sprintf("jobs[%d]", i)))
	}
	cfg.Notifications = y.notifications(top.vals["notifications"], "notifications")
	for i, j := range cfg.Jobs {
		if len(j.Notify) > 0 && cfg.Notifications.Email == nil {
			p.warnf(fmt.Sprintf("jobs[%d].notify", i), "no mail is sent: add notifications: {email: {host: …, from: …}} with the SMTP server")
		}
	}
	cfg.Server = y.server(file, top)
	cfg.lines = p.lines
	cfg.validate(p, true)
	cfg.Warnings = sortProblems(p.warns)
	if len(p.errs) > 0 {
		return nil, p.err()
	}
	return cfg, nil
}

// yamlHint returns how to fix two common YAML mistakes that yaml.v3's
// message does not explain ("" for others): ${VAR} or another value
// holding { } [ ] , unquoted inside a { … } or [ … ] collection, and a tab
// in the indentation.
func yamlHint(data []byte, line int, msg string) string {
	text := ""
	if lines := strings.Split(string(data), "\n"); line >= 1 && line <= len(lines) {
		text = lines[line-1]
	}
	switch {
	case strings.Contains(msg, "did not find expected ',' or") && strings.Contains(text, "${"):
		return `; inside { … } or [ … ] quote ${…}: write "${VAR}"`
	case strings.Contains(msg, "did not find expected ',' or"):
		return "; inside { … } or [ … ] quote a value that holds , { } [ ] or : with \"…\""
	case strings.Contains(msg, "cannot start any token") && strings.Contains(text, "\t"):
		return "; indent with spaces: YAML does not allow tabs"
	}
	return ""
}

var yamlLineRE = regexp.MustCompile(`^yaml: (?:unmarshal errors:\n\s*)?line (\d+): (.*)`)

// yamlErr extracts the line from a yaml.v3 error.
func yamlErr(err error) (int, string) {
	m := yamlLineRE.FindStringSubmatch(err.Error())
	if m == nil {
		return 0, strings.TrimPrefix(err.Error(), "yaml: ")
	}
	n, _ := strconv.Atoi(m[1])
	return n, m[2]
}

// maxProblemSearch bounds the lines problemLine re-parses.
const maxProblemSearch = 5000

// problemLine returns the line a YAML syntax error is at. yaml.v3 reports
// the line where the enclosing structure began (its "context"), so a
// badly indented key on line 4 of a list that starts on line 1 is reported
// at line 1. The problem's own line is the first line whose prefix of the
// document fails with the same message; without one (or in a document too
// long to search) the reported line stands.
func problemLine(data []byte, reported int, err error) int {
	want := err.Error()
	_, msg := yamlErr(err)
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) > maxProblemSearch {
		return reported
	}
	n := 0
	for k := 1; k <= len(lines); k++ {
		n += len(lines[k-1])
		var doc yaml.Node
		e := yaml.Unmarshal(data[:n], &doc)
		if e == nil {
			continue
		}
		if _, m := yamlErr(e); m == msg || e.Error() == want {
			if k > reported {
				return k
			}
			return reported
		}
	}
	return reported
}

// ydec walks the YAML node tree, recording the line of every key path.
type ydec struct {
	p     *problems
	env   Env
	dir   string
	lines []string // the document's lines, for the columns of block scalars
	// deferAuth is Options.DeferAccountSecrets.
	deferAuth bool
}

// indentOf returns the column (1-based) where the block scalar starting on
// line n (1-based) has its text: the indentation of its first non-blank
// line, or 1.
func (y *ydec) indentOf(n int) int {
	for ; n >= 1 && n <= len(y.lines); n++ {
		l := strings.TrimRight(y.lines[n-1], "\r")
		if t := strings.TrimLeft(l, " "); t != "" {
			return len(l) - len(t) + 1
		}
	}
	return 1
}

// ymap is a YAML mapping whose keys have been checked.
type ymap struct {
	y    *ydec
	path string
	vals map[string]*yaml.Node
	keys map[string]*yaml.Node
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping (key: value)"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("the value %q", n.Value)
	}
	return "something else"
}

// mapping checks that n is a mapping with only the given keys. It returns
// nil (after reporting) when n is not a mapping, and an empty ymap for null.
func (y *ydec) mapping(n *yaml.Node, path string, keys ...string) *ymap {
	n = resolve(n)
	m := &ymap{y: y, path: path, vals: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}}
	if isNull(n) {
		return m
	}
	if n.Kind != yaml.MappingNode {
		y.p.errAt(n.Line, path, "expected a mapping (key: value), got %s", kindName(n))
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		kp := join(path, k.Value)
		if !slices.Contains(keys, k.Value) {
			y.p.errAt(k.Line, kp, "unknown key%s; known keys here: %s", suggest(k.Value, keys), strings.Join(keys, ", "))
			continue
		}
		if prev, ok := m.keys[k.Value]; ok {
			y.p.errAt(k.Line, kp, "given twice (first on line %d); keep one", prev.Line)
			continue
		}
		m.keys[k.Value] = k
		m.vals[k.Value] = resolve(v)
		y.p.lines[kp] = k.Line
	}
	return m
}

func (m *ymap) has(key string) bool { return !isNull(m.vals[key]) }

// scalar returns the raw text of a scalar value ("" and false when absent
// or null), reporting anything else.
func (m *ymap) scalar(key string) (string, bool) {
	n := m.vals[key]
	if isNull(n) {
		return "", false
	}
	if n.Kind != yaml.ScalarNode {
		m.y.p.errAt(n.Line, join(m.path, key), "expected a single value, got %s", kindName(n))
		return "", false
	}
	return n.Value, true
}

// str returns a scalar with ${ENV} expanded.
func (m *ymap) str(key string) string { return m.strOr(key, m.report) }

// strOr is str, handing a value that cannot be expanded to fail.
func (m *ymap) strOr(key string, fail func(key string, err error)) string {
	v, ok := m.scalar(key)
	if !ok {
		return ""
	}
	out, _, err := m.y.env.expandEnv(v)
	if err != nil {
		fail(key, err)
		return ""
	}
	return out
}

// secret returns a scalar as a Secret (${ENV}, file: or literal). ok is
// false when the value was present but could not be resolved (reported).
func (m *ymap) secret(key string) (Secret, bool) { return m.secretOr(key, m.report) }

// secretOr is secret, handing a value that cannot be resolved to fail.
func (m *ymap) secretOr(key string, fail func(key string, err error)) (Secret, bool) {
	v, present := m.scalar(key)
	if !present {
		return Secret{}, true
	}
	s, err := m.y.env.resolveSecret(v, m.y.dir)
	if err != nil {
		fail(key, err)
		return Secret{}, false
	}
	return s, true
}

// report records that key could not be resolved as a problem of the load.
func (m *ymap) report(key string, err error) { m.y.p.errf(join(m.path, key), "%v", err) }

// authSecret is secret for an account's credentials: with
// Options.DeferAccountSecrets, a value that cannot be resolved is recorded
// on a (see Account.AuthErr) instead of failing the load.
func (m *ymap) authSecret(a *Account, key string) (Secret, bool) {
	return m.secretOr(key, m.authFail(a))
}

// authStr is str for the other values of an account's auth (client_id,
// callback_url, token_store), deferred as authSecret.
func (m *ymap) authStr(a *Account, key string) string { return m.strOr(key, m.authFail(a)) }

// authFail returns how a value of account a's auth that cannot be resolved
// is reported: as report, or with Options.DeferAccountSecrets recorded on
// a and counted as given.
func (m *ymap) authFail(a *Account) func(key string, err error) {
	if !m.y.deferAuth {
		return m.report
	}
	return func(key string, err error) {
		path := join(m.path, key)
		a.authProblems = append(a.authProblems, Problem{File: m.y.p.file, Line: m.y.p.line(path), Path: path, Message: err.Error()})
		m.y.p.deferred[path] = true
	}
}

// sec is secret without the flag.
func (m *ymap) sec(key string) Secret { s, _ := m.secret(key); return s }

// path returns a file path value, expanded and made absolute.
func (m *ymap) filePath(key string) string {
	v := m.str(key)
	if v == "" {
		return ""
	}
	return m.y.abs(v)
}

func (y *ydec) abs(p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(y.dir, p)
}

// seq returns the items of a list; a missing key is an empty list.
func (m *ymap) seq(key string) []*yaml.Node {
	n := m.vals[key]
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		m.y.p.errAt(n.Line, join(m.path, key), "expected a list (lines starting with -), got %s", kindName(n))
		return nil
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		out[i] = resolve(c)
		m.y.p.lines[fmt.Sprintf("%s[%d]", join(m.path, key), i)] = c.Line
	}
	return out
}

func (y *ydec) account(n *yaml.Node, path string) Account {
	a := Account{MaxShare: 1}
	m := y.mapping(n, path, "name", "url", "auth", "rate_limit")
	if m == nil {
		return a
	}
	a.Name = m.str("name")
	if !m.has("url") {
		y.p.errf(path, "url: missing; add url: https://example.backlog.com")
	} else if u, err := NormalizeSpaceURL(m.str("url")); err != nil {
		y.p.errf(path+".url", "%v", err)
	} else {
		a.URL = u
	}
	ap := path + ".auth"
	auth := y.mapping(m.vals["auth"], ap, "api_key", "oauth")
	switch {
	case auth == nil:
	case !auth.has("api_key") && !auth.has("oauth"):
		y.p.errf(ap, "missing; add auth: {api_key: \"${BACKLOG_API_KEY}\"} or auth: {oauth: {client_id: …, client_secret: …}}")
	case auth.has("api_key") && auth.has("oauth"):
		y.p.errf(ap, "give either api_key or oauth, not both")
	case auth.has("api_key"):
		a.Auth.Scheme = AuthAPIKey
		var ok bool
		a.Auth.APIKey, ok = auth.authSecret(&a, "api_key")
		if a.Auth.APIKey.IsZero() && ok {
			y.p.errf(ap+".api_key", "is empty; set it to the API key (Backlog: Personal Settings → API)")
		}
	default:
		a.Auth.Scheme = AuthOAuth
		op := ap + ".oauth"
		om := y.mapping(auth.vals["oauth"], op, "client_id", "client_secret", "access_token", "refresh_token", "callback_url", "token_store")
		if om == nil {
			break
		}
		sec := func(key string) Secret { s, _ := om.authSecret(&a, key); return s }
		o := &OAuth{
			ClientID:     om.authStr(&a, "client_id"),
			ClientSecret: sec("client_secret"),
			AccessToken:  sec("access_token"),
			RefreshToken: sec("refresh_token"),
			CallbackURL:  om.authStr(&a, "callback_url"),
			TokenStore:   om.authStr(&a, "token_store"),
		}
		if o.TokenStore != "" {
			o.TokenStore = y.abs(o.TokenStore)
		}
		a.Auth.OAuth = o
		checkOAuth(y.p, y.p.line(op), op+".", o, "client_id", "client_secret", "access_token")
	}
	rm := y.mapping(m.vals["rate_limit"], path+".rate_limit", "max_share", "concurrency", "pacing")
	// value returns a key of rate_limit, unless it is absent or reading it
	// failed already (a list, an unset variable: reported).
	value := func(key string) (string, bool) {
		if rm == nil || !rm.has(key) {
			return "", false
		}
		s := rm.str(key)
		return s, !y.p.hasErr(path + ".rate_limit." + key)
	}
	if s, ok := value("max_share"); ok {
		if f, err := ParseMaxShare(s); err != nil {
			y.p.errf(path+".rate_limit.max_share", "%v", err)
		} else {
			a.MaxShare = f
		}
	}
	if s, ok := value("concurrency"); ok {
		if n, err := ParseConcurrency(s); err != nil {
			y.p.errf(path+".rate_limit.concurrency", "%v", err)
		} else {
			a.Concurrency = n
		}
	}
	if s, ok := value("pacing"); ok {
		if v, err := ParsePacing(s); err != nil {
			y.p.errf(path+".rate_limit.pacing", "%v", err)
		} else {
			a.Pacing = v
		}
	}
	return a
}

func (y *ydec) destination(n *yaml.Node, path string) Destination {
	d := Destination{dir: y.dir}
	m := y.mapping(n, path, "name", "type", "dsn", "password")
	if m == nil {
		return d
	}
	d.Name = m.str("name")
	if !m.has("type") {
		y.p.errf(path, "type: missing; add type: sqlite, postgres or mysql")
	} else if t, err := ParseDestType(m.str("type")); err != nil {
		y.p.errf(path+".type", "%v", err)
	} else {
		d.Type = t
	}
	if !m.has("dsn") {
		hint := "a connection string"
		if d.Type != "" {
			hint = dsnForms[d.Type]
		}
		y.p.errf(path, "dsn: missing; add dsn: %s", hint)
	} else {
		d.DSN = m.str("dsn")
	}
	d.Password = m.sec("password")
	if d.Type != "" && d.DSN != "" {
		if pd, err := d.ParseDSN(); err != nil {
			key := ".dsn"
			if d.Type == SQLite && !d.Password.IsZero() {
				key = ".password"
			}
			y.p.errf(path+key, "%v", err)
		} else {
			for _, w := range pd.warnings() {
				y.p.warnf(path+".dsn", "%s", w)
			}
		}
	}
	return d
}
