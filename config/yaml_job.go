package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/backlogsync/backlogsync/jobsql"
)

// job reads one entry of jobs:.
func (y *ydec) job(n *yaml.Node, path string) Job {
	var j Job
	m := y.mapping(n, path, "name", "destination", "accounts", "statements", "statements_file", "replicate_all", "schedule", "options", "notify")
	if m == nil {
		return j
	}
	j.Name = m.str("name")
	j.Destination = m.str("destination")
	// accounts: a list of names or {account, prefix, schema}; a single name
	// is a list of one.
	var items []*yaml.Node
	if an := m.vals["accounts"]; an != nil && an.Kind == yaml.ScalarNode && !isNull(an) {
		items = []*yaml.Node{an}
		y.p.lines[path+".accounts[0]"] = an.Line
	} else {
		items = m.seq("accounts")
	}
	for i, it := range items {
		ip := fmt.Sprintf("%s.accounts[%d]", path, i)
		if it.Kind == yaml.ScalarNode {
			j.Accounts = append(j.Accounts, JobAccount{Account: y.expand(ip, it.Value)})
			continue
		}
		am := y.mapping(it, ip, "account", "prefix", "schema")
		if am == nil {
			continue
		}
		ja := JobAccount{Account: am.str("account"), Prefix: am.str("prefix"), Schema: am.str("schema")}
		if ja.Account == "" {
			y.p.errf(ip, "account: missing; name the account, e.g. {account: prod, prefix: PROD_}")
			continue
		}
		j.Accounts = append(j.Accounts, ja)
	}
	if m.has("statements") && m.has("statements_file") {
		y.p.errf(path+".statements_file", "give statements (inline text) or statements_file (a path), not both")
	}
	switch {
	case m.has("statements"):
		if text, ok := m.scalar("statements"); ok {
			sn := m.vals["statements"]
			j.Statements = Statements{Text: text, Line: sn.Line, Col: sn.Column}
			switch {
			case sn.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
				// The text starts below the | or >, its lines indented alike.
				j.Statements.Line++
				j.Statements.Col = y.indentOf(j.Statements.Line)
			case sn.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0:
				j.Statements.Col++ // after the opening quote
			}
		}
	case m.has("statements_file"):
		if f := m.filePath("statements_file"); f != "" {
			b, err := y.env.readFile(f, MaxStatementsBytes, "statements")
			if err != nil {
				y.p.errf(path+".statements_file", "cannot read %s: %v", f, unwrapPathError(err))
			} else {
				j.Statements = Statements{Text: string(trimBOM(b)), File: f}
			}
		}
	}
	if v, ok := m.scalar("replicate_all"); ok {
		b, err := parseBool(v)
		if err != nil {
			y.p.errf(path+".replicate_all", "%v", err)
		}
		j.ReplicateAll = b
	}
	j.Schedule = y.schedule(m.vals["schedule"], path+".schedule")
	j.Notify = y.addresses(m, path+".notify")
	if on := m.vals["options"]; !isNull(on) {
		if on.Kind != yaml.MappingNode {
			y.p.errAt(on.Line, path+".options", "expected a mapping of option: value (e.g. BatchSize: 1000), got %s", kindName(on))
		} else {
			for i := 0; i+1 < len(on.Content); i += 2 {
				k, v := resolve(on.Content[i]), resolve(on.Content[i+1])
				op := path + ".options." + k.Value
				y.p.lines[op] = k.Line
				if v.Kind != yaml.ScalarNode {
					y.p.errf(op, "expected a single value, got %s", kindName(v))
					continue
				}
				val := y.expand(op, v.Value)
				canon, known, err := jobsql.CheckDefault(k.Value, val)
				switch {
				case err != nil:
					y.p.errf(op, "%v", err)
				case !known:
					y.p.warnf(op, "not a CData Sync option backlogsync knows%s; passed on as written", suggest(k.Value, jobsql.OptionNames()))
				}
				j.Options = append(j.Options, Property{canon, val})
			}
		}
	}
	return j
}

// expand is ${ENV} expansion with the error reported at path.
func (y *ydec) expand(path, v string) string {
	out, _, err := y.env.expandEnv(v)
	if err != nil {
		y.p.errf(path, "%v", err)
		return ""
	}
	return out
}

