// Package notify tells people about runs: an e-mail through an SMTP server
// and/or a JSON webhook signed with HMAC-SHA256, for every run or only for
// failures and warnings (CData's EmailErrorOnly). A Report says the job,
// accounts, tables, rows, duration, the error and what to do about it;
// every secret of the config is scrubbed from it before it leaves the
// process. Alarms computes the zero-row warnings a Report carries.
package notify

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/config"
)

// Report is one run as notifications describe it. serve fills it from the
// scheduler's Run and the runner's per-table results.
type Report struct {
	Job      string   `json:"job"`
	Accounts []string `json:"accounts"`
	// Status is succeeded, failed, skipped or canceled (schedule.Status).
	Status string `json:"status"`
	// Trigger is schedule, catch_up or manual (schedule.Trigger).
	Trigger  string        `json:"trigger,omitempty"`
	Started  time.Time     `json:"started"`
	Finished time.Time     `json:"finished"`
	Attempts int           `json:"attempts,omitempty"`
	Tables   []TableResult `json:"tables,omitempty"`
	// Err is the run's error (nil for a success).
	Err      error     `json:"-"`
	Warnings []Warning `json:"warnings,omitempty"`
}

// TableResult is one destination table of a run.
type TableResult struct {
	// Table is the destination table name; Account the Backlog account it
	// was read from.
	Table   string `json:"table"`
	Account string `json:"account,omitempty"`
	// Full says the run re-read the whole table (a first load, a full
	// refresh, TruncateTableData); an incremental run that finds nothing
	// new is normal, a full one is not.
	Full bool `json:"full"`
	// Rows is the number of rows the run wrote.
	Rows int64 `json:"rows"`
	// Total is the table's row count after the run; -1 when unknown.
	Total int64 `json:"total"`
}

// Duration is Finished - Started.
func (r Report) Duration() time.Duration { return r.Finished.Sub(r.Started) }

// Rows is the rows written over all tables.
func (r Report) Rows() int64 {
	var n int64
	for _, t := range r.Tables {
		n += t.Rows
	}
	return n
}

// Failed reports whether the run did not succeed.
func (r Report) Failed() bool { return r.Status != "succeeded" }

// Advice says what to do about a run that failed or warned, from the
// error's kind.
func Advice(r Report) string {
	switch {
	case r.Status == "skipped":
		return "The previous run of this job was still going, so this one was skipped. If this repeats, schedule the job less often or make its runs faster (fewer tables, incremental statements)."
	case r.Status == "canceled":
		return "serve stopped during the run. The next run continues from the last committed state; nothing needs doing unless serve stopped unexpectedly."
	case r.Err != nil:
		switch backlogsync.ErrorCode(r.Err) {
		case backlogsync.EUNAUTHORIZED:
			return "Backlog refused the account's credentials. Check the API key (Backlog: Personal Settings → API) or renew the OAuth token, then start the job with Run now."
		case backlogsync.ERATELIMIT:
			return "The Backlog rate limit was used up. Schedule the job less often, give it a smaller rate_limit.max_share, or spread jobs that share a Backlog user (schedule jitter)."
		case backlogsync.EINVALID:
			return "The job's config or a statement is invalid; it is not retried. Fix what the error names (`backlogsync check` shows every problem), then start the job with Run now."
		case backlogsync.ENOTFOUND:
			return "Something the job names does not exist (a project, table or destination). Fix the statement or the config, then start the job with Run now."
		case backlogsync.ECONFLICT:
			return "Another run held the destination. This job runs again at its next scheduled time."
		}
		return "The run failed after its retries; the replica keeps the state of the last committed table. The next scheduled run tries again. If it keeps failing, read serve's log around the time of this run."
	case len(r.Warnings) > 0:
		return "The run succeeded but moved fewer rows than expected. Check that the account can still see the projects, that the statements' filters are right, and that no table was emptied on purpose; `backlogsync status` shows each table's high-water mark."
	}
	return ""
}

