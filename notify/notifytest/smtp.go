// Package notifytest provides an SMTP sink for tests of code that sends
// notifications: a minimal server on loopback that speaks EHLO, STARTTLS
// (with a certificate made for the test), AUTH PLAIN (only over TLS), MAIL,
// RCPT and DATA, and keeps the messages it accepts.
package notifytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// Cert makes a self-signed certificate for 127.0.0.1 and localhost and
// returns the server's TLS config and a client config that trusts it.
func Cert(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "smtp sink"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool}
}

// Mail is one message the sink accepted.
type Mail struct {
	From string   // MAIL FROM address
	To   []string // RCPT TO addresses
	Data string   // the message as sent (headers and body)
	TLS  bool     // the DATA was sent over TLS
	// User and Password are what AUTH PLAIN carried on the connection.
	User, Password string
}

// SMTP is a minimal SMTP server: EHLO, STARTTLS, AUTH PLAIN (only over
// TLS), MAIL, RCPT, DATA, RSET, NOOP, QUIT.
type SMTP struct {
	ln       net.Listener
	tlsCfg   *tls.Config
	implicit bool
	noTLS    bool
	user     string
	password string

	mu    sync.Mutex
	mails []Mail
	wg    sync.WaitGroup
}

// SMTPOptions configure a sink.
type SMTPOptions struct {
	// TLS is the server's certificate config (from Cert).
	TLS *tls.Config
	// Implicit speaks TLS from the first byte (port 465 style) instead of
	// offering STARTTLS.
	Implicit bool
	// NoTLS offers no STARTTLS (a plain relay).
	NoTLS bool
	// User and Password are the only credentials AUTH PLAIN accepts; with
	// User set, MAIL over TLS needs AUTH first.
	User, Password string
}

// StartSMTP starts a sink on 127.0.0.1; it stops when the test ends.
func StartSMTP(t testing.TB, o SMTPOptions) *SMTP {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if o.Implicit {
		ln = tls.NewListener(ln, o.TLS)
	}
	s := &SMTP{ln: ln, tlsCfg: o.TLS, implicit: o.Implicit, noTLS: o.NoTLS, user: o.User, password: o.Password}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() { defer s.wg.Done(); s.serve(c) }()
		}
	}()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

// Port is the port the sink listens on.
func (s *SMTP) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Mails returns the messages accepted so far.
func (s *SMTP) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

func (s *SMTP) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	tp := textproto.NewConn(c)
	secure := s.implicit
	var m Mail
	authed := ""
	reply := func(format string, args ...any) { _ = tp.PrintfLine(format, args...) }
	reply("220 sink ESMTP")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			exts := []string{"sink", "8BITMIME"}
			if !secure && !s.noTLS {
				exts = append(exts, "STARTTLS")
			}
			if secure {
				exts = append(exts, "AUTH PLAIN")
			}
			for i, e := range exts {
				sep := "-"
				if i == len(exts)-1 {
					sep = " "
				}
				reply("250%s%s", sep, e)
			}
		case "STARTTLS":
			if secure || s.noTLS {
				reply("503 TLS already active or not offered")
				continue
			}
			reply("220 go ahead")
			tc := tls.Server(c, s.tlsCfg)
			if err := tc.Handshake(); err != nil {
				return
			}
			c, secure = tc, true
			tp = textproto.NewConn(c)
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			if !secure || !strings.EqualFold(mech, "PLAIN") {
				reply("538 encryption required")
				continue
			}
			raw, err := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(raw), "\x00")
			if err != nil || len(parts) != 3 || parts[1] != s.user || parts[2] != s.password {
				reply("535 authentication failed")
				continue
			}
			authed = parts[1]
			m.User, m.Password = parts[1], parts[2]
			reply("235 ok")
		case "MAIL":
			if s.user != "" && authed == "" && secure {
				reply("530 authentication required")
				continue
			}
			addr, _, _ := strings.Cut(arg[len("FROM:"):], " ") // FROM:<a@b> BODY=8BITMIME
			m.From = strings.Trim(addr, "<>")
			reply("250 ok")
		case "RCPT":
			m.To = append(m.To, strings.Trim(arg[3:], "<> "))
			reply("250 ok")
		case "DATA":
			reply("354 end with .")
			b, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			m.Data, m.TLS = string(b), secure
			s.mu.Lock()
			s.mails = append(s.mails, m)
			s.mu.Unlock()
			m = Mail{User: m.User, Password: m.Password}
			reply("250 queued")
		case "RSET", "NOOP":
			reply("250 ok")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 unknown command")
		}
	}
}
