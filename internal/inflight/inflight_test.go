package inflight

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// TestPeak: sequential requests whose bodies are read peak at 1; requests
// whose bodies are still open count as in flight; Reset starts over.
func TestPeak(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer srv.Close()
	tr := &Transport{Next: srv.Client().Transport}
	c := &http.Client{Transport: tr}
	get := func() *http.Response {
		resp, err := c.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	for range 3 {
		resp := get()
		io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if tr.Peak() != 1 || tr.Requests() != 3 {
		t.Errorf("sequential: peak %d, %d requests; want 1, 3", tr.Peak(), tr.Requests())
	}
	tr.Reset()
	var open []*http.Response
	for range 3 {
		open = append(open, get())
	}
	if tr.Peak() != 3 {
		t.Errorf("three bodies open: peak %d, want 3", tr.Peak())
	}
	var wg sync.WaitGroup
	for _, resp := range open {
		wg.Go(func() { resp.Body.Close(); resp.Body.Close() })
	}
	wg.Wait()
	tr.Reset()
	if tr.Peak() != 0 || tr.Requests() != 0 {
		t.Errorf("after closing and Reset: peak %d, %d requests; want 0, 0", tr.Peak(), tr.Requests())
	}
}
