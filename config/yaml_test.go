package config

import (
	"errors"
	"io/fs"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// yamlTestEnv has variables and files for the YAML tests; /cfg is the
// config's directory.
func yamlTestEnv() Env {
	files := map[string]string{
		"/cfg/jobs.sql":       "REPLICATE Issues;\n",
		"/run/secrets/key":    "FILEsecretKEY\n",
		"/run/secrets/empty":  "",
		"/cfg/secrets/client": "CLIENTsecret",
	}
	return Env{
		LookupEnv: func(k string) (string, bool) {
			v, ok := map[string]string{"KEY": "ENVsecretKEY", "PGPW": "PGsecretPW", "EMPTY": ""}[k]
			return v, ok
		},
		ReadFile: func(p string) ([]byte, error) {
			if v, ok := files[p]; ok {
				return []byte(v), nil
			}
			return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
		},
	}
}

const yamlBase = `accounts:
  - name: prod
    url: https://example.backlog.com
    auth:
      api_key: ${KEY}
destinations:
  - name: local
    type: sqlite
    dsn: backlog.db
  - name: pg
    type: postgres
    dsn: postgres://sync@db/backlog
    password: ${PGPW}
jobs:
  - name: j
    destination: local
    accounts: [prod]
    statements: REPLICATE Issues;
`

func parseTestYAML(src string) (*Config, error) {
	return ParseYAML([]byte(src), "/cfg/c.yaml", Options{Env: yamlTestEnv()})
}

func TestYAMLValid(t *testing.T) {
	cfg, err := parseTestYAML(yamlBase)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Accounts[0].Auth.APIKey.Reveal() != "ENVsecretKEY" {
		t.Errorf("api key = %q", cfg.Accounts[0].Auth.APIKey.Reveal())
	}
	d, _ := cfg.Destination("pg")
	if dsn, _ := d.DriverDSN(); dsn != "postgres://sync:PGsecretPW@db/backlog" {
		t.Errorf("pg DriverDSN = %q", dsn)
	}
	if s := cfg.Redacted(); strings.Contains(s, "secret") {
		t.Errorf("Redacted shows a secret:\n%s", s)
	}
	if cfg.String() != cfg.Redacted() {
		t.Error("String differs from Redacted")
	}
	if _, ok := cfg.Job("j"); !ok {
		t.Error("Job(j) not found")
	}
	if _, ok := cfg.Account("nope"); ok {
		t.Error("Account(nope) found")
	}
}

// TestYAMLErrors covers every validation message of the YAML config, with
// its line.
// The auth snippet that the "auth: missing" problem suggests is YAML
// that parses to an api_key, so that pasting it works.
func TestYAMLAuthHintParses(t *testing.T) {
	_, err := parseTestYAML("accounts:\n  - name: a\n    url: https://a.backlog.com\n")
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want *Error", err)
	}
	for _, p := range ce.Problems {
		_, hint, ok := strings.Cut(p.String(), "missing; add ")
		if !ok {
			continue
		}
		snippet, _, _ := strings.Cut(hint, " or ")
		var doc map[string]map[string]string
		if err := yaml.Unmarshal([]byte(snippet), &doc); err != nil || doc["auth"]["api_key"] != "${BACKLOG_API_KEY}" {
			t.Errorf("the suggested %q does not parse to an api_key: %v, %v", snippet, doc, err)
		}
		return
	}
	t.Fatalf("no auth hint among %v", ce.Problems)
}

