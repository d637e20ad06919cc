// Package config loads backlogsync's configuration from either of two
// formats into one normalized Config, so the engine never knows which was
// used:
//
//   - CData Sync's XML config (root <CDataSync>), read unchanged, as the
//     "CData Sync for Backlog" CLI takes it with -g. CData's habit is one
//     file per Backlog account; such a file becomes a Config with exactly
//     one account, one destination named "default" and one job (named after
//     the file) binding them. See cdata.go for the element-by-element mapping.
//   - backlogsync's own YAML config, with several accounts, destinations and
//     jobs, secrets from ${ENV} or file: references. See yaml.go.
//
// Every problem is reported with the key path (jobs[1].destination), the
// line when known, and what to do about it. Secrets are Secret values that
// print redacted; Config.Redacted renders the whole configuration safely.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/backlogsync/backlogsync"
)

// Format names the syntax a Config was read from.
type Format string

// The two config formats.
const (
	FormatCData Format = "cdata-xml"
	FormatYAML  Format = "yaml"
)

// Config is a normalized configuration: Backlog accounts, destination
// databases and the jobs binding them.
type Config struct {
	// File is the path the config was loaded from ("" when parsed from
	// memory); Format the syntax it was written in.
	File   string `json:"file,omitempty"`
	Format Format `json:"format"`

	Accounts     []Account     `json:"accounts"`
	Destinations []Destination `json:"destinations"`
	Jobs         []Job         `json:"jobs"`
	// Notifications say how serve reports runs (e-mail, webhook).
	Notifications Notifications `json:"notifications,omitzero"`
	// Server configures "backlogsync serve"; defaults when the config has
	// no server section (always for CData XML configs).
	Server Server `json:"server"`

	// Extra holds the elements of a CData XML config that backlogsync does
	// not use, kept verbatim (each is also reported in Warnings).
	Extra []Property `json:"extra,omitempty"`
	// Warnings are problems that do not stop a run (unknown XML elements,
	// unknown connection properties, unused options).
	Warnings []Problem `json:"warnings,omitempty"`

	lines map[string]int // key path → line in File, for Validate's messages
}

// Account is one Backlog space and the credentials used to read it.
type Account struct {
	// Name identifies the account in jobs, state and logs.
	Name string `json:"name"`
	// URL is the space's web root, normalized without a trailing slash or
	// "/api/v2", e.g. "https://example.backlog.com".
	URL  string `json:"url"`
	Auth Auth   `json:"auth"`
	// MaxShare is the share of the space's rate-limit budget this account may
	// use, in (0, 1]; 1 when not configured.
	MaxShare float64 `json:"max_share"`
	// Concurrency is how many requests of the account may be in flight at
	// once, 1 to MaxConcurrency; 0 when not configured (the client's
	// default, 4).
	Concurrency int `json:"concurrency,omitempty"`
	// Pacing is how the rate-limit budget of each window is spent: "window"
	// (as fast as the work goes, then wait for the reset) or "even" (spread
	// over the window); "" when not configured (window).
	Pacing string `json:"pacing,omitempty"`
	// Properties are the other CData connection properties (Timeout,
	// ProxyServer, …) kept verbatim; backlogsync does not use them.
	Properties []Property `json:"properties,omitempty"`

	// authProblems are the credentials that could not be resolved, when
	// loaded with Options.DeferAccountSecrets.
	authProblems []Problem
}

// AuthErr returns why the account's credentials could not be resolved
// when the config was loaded with Options.DeferAccountSecrets (the error
// Load would have returned without it: key path, line and fix), or nil.
// Check it before using Auth.
func (a *Account) AuthErr() error {
	if len(a.authProblems) == 0 {
		return nil
	}
	return &Error{Problems: slices.Clone(a.authProblems)}
}

// AuthScheme is how an account authenticates.
type AuthScheme string

// The authentication schemes (CData's AuthScheme=APIToken and OAuth).
const (
	AuthAPIKey AuthScheme = "api_key"
	AuthOAuth  AuthScheme = "oauth"
)

