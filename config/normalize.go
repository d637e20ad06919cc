package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/internal/fuzzy"
	"github.com/backlogsync/backlogsync/jobsql"
)

// parseBool reads True/False (CData's spelling), case-insensitively, and
// the usual yes/no, on/off, 1/0 (jobsql.ParseConfigBool, which job-level
// options use too).
func parseBool(s string) (bool, error) {
	if b, ok := jobsql.ParseConfigBool(s); ok {
		return b, nil
	}
	return false, fmt.Errorf("%q is not a boolean; write True or False", s)
}

// NormalizeSpaceURL validates a Backlog space URL and normalizes it to
// "https://host[/path]" without a trailing slash or "/api/v2". A URL
// without a scheme gets https://. Plain http is accepted for loopback hosts
// only (the emulator), as the API client requires.
func NormalizeSpaceURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("missing; write the space's address, e.g. https://example.backlog.com")
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", errors.New("not a valid URL; write e.g. https://example.backlog.com")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", errors.New("must not contain a user, a query or a fragment; give the API key separately (APIKey= / api_key:)")
	}
	if u.Hostname() == "" {
		return "", errors.New("has no host; write e.g. https://example.backlog.com")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return "", fmt.Errorf("uses plain http, allowed only for loopback hosts (the emulator); write https://%s", u.Host)
		}
	default:
		return "", fmt.Errorf("scheme %q is not http(s); write https://%s", u.Scheme, u.Host)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.Path = strings.TrimSuffix(u.Path, "/api/v2")
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u.String(), nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// spaceKey is the space part of a Backlog host (example in
// example.backlog.com), "" for other hosts.
func spaceKey(spaceURL string) string {
	u, err := url.Parse(spaceURL)
	if err != nil {
		return ""
	}
	h := u.Hostname()
	for _, suf := range []string{".backlog.com", ".backlog.jp", ".backlogtool.com"} {
		if k, ok := strings.CutSuffix(h, suf); ok && nameRE.MatchString(k) {
			return k
		}
	}
	return ""
}

var (
	nameRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// checkName validates an account, destination or job name.
func checkName(s string) error {
	if s == "" {
		return errors.New("missing; add name: (letters, digits, _ . -)")
	}
	if !nameRE.MatchString(s) {
		return fmt.Errorf("%q is not a valid name; use letters, digits, _ . - and start with a letter or digit", s)
	}
	return nil
}

// checkIdent validates a table prefix or schema name.
func checkIdent(kind, s string) error {
	if !identRE.MatchString(s) {
		return fmt.Errorf("%q is not a valid %s; use letters, digits and _, not starting with a digit (e.g. PROD_ or prod)", s, kind)
	}
	return nil
}

// ParseMaxShare reads a rate-limit share (rate_limit.max_share): a number
// in (0, 1] or a percentage "50%". Its errors say what to write; the REST
// API and the web admin give them for a stored connection's max_share.
func ParseMaxShare(s string) (float64, error) {
	s = strings.TrimSpace(s)
	pct := strings.HasSuffix(s, "%")
	f, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, "%")), 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number; write a share between 0 and 1 (0.5) or a percentage (50%%)", s)
	}
	if pct {
		f /= 100
	}
	if err := shareInRange(s, f); err != nil {
		return 0, err
	}
	return f, nil
}

// CheckMaxShare checks a rate-limit share given as a number (the REST
// API's max_share) by the rule of ParseMaxShare.
func CheckMaxShare(f float64) error {
	return shareInRange(strconv.FormatFloat(f, 'g', -1, 64), f)
}

// shareInRange is the rule of a share: more than 0 and at most 1; text is
// the share as written.
func shareInRange(text string, f float64) error {
	if !(f > 0 && f <= 1) {
		return fmt.Errorf("%s is out of range; the share must be more than 0 and at most 1 (100%%)", text)
	}
	return nil
}

// MaxConcurrency is the largest rate_limit.concurrency accepted: the API
// client's (backlogsync.MaxConcurrency, as backlog.MaxConcurrency).
const MaxConcurrency = backlogsync.MaxConcurrency

// DefaultConcurrency is the concurrency of an account whose rate_limit
// sets none, named in messages: the API client's
// (backlogsync.DefaultConcurrency, as backlog.DefaultConcurrency).
const DefaultConcurrency = backlogsync.DefaultConcurrency

