// Package inflight counts the HTTP requests a test's client has in flight
// at once. A request counts from RoundTrip until its answer's body is read
// to the end or closed, as the rate-limit governor counts it, so a client
// that reads each answer before sending the next peaks at 1.
package inflight

import (
	"io"
	"net/http"
	"sync"
	"time"
)

// Transport is an http.RoundTripper that counts requests and the most in
// flight at once. Its zero value is not usable: set Next.
type Transport struct {
	// Next sends the requests.
	Next http.RoundTripper
	// Delay, when set, is slept before each request is sent (a slow
	// server); the request counts as in flight meanwhile.
	Delay time.Duration

	mu                   sync.Mutex
	inflight, peak, sent int
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.mu.Lock()
	t.inflight++
	t.sent++
	t.peak = max(t.peak, t.inflight)
	t.mu.Unlock()
	if t.Delay > 0 {
		time.Sleep(t.Delay)
	}
	resp, err := t.Next.RoundTrip(r)
	if err != nil {
		t.done()
		return nil, err
	}
	resp.Body = &body{ReadCloser: resp.Body, done: sync.OnceFunc(t.done)}
	return resp, nil
}

func (t *Transport) done() {
	t.mu.Lock()
	t.inflight--
	t.mu.Unlock()
}

// Peak returns the most requests in flight at once since the last Reset.
func (t *Transport) Peak() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.peak
}

// Requests returns the requests sent since the last Reset.
func (t *Transport) Requests() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sent
}

// Reset starts new counts: the peak becomes the requests in flight now,
// the requests sent zero.
func (t *Transport) Reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.peak, t.sent = t.inflight, 0
}

// body ends its request's count when read to the end or closed.
type body struct {
	io.ReadCloser
	done func()
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.done()
	}
	return n, err
}

func (b *body) Close() error {
	b.done()
	return b.ReadCloser.Close()
}