// Auth holds an account's credentials: APIKey for AuthAPIKey, OAuth for
// AuthOAuth.
type Auth struct {
	Scheme AuthScheme `json:"scheme"`
	APIKey Secret     `json:"api_key,omitzero"`
	OAuth  *OAuth     `json:"oauth,omitempty"`
}

// OAuth holds an OAuth 2.0 client registration and, optionally, tokens
// obtained earlier.
type OAuth struct {
	ClientID     string `json:"client_id"`
	ClientSecret Secret `json:"client_secret"`
	AccessToken  Secret `json:"access_token,omitzero"`
	RefreshToken Secret `json:"refresh_token,omitzero"`
	// CallbackURL is the redirect URI registered for the client.
	CallbackURL string `json:"callback_url,omitempty"`
	// TokenStore is the file where refreshed tokens are kept (CData's
	// OAuthSettingsLocation).
	TokenStore string `json:"token_store,omitempty"`
	// Initiate is CData's InitiateOAuth (OFF, GETANDREFRESH, REFRESH), kept
	// for information.
	Initiate string `json:"initiate,omitempty"`
}

// DestType is a kind of destination database.
type DestType string

// The destination types.
const (
	SQLite   DestType = "sqlite"
	Postgres DestType = "postgres"
	MySQL    DestType = "mysql"
)

// Destination is a database that jobs replicate into.
type Destination struct {
	Name string   `json:"name"`
	Type DestType `json:"type"`
	// DSN is the connection string as written (after ${ENV} expansion). It
	// may carry a password: print Redacted, pass DriverDSN to the driver.
	DSN string `json:"-"`
	// Password, when set, replaces the DSN's password.
	Password Secret `json:"password,omitzero"`
	// Provider is CData's DatabaseProvider (System.Data.SQLite, …), kept for
	// information.
	Provider string `json:"provider,omitempty"`

	dir string // the config file's directory, for relative SQLite paths
}

// Job binds accounts to a destination with REPLICATE statements.
type Job struct {
	Name        string       `json:"name"`
	Destination string       `json:"destination"`
	Accounts    []JobAccount `json:"accounts"`
	// Statements are the job's REPLICATE / CHECKCACHE statements. A CData XML
	// config has none: they come from the -f file on the command line.
	Statements Statements `json:"statements,omitzero"`
	// ReplicateAll replicates every table of the catalog (CData's
	// ReplicateAll), in addition to the statements.
	ReplicateAll bool     `json:"replicate_all"`
	Schedule     Schedule `json:"schedule,omitzero"`
	// Options are job-level REPLICATE options (DropTable, BatchSize, …) that
	// apply to every statement unless the statement's WITH overrides them.
	Options []Property `json:"options,omitempty"`
	// NotifyUser is CData's NotificationUserName as written.
	NotifyUser string `json:"notify_user,omitempty"`
	// Notify are the e-mail addresses told about this job's runs, in
	// addition to notifications.email.to (YAML notify:, CData's
	// NotificationUserName).
	Notify []string `json:"notify,omitempty"`
}

// JobAccount is one account of a job and where its tables go.
type JobAccount struct {
	Account string `json:"account"`
	// Prefix is prepended to every destination table name (TableNamePrefix).
	Prefix string `json:"prefix,omitempty"`
	// Schema is the destination schema (PostgreSQL schema, MySQL database).
	Schema string `json:"schema,omitempty"`
}

// Statements is a job's statement text and the file it was read from.
type Statements struct {
	// Text is the statements' source text.
	Text string `json:"-"`
	// File is the path Text was read from; "" for inline text.
	File string `json:"file,omitempty"`
	// Line and Col are where inline text starts in the config (so that
	// statement errors point into it: jobsql.ParseAt); 0 for a file. Col is
	// the indentation of a block (| or >): every line of it is shifted alike.
	Line int `json:"line,omitempty"`
	Col  int `json:"col,omitempty"`
}

// MarshalJSON shows the text too (it holds no secrets).
func (s Statements) MarshalJSON() ([]byte, error) {
	type plain Statements
	return json.Marshal(struct {
		plain
		Text string `json:"text"`
	}{plain(s), s.Text})
}

