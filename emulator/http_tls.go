package emulator

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"
)

// Certificate is a self-signed TLS certificate for serving the emulator over
// HTTPS. Programs trust it through its PEM file (Node:
// NODE_EXTRA_CA_CERTS=file; curl: --cacert file; Go: an x509.CertPool).
type Certificate struct {
	// TLS is the certificate with its private key, for tls.Config.
	TLS tls.Certificate
	// PEM is the certificate (without the key) in PEM form.
	PEM []byte
}

// NewCertificate generates a self-signed ECDSA P-256 certificate valid for
// one year from now for 127.0.0.1, ::1 and localhost plus the extra hosts
// (IP addresses or DNS names). It is its own CA, so trusting the PEM file
// is enough. The private key lives only in memory.
func NewCertificate(now time.Time, hosts ...string) (*Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "backlogsync emulator", Organization: []string{"backlogsync"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	for _, h := range hosts {
		if h == "" {
			continue
		}
		if ip := net.ParseIP(h); ip != nil {
			if !ip.IsLoopback() && !ip.IsUnspecified() {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			}
		} else if h != "localhost" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Certificate{
		TLS: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf},
		PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
	}, nil
}

// WritePEM writes the certificate (not the key) to path, creating its
// directory. The file is replaced atomically, so a program reading it never
// sees half a certificate.
func (c *Certificate) WritePEM(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("certificate directory: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".emulator-cert-*.pem")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(c.PEM); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Pool returns a certificate pool that trusts the certificate.
func (c *Certificate) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c.TLS.Leaf)
	return p
}

// TLSConfig returns a server configuration serving the certificate.
func (c *Certificate) TLSConfig() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{c.TLS}, MinVersion: tls.VersionTLS12}
}

// StartTLS serves the emulator on a loopback port over HTTPS with a fresh
// self-signed certificate and returns the base URL (https://127.0.0.1:port).
// TLSClient returns a client that trusts it; CertificatePEM the certificate.
// Close stops it. If the server was already started, its URL is returned.
func (s *Server) StartTLS() (string, error) {
	s.hsMu.Lock()
	defer s.hsMu.Unlock()
	if s.hs != nil {
		return s.hs.URL, nil
	}
	cert, err := NewCertificate(time.Now())
	if err != nil {
		return "", err
	}
	hs := httptest.NewUnstartedServer(s)
	SetTimeouts(hs.Config)
	hs.TLS = cert.TLSConfig()
	hs.StartTLS()
	s.hs = hs
	return hs.URL, nil
}

// TLSClient returns an HTTP client trusting the certificate of a server
// started with StartTLS (nil if it was not).
func (s *Server) TLSClient() *http.Client {
	s.hsMu.Lock()
	defer s.hsMu.Unlock()
	if s.hs == nil || s.hs.TLS == nil {
		return nil
	}
	return s.hs.Client()
}

// CertificatePEM returns the PEM certificate of a server started with
// StartTLS (nil if it was not).
func (s *Server) CertificatePEM() []byte {
	s.hsMu.Lock()
	defer s.hsMu.Unlock()
	if s.hs == nil || s.hs.TLS == nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.hs.Certificate().Raw})
}
