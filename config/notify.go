package config

import (
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Notifications say how serve tells people about runs: e-mail through an
// SMTP server and/or a signed JSON webhook. YAML:
//
//	notifications:
//	  errors_only: true            # CData's EmailErrorOnly: only failed runs and warnings
//	  row_drop_share: 0.5          # warn when a table loses more than this share of its rows
//	  email:
//	    host: smtp.example.com
//	    port: 587                  # default 587 with starttls, 465 with tls, 25 with none
//	    tls: starttls              # starttls | tls | none
//	    user: backlogsync@example.com
//	    password: ${SMTP_PASSWORD}
//	    from: backlogsync@example.com
//	    to: [ops@example.com]      # every job's runs; a job's notify: adds recipients
//	  webhook:
//	    url: https://hooks.example.com/backlogsync
//	    secret: ${WEBHOOK_SECRET}  # HMAC-SHA256 key of the X-Backlogsync-Signature header
//
// A job's notify: (CData's NotificationUserName) lists more addresses for
// that job's runs. In a CData XML config, <NotificationUserName> is the
// job's address and <EmailErrorOnly> sets errors_only; the SMTP server is
// not part of CData's legacy file.
type Notifications struct {
	Email   *Email   `json:"email,omitempty"`
	Webhook *Webhook `json:"webhook,omitempty"`
	// ErrorsOnly sends only failed runs and runs with warnings (CData's
	// EmailErrorOnly); otherwise every run is reported.
	ErrorsOnly bool `json:"errors_only,omitempty"`
	// RowDropShare is the share (0, 1] of a table's rows a run may lose
	// before the zero-row alarm warns; 0 means the default, 0.5.
	RowDropShare float64 `json:"row_drop_share,omitempty"`
}

// TLS modes of an SMTP connection.
const (
	SMTPStartTLS = "starttls" // plain connection upgraded with STARTTLS (port 587)
	SMTPTLS      = "tls"      // TLS from the first byte (port 465)
	SMTPNoTLS    = "none"     // no encryption (a local relay on port 25)
)

// Email is an SMTP server and the addresses of notification mail.
type Email struct {
	Host     string   `json:"host"`
	Port     int      `json:"port"`
	TLS      string   `json:"tls"`
	User     string   `json:"user,omitempty"`
	Password Secret   `json:"password,omitzero"`
	From     string   `json:"from"`
	To       []string `json:"to,omitempty"`
}

// Webhook is an HTTP endpoint that receives a JSON document per run.
type Webhook struct {
	URL    string `json:"url"`
	Secret Secret `json:"secret,omitzero"`
}

// notifications reads the top-level notifications: key.
func (y *ydec) notifications(n *yaml.Node, path string) Notifications {
	var nt Notifications
	m := y.mapping(n, path, "errors_only", "row_drop_share", "email", "webhook")
	if m == nil {
		return nt
	}
	if v, ok := m.scalar("errors_only"); ok {
		b, err := parseBool(v)
		if err != nil {
			y.p.errf(path+".errors_only", "%v", err)
		}
		nt.ErrorsOnly = b
	}
	if m.has("row_drop_share") {
		f, err := ParseMaxShare(m.str("row_drop_share"))
		if err != nil {
			y.p.errf(path+".row_drop_share", "%v", err)
		}
		nt.RowDropShare = f
	}
	if m.has("email") {
		ep := path + ".email"
		em := y.mapping(m.vals["email"], ep, "host", "port", "tls", "user", "password", "from", "to")
		if em != nil {
			e := &Email{Host: em.str("host"), TLS: strings.ToLower(em.str("tls")), User: em.str("user"),
				Password: em.sec("password"), From: em.str("from")}
			if v, ok := em.scalar("port"); ok {
				p, err := strconv.Atoi(strings.TrimSpace(v))
				if err != nil || p < 1 || p > 65535 {
					y.p.errf(ep+".port", "%q is not a port; write a number such as 587", v)
				}
				e.Port = p
			}
			e.To = y.addresses(em, ep+".to")
			checkEmail(y.p, ep, e)
			nt.Email = e
		}
	}
	if m.has("webhook") {
		wp := path + ".webhook"
		wm := y.mapping(m.vals["webhook"], wp, "url", "secret")
		if wm != nil {
			w := &Webhook{URL: wm.str("url"), Secret: wm.sec("secret")}
			u, err := url.Parse(w.URL)
			switch {
			case w.URL == "":
				y.p.errf(wp, "url: missing; add url: https://hooks.example.com/backlogsync")
			case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
				y.p.errf(wp+".url", "%q is not an http(s) URL; write e.g. https://hooks.example.com/backlogsync", w.URL)
			}
			if w.Secret.IsZero() && !y.p.hasErr(wp+".secret") {
				y.p.errf(wp, "secret: missing; add secret: ${WEBHOOK_SECRET} (the key of the HMAC-SHA256 signature the receiver checks)")
			}
			nt.Webhook = w
		}
	}
	return nt
}

// addresses reads an e-mail address or a list of them.
func (y *ydec) addresses(m *ymap, path string) []string {
	key := path[strings.LastIndex(path, ".")+1:]
	n := m.vals[key]
	if isNull(n) {
		return nil
	}
	var raw []string
	if n.Kind == yaml.ScalarNode {
		raw = []string{y.expand(path, n.Value)}
	} else {
		for _, it := range m.seq(key) {
			if it.Kind != yaml.ScalarNode {
				y.p.errAt(it.Line, path, "expected an e-mail address, got %s", kindName(it))
				continue
			}
			raw = append(raw, y.expand(path, it.Value))
		}
	}
	var out []string
	for _, r := range raw {
		a, err := ParseAddresses(r)
		if err != nil {
			y.p.errf(path, "%v", err)
		}
		out = append(out, a...)
	}
	return out
}

// ParseAddresses reads one or more comma-separated e-mail addresses
// ("ops@example.com, Jane <jane@example.com>") and returns the bare
// addresses.
func ParseAddresses(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	list, err := mail.ParseAddressList(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not an e-mail address (or a comma-separated list); write e.g. ops@example.com", s)
	}
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.Address
	}
	return out, nil
}

// checkEmail fills defaults and reports what is missing or unsafe.
func checkEmail(p *problems, path string, e *Email) {
	if e.Host == "" {
		p.errf(path, "host: missing; add host: smtp.example.com")
	}
	switch e.TLS {
	case "":
		e.TLS = SMTPStartTLS
	case SMTPStartTLS, SMTPTLS, SMTPNoTLS:
	default:
		p.errf(path+".tls", "%q is not a TLS mode; write starttls (port 587), tls (port 465) or none (a local relay)", e.TLS)
	}
	if e.Port == 0 {
		e.Port = map[string]int{SMTPStartTLS: 587, SMTPTLS: 465, SMTPNoTLS: 25}[e.TLS]
	}
	if (e.User == "") != e.Password.IsZero() && !p.hasErr(path+".password") {
		p.errf(path, "give both user and password for SMTP authentication, or neither")
	}
	if e.TLS == SMTPNoTLS && !e.Password.IsZero() {
		p.errf(path+".tls", "none would send the SMTP password unencrypted; use starttls or tls")
	}
	if e.From == "" {
		p.errf(path, "from: missing; add from: backlogsync@example.com")
	} else if a, err := mail.ParseAddress(e.From); err != nil {
		p.errf(path+".from", "%q is not an e-mail address; write e.g. backlogsync@example.com", e.From)
	} else {
		e.From = a.Address
	}
}