// schedule reads "15m", "Hourly", a cron expression, or
// {interval: daily, start: "09:51"} / {cron: "…"}.
func (y *ydec) schedule(n *yaml.Node, path string) Schedule {
	if isNull(n) {
		return Schedule{}
	}
	if n.Kind == yaml.ScalarNode {
		s, err := ParseSchedule(y.expand(path, n.Value))
		if err != nil {
			y.p.errf(path, "%v", err)
		}
		return s
	}
	m := y.mapping(n, path, "interval", "start", "cron", "day", "time_zone", "jitter", "catch_up", "retry")
	if m == nil {
		return Schedule{}
	}
	var s Schedule
	switch {
	case m.has("interval") && m.has("cron"):
		y.p.errf(path, "give interval or cron, not both")
	case m.has("cron"):
		c := m.str("cron")
		var err error
		s, err = ParseSchedule(c)
		if err == nil && s.Interval != Cron {
			err = fmt.Errorf("%q is not a five-field cron expression; write e.g. \"*/15 * * * *\" (or use interval:)", c)
		}
		if err != nil {
			y.p.errf(path+".cron", "%v", err)
		}
	case m.has("interval"):
		var err error
		s, err = ParseSchedule(m.str("interval"))
		if err == nil && s.Interval == Cron {
			err = fmt.Errorf("a cron expression goes in cron:, not interval:")
		}
		if err != nil {
			y.p.errf(path+".interval", "%v", err)
		}
	}
	if m.has("start") {
		t, err := ParseTimeOfDay(m.str("start"))
		if err != nil {
			y.p.errf(path+".start", "%v", err)
		}
		s.Start = t
		if s.Interval == Cron {
			y.p.errf(path+".start", "start does not apply to a cron schedule; put the time in the cron expression")
		}
		if s.Interval == "" {
			s.Interval = Never
		}
	}
	y.scheduleExtras(m, path, &s)
	return s
}

// scheduleExtras reads day, time_zone, jitter, catch_up and retry of a
// schedule mapping.
func (y *ydec) scheduleExtras(m *ymap, path string, s *Schedule) {
	if m.has("day") {
		d, err := parseScheduleDay(s.Interval, m.str("day"))
		if err != nil {
			y.p.errf(path+".day", "%v", err)
		}
		s.Day = d
	}
	if m.has("time_zone") {
		z := m.str("time_zone")
		if _, err := LoadZone(z); err != nil {
			y.p.errf(path+".time_zone", "%v", err)
		} else if s.TimeZone != "" && s.TimeZone != z {
			y.p.errf(path+".time_zone", "the cron expression already names zone %s; keep one", s.TimeZone)
		} else {
			s.TimeZone = z
		}
	}
	if m.has("jitter") {
		d, err := parseDuration(m.str("jitter"), 0, 24*time.Hour)
		if err != nil {
			y.p.errf(path+".jitter", "%v", err)
		}
		s.Jitter = d
	}
	if v, ok := m.scalar("catch_up"); ok {
		b, err := parseBool(v)
		if err != nil {
			y.p.errf(path+".catch_up", "%v", err)
		}
		s.NoCatchUp = !b
	}
	rp := path + ".retry"
	rm := y.mapping(m.vals["retry"], rp, "count", "backoff", "max_backoff")
	if rm == nil {
		return
	}
	if v, ok := rm.scalar("count"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 || n > 100 {
			y.p.errf(rp+".count", "%q is not a retry count; write a whole number from 0 to 100, e.g. count: 3", v)
		}
		s.Retry.Count = n
	}
	if rm.has("backoff") {
		d, err := parseDuration(rm.str("backoff"), time.Second, 24*time.Hour)
		if err != nil {
			y.p.errf(rp+".backoff", "%v", err)
		}
		s.Retry.Backoff = d
	}
	if rm.has("max_backoff") {
		d, err := parseDuration(rm.str("max_backoff"), time.Second, 24*time.Hour)
		if err != nil {
			y.p.errf(rp+".max_backoff", "%v", err)
		}
		s.Retry.MaxBackoff = d
	}
	if s.Retry.MaxBackoff > 0 && s.Retry.MaxBackoff < s.Retry.Backoff {
		y.p.errf(rp+".max_backoff", "%s is shorter than backoff %s; make it at least as long", s.Retry.MaxBackoff, s.Retry.Backoff)
	}
	if s.Retry.Count == 0 && (s.Retry.Backoff > 0 || s.Retry.MaxBackoff > 0) {
		y.p.warnf(rp, "backoff is set but count is 0, so a failed run is not retried; add count: 3")
	}
}

// parseDuration reads a Go duration ("90s", "5m", "1h30m") within [lo, hi].
func parseDuration(v string, lo, hi time.Duration) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration; write e.g. 30s, 5m or 1h", v)
	}
	if d < lo || d > hi {
		return 0, fmt.Errorf("%s is out of range; write a duration from %s to %s", d, lo, hi)
	}
	return d, nil
}

var weekdays = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

// parseScheduleDay reads the day of a weekly (a weekday name, or 1 Monday …
// 7 Sunday) or monthly (1…31) schedule.
func parseScheduleDay(iv Interval, v string) (int, error) {
	v = strings.TrimSpace(v)
	switch iv {
	case Weekly:
		for i, w := range weekdays {
			if strings.EqualFold(v, w) || strings.EqualFold(v, w[:3]) {
				return i + 1, nil
			}
		}
		if n, err := strconv.Atoi(v); err == nil && n >= 1 && n <= 7 {
			return n, nil
		}
		return 0, fmt.Errorf("%q is not a weekday; write monday … sunday (or mon, or 1 for Monday … 7 for Sunday)", v)
	case Monthly:
		if n, err := strconv.Atoi(v); err == nil && n >= 1 && n <= 31 {
			return n, nil // a month without that day has no run (documented)
		}
		return 0, fmt.Errorf("%q is not a day of the month; write 1 … 31", v)
	}
	return 0, fmt.Errorf("day applies to weekly and monthly schedules only; remove it or write interval: weekly")
}
