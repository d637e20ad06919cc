package emulator

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
)

// errAuthWritten tells the dispatcher that authenticate already wrote the
// response (OAuth failures answer with WWW-Authenticate and no error body).
var errAuthWritten = errors.New("emulator: auth response written")

// authenticate identifies the caller from the Backlog-API-Key header, the
// apiKey query parameter or an OAuth bearer token. It returns an *apiError
// (401, code 11) or errAuthWritten.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*user, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, _ := strings.Cut(h, " ")
		if strings.EqualFold(scheme, "Bearer") {
			uid, problem := s.oauth.lookup(strings.TrimSpace(tok), s.now())
			if problem != "" {
				w.Header().Set("WWW-Authenticate",
					`Bearer error="invalid_token", error_description="`+problem+`"`)
				w.WriteHeader(http.StatusUnauthorized)
				return nil, errAuthWritten
			}
			s.store.mu.RLock()
			u := s.store.users[uid]
			s.store.mu.RUnlock()
			if u != nil {
				return u, nil
			}
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="The access token is invalid"`)
			w.WriteHeader(http.StatusUnauthorized)
			return nil, errAuthWritten
		}
	}
	key := r.Header.Get("Backlog-API-Key")
	if key == "" {
		key = r.URL.Query().Get("apiKey")
	}
	if key == "" {
		return nil, errorf(CodeAuthentication, "Authentication failure.")
	}
	s.store.mu.RLock()
	u := s.store.apiKeys[key]
	s.store.mu.RUnlock()
	if u == nil || !constantTimeHas(u.APIKeys, key) {
		return nil, errorf(CodeAuthentication, "Authentication failure.")
	}
	return u, nil
}

// constantTimeHas reports whether key is one of keys, comparing in constant time.
func constantTimeHas(keys []string, key string) bool {
	found := 0
	for _, k := range keys {
		found |= subtle.ConstantTimeCompare([]byte(k), []byte(key))
	}
	return found == 1
}