func TestYAMLErrors(t *testing.T) {
	// edit replaces old with new in yamlBase (old must occur).
	edit := func(pairs ...string) string {
		s := yamlBase
		for i := 0; i < len(pairs); i += 2 {
			if !strings.Contains(s, pairs[i]) {
				panic("edit: " + pairs[i])
			}
			s = strings.Replace(s, pairs[i], pairs[i+1], 1)
		}
		return s
	}
	tests := []struct {
		name, src string
		want      []string
	}{
		{"unterminated quote", "accounts:\n  - name: 'a\n", []string{"/cfg/c.yaml:2: malformed YAML: found unexpected end of stream"}},
		// yaml.v3 gives parser errors the line of the enclosing construct.
		{"bad indent", "accounts:\n  - name: a\n   url: x\n", []string{"/cfg/c.yaml:3: malformed YAML: did not find expected '-' indicator"}},
		{"bad indent deeper", "accounts:\n  - name: a\n    url: https://x.backlog.com\n   auth: {api_key: k}\n", []string{"/cfg/c.yaml:4: malformed YAML: did not find expected '-' indicator"}},
		{"tab", "accounts:\n\t- name: a\n", []string{"/cfg/c.yaml:2: malformed YAML: found character that cannot start any token; indent with spaces: YAML does not allow tabs"}},
		// ${VAR} unquoted in a flow mapping: { starts a nested collection.
		{"unquoted ${VAR} in { }", edit("url: https://example.backlog.com", "url: https://example.backlog.com\n    extra: {api_key: ${KEY}}"),
			[]string{`/cfg/c.yaml:4: malformed YAML: did not find expected ',' or '}'; inside { … } or [ … ] quote ${…}: write "${VAR}"`}},
		{"unquoted value in { }", "accounts:\n  - name: a\n    auth: {api_key: a{b}\n", []string{
			`/cfg/c.yaml:3: malformed YAML: did not find expected ',' or '}'; inside { … } or [ … ] quote a value that holds , { } [ ] or : with "…"`}},
		{"empty", "", []string{"/cfg/c.yaml: the file is empty; it needs accounts, destinations and jobs"}},
		{"not a mapping", "- a\n- b\n", []string{"/cfg/c.yaml:1: expected a mapping (key: value), got a list"}},
		{"unknown top key", edit("accounts:", "acounts:"), []string{
			`/cfg/c.yaml:1: acounts: unknown key (did you mean "accounts"?); known keys here: version, accounts, destinations, jobs, notifications, server`,
			"/cfg/c.yaml:17: jobs[0].accounts[0]: \"prod\" is not defined; defined accounts: (none)",
			"/cfg/c.yaml: accounts: no account defined; add one with name, url and auth",
		}},
		{"version", "version: 2\n" + yamlBase, []string{`/cfg/c.yaml:1: version: "2" is not a config version this backlogsync reads; write version: 1`}},
		{"accounts not a list", edit("accounts:\n  - name: prod", "accounts:\n  prod:\n    name: prod"), []string{
			"/cfg/c.yaml:1: accounts: no account defined; add one with name, url and auth",
			"/cfg/c.yaml:2: accounts: expected a list (lines starting with -), got a mapping (key: value)",
			"/cfg/c.yaml:18: jobs[0].accounts[0]: \"prod\" is not defined; defined accounts: (none)",
		}},
		{"duplicate key", edit("    url: https://example.backlog.com\n", "    url: https://example.backlog.com\n    url: https://other.backlog.com\n"),
			[]string{"/cfg/c.yaml:4: accounts[0].url: given twice (first on line 3); keep one"}},
		{"unknown account key", edit("    url:", "    rate_limt: {max_share: 1}\n    url:"),
			[]string{`/cfg/c.yaml:3: accounts[0].rate_limt: unknown key (did you mean "rate_limit"?); known keys here: name, url, auth, rate_limit`}},
		{"account name missing", edit("  - name: prod\n", "  - \n"), []string{
			"/cfg/c.yaml:3: accounts[0].name: missing; add name: (letters, digits, _ . -)",
			"/cfg/c.yaml:17: jobs[0].accounts[0]: \"prod\" is not defined; defined accounts: (none)",
		}},
		{"account name bad", edit("name: prod", "name: my prod"), []string{
			`/cfg/c.yaml:2: accounts[0].name: "my prod" is not a valid name; use letters, digits, _ . - and start with a letter or digit`,
			"/cfg/c.yaml:17: jobs[0].accounts[0]: \"prod\" is not defined; defined accounts: (none)",
		}},
		{"account name list", edit("name: prod", "name: [prod]"), []string{
			"/cfg/c.yaml:2: accounts[0].name: expected a single value, got a list",
			"/cfg/c.yaml:2: accounts[0].name: missing; add name: (letters, digits, _ . -)",
			"/cfg/c.yaml:17: jobs[0].accounts[0]: \"prod\" is not defined; defined accounts: (none)",
		}},
		{"duplicate account", edit("destinations:", "  - name: prod\n    url: https://x.backlog.com\n    auth: {api_key: k}\ndestinations:"),
			[]string{`/cfg/c.yaml:6: accounts[1].name: "prod" is already defined by accounts[0]; names must be unique`}},
		{"url missing", edit("    url: https://example.backlog.com\n", ""),
			[]string{"/cfg/c.yaml:2: accounts[0]: url: missing; add url: https://example.backlog.com"}},
		{"url bad", edit("https://example.backlog.com", "ftp://example.backlog.com"),
			[]string{`/cfg/c.yaml:3: accounts[0].url: scheme "ftp" is not http(s); write https://example.backlog.com`}},
		{"auth missing", edit("    auth:\n      api_key: ${KEY}\n", ""),
			[]string{"/cfg/c.yaml:2: accounts[0].auth: missing; add auth: {api_key: \"${BACKLOG_API_KEY}\"} or auth: {oauth: {client_id: …, client_secret: …}}"}},
		{"auth scalar", edit("    auth:\n      api_key: ${KEY}\n", "    auth: ${KEY}\n"),
			[]string{`/cfg/c.yaml:4: accounts[0].auth: expected a mapping (key: value), got the value "${KEY}"`}},
		{"auth both", edit("      api_key: ${KEY}\n", "      api_key: ${KEY}\n      oauth: {client_id: c, client_secret: s}\n"),
			[]string{"/cfg/c.yaml:4: accounts[0].auth: give either api_key or oauth, not both"}},
		{"auth unknown key", edit("api_key:", "apikey:"),
			[]string{"/cfg/c.yaml:4: accounts[0].auth: missing; add auth: {api_key: \"${BACKLOG_API_KEY}\"} or auth: {oauth: {client_id: …, client_secret: …}}",
				`/cfg/c.yaml:5: accounts[0].auth.apikey: unknown key (did you mean "api_key"?); known keys here: api_key, oauth`}},
		{"env unset", edit("${KEY}", "${BACKLOG_KEY}"),
			[]string{"/cfg/c.yaml:5: accounts[0].auth.api_key: environment variable BACKLOG_KEY is not set; export it, or remove the reference"}},
		{"env empty", edit("${KEY}", "${EMPTY}"),
			[]string{"/cfg/c.yaml:5: accounts[0].auth.api_key: is empty; set it to the API key (Backlog: Personal Settings → API)"}},
		{"file missing", edit("${KEY}", "file:/run/secrets/nope"),
			[]string{"/cfg/c.yaml:5: accounts[0].auth.api_key: cannot read secret file /run/secrets/nope: file does not exist"}},
		{"file empty", edit("${KEY}", "file:/run/secrets/empty"),
			[]string{"/cfg/c.yaml:5: accounts[0].auth.api_key: secret file /run/secrets/empty is empty"}},
		{"oauth incomplete", edit("      api_key: ${KEY}\n", "      oauth:\n        callback_url: http://localhost\n"), []string{
			"/cfg/c.yaml:5: accounts[0].auth.oauth.client_id: missing; add the client ID of the OAuth application registered in Backlog (Space settings → Apps)",
			"/cfg/c.yaml:5: accounts[0].auth.oauth.client_secret: missing; add the OAuth application's client secret",
		}},
		{"oauth unknown key", edit("      api_key: ${KEY}\n", "      oauth:\n        client_id: c\n        client_secret: file:secrets/client\n        refresh: x\n"),
			[]string{`/cfg/c.yaml:8: accounts[0].auth.oauth.refresh: unknown key (did you mean "refresh_token"?); known keys here: client_id, client_secret, access_token, refresh_token, callback_url, token_store`}},
		{"max share", edit("    auth:", "    rate_limit: {max_share: 2}\n    auth:"),
			[]string{"/cfg/c.yaml:4: accounts[0].rate_limit.max_share: 2 is out of range; the share must be more than 0 and at most 1 (100%)"}},
		{"rate limit unknown", edit("    auth:", "    rate_limit: {share: 0.5}\n    auth:"),
			[]string{`/cfg/c.yaml:4: accounts[0].rate_limit.share: unknown key (did you mean "max_share"?); known keys here: max_share, concurrency, pacing`}},
		{"rate limit misspelt", edit("    auth:", "    rate_limit: {concurency: 2, pace: even}\n    auth:"), []string{
			`/cfg/c.yaml:4: accounts[0].rate_limit.concurency: unknown key (did you mean "concurrency"?); known keys here: max_share, concurrency, pacing`,
			`/cfg/c.yaml:4: accounts[0].rate_limit.pace: unknown key (did you mean "pacing"?); known keys here: max_share, concurrency, pacing`,
		}},
		{"concurrency zero", edit("    auth:", "    rate_limit: {concurrency: 0}\n    auth:"),
			[]string{"/cfg/c.yaml:4: accounts[0].rate_limit.concurrency: 0 is out of range; write a number from 1 (one request at a time, for accounts shared with people) to 16 (default 4)"}},
		{"concurrency too high", edit("    auth:", "    rate_limit: {concurrency: 64}\n    auth:"),
			[]string{"/cfg/c.yaml:4: accounts[0].rate_limit.concurrency: 64 is out of range; write a number from 1 (one request at a time, for accounts shared with people) to 16 (default 4)"}},
		{"concurrency fraction", edit("    auth:", "    rate_limit: {concurrency: 2.5}\n    auth:"),
			[]string{`/cfg/c.yaml:4: accounts[0].rate_limit.concurrency: "2.5" is not a whole number; write how many requests may be in flight at once, from 1 (one at a time) to 16 (default 4)`}},
		{"concurrency list", edit("    auth:", "    rate_limit: {concurrency: [2]}\n    auth:"),
			[]string{"/cfg/c.yaml:4: accounts[0].rate_limit.concurrency: expected a single value, got a list"}},
		{"concurrency env unset", edit("    auth:", "    rate_limit: {concurrency: \"${NOPE}\"}\n    auth:"),
			[]string{"/cfg/c.yaml:4: accounts[0].rate_limit.concurrency: environment variable NOPE is not set; export it, or remove the reference"}},
		{"pacing bad", edit("    auth:", "    rate_limit: {pacing: evenly}\n    auth:"),
			[]string{`/cfg/c.yaml:4: accounts[0].rate_limit.pacing: "evenly" is not a pacing (did you mean "even"?); write window (spend each rate-limit window's budget as fast as the work goes, the default) or even (spread it over the window, for accounts shared with people or other tools)`}},
		{"pacing other", edit("    auth:", "    rate_limit: {pacing: smooth}\n    auth:"),
			[]string{`/cfg/c.yaml:4: accounts[0].rate_limit.pacing: "smooth" is not a pacing; write window (spend each rate-limit window's budget as fast as the work goes, the default) or even (spread it over the window, for accounts shared with people or other tools)`}},
		{"dest type missing", edit("    type: sqlite\n", ""),
			[]string{"/cfg/c.yaml:7: destinations[0]: type: missing; add type: sqlite, postgres or mysql"}},
		{"dest type bad", edit("type: sqlite", "type: oracle"),
			[]string{`/cfg/c.yaml:8: destinations[0].type: "oracle" is not a destination type; use sqlite, postgres or mysql (mariadb)`}},
		{"dsn missing", edit("    dsn: backlog.db\n", ""),
			[]string{"/cfg/c.yaml:7: destinations[0]: dsn: missing; add dsn: " + dsnForms[SQLite]}},
		{"dsn bad", edit("postgres://sync@db/backlog", "Server=db;User=sync"),
			[]string{"/cfg/c.yaml:12: destinations[1].dsn: no database; add Database=…"}},
		{"dsn env unset", edit("postgres://sync@db/backlog", "postgres://sync:${NOPE}@db/backlog"),
			[]string{"/cfg/c.yaml:12: destinations[1].dsn: environment variable NOPE is not set; export it, or remove the reference"}},
		{"sqlite password", edit("    dsn: backlog.db\n", "    dsn: backlog.db\n    password: x\n"),
			[]string{"/cfg/c.yaml:10: destinations[0].password: a SQLite destination takes no password"}},
		{"password env unset", edit("${PGPW}", "${PG_PASSWORD}"),
			[]string{"/cfg/c.yaml:13: destinations[1].password: environment variable PG_PASSWORD is not set; export it, or remove the reference"}},
		{"duplicate destination", edit("  - name: pg", "  - name: local"), []string{
			`/cfg/c.yaml:10: destinations[1].name: "local" is already defined by destinations[0]; names must be unique`,
		}},
		{"no destinations", edit("destinations:\n  - name: local\n    type: sqlite\n    dsn: backlog.db\n  - name: pg\n    type: postgres\n    dsn: postgres://sync@db/backlog\n    password: ${PGPW}\n", ""), []string{
			`/cfg/c.yaml:8: jobs[0].destination: "local" is not defined; defined destinations: (none)`,
			"/cfg/c.yaml: destinations: no destination defined; add one, e.g. {name: local, type: sqlite, dsn: backlog.db}",
		}},
		{"no jobs", strings.Split(yamlBase, "jobs:")[0], []string{"/cfg/c.yaml: jobs: no job defined; add one binding accounts to a destination with statements"}},
		{"job unknown key", edit("    statements:", "    statement:"), []string{
			`/cfg/c.yaml:15: jobs[0]: no statements; add statements: "REPLICATE Issues;", statements_file: jobs.sql, or replicate_all: true`,
			`/cfg/c.yaml:18: jobs[0].statement: unknown key (did you mean "statements"?); known keys here: name, destination, accounts, statements, statements_file, replicate_all, schedule, options, notify`,
		}},
		{"job name duplicate", edit("    statements: REPLICATE Issues;\n", "    statements: REPLICATE Issues;\n  - name: j\n    destination: pg\n    accounts: [prod]\n    replicate_all: true\n"),
			[]string{`/cfg/c.yaml:19: jobs[1].name: "j" is already defined by jobs[0]; names must be unique`}},
		{"destination undefined", edit("destination: local", "destination: warehouse"),
			[]string{`/cfg/c.yaml:16: jobs[0].destination: "warehouse" is not defined; defined destinations: local, pg`}},
		{"destination typo", edit("destination: local", "destination: locl"),
			[]string{`/cfg/c.yaml:16: jobs[0].destination: "locl" is not defined (did you mean "local"?); defined destinations: local, pg`}},
		{"destination missing", edit("    destination: local\n", ""),
			[]string{"/cfg/c.yaml:15: jobs[0].destination: missing; name one of the defined destinations: local, pg"}},
		{"job accounts missing", edit("    accounts: [prod]\n", ""),
			[]string{"/cfg/c.yaml:15: jobs[0].accounts: no account; list the accounts to replicate, defined accounts: prod"}},
		{"job account undefined", edit("[prod]", "[prod, staging]"),
			[]string{`/cfg/c.yaml:17: jobs[0].accounts[1]: "staging" is not defined; defined accounts: prod`}},
		{"job account typo", edit("[prod]", "[prd]"),
			[]string{`/cfg/c.yaml:17: jobs[0].accounts[0]: "prd" is not defined (did you mean "prod"?); defined accounts: prod`}},
		{"job account twice", edit("[prod]", "[prod, prod]"),
			[]string{`/cfg/c.yaml:17: jobs[0].accounts[1]: account "prod" is already in this job (accounts[0]); list it once, or use a second job to write it elsewhere`}},
		{"job account object missing name", edit("[prod]", "[{prefix: P_}]"),
			[]string{"/cfg/c.yaml:17: jobs[0].accounts[0]: account: missing; name the account, e.g. {account: prod, prefix: PROD_}",
				"/cfg/c.yaml:17: jobs[0].accounts: no account; list the accounts to replicate, defined accounts: prod"}},
		{"job account unknown key", edit("[prod]", "[{account: prod, prefx: P_}]"),
			[]string{`/cfg/c.yaml:17: jobs[0].accounts[0].prefx: unknown key (did you mean "prefix"?); known keys here: account, prefix, schema`}},
		{"bad prefix", edit("[prod]", "[{account: prod, prefix: 1-x}]"),
			[]string{`/cfg/c.yaml:17: jobs[0].accounts[0].prefix: "1-x" is not a valid table prefix; use letters, digits and _, not starting with a digit (e.g. PROD_ or prod)`}},
		{"bad schema", edit("destination: local\n    accounts: [prod]", "destination: pg\n    accounts: [{account: prod, schema: a.b}]"),
			[]string{`/cfg/c.yaml:17: jobs[0].accounts[0].schema: "a.b" is not a valid schema name; use letters, digits and _, not starting with a digit (e.g. PROD_ or prod)`}},
		{"schema on sqlite", edit("[prod]", "[{account: prod, schema: prod}]"),
			[]string{"/cfg/c.yaml:17: jobs[0].accounts[0].schema: SQLite destinations have no schemas; use prefix: prod_ instead"}},
		{"collision", edit("destinations:", "  - name: stage\n    url: https://stage.backlog.com\n    auth: {api_key: k2}\ndestinations:", "[prod]", "[prod, stage]"),
			[]string{`/cfg/c.yaml:20: jobs[0].accounts[1]: account "stage" would write the same tables as account "prod" (jobs[0].accounts[0]) in destination "local"; give one of them a different prefix or schema`}},
		{"collision across jobs", edit("destinations:", "  - name: stage\n    url: https://stage.backlog.com\n    auth: {api_key: k2}\ndestinations:",
			"    statements: REPLICATE Issues;\n", "    statements: REPLICATE Issues;\n  - name: j2\n    destination: local\n    accounts: [{account: stage, prefix: ''}]\n    replicate_all: yes\n"),
			[]string{`/cfg/c.yaml:24: jobs[1].accounts[0]: account "stage" would write the same tables as account "prod" (jobs[0].accounts[0]) in destination "local"; give one of them a different prefix or schema`}},
		{"statements both", edit("    statements: REPLICATE Issues;\n", "    statements: REPLICATE Issues;\n    statements_file: jobs.sql\n"),
			[]string{"/cfg/c.yaml:19: jobs[0].statements_file: give statements (inline text) or statements_file (a path), not both"}},
		{"statements none", edit("    statements: REPLICATE Issues;\n", ""),
			[]string{`/cfg/c.yaml:15: jobs[0]: no statements; add statements: "REPLICATE Issues;", statements_file: jobs.sql, or replicate_all: true`}},
		{"statements list", edit("statements: REPLICATE Issues;", "statements: [a, b]"), []string{
			`/cfg/c.yaml:15: jobs[0]: no statements; add statements: "REPLICATE Issues;", statements_file: jobs.sql, or replicate_all: true`,
			"/cfg/c.yaml:18: jobs[0].statements: expected a single value, got a list",
		}},
		{"statements file missing", edit("statements: REPLICATE Issues;", "statements_file: nope.sql"), []string{
			`/cfg/c.yaml:15: jobs[0]: no statements; add statements: "REPLICATE Issues;", statements_file: jobs.sql, or replicate_all: true`,
			"/cfg/c.yaml:18: jobs[0].statements_file: cannot read /cfg/nope.sql: file does not exist",
		}},
		{"replicate_all bad", edit("    statements: REPLICATE Issues;\n", "    statements: REPLICATE Issues;\n    replicate_all: maybe\n"),
			[]string{`/cfg/c.yaml:19: jobs[0].replicate_all: "maybe" is not a boolean; write True or False`}},
		{"schedule bad", edit("    statements: REPLICATE Issues;\n", "    statements: REPLICATE Issues;\n    schedule: often\n"),
			[]string{`/cfg/c.yaml:19: jobs[0].schedule: "often" is not a schedule; write Never, Hourly, Daily, Weekly, Monthly, "15 Minutes" (or 15m), or a cron expression such as "*/15 * * * *"`}},
		{"schedule both", edit("    statements: REPLICATE Issues;\n", "    statements: REPLICATE Issues;\n    schedule: {interval: daily, cron: '0 1 * * *'}\n"),
			[]string{"/cfg/c.yaml:19: jobs[0].schedule: give interval or cron, not both"}},
		{"schedule cron in interval", edit("    statements: REPLICATE Issues;\n", "    statements: REPLICATE Issues;\n    schedule: {interval: '0 1 * * *'}\n"),
			[]string{"/cfg/c.yaml:19: jobs[0].schedule.interval: a cron expression goes in cron:, not interval:"}},
		{"schedule cron not cron", edit("    statements: REPLICATE Issues;\n", "    statements: REPLICATE Issues;\n    schedule: {cron: daily}\n"),
			[]string{`/cfg/c.yaml:19: jobs[0].schedule.cron: "daily" is not a five-field cron expression; write e.g. "*/15 * * * *" (or use interval:)`}},
		{"schedule cron bad", edit("    statements: REPLICATE Issues;\n", "    statements: REPLICATE Issues;\n    schedule:\n      cron: '0 25 * * *'\n"),
			[]string{`/cfg/c.yaml:20: jobs[0].schedule.cron: cron "0 25 * * *": hour field "25": "25" is not 0..23`}},
		{"schedule start bad", edit("    statements: REPLICATE Issues;\n", "    statements: REPLICATE Issues;\n    schedule: {interval: daily, start: '9h'}\n"),
			[]string{`/cfg/c.yaml:19: jobs[0].schedule.start: "9h" is not a time of day; write HH:MM, e.g. 09:51`}},
		{"schedule start with cron", edit("    statements: REPLICATE Issues;\n", "    statements: REPLICATE Issues;\n    schedule: {cron: '0 1 * * *', start: '09:00'}\n"),
			[]string{"/cfg/c.yaml:19: jobs[0].schedule.start: start does not apply to a cron schedule; put the time in the cron expression"}},
		{"options not mapping", edit("    statements: REPLICATE Issues;\n", "    statements: REPLICATE Issues;\n    options: [DropTable]\n"),
			[]string{"/cfg/c.yaml:19: jobs[0].options: expected a mapping of option: value (e.g. BatchSize: 1000), got a list"}},
		{"option bad value", edit("    statements: REPLICATE Issues;\n", "    statements: REPLICATE Issues;\n    options:\n      BatchSize: lots\n"),
			[]string{`/cfg/c.yaml:20: jobs[0].options.BatchSize: option BatchSize takes an integer from 1 to 1000000, found 'lots'`}},
		// The runner's check (jobsql.CheckDefault) decides: what it would
		// refuse at run time is refused at load.
		{"option bool not a boolean", edit("    statements: REPLICATE Issues;\n", "    statements: REPLICATE Issues;\n    options:\n      drop_table: maybe\n"),
			[]string{`/cfg/c.yaml:20: jobs[0].options.drop_table: option DropTable takes True or False, found 'maybe'`}},
		{"option int over the runner's bound", edit("    statements: REPLICATE Issues;\n", "    statements: REPLICATE Issues;\n    options:\n      BatchSize: 2000000\n"),
			[]string{`/cfg/c.yaml:20: jobs[0].options.BatchSize: option BatchSize takes an integer from 1 to 1000000, found '2000000'`}},
		{"option bad update mode", edit("    statements: REPLICATE Issues;\n", "    statements: REPLICATE Issues;\n    options:\n      update_mode: Apend\n"),
			[]string{`/cfg/c.yaml:20: jobs[0].options.update_mode: option UpdateMode: 'Apend' is not an update mode: did you mean Append? (Merge, Replace or Append)`}},
		{"option nested", edit("    statements: REPLICATE Issues;\n", "    statements: REPLICATE Issues;\n    options:\n      DropTable: {x: 1}\n"),
			[]string{"/cfg/c.yaml:20: jobs[0].options.DropTable: expected a single value, got a mapping (key: value)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseTestYAML(tt.src)
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *Error", err)
			}
			var got []string
			for _, p := range ce.Problems {
				got = append(got, p.String())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			for _, s := range []string{"ENVsecretKEY", "PGsecretPW", "FILEsecretKEY", "CLIENTsecret"} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error shows secret %s", s)
				}
			}
		})
	}
}

