package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/smtp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/backlogsync/backlogsync/config"
)

// sendMail delivers one message through the configured SMTP server:
// implicit TLS (tls), a plain connection upgraded by STARTTLS (starttls:
// the server must offer it, or nothing is sent), or none; AUTH PLAIN when a
// user is configured (net/smtp refuses it on an unencrypted connection
// except to localhost).
func sendMail(ctx context.Context, e *config.Email, tlsCfg *tls.Config, to []string, subject, body string, now time.Time) error {
	addr := net.JoinHostPort(e.Host, strconv.Itoa(e.Port))
	cfg := &tls.Config{ServerName: e.Host, MinVersion: tls.VersionTLS12}
	if tlsCfg != nil {
		cfg = tlsCfg.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName = e.Host
		}
	}
	d := &net.Dialer{Timeout: 30 * time.Second}
	var conn net.Conn
	var err error
	if e.TLS == config.SMTPTLS {
		conn, err = (&tls.Dialer{NetDialer: d, Config: cfg}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return fmt.Errorf("smtp: cannot connect to %s: %w", addr, err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, e.Host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp: %s: %w", addr, err)
	}
	defer c.Close()
	if err := c.Hello(localName()); err != nil {
		return fmt.Errorf("smtp: EHLO: %w", err)
	}
	if e.TLS == config.SMTPStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return fmt.Errorf("smtp: %s does not offer STARTTLS; set notifications.email.tls to tls (port 465) or none for a local relay", addr)
		}
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("smtp: STARTTLS: %w", err)
		}
	}
	if e.User != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return fmt.Errorf("smtp: %s does not offer AUTH; remove user and password or use the server's submission port", addr)
		}
		if err := c.Auth(smtp.PlainAuth("", e.User, e.Password.Reveal(), e.Host)); err != nil {
			return fmt.Errorf("smtp: login as %s refused: %w; check notifications.email.user and password", e.User, err)
		}
	}
	if err := c.Mail(e.From); err != nil {
		return fmt.Errorf("smtp: MAIL FROM %s: %w", e.From, err)
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt); err != nil {
			return fmt.Errorf("smtp: RCPT TO %s: %w", rcpt, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp: DATA: %w", err)
	}
	if _, err := w.Write(buildMessage(e.From, to, subject, body, now)); err != nil {
		return fmt.Errorf("smtp: writing the message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp: the server did not accept the message: %w", err)
	}
	return c.Quit()
}

func localName() string {
	return "backlogsync.localhost"
}

// buildMessage renders an RFC 5322 message with a UTF-8, quoted-printable
// text body.
func buildMessage(from string, to []string, subject, body string, now time.Time) []byte {
	var b bytes.Buffer
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	hdr := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	hdr("From", from)
	hdr("To", strings.Join(slices.Compact(slices.Clone(to)), ", "))
	hdr("Subject", mime.QEncoding.Encode("utf-8", subject))
	hdr("Date", now.Format(time.RFC1123Z))
	hdr("Message-ID", "<"+hex.EncodeToString(id)+"@backlogsync>")
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "text/plain; charset=utf-8")
	hdr("Content-Transfer-Encoding", "quoted-printable")
	hdr("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	_, _ = qp.Write([]byte(strings.ReplaceAll(body, "\n", "\r\n")))
	_ = qp.Close()
	return b.Bytes()
}
