package service

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestConnectionClientAuth: the one constructor of a connection's client
// sends the secret as an API key, or with scheme "oauth" as a bearer
// token, through the given HTTP client.
func TestConnectionClientAuth(t *testing.T) {
	var auth, key string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth, key = r.Header.Get("Authorization"), r.Header.Get("Backlog-API-Key")
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"spaceKey":"ACME","name":"Acme"}`))
	}))
	defer srv.Close()
	for _, tt := range []struct{ scheme, auth, key string }{
		{"apikey", "", "s3cret"},
		{"", "", "s3cret"},
		{"oauth", "Bearer s3cret", ""},
	} {
		auth, key = "", ""
		c, err := ConnectionTest{SpaceURL: srv.URL, AuthScheme: tt.scheme, Secret: "s3cret"}.client(srv.Client())
		if err != nil {
			t.Fatal(err)
		}
		sp, _, err := c.Space.Get(t.Context())
		if err != nil || sp.SpaceKey != "ACME" {
			t.Fatalf("scheme %q: %+v %v", tt.scheme, sp, err)
		}
		if auth != tt.auth || key != tt.key {
			t.Errorf("scheme %q sent Authorization %q, API key %q; want %q, %q", tt.scheme, auth, key, tt.auth, tt.key)
		}
	}
}