func TestYAMLOAuthSecretUnsetReportedOnce(t *testing.T) {
	src := strings.Replace(yamlBase, "      api_key: ${KEY}\n", "      oauth:\n        client_id: c\n        client_secret: ${NOPE}\n", 1)
	_, err := parseTestYAML(src)
	want := "config: /cfg/c.yaml:7: accounts[0].auth.oauth.client_secret: environment variable NOPE is not set; export it, or remove the reference"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

func TestYAMLWarnings(t *testing.T) {
	src := `accounts:
  - {name: a, url: https://x.backlog.com, auth: {api_key: SHAREDkey}, rate_limit: {max_share: 0.7, concurrency: 1}}
  - {name: b, url: https://x.backlog.com, auth: {api_key: SHAREDkey}, rate_limit: {max_share: 0.5, pacing: even}}
  - {name: c, url: https://x.backlog.com, auth: {api_key: other}}
destinations:
  - {name: pg, type: postgres, dsn: "Server=h;Database=d;Pooling=true"}
jobs:
  - name: j
    destination: pg
    accounts: [{account: a, schema: a}, {account: b, schema: b}, {account: c, schema: c}]
    replicate_all: true
    options: {BatchSise: 10, FutureOption: x}
`
	cfg, err := parseTestYAML(src)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range cfg.Warnings {
		got = append(got, w.String())
	}
	want := []string{
		"/cfg/c.yaml:3: accounts[1].auth.api_key: accounts a, b use the same API key on https://x.backlog.com: they are one Backlog user and share one rate limit, so together they run no faster than one account; if that is not intended, give each its own key",
		"/cfg/c.yaml:3: accounts[1].rate_limit: accounts a, b (one Backlog user) ask for concurrency 1 and the default 4, pacing window and even: while they run within a minute of each other, the smallest concurrency and even pacing (if any asks for it) apply to all of them; give them the same rate_limit to make that explicit",
		"/cfg/c.yaml:6: destinations[0].dsn: connection property Pooling has no postgres driver equivalent and is ignored",
		`/cfg/c.yaml:12: jobs[0].options.BatchSise: not a CData Sync option backlogsync knows (did you mean "BatchSize"?); passed on as written`,
		"/cfg/c.yaml:12: jobs[0].options.FutureOption: not a CData Sync option backlogsync knows; passed on as written",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if strings.Contains(strings.Join(got, ""), "SHAREDkey") {
		t.Error("a warning shows the shared API key")
	}
}

func TestYAMLForms(t *testing.T) {
	// Anchors and aliases are followed; $${ is a literal ${.
	src := `accounts:
  - name: a
    url: https://x.backlog.com
    auth: &auth {api_key: "k$${LITERAL}"}
  - name: b
    url: https://y.backlog.com
    auth: *auth
destinations:
  - {name: d, type: SQLite, dsn: ~/b.db}
jobs:
  - name: j
    destination: d
    accounts: a
    statements: |
      REPLICATE Issues; -- ${NOT_EXPANDED}
  - name: k
    destination: d
    accounts:
      - {account: b, prefix: B_}
    statements_file: jobs.sql
    schedule: {interval: hourly, start: "00:15"}
`
	cfg, err := parseTestYAML(src)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Accounts[1].Auth.APIKey.Reveal(); got != "k${LITERAL}" {
		t.Errorf("aliased api key = %q", got)
	}
	j := cfg.Jobs[0]
	if len(j.Accounts) != 1 || j.Accounts[0].Account != "a" || j.Statements.Text != "REPLICATE Issues; -- ${NOT_EXPANDED}\n" || j.Statements.Line != 15 {
		t.Errorf("job j = %+v", j)
	}
	k := cfg.Jobs[1]
	if k.Statements.File != "/cfg/jobs.sql" || k.Statements.Text != "REPLICATE Issues;\n" || k.Schedule != (Schedule{Interval: Hourly, Start: "00:15"}) {
		t.Errorf("job k = %+v", k)
	}
	if cfg.Destinations[0].Type != SQLite || strings.HasPrefix(cfg.Destinations[0].Redacted(), "~") {
		t.Errorf("destination = %+v (%s)", cfg.Destinations[0], cfg.Destinations[0].Redacted())
	}
}

func TestValidateAfterChange(t *testing.T) {
	cfg, err := parseTestYAML(yamlBase)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Jobs[0].Destination = "nowhere"
	err = cfg.Validate()
	want := `config: /cfg/c.yaml:16: jobs[0].destination: "nowhere" is not defined; defined destinations: local, pg`
	if err == nil || err.Error() != want {
		t.Errorf("Validate = %v\nwant %s", err, want)
	}
}

// Accounts of one user asking for the same rate_limit get only the shared
// key warning, not the one about differing settings.
func TestYAMLSharedKeySameLimits(t *testing.T) {
	src := `accounts:
  - {name: a, url: https://x.backlog.com, auth: {api_key: k}, rate_limit: {concurrency: 2, pacing: even}}
  - {name: b, url: https://x.backlog.com, auth: {api_key: k}, rate_limit: {concurrency: 2, pacing: EVEN}}
destinations:
  - {name: db, type: sqlite, dsn: x.db}
jobs:
  - {name: j, destination: db, accounts: [{account: a, prefix: A_}, {account: b, prefix: B_}], replicate_all: true}
`
	cfg, err := parseTestYAML(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Warnings) != 1 || !strings.Contains(cfg.Warnings[0].Message, "use the same API key") {
		t.Errorf("warnings: %v; want only the shared key's", cfg.Warnings)
	}
	for _, a := range cfg.Accounts {
		if a.Concurrency != 2 || a.Pacing != "even" {
			t.Errorf("account %s: concurrency %d, pacing %q; want 2, even", a.Name, a.Concurrency, a.Pacing)
		}
	}
}
