package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// The webhook request's headers. The receiver verifies a delivery by
// computing HMAC-SHA256 over the timestamp, a dot and the raw body, keyed
// with the configured secret, and comparing it in constant time with the
// signature header (after "sha256="); it should also reject timestamps more
// than a few minutes old, so that a captured request cannot be replayed:
//
//	mac := hmac.New(sha256.New, []byte(secret))
//	mac.Write([]byte(r.Header.Get("X-Backlogsync-Timestamp") + "." + string(body)))
//	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
//	ok := hmac.Equal([]byte(want), []byte(r.Header.Get("X-Backlogsync-Signature")))
const (
	HeaderSignature = "X-Backlogsync-Signature" // "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body)
	HeaderTimestamp = "X-Backlogsync-Timestamp" // Unix seconds when the request was signed
	HeaderEvent     = "X-Backlogsync-Event"     // "run"
)

// Sign returns the signature header value for a body sent at ts.
func Sign(secret []byte, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(strconv.FormatInt(ts, 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a delivery's signature and that its timestamp is within
// maxAge of now. Receivers written in Go can call it.
func Verify(secret []byte, timestamp, signature string, body []byte, now time.Time, maxAge time.Duration) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("webhook: bad %s %q", HeaderTimestamp, timestamp)
	}
	if age := now.Sub(time.Unix(ts, 0)); age > maxAge || age < -maxAge {
		return fmt.Errorf("webhook: timestamp is %s away from now; rejecting a possible replay", age.Round(time.Second))
	}
	if !hmac.Equal([]byte(Sign(secret, ts, body)), []byte(signature)) {
		return fmt.Errorf("webhook: signature mismatch")
	}
	return nil
}

// postWebhook sends body, retrying a network error or a 5xx/429 answer up
// to attempts times with the given waits between them.
func postWebhook(ctx context.Context, client *http.Client, url string, secret []byte, body []byte, now func() time.Time, waits []time.Duration) error {
	var last error
	for i := 0; ; i++ {
		ts := now().Unix()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("webhook: %w", err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "backlogsync")
		req.Header.Set(HeaderEvent, "run")
		req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
		req.Header.Set(HeaderSignature, Sign(secret, ts, body))
		resp, err := client.Do(req)
		retry := true
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			if resp.StatusCode/100 == 2 {
				return nil
			}
			retry = resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests
			err = fmt.Errorf("webhook: %s answered %s", redactURL(url), resp.Status)
		} else {
			err = fmt.Errorf("webhook: POST %s: %v", redactURL(url), unwrapURLError(err))
		}
		last = err
		if !retry || i >= len(waits) {
			return last
		}
		t := time.NewTimer(waits[i])
		select {
		case <-ctx.Done():
			t.Stop()
			return last
		case <-t.C:
		}
	}
}
