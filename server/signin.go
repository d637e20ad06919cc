package server

import (
	"net/http"
	"time"
)

// SignInWait is how long the client of r must wait before its next
// sign-in attempt is checked (0: at once). The web admin's password
// sign-in shares the per-address slow-down of HTTP Basic failures.
func (s *Server) SignInWait(r *http.Request) time.Duration { return s.lim.blocked(clientIP(r)) }

// SignInFailed counts a failed sign-in of r's client address.
func (s *Server) SignInFailed(r *http.Request) { s.lim.fail(clientIP(r)) }

// SignInSucceeded forgets the failures of r's client address.
func (s *Server) SignInSucceeded(r *http.Request) { s.lim.success(clientIP(r)) }

// SetLogUser records the signed-in user of r in its access-log line (for
// handlers that authenticate by other means than HTTP Basic).
func (s *Server) SetLogUser(r *http.Request, email string) {
	if li, ok := r.Context().Value(logInfoKey).(*logInfo); ok {
		li.user = email
	}
}