// Subject is the one-line summary used as the mail subject.
func (r Report) Subject() string {
	word := map[string]string{"succeeded": "succeeded", "failed": "FAILED", "skipped": "skipped", "canceled": "canceled"}[r.Status]
	if word == "" {
		word = r.Status
	}
	s := fmt.Sprintf("[backlogsync] job %s %s", r.Job, word)
	if r.Status == "succeeded" {
		s += fmt.Sprintf(": %d rows", r.Rows())
		if n := len(r.Warnings); n > 0 {
			s += fmt.Sprintf(", %d warning%s", n, plural(n))
		}
	}
	return s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Text renders the report as the plain-text mail body.
func (r Report) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Job:       %s\n", r.Job)
	fmt.Fprintf(&b, "Status:    %s", r.Status)
	if r.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", r.Attempts)
	}
	b.WriteString("\n")
	if r.Trigger != "" {
		fmt.Fprintf(&b, "Trigger:   %s\n", r.Trigger)
	}
	if len(r.Accounts) > 0 {
		fmt.Fprintf(&b, "Accounts:  %s\n", strings.Join(r.Accounts, ", "))
	}
	fmt.Fprintf(&b, "Started:   %s\n", r.Started.Format(time.RFC3339))
	fmt.Fprintf(&b, "Duration:  %s\n", r.Duration().Round(time.Second))
	fmt.Fprintf(&b, "Rows:      %d written in %d table%s\n", r.Rows(), len(r.Tables), plural(len(r.Tables)))
	if r.Err != nil {
		fmt.Fprintf(&b, "\nError:\n  %s\n", r.Err.Error())
	}
	if len(r.Warnings) > 0 {
		b.WriteString("\nWarnings:\n")
		for _, w := range r.Warnings {
			fmt.Fprintf(&b, "  - %s\n", w.Message)
		}
	}
	if a := Advice(r); a != "" {
		fmt.Fprintf(&b, "\nWhat to do:\n  %s\n", a)
	}
	if len(r.Tables) > 0 {
		tables := slices.Clone(r.Tables)
		slices.SortFunc(tables, func(a, b TableResult) int { return strings.Compare(a.Table, b.Table) })
		b.WriteString("\nTables:\n")
		for _, t := range tables {
			kind := "incremental"
			if t.Full {
				kind = "full"
			}
			total := ""
			if t.Total >= 0 {
				total = fmt.Sprintf(", %d in the table", t.Total)
			}
			fmt.Fprintf(&b, "  %-32s %8d rows (%s%s)\n", t.Table, t.Rows, kind, total)
		}
	}
	return b.String()
}

// Secrets returns every secret value of a config: API keys, OAuth client
// secrets and tokens, database passwords (in the DSN or given apart), the
// SMTP password and the webhook key. A Notifier scrubs them from reports.
func Secrets(cfg *config.Config) []string {
	var out []string
	add := func(s config.Secret) {
		if v := s.Reveal(); v != "" {
			out = append(out, v)
		}
	}
	for _, a := range cfg.Accounts {
		add(a.Auth.APIKey)
		if o := a.Auth.OAuth; o != nil {
			add(o.ClientSecret)
			add(o.AccessToken)
			add(o.RefreshToken)
		}
	}
	for _, d := range cfg.Destinations {
		add(d.Password)
		if p, err := d.ParseDSN(); err == nil {
			add(p.Password)
		}
	}
	if e := cfg.Notifications.Email; e != nil {
		add(e.Password)
	}
	if w := cfg.Notifications.Webhook; w != nil {
		add(w.Secret)
	}
	return out
}

// scrub replaces every secret in s with "****", longest first (so a secret
// containing another is replaced whole).
func scrub(s string, secrets []string) string {
	sorted := slices.Clone(secrets)
	slices.SortFunc(sorted, func(a, b string) int { return len(b) - len(a) })
	for _, sec := range sorted {
		if len(sec) >= 4 { // shorter values would mask ordinary words
			s = strings.ReplaceAll(s, sec, "****")
		}
	}
	return s
}
