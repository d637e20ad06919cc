package config

import (
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"
)

// job reads one entry of jobs:.
func (y *ydec) job(n *yaml.Node, path string) Job {
	var j Job
	m := y.mapping(n, path, "name", "destination", "accounts", "statements", "statements_file", "replicate_all", "schedule", "options")
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
			j.Statements = Statements{Text: text, Line: sn.Line}
			if sn.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
				j.Statements.Line++ // the text starts below the | or >
			}
		}
	case m.has("statements_file"):
		if f := m.filePath("statements_file"); f != "" {
			b, err := y.env.readFile(f)
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
				canon, known, err := checkOption(k.Value, val)
				switch {
				case err != nil:
					y.p.errf(op, "%v", err)
				case !known:
					y.p.warnf(op, "not a CData Sync option backlogsync knows%s; passed on as written", suggest(k.Value, optionNames()))
				}
				j.Options = append(j.Options, Property{canon, val})
			}
		}
	}
	return j
}

func optionNames() []string {
	var out []string
	for _, o := range knownOptions {
		out = append(out, o[0])
	}
	slices.Sort(out)
	return out
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
	m := y.mapping(n, path, "interval", "start", "cron")
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
	return s
}
