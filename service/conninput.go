package service

import (
	"strings"

	"github.com/backlogsync/backlogsync/config"
	"github.com/backlogsync/backlogsync/store"
)

// connFields are the fields of a connection's input in the web admin
// form's order: the JSON key (the REST API's name for it, and the Field of
// a FieldProblem) and the label the form shows. Problems name the field
// through this table only: by its key to REST clients (FieldProblem.API),
// by its label on the form (FieldProblem.Form), and the form's labels are
// these (ConnectionFieldLabel in its template).
var connFields = []struct{ Key, Label string }{
	{"name", "Connection name"},
	{"space_url", "Space URL"},
	{"auth_scheme", "Authentication"},
	{"secret", "API key or access token"},
	{"max_share", "Share of each rate-limit window"},
	{"concurrency", "Requests in flight at once"},
	{"pacing", "Pacing"},
}

// ConnectionFieldLabel is the label the web admin's connection form shows
// for the field key (a JSON key of ConnectionInput); the key itself when
// there is no such field.
func ConnectionFieldLabel(key string) string {
	for _, f := range connFields {
		if f.Key == key {
			return f.Label
		}
	}
	return key
}

// authSchemeFix says what to write in auth_scheme, wherever it is wrong.
const authSchemeFix = `pick "apikey" for an API key or "oauth" for an OAuth access token`

// FieldProblem is a problem with one field of a connection's input: the
// field's JSON key and Fix, what is wrong and what to write, which does
// not name the field (API and Form do, each for its reader). The zero
// value is no problem.
type FieldProblem struct {
	Field string // the JSON key, e.g. "space_url"
	Fix   string
}

// OK reports whether there is no problem.
func (p FieldProblem) OK() bool { return p.Fix == "" }

// API is the problem as the REST API says it, naming the field by its
// JSON key: "space_url: must look like …".
func (p FieldProblem) API() string { return p.Field + ": " + p.Fix }

// Form is the problem as the web admin's form says it, naming the field
// by the label the form shows: "Space URL: must look like …".
func (p FieldProblem) Form() string { return ConnectionFieldLabel(p.Field) + ": " + p.Fix }

// A stored connection's rate-limit settings are a config file account's
// rate_limit (max_share, concurrency, pacing): the config package's rules
// check them, with its messages, so both say the same thing.

// checkRateLimit checks the rate-limit settings given (a concurrency of 0
// and a pacing of "" are the defaults) and lowers the pacing's case.
func (in *ConnectionInput) checkRateLimit() FieldProblem {
	if in.MaxShare != nil {
		if err := config.CheckMaxShare(*in.MaxShare); err != nil {
			return FieldProblem{"max_share", err.Error()}
		}
	}
	if in.Concurrency != nil && *in.Concurrency != 0 {
		if err := config.CheckConcurrency(*in.Concurrency); err != nil {
			return FieldProblem{"concurrency", err.Error()}
		}
	}
	if in.Pacing != nil {
		p := strings.TrimSpace(*in.Pacing)
		if p != "" {
			var err error
			if p, err = config.ParsePacing(p); err != nil {
				return FieldProblem{"pacing", err.Error()}
			}
		}
		in.Pacing = &p
	}
	return FieldProblem{}
}

// ReadRateLimit sets the rate-limit settings from a form's text (the web
// admin's connection form): maxShare a share or a percentage ("0.5",
// "50%"), concurrency a whole number, pacing "window" or "even"; a blank
// field is the default. It returns the problem as Check does (its field
// "max_share", "concurrency" or "pacing"; the zero FieldProblem for none).
func (in *ConnectionInput) ReadRateLimit(maxShare, concurrency, pacing string) FieldProblem {
	one, zero := 1.0, 0
	in.MaxShare, in.Concurrency = &one, &zero
	if s := strings.TrimSpace(maxShare); s != "" {
		f, err := config.ParseMaxShare(s)
		if err != nil {
			return FieldProblem{"max_share", err.Error()}
		}
		in.MaxShare = &f
	}
	if s := strings.TrimSpace(concurrency); s != "" {
		n, err := config.ParseConcurrency(s)
		if err != nil {
			return FieldProblem{"concurrency", err.Error()}
		}
		in.Concurrency = &n
	}
	in.Pacing = &pacing
	return in.checkRateLimit()
}

// ApplyRateLimit sets c's rate-limit settings to the ones given, checked
// (Check); those left out keep c's.
func (in *ConnectionInput) ApplyRateLimit(c *store.Connection) {
	if in.MaxShare != nil {
		c.MaxShare = *in.MaxShare
	}
	if in.Concurrency != nil {
		c.Concurrency = *in.Concurrency
	}
	if in.Pacing != nil {
		c.Pacing = *in.Pacing
	}
}