// ParseConcurrency reads rate_limit.concurrency: a whole number from 1 to
// MaxConcurrency.
func ParseConcurrency(s string) (int, error) {
	s = strings.TrimSpace(s)
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number; write how many requests may be in flight at once, from 1 (one at a time) to %d (default %d)", s, MaxConcurrency, DefaultConcurrency)
	}
	if err := CheckConcurrency(n); err != nil {
		return 0, err
	}
	return n, nil
}

// CheckConcurrency checks a concurrency given as a number (the REST API's
// concurrency) by the rule of ParseConcurrency: 1 to MaxConcurrency.
func CheckConcurrency(n int) error {
	if n < 1 || n > MaxConcurrency {
		return fmt.Errorf("%d is out of range; write a number from 1 (one request at a time, for accounts shared with people) to %d (default %d)", n, MaxConcurrency, DefaultConcurrency)
	}
	return nil
}

// ParsePacing reads rate_limit.pacing (backlogsync.ParsePacing: "window"
// or "even", in any case); it returns the pacing's name.
func ParsePacing(s string) (string, error) {
	p, err := backlogsync.ParsePacing(s)
	if err != nil {
		return "", fmt.Errorf("%q is not a pacing%s; write %s", s, suggest(strings.ToLower(strings.TrimSpace(s)), backlogsync.PacingNames()), backlogsync.PacingChoices)
	}
	return p.String(), nil
}

// ParseTimeOfDay reads "HH:MM" (24-hour; "9:51" and "09:51:00" are
// accepted) and returns it as "HH:MM".
func ParseTimeOfDay(s string) (string, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"15:04", "15:04:05", "3:04 PM", "3:04PM"} {
		if t, err := time.Parse(layout, strings.ToUpper(s)); err == nil {
			return t.Format("15:04"), nil
		}
	}
	return "", fmt.Errorf("%q is not a time of day; write HH:MM, e.g. 09:51", s)
}

var (
	everyRE = regexp.MustCompile(`^(?i)(?:every\s+)?(\d+)\s*(m|min|mins|minute|minutes)$`)
	hourRE  = regexp.MustCompile(`^(?i)(?:every\s+)?(\d+)\s*(h|hour|hours)$`)
)

// ParseSchedule reads a schedule interval: CData's TaskSchedulerInterval
// values Never, Minute (every minute), Hourly, Daily, Weekly, Monthly; "N
// Minutes" / "Every N Minutes" / a Go duration ("15m", "2h") for a fixed
// period of whole minutes; or a five-field cron expression. Words are
// case-insensitive.
func ParseSchedule(s string) (Schedule, error) {
	t := strings.TrimSpace(s)
	switch strings.ToLower(strings.Join(strings.Fields(t), " ")) {
	case "", "never", "none", "off", "manual":
		return Schedule{Interval: Never}, nil
	case "minute", "minutely", "every minute":
		return Schedule{Interval: Minutes, Every: time.Minute}, nil
	case "hourly", "hour", "every hour":
		return Schedule{Interval: Hourly}, nil
	case "daily", "day", "every day":
		return Schedule{Interval: Daily}, nil
	case "weekly", "week", "every week":
		return Schedule{Interval: Weekly}, nil
	case "monthly", "month", "every month":
		return Schedule{Interval: Monthly}, nil
	}
	if m := everyRE.FindStringSubmatch(t); m != nil {
		return everyMinutes(m[1], 1, t)
	}
	if m := hourRE.FindStringSubmatch(t); m != nil {
		return everyMinutes(m[1], 60, t)
	}
	if d, err := time.ParseDuration(t); err == nil {
		if d < time.Minute || d%time.Minute != 0 {
			return Schedule{}, fmt.Errorf("%q: a schedule period must be a whole number of minutes, at least 1m", s)
		}
		if d > 24*time.Hour {
			return Schedule{}, fmt.Errorf("%q: a schedule period is at most 24h; for longer ones write Weekly, Monthly or a cron expression such as \"0 2 */2 * *\"", s)
		}
		return Schedule{Interval: Minutes, Every: d}, nil
	}
	zone := ""
	if f := strings.Fields(t); len(f) == 6 {
		for _, pre := range []string{"CRON_TZ=", "TZ="} {
			if z, ok := strings.CutPrefix(f[0], pre); ok {
				if _, err := LoadZone(z); err != nil {
					return Schedule{}, fmt.Errorf("cron %q: %v", s, err)
				}
				zone, t = z, strings.Join(f[1:], " ")
			}
		}
	}
	if len(strings.Fields(t)) == 5 {
		if err := checkCron(t); err != nil {
			return Schedule{}, err
		}
		if _, err := ParseCron(t, nil); err != nil {
			return Schedule{}, err
		}
		return Schedule{Interval: Cron, Cron: strings.Join(strings.Fields(t), " "), TimeZone: zone}, nil
	}
	if strings.HasPrefix(t, "@") {
		if d, ok := strings.CutPrefix(t, "@every "); ok {
			if p, err := time.ParseDuration(strings.TrimSpace(d)); err == nil && p < time.Minute {
				return Schedule{}, fmt.Errorf("%q: a schedule period must be at least 1m", s)
			}
		}
		if _, err := ParseCron(t, nil); err != nil {
			return Schedule{}, fmt.Errorf("%q is not a schedule; write Never, Hourly, Daily, Weekly, Monthly, \"15 Minutes\" (or 15m), or a cron expression such as \"*/15 * * * *\"", s)
		}
		return Schedule{Interval: Cron, Cron: t}, nil
	}
	return Schedule{}, fmt.Errorf("%q is not a schedule; write Never, Hourly, Daily, Weekly, Monthly, \"15 Minutes\" (or 15m), or a cron expression such as \"*/15 * * * *\"", s)
}