// Problem is one configuration error or warning.
type Problem struct {
	// File and Line locate the problem when known (Line 0 when not).
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	// Path is the key path, e.g. "jobs[1].destination" or "ConnectionString.URL".
	Path string `json:"path"`
	// Message says what is wrong and how to fix it.
	Message string `json:"message"`
}

// String renders "file:line: path: message".
func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
		}
		b.WriteString(": ")
	} else if p.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Error is returned when a config is invalid. It lists every problem found,
// not only the first.
type Error struct {
	Problems []Problem
}

// As classifies the error as backlogsync.EINVALID (bad input).
func (e *Error) As(target any) bool {
	t, ok := target.(**backlogsync.Error)
	if ok {
		*t = &backlogsync.Error{Code: backlogsync.EINVALID, Message: e.Error()}
	}
	return ok
}

// Error renders one problem per line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	if len(lines) == 1 {
		return "config: " + lines[0]
	}
	return fmt.Sprintf("config: %d problems:\n  %s", len(lines), strings.Join(lines, "\n  "))
}

// Options tune loading. The zero value reads the process environment and
// the file system.
type Options struct {
	Env Env
	// DeferAccountSecrets keeps an account's credentials (api_key,
	// client_secret, access_token, refresh_token) that cannot be resolved
	// (an unset ${NAME}, an unreadable file:) from failing the load: the
	// problem is recorded on the account instead (Account.AuthErr) and the
	// secret is left empty. For commands that never talk to Backlog (users,
	// tokens, workspaces); every other secret is still resolved eagerly.
	DeferAccountSecrets bool
}

// Load reads a config file: CData Sync XML when the name ends in ".xml" or
// the content starts with "<", YAML otherwise.
func Load(path string, opts Options) (*Config, error) {
	data, err := opts.Env.readFile(path, MaxConfigBytes, "configuration")
	switch {
	case errors.Is(err, fs.ErrNotExist):
		err = fmt.Errorf("%w: check the configuration file's name (a relative path starts from the working directory)", err)
	case errors.Is(err, fs.ErrPermission):
		err = fmt.Errorf("%w: make the file readable by this user", err)
	}
	if err != nil {
		return nil, &backlogsync.Error{Code: backlogsync.EINVALID, Message: "config", Err: err}
	}
	ext := strings.ToLower(filepath.Ext(path))
	switch {
	case ext == ".xml":
		return ParseCData(data, path, opts)
	case ext == ".yaml" || ext == ".yml":
		return ParseYAML(data, path, opts)
	case strings.HasPrefix(strings.TrimLeft(string(trimBOM(data)), " \t\r\n"), "<"):
		return ParseCData(data, path, opts)
	default:
		return ParseYAML(data, path, opts)
	}
}

// Account returns the account named name.
func (c *Config) Account(name string) (*Account, bool) {
	for i := range c.Accounts {
		if c.Accounts[i].Name == name {
			return &c.Accounts[i], true
		}
	}
	return nil, false
}

// Destination returns the destination named name.
func (c *Config) Destination(name string) (*Destination, bool) {
	for i := range c.Destinations {
		if c.Destinations[i].Name == name {
			return &c.Destinations[i], true
		}
	}
	return nil, false
}

// Job returns the job named name.
func (c *Config) Job(name string) (*Job, bool) {
	for i := range c.Jobs {
		if c.Jobs[i].Name == name {
			return &c.Jobs[i], true
		}
	}
	return nil, false
}

