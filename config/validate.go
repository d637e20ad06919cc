package config

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// problems collects errors and warnings while a config is read.
type problems struct {
	file  string
	errs  []Problem
	warns []Problem
	lines map[string]int // key path → line, for checks made after decoding
	// deferred are the key paths of account secrets left unresolved
	// (Options.DeferAccountSecrets), which count as given.
	deferred map[string]bool
}

func (p *problems) errAt(line int, path, format string, args ...any) {
	p.errs = append(p.errs, Problem{File: p.file, Line: line, Path: path, Message: fmt.Sprintf(format, args...)})
}

func (p *problems) warnAt(line int, path, format string, args ...any) {
	p.warns = append(p.warns, Problem{File: p.file, Line: line, Path: path, Message: fmt.Sprintf(format, args...)})
}

// hasErr reports whether an error was already reported at path.
func (p *problems) hasErr(path string) bool {
	for _, e := range p.errs {
		if e.Path == path {
			return true
		}
	}
	return false
}

// errf reports an error at a key path, with the line recorded for it.
func (p *problems) errf(path, format string, args ...any) {
	p.errAt(p.line(path), path, format, args...)
}

func (p *problems) warnf(path, format string, args ...any) {
	p.warnAt(p.line(path), path, format, args...)
}

// line finds the line of path or of its nearest recorded parent.
func (p *problems) line(path string) int {
	for path != "" {
		if l, ok := p.lines[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

func (p *problems) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	return &Error{Problems: sortProblems(slices.Clone(p.errs))}
}

// sortProblems orders problems by line, those without a line last, keeping
// the order of discovery otherwise.
func sortProblems(ps []Problem) []Problem {
	key := func(p Problem) int {
		if p.Line == 0 {
			return math.MaxInt
		}
		return p.Line
	}
	slices.SortStableFunc(ps, func(a, b Problem) int { return cmp.Compare(key(a), key(b)) })
	return ps
}

// Validate checks the cross-references and invariants of a normalized
// config: unique names, jobs naming defined destinations and accounts, no
// two accounts writing the same tables, statements present. Load and the
// Parse functions have already called it; call it again after changing a
// Config. Warnings it finds are appended to c.Warnings.
func (c *Config) Validate() error {
	p := &problems{file: c.File, lines: c.lines}
	c.validate(p, c.Format == FormatYAML)
	c.Warnings = append(c.Warnings, p.warns...)
	return p.err()
}

// validate runs the checks shared by both formats. needStatements is
// false for CData configs, whose statements come from the command line.
func (c *Config) validate(p *problems, needStatements bool) {
	accounts := uniqueNames(p, "accounts", len(c.Accounts), func(i int) string { return c.Accounts[i].Name })
	dests := uniqueNames(p, "destinations", len(c.Destinations), func(i int) string { return c.Destinations[i].Name })
	uniqueNames(p, "jobs", len(c.Jobs), func(i int) string { return c.Jobs[i].Name })
	if len(c.Accounts) == 0 {
		p.errf("accounts", "no account defined; add one with name, url and auth")
	}
	if len(c.Destinations) == 0 {
		p.errf("destinations", "no destination defined; add one, e.g. {name: local, type: sqlite, dsn: backlog.db}")
	}
	if len(c.Jobs) == 0 {
		p.errf("jobs", "no job defined; add one binding accounts to a destination with statements")
	}

	type target struct{ dest, schema, prefix string }
	writers := map[target]string{} // → "account (jobs[i])"
	for i, j := range c.Jobs {
		jp := fmt.Sprintf("jobs[%d]", i)
		var dest *Destination
		switch {
		case j.Destination == "":
			p.errf(jp+".destination", "missing; name one of the defined destinations: %s", list(dests))
		default:
			d, ok := c.Destination(j.Destination)
			if !ok {
				p.errf(jp+".destination", "%q is not defined%s; defined destinations: %s", j.Destination, suggest(j.Destination, dests), list(dests))
			}
			dest = d
		}
		if len(j.Accounts) == 0 {
			p.errf(jp+".accounts", "no account; list the accounts to replicate, defined accounts: %s", list(accounts))
		}
		seen := map[string]int{}
		for k, ja := range j.Accounts {
			ap := fmt.Sprintf("%s.accounts[%d]", jp, k)
			_, defined := c.Account(ja.Account)
			if !defined {
				p.errf(ap, "%q is not defined%s; defined accounts: %s", ja.Account, suggest(ja.Account, accounts), list(accounts))
			}
			if prev, ok := seen[ja.Account]; ok {
				p.errf(ap, "account %q is already in this job (accounts[%d]); list it once, or use a second job to write it elsewhere", ja.Account, prev)
			}
			seen[ja.Account] = k
			if ja.Prefix != "" {
				if err := checkIdent("table prefix", ja.Prefix); err != nil {
					p.errf(ap+".prefix", "%v", err)
				}
			}
			if ja.Schema != "" {
				if err := checkIdent("schema name", ja.Schema); err != nil {
					p.errf(ap+".schema", "%v", err)
				} else if dest != nil && dest.Type == SQLite {
					p.errf(ap+".schema", "SQLite destinations have no schemas; use prefix: %s_ instead", ja.Schema)
				}
			}
			if dest != nil && defined {
				t := target{dest.Name, strings.ToLower(ja.Schema), strings.ToLower(ja.Prefix)}
				who := fmt.Sprintf("%q (%s)", ja.Account, ap)
				if prev, ok := writers[t]; ok && !strings.HasPrefix(prev, fmt.Sprintf("%q ", ja.Account)) {
					p.errf(ap, "account %q would write the same tables as account %s in destination %q; give one of them a different prefix or schema", ja.Account, prev, dest.Name)
				} else if !ok {
					writers[t] = who
				}
			}
		}
		if needStatements && strings.TrimSpace(j.Statements.Text) == "" && !j.ReplicateAll {
			p.errf(jp, "no statements; add statements: \"REPLICATE Issues;\", statements_file: jobs.sql, or replicate_all: true")
		}
	}
	c.checkSharedKeys(p)
}

// checkSharedKeys warns when accounts use one API key on one space: they
// are one Backlog user, whose rate limit they share (the client's governor
// pools their budgets; max_share is what each leaves for people, not a
// slice of its own), so together they run no faster than one account.
func (c *Config) checkSharedKeys(p *problems) {
	type key struct{ url, key string }
	groups := map[key][]int{}
	var order []key
	for i, a := range c.Accounts {
		if a.Auth.Scheme != AuthAPIKey || a.Auth.APIKey.IsZero() || a.URL == "" {
			continue
		}
		k := key{a.URL, a.Auth.APIKey.Reveal()}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	for _, k := range order {
		idx := groups[k]
		if len(idx) < 2 {
			continue
		}
		names := make([]string, len(idx))
		for n, i := range idx {
			names[n] = c.Accounts[i].Name
		}
		p.warnf(fmt.Sprintf("accounts[%d].auth.api_key", idx[len(idx)-1]),
			"accounts %s use the same API key on %s: they are one Backlog user and share one rate limit, so together they run no faster than one account; if that is not intended, give each its own key",
			strings.Join(names, ", "), k.url)
		c.checkSharedLimits(p, idx, names)
	}
}

// checkSharedLimits warns when accounts of one Backlog user (indexes idx)
// ask for different rate_limit.concurrency or pacing: the governor applies
// the most cautious to all of them while they run together.
func (c *Config) checkSharedLimits(p *problems, idx []int, names []string) {
	conc := func(a Account) string {
		if a.Concurrency == 0 {
			return fmt.Sprintf("the default %d", DefaultConcurrency)
		}
		return fmt.Sprint(a.Concurrency)
	}
	pacing := func(a Account) string {
		if a.Pacing == "" {
			return "window"
		}
		return a.Pacing
	}
	var concs, paces []string
	for _, i := range idx {
		a := c.Accounts[i]
		if s := conc(a); !slices.Contains(concs, s) {
			concs = append(concs, s)
		}
		if s := pacing(a); !slices.Contains(paces, s) {
			paces = append(paces, s)
		}
	}
	var diff []string
	if len(concs) > 1 {
		diff = append(diff, "concurrency "+strings.Join(concs, " and "))
	}
	if len(paces) > 1 {
		diff = append(diff, "pacing "+strings.Join(paces, " and "))
	}
	if len(diff) == 0 {
		return
	}
	p.warnf(fmt.Sprintf("accounts[%d].rate_limit", idx[len(idx)-1]),
		"accounts %s (one Backlog user) ask for %s: while they run within a minute of each other, the smallest concurrency and even pacing (if any asks for it) apply to all of them; give them the same rate_limit to make that explicit",
		strings.Join(names, ", "), strings.Join(diff, ", "))
}

// uniqueNames checks the names of a section and returns them.
func uniqueNames(p *problems, section string, n int, name func(int) string) []string {
	var names []string
	first := map[string]int{}
	for i := range n {
		path := fmt.Sprintf("%s[%d].name", section, i)
		nm := name(i)
		if err := checkName(nm); err != nil {
			p.errf(path, "%v", err)
			continue
		}
		if prev, ok := first[nm]; ok {
			p.errf(path, "%q is already defined by %s[%d]; names must be unique", nm, section, prev)
			continue
		}
		first[nm] = i
		names = append(names, nm)
	}
	return names
}

func list(names []string) string {
	if len(names) == 0 {
		return "(none)"
	}
	return strings.Join(names, ", ")
}
