package notify

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/backlogsync/backlogsync/config"
)

// Options configure a Notifier.
type Options struct {
	// Email, when set, sends mail through this SMTP server to Email.To
	// plus the job's own addresses.
	Email *config.Email
	// Webhook, when set, posts the JSON report to this URL.
	Webhook *config.Webhook
	// ErrorsOnly sends only runs that did not succeed or that carry
	// warnings (CData's EmailErrorOnly).
	ErrorsOnly bool
	// Secrets are scrubbed from every report (see Secrets).
	Secrets []string
	// TLSConfig overrides the SMTP client's TLS settings (tests: a private
	// CA); nil verifies the server against the system roots.
	TLSConfig *tls.Config
	// HTTPClient defaults to a client with a 30 s timeout.
	HTTPClient *http.Client
	// WebhookRetryWaits are the waits between webhook attempts (default 1 s,
	// 5 s: three attempts).
	WebhookRetryWaits []time.Duration
	// Now defaults to time.Now.
	Now func() time.Time
}

// FromConfig returns the Options a config describes: its notifications and
// all its secrets.
func FromConfig(cfg *config.Config) Options {
	return Options{
		Email:      cfg.Notifications.Email,
		Webhook:    cfg.Notifications.Webhook,
		ErrorsOnly: cfg.Notifications.ErrorsOnly,
		Secrets:    Secrets(cfg),
	}
}

// Notifier sends run reports.
type Notifier struct{ o Options }

// New returns a Notifier.
func New(o Options) *Notifier {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if o.WebhookRetryWaits == nil {
		o.WebhookRetryWaits = []time.Duration{time.Second, 5 * time.Second}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Notifier{o: o}
}

// Wants reports whether r is to be sent: always, or with ErrorsOnly only
// when the run did not succeed or has warnings.
func (n *Notifier) Wants(r Report) bool {
	return !n.o.ErrorsOnly || r.Failed() || len(r.Warnings) > 0
}

// Notify sends r by e-mail (to the configured recipients and jobTo) and to
// the webhook, unless Wants(r) is false. It returns the errors of both
// channels joined; a failure of one does not stop the other.
func (n *Notifier) Notify(ctx context.Context, r Report, jobTo []string) error {
	if !n.Wants(r) {
		return nil
	}
	r = n.scrubbed(r)
	var errs []error
	if e := n.o.Email; e != nil {
		to := slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(e.To), jobTo...))))
		if len(to) > 0 {
			subject, body := scrub(r.Subject(), n.o.Secrets), scrub(r.Text(), n.o.Secrets)
			if err := sendMail(ctx, e, n.o.TLSConfig, to, subject, body, n.o.Now()); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if w := n.o.Webhook; w != nil {
		body, err := n.JSON(r)
		if err == nil {
			err = postWebhook(ctx, n.o.HTTPClient, w.URL, []byte(w.Secret.Reveal()), body, n.o.Now, n.o.WebhookRetryWaits)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Payload is the webhook's JSON document.
type Payload struct {
	Report
	DurationSeconds float64 `json:"duration_seconds"`
	Rows            int64   `json:"rows"`
	Error           string  `json:"error,omitempty"`
	Advice          string  `json:"advice,omitempty"`
	Subject         string  `json:"subject"`
}

// JSON renders the webhook body of r with every secret scrubbed.
func (n *Notifier) JSON(r Report) ([]byte, error) {
	r = n.scrubbed(r)
	p := Payload{Report: r, DurationSeconds: r.Duration().Seconds(), Rows: r.Rows(), Advice: Advice(r), Subject: r.Subject()}
	if r.Err != nil {
		p.Error = r.Err.Error()
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	return []byte(scrub(string(b), n.o.Secrets)), nil
}

// scrubbed returns r with secrets removed from its error and warnings.
func (n *Notifier) scrubbed(r Report) Report {
	if r.Err != nil {
		r.Err = scrubbedError{msg: scrub(r.Err.Error(), n.o.Secrets), err: r.Err}
	}
	if len(r.Warnings) > 0 {
		ws := slices.Clone(r.Warnings)
		for i := range ws {
			ws[i].Message = scrub(ws[i].Message, n.o.Secrets)
		}
		r.Warnings = ws
	}
	return r
}

// scrubbedError shows a scrubbed message but keeps the error's kind (for
// Advice).
type scrubbedError struct {
	msg string
	err error
}

func (e scrubbedError) Error() string { return e.msg }
func (e scrubbedError) Unwrap() error { return e.err }

// redactURL shows only the scheme and host of a webhook URL: its path or
// query often carries a token (Slack, Teams).
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "the webhook URL"
	}
	return u.Scheme + "://" + u.Host + "/…"
}

// unwrapURLError drops the *url.Error wrapper, whose text repeats the URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// Scrub returns s without the secrets the Notifier knows (API keys,
// passwords, tokens), for messages shown outside notifications (the REST
// API's run events).
func (n *Notifier) Scrub(s string) string { return scrub(s, n.o.Secrets) }