func everyMinutes(n string, unit int, orig string) (Schedule, error) {
	v, err := strconv.Atoi(n)
	if err != nil || v < 1 || v > 100000 {
		return Schedule{}, fmt.Errorf("%q: the period must be at least 1", orig)
	}
	if v*unit > 24*60 {
		return Schedule{}, fmt.Errorf("%q: a schedule period is at most 24h; for longer ones write Weekly, Monthly or a cron expression such as \"0 2 */2 * *\"", orig)
	}
	return Schedule{Interval: Minutes, Every: time.Duration(v*unit) * time.Minute}, nil
}

var cronFields = []struct {
	name     string
	min, max int
	names    []string
}{
	{"minute", 0, 59, nil},
	{"hour", 0, 23, nil},
	{"day of month", 1, 31, nil},
	{"month", 1, 12, []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
	{"day of week", 0, 7, []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
}

// checkCron validates a standard five-field cron expression (numbers,
// names for months and days, *, ranges, lists, steps, and ? for the day
// fields as CData's Quartz-style syntax allows).
func checkCron(expr string) error {
	fields := strings.Fields(expr)
	for i, f := range fields {
		spec := cronFields[i]
		for _, part := range strings.Split(f, ",") {
			if err := checkCronPart(part, spec.min, spec.max, spec.names, i >= 2); err != nil {
				return fmt.Errorf("cron %q: %s field %q: %v", expr, spec.name, f, err)
			}
		}
	}
	return nil
}

func checkCronPart(p string, lo, hi int, names []string, dayField bool) error {
	if p == "" {
		return errors.New("empty list item")
	}
	rng, step, hasStep := strings.Cut(p, "/")
	if hasStep {
		n, err := strconv.Atoi(step)
		if err != nil || n < 1 || n > hi {
			return fmt.Errorf("step %q must be 1..%d", step, hi)
		}
	}
	if rng == "*" || (dayField && rng == "?") {
		return nil
	}
	a, b, isRange := strings.Cut(rng, "-")
	val := func(s string) (int, error) {
		for i, n := range names {
			if strings.EqualFold(s, n) {
				return i + lo, nil
			}
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < lo || n > hi {
			return 0, fmt.Errorf("%q is not %d..%d", s, lo, hi)
		}
		return n, nil
	}
	x, err := val(a)
	if err != nil {
		return err
	}
	if isRange {
		y, err := val(b)
		if err != nil {
			return err
		}
		if y < x {
			return fmt.Errorf("range %s is backwards", rng)
		}
	}
	return nil
}

// suggest returns ` (did you mean "x"?)` when a candidate is close to s.
func suggest(s string, candidates []string) string { return fuzzy.DidYouMean(s, candidates) }