// Redacted renders the whole normalized config as indented JSON with every
// secret masked and every DSN password replaced by "****". It is what
// `backlogsync check` prints and what the golden tests compare.
func (c *Config) Redacted() string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c); err != nil { // cannot happen: every field marshals
		return fmt.Sprintf("config: %v", err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// String is Redacted.
func (c *Config) String() string { return c.Redacted() }

// configDir is the directory relative paths in a config file are taken from.
func configDir(file string) string {
	if file == "" {
		if wd, err := os.Getwd(); err == nil {
			return wd
		}
		return "."
	}
	d, err := filepath.Abs(filepath.Dir(file))
	if err != nil {
		return filepath.Dir(file)
	}
	return d
}

// ---- schedule ---------------------------------------------------------------

// Interval is how often a scheduled job runs.
type Interval string

// The schedule intervals. CData Sync's scheduler offers Minute (every 1, 5,
// 10, 15, 20 or 30 minutes), Hourly, Daily, Weekly, Monthly and a cron
// expression; the legacy XML writes "Never" for an unscheduled job.
const (
	Never   Interval = "never"
	Minutes Interval = "minutes"
	Hourly  Interval = "hourly"
	Daily   Interval = "daily"
	Weekly  Interval = "weekly"
	Monthly Interval = "monthly"
	Cron    Interval = "cron"
)

// Schedule says when a job runs on its own. The zero value (and Never)
// means only when started by hand.
type Schedule struct {
	Interval Interval `json:"interval,omitempty"`
	// Every is the period for Minutes (1, 5, 10, 15, 20, 30 minutes in CData;
	// any whole number of minutes here).
	Every time.Duration `json:"every,omitempty"`
	// Start is the time of day (HH:MM, local time) the schedule is anchored
	// to: the time of a Daily/Weekly/Monthly run, the minute past the hour
	// of an Hourly one.
	Start string `json:"start,omitempty"`
	// Cron is a five-field cron expression for Interval Cron.
	Cron string `json:"cron,omitempty"`
	// Day is the day of a Weekly run (1 Monday … 7 Sunday) or of a Monthly
	// one (1…31; a month without that day has no run); 0 means Monday / the
	// 1st.
	Day int `json:"day,omitempty"`
	// TimeZone is the IANA zone (Asia/Tokyo) Start, Day and Cron are read
	// in; "" means the server's local time (or serve's default zone).
	TimeZone string `json:"time_zone,omitempty"`
	// Jitter bounds a random delay added to each scheduled run so jobs that
	// share a Backlog user's rate limit do not all start at once; 0 means the
	// scheduler's default.
	Jitter time.Duration `json:"jitter,omitempty"`
	// NoCatchUp turns off the one catch-up run after downtime (a run is
	// started at once when a scheduled time passed while serve was down).
	NoCatchUp bool `json:"no_catch_up,omitempty"`
	// Retry is the job-level retry of a failed run (whole runs, distinct from
	// the client's request-level retries).
	Retry Retry `json:"retry,omitzero"`
}

// Retry is a job-level retry policy: a failed run is started again up to
// Count times, waiting Backoff before the first retry and twice as long
// before each following one (at most MaxBackoff).
type Retry struct {
	Count      int           `json:"count,omitempty"`
	Backoff    time.Duration `json:"backoff,omitempty"`
	MaxBackoff time.Duration `json:"max_backoff,omitempty"`
}

// MarshalJSON writes the durations as strings ("1m0s").
func (r Retry) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Count      int    `json:"count,omitempty"`
		Backoff    string `json:"backoff,omitempty"`
		MaxBackoff string `json:"max_backoff,omitempty"`
	}{r.Count, durString(r.Backoff), durString(r.MaxBackoff)})
}

func durString(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

// MarshalJSON writes Every as a duration string ("15m", "2h").
func (s Schedule) MarshalJSON() ([]byte, error) {
	type plain Schedule
	var every string
	switch {
	case s.Every <= 0:
	case s.Every%time.Hour == 0:
		every = fmt.Sprintf("%dh", s.Every/time.Hour)
	case s.Every%time.Minute == 0:
		every = fmt.Sprintf("%dm", s.Every/time.Minute)
	default:
		every = s.Every.String()
	}
	return json.Marshal(struct {
		plain
		Every  string `json:"every,omitempty"`
		Jitter string `json:"jitter,omitempty"`
	}{plain(s), every, durString(s.Jitter)})
}

// IsZero reports whether the schedule is unset.
func (s Schedule) IsZero() bool { return s == Schedule{} }
