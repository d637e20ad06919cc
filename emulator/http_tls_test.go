package emulator

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestNewCertificate(t *testing.T) {
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	c, err := NewCertificate(now, "192.168.1.20", "emu.lan", "0.0.0.0", "localhost")
	if err != nil {
		t.Fatal(err)
	}
	leaf := c.TLS.Leaf
	if k, ok := leaf.PublicKey.(*ecdsa.PublicKey); !ok || k.Curve != elliptic.P256() {
		t.Errorf("key %T", leaf.PublicKey)
	}
	if !leaf.NotAfter.Equal(now.AddDate(1, 0, 0)) || leaf.NotBefore.After(now) {
		t.Errorf("validity %v – %v", leaf.NotBefore, leaf.NotAfter)
	}
	var ips []string
	for _, ip := range leaf.IPAddresses {
		ips = append(ips, ip.String())
	}
	if got := strings.Join(ips, ","); got != "127.0.0.1,::1,192.168.1.20" {
		t.Errorf("IP SANs %s", got)
	}
	if got := strings.Join(leaf.DNSNames, ","); got != "localhost,emu.lan" {
		t.Errorf("DNS SANs %s", got)
	}
	for _, host := range []string{"127.0.0.1", "::1", "localhost", "emu.lan"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: c.Pool(), CurrentTime: now}); err != nil {
			t.Errorf("verify %s: %v", host, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "example.com", Roots: c.Pool(), CurrentTime: now}); err == nil {
		t.Error("verified for example.com")
	}
	// The PEM holds the certificate only, never the key.
	if strings.Contains(string(c.PEM), "PRIVATE") {
		t.Error("private key in the PEM")
	}
	b, _ := pem.Decode(c.PEM)
	if b == nil || b.Type != "CERTIFICATE" {
		t.Fatalf("PEM %s", c.PEM)
	}
}

// serveWithCert serves s over HTTPS with cert on a loopback listener.
func serveWithCert(t *testing.T, s *Server, cert *Certificate, network, addr string) string {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Skipf("listen %s %s: %v", network, addr, err)
	}
	hs := &http.Server{Handler: s, TLSConfig: cert.TLSConfig(), ErrorLog: log.New(io.Discard, "", 0)}
	go hs.ServeTLS(ln, "", "")
	t.Cleanup(func() { hs.Close() })
	return ln.Addr().String()
}

func TestTLSWrittenCertificate(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k", Empty: true})
	cert, err := NewCertificate(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sub", "emulator-cert.pem")
	if err := cert.WritePEM(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		t.Fatalf("written file is not a PEM certificate: %s", data)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	addr4 := serveWithCert(t, s, cert, "tcp4", "127.0.0.1:0")
	_, port, _ := net.SplitHostPort(addr4)
	for _, base := range []string{"https://" + addr4, "https://localhost:" + port} {
		req, _ := http.NewRequest("GET", base+"/api/v2/space", nil)
		req.Header.Set("Backlog-API-Key", "k")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"spaceKey":"demo"`) {
			t.Errorf("%s: %d %s", base, resp.StatusCode, body)
		}
	}
	// Over HTTP/2 a reset fault resets the stream and a truncated body fails.
	_, _ = s.AddFault(FaultRule{Path: "/api/v2/space", Kind: FaultReset, Times: 1})
	_, _ = s.AddFault(FaultRule{Path: "/api/v2/space", Kind: FaultTruncate, Times: 1})
	req, _ := http.NewRequest("GET", "https://"+addr4+"/api/v2/space", nil)
	req.Header.Set("Backlog-API-Key", "k")
	if resp, err := client.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("reset over h2: %d %s", resp.StatusCode, resp.Proto)
	}
	if resp, err := client.Do(req); err != nil {
		t.Errorf("truncate over h2: %v", err)
	} else {
		_, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil || resp.ProtoMajor != 2 {
			t.Errorf("truncated h2 body read without error (%s)", resp.Proto)
		}
	}
	addr6 := serveWithCert(t, s, cert, "tcp6", "[::1]:0")
	if resp, err := client.Get("https://" + addr6 + "/_emulator/health"); err != nil {
		t.Errorf("::1: %v", err)
	} else {
		resp.Body.Close()
	}
	// Without trusting the file the handshake fails.
	if _, err := http.Get("https://" + addr4 + "/_emulator/health"); err == nil {
		t.Error("an untrusted certificate was accepted")
	}
	// Node trusts it through NODE_EXTRA_CA_CERTS (what backlog-js users do).
	node, err := exec.LookPath("node")
	if err != nil {
		t.Log("node not installed; skipping the NODE_EXTRA_CA_CERTS check")
		return
	}
	script := `require('https').get(process.argv[1], r => { let b=''; r.on('data', d => b += d); r.on('end', () => { console.log(r.statusCode, b.trim()); }); }).on('error', e => { console.log('ERR', e.code || e.message); process.exit(1); });`
	cmd := exec.Command(node, "-e", script, "https://"+addr4+"/_emulator/health")
	cmd.Env = append(os.Environ(), "NODE_EXTRA_CA_CERTS="+path)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), `200 {`) {
		t.Errorf("node with NODE_EXTRA_CA_CERTS: %v %s", err, out)
	}
	cmd = exec.Command(node, "-e", script, "https://"+addr4+"/_emulator/health")
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("node without the CA accepted the certificate: %s", out)
	}
}

func TestStartTLS(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1, AdminAPIKey: "k", Empty: true})
	if s.TLSClient() != nil || s.CertificatePEM() != nil {
		t.Error("TLS client before StartTLS")
	}
	base, err := s.StartTLS()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !strings.HasPrefix(base, "https://127.0.0.1:") || s.URL() != base {
		t.Fatalf("URL %s", base)
	}
	if again, _ := s.StartTLS(); again != base {
		t.Errorf("second StartTLS %s", again)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(s.CertificatePEM()) {
		t.Fatal("CertificatePEM")
	}
	for _, c := range []*http.Client{s.TLSClient(),
		{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}} {
		req, _ := http.NewRequest("GET", base+"/api/v2/space", nil)
		req.Header.Set("Backlog-API-Key", "k")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.TLS == nil {
			t.Errorf("status %d tls %v", resp.StatusCode, resp.TLS)
		}
	}
}
