package server

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// logInfo is filled in by the handlers for the access log line.
type logInfo struct {
	user     string // the signed-in user's e-mail
	authFail string // why a sign-in failed (never the token)
}

// statusWriter records the status and size of a response. It keeps
// streaming working (Flush) and lets http.ResponseController reach the
// connection (Unwrap).
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// Flush sends buffered data to the client.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		if w.status == 0 {
			w.status = http.StatusOK
		}
		f.Flush()
	}
}

// Hijack is there for handlers that take over the connection.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if h, ok := w.ResponseWriter.(http.Hijacker); ok {
		return h.Hijack()
	}
	return nil, nil, errors.New("hijacking not supported")
}

// Unwrap returns the underlying writer for http.ResponseController.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// accessLog logs one line per request: method, path, query (values of
// secret-looking keys masked), status, bytes, duration, client address,
// user and user agent. Request headers are not logged, so neither is the
// Authorization header nor the token in it.
func (s *Server) accessLog(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.o.Now()
		li := &logInfo{}
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), logInfoKey, li)))
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		attrs := []any{
			"method", r.Method,
			"path", maskTokens(r.URL.Path),
			"status", sw.status,
			"bytes", sw.bytes,
			"duration_ms", float64(s.o.Now().Sub(start).Microseconds()) / 1000,
			"remote", r.RemoteAddr,
		}
		if q := redactQuery(r.URL.RawQuery); q != "" {
			attrs = append(attrs, "query", q)
		}
		if li.user != "" {
			attrs = append(attrs, "user", li.user)
		}
		if li.authFail != "" {
			attrs = append(attrs, "auth_error", li.authFail)
		}
		if ua := r.UserAgent(); ua != "" {
			attrs = append(attrs, "user_agent", ua)
		}
		s.log.Info("http request", attrs...)
	})
}

// tokenRE matches a personal access token anywhere, e.g. pasted into a URL.
var tokenRE = regexp.MustCompile(`bsp_[a-z2-7]{8}_[a-z2-7]{52}`)

// maskTokens replaces every personal access token in s.
func maskTokens(s string) string {
	if !strings.Contains(s, "bsp_") {
		return s
	}
	return tokenRE.ReplaceAllString(s, "bsp_****")
}

// secretKeys are substrings of query keys whose values are masked.
var secretKeys = []string{"token", "key", "password", "secret", "auth", "signature"}

// redactQuery masks the values of secret-looking query parameters; an
// unparsable query is left out entirely.
func redactQuery(raw string) string {
	if raw == "" {
		return ""
	}
	raw = maskTokens(raw)
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return "(unparsable query omitted)"
	}
	masked := false
	for k := range vals {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "$") { // OData's options ($skiptoken, …) carry no secrets
			continue
		}
		for _, sk := range secretKeys {
			if strings.Contains(lk, sk) {
				for i := range vals[k] {
					vals[k][i] = "****"
				}
				masked = true
				break
			}
		}
	}
	if !masked {
		return raw
	}
	return vals.Encode()
}
