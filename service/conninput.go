package service

import (
	"strings"

	"github.com/backlogsync/backlogsync/config"
	"github.com/backlogsync/backlogsync/store"
)

// A stored connection's rate-limit settings are a config file account's
// rate_limit (max_share, concurrency, pacing): the config package's rules
// check them, with its messages, so both say the same thing.

// rateLimitField names a rate-limit field in a problem, as the space URL
// is named: what it is, then its key.
var rateLimitField = map[string]string{
	"max_share":   "the share of each rate-limit window (max_share)",
	"concurrency": "the requests in flight at once (concurrency)",
	"pacing":      "the pacing (pacing)",
}

// rateLimitProblem is the field and the sentence of a bad rate-limit
// setting.
func rateLimitProblem(field string, err error) (string, string) {
	return field, rateLimitField[field] + ": " + err.Error()
}

// checkRateLimit checks the rate-limit settings given (a concurrency of 0
// and a pacing of "" are the defaults) and lowers the pacing's case.
func (in *ConnectionInput) checkRateLimit() (field, msg string) {
	if in.MaxShare != nil {
		if err := config.CheckMaxShare(*in.MaxShare); err != nil {
			return rateLimitProblem("max_share", err)
		}
	}
	if in.Concurrency != nil && *in.Concurrency != 0 {
		if err := config.CheckConcurrency(*in.Concurrency); err != nil {
			return rateLimitProblem("concurrency", err)
		}
	}
	if in.Pacing != nil {
		p := strings.TrimSpace(*in.Pacing)
		if p != "" {
			var err error
			if p, err = config.ParsePacing(p); err != nil {
				return rateLimitProblem("pacing", err)
			}
		}
		in.Pacing = &p
	}
	return "", ""
}

// ReadRateLimit sets the rate-limit settings from a form's text (the web
// admin's connection form): maxShare a share or a percentage ("0.5",
// "50%"), concurrency a whole number, pacing "window" or "even"; a blank
// field is the default. It returns the problem as Check does, with its
// field ("max_share", "concurrency" or "pacing"; "" when there is none).
func (in *ConnectionInput) ReadRateLimit(maxShare, concurrency, pacing string) (field, msg string) {
	one, zero := 1.0, 0
	in.MaxShare, in.Concurrency = &one, &zero
	if s := strings.TrimSpace(maxShare); s != "" {
		f, err := config.ParseMaxShare(s)
		if err != nil {
			return rateLimitProblem("max_share", err)
		}
		in.MaxShare = &f
	}
	if s := strings.TrimSpace(concurrency); s != "" {
		n, err := config.ParseConcurrency(s)
		if err != nil {
			return rateLimitProblem("concurrency", err)
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
