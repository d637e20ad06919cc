package odata

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	bs "github.com/backlogsync/backlogsync"
)

// failingDest fails Query after `after` rows.
type failingDest struct {
	bs.Destination
	after int
}

func (f failingDest) Query(ctx context.Context, table string, q bs.Query, fn func(bs.Row) error) error {
	n := 0
	err := f.Destination.Query(ctx, table, q, func(r bs.Row) error {
		if n == f.after {
			return errors.New("disk on fire")
		}
		n++
		return fn(r)
	})
	return err
}

func TestFailureMidStreamAbortsTheResponse(t *testing.T) {
	d := demoDest(t, 3000)
	// After 2000 rows the response has passed the 32 KiB buffer: the client
	// must see a broken response, not a complete-looking page.
	srv := serve(t, failingDest{d, 2000}, Options{MaxPageSize: 3000})
	resp, err := http.Get(srv.URL + "/odata/demo/Issues")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil {
		t.Fatalf("status %d, %d bytes read without error; the truncated response looked complete (ends %q)", resp.StatusCode, len(body), body[max(0, len(body)-40):])
	}
	// Before anything was sent, the failure is a clean 500 with an OData error.
	srv = serve(t, failingDest{d, 3}, Options{MaxPageSize: 3000})
	resp, p := getJSON(t, srv.URL+"/odata/demo/Issues", nil)
	if resp.StatusCode != 500 || p.Error == nil || strings.Contains(p.Error["message"], "disk") {
		t.Errorf("early failure: %d %v (the message must not leak internals)", resp.StatusCode, p.Error)
	}
}

// slowDest makes every row take a while.
type slowDest struct{ bs.Destination }

func (s slowDest) Query(ctx context.Context, table string, q bs.Query, fn func(bs.Row) error) error {
	return s.Destination.Query(ctx, table, q, func(r bs.Row) error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		return fn(r)
	})
}

func TestQueryTimeout(t *testing.T) {
	srv := serve(t, slowDest{demoDest(t, 50)}, Options{QueryTimeout: 100 * time.Millisecond})
	resp, p := getJSON(t, srv.URL+"/odata/demo/Issues", nil)
	if resp.StatusCode != 503 || p.Error["code"] != "QueryTimeout" {
		t.Errorf("timeout: %d %v", resp.StatusCode, p.Error)
	}
}
