package backlog

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
)

func TestCheckResponse_typing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		status    int
		header    map[string]string
		body      string
		cred      []Option // client options (default: API key in header)
		check     func(t *testing.T, err error)
		wantInErr []string
		wantCode  string
	}{
		{
			name: "404 no resource", status: 404,
			body: `{"errors":[{"message":"No issue.","code":6,"moreInfo":""}]}`,
			check: func(t *testing.T, err error) {
				var er *ErrorResponse
				if !errors.As(err, &er) || !er.HasCode(CodeNoResource) || er.StatusCode() != 404 || er.Method != "GET" {
					t.Errorf("got %#v", err)
				}
			},
			wantInErr: []string{"404 Not Found: No issue. (code 6 NoResourceError)"},
			wantCode:  backlogsync.ENOTFOUND,
		},
		{
			name: "two error entries", status: 400,
			body: `{"errors":[{"message":"bad count","code":7,"moreInfo":"count must be 1-100"},{"message":"bad order","code":7,"moreInfo":""}]}`,
			check: func(t *testing.T, err error) {
				var er *ErrorResponse
				if !errors.As(err, &er) || len(er.Errors) != 2 || er.Errors[0].MoreInfo != "count must be 1-100" {
					t.Errorf("got %#v", err)
				}
			},
			wantInErr: []string{"bad count (code 7 InvalidRequestError) count must be 1-100; bad order"},
			wantCode:  backlogsync.EINVALID,
		},
		{
			name: "403 role", status: 403,
			body:      `{"errors":[{"message":"You do not have permission.","code":5,"moreInfo":""}]}`,
			check:     func(t *testing.T, err error) { _ = err.(*ErrorResponse) },
			wantInErr: []string{"lacks the role"},
			wantCode:  backlogsync.EUNAUTHORIZED,
		},
		{
			name: "500 html", status: 500, body: "<html>\n<body>Oops</body></html>",
			check: func(t *testing.T, err error) {
				var er *ErrorResponse
				if !errors.As(err, &er) || len(er.Errors) != 0 || er.Message != "<html> <body>Oops</body></html>" {
					t.Errorf("got %#v", err)
				}
			},
			wantInErr: []string{"500 Internal Server Error: <html>"},
			wantCode:  backlogsync.EUNAVAILABLE,
		},
		{
			name: "429", status: 429,
			header: map[string]string{"X-RateLimit-Limit": "600", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1605484860"},
			body:   `{"errors":[{"message":"Too many requests.","code":13,"moreInfo":""}]}`,
			check: func(t *testing.T, err error) {
				var rl *RateLimitError
				if !errors.As(err, &rl) {
					t.Fatalf("got %#v", err)
				}
				want := time.Unix(1605484860, 0).UTC()
				if !rl.Reset.Equal(want) || rl.Rate.Limit != 600 || rl.Rate.Class != RateRead {
					t.Errorf("rate = %+v reset %v", rl.Rate, rl.Reset)
				}
			},
			wantInErr: []string{"429 Too Many Requests", "the read rate limit (600 requests per window) is used up", "wait until 2020-11-16T00:01:00Z"},
			wantCode:  backlogsync.ERATELIMIT,
		},
		{
			name: "code 13 with another status", status: 403,
			body:     `{"errors":[{"message":"Too many requests.","code":13,"moreInfo":""}]}`,
			check:    func(t *testing.T, err error) { _ = err.(*RateLimitError) },
			wantCode: backlogsync.ERATELIMIT, wantInErr: []string{"wait a minute"},
		},
		{
			name: "401 api key", status: 401,
			body: `{"errors":[{"message":"Authentication failure.","code":11,"moreInfo":""}]}`,
			check: func(t *testing.T, err error) {
				ae := err.(*AuthError)
				if ae.Reason != AuthKeyRejected || ae.Credential != credAPIKey {
					t.Errorf("got %+v", ae)
				}
			},
			wantInErr: []string{"Authentication failure. (code 11 AuthenticationError)", "the API key was rejected"},
			wantCode:  backlogsync.EUNAUTHORIZED,
		},
		{
			name: "401 token expired", status: 401, cred: []Option{WithTokenSource(StaticTokenSource("tok"))},
			header: map[string]string{"WWW-Authenticate": `Bearer error="invalid_token", error_description="The access token expired"`},
			check: func(t *testing.T, err error) {
				ae := err.(*AuthError)
				if ae.Reason != AuthTokenExpired || ae.Description != "The access token expired" || ae.Credential != credOAuth {
					t.Errorf("got %+v", ae)
				}
			},
			wantInErr: []string{"The access token expired", "the OAuth access token expired", "backlogsync auth login"},
			wantCode:  backlogsync.EUNAUTHORIZED,
		},
		{
			name: "401 token invalid", status: 401, cred: []Option{WithTokenSource(StaticTokenSource("tok"))},
			header:    map[string]string{"WWW-Authenticate": `Bearer error="invalid_token", error_description="The access token is invalid"`},
			check:     func(t *testing.T, err error) { _ = err.(*AuthError) },
			wantInErr: []string{"invalid or was revoked"},
			wantCode:  backlogsync.EUNAUTHORIZED,
		},
		{
			name: "401 without credentials", status: 401, cred: []Option{},
			body:      `{"errors":[{"message":"Authentication failure.","code":11,"moreInfo":""}]}`,
			check:     func(t *testing.T, err error) { _ = err.(*AuthError) },
			wantInErr: []string{"no credentials were sent"},
			wantCode:  backlogsync.EUNAUTHORIZED,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := tt.cred
			if opts == nil {
				opts = []Option{WithAPIKey(testKey), WithAPIKeyInQuery()}
			}
			// Retries have their own tests (retry_test.go); here each
			// answer is classified as it comes.
			c, mux := newBareClient(t, append(opts, WithoutRetry())...)
			mux.HandleFunc("GET /api/v2/issues/BLG-1", func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				writeJSON(w, tt.status, tt.body)
			})
			is, resp, err := c.Issues.Get(t.Context(), "BLG-1", nil)
			if err == nil || is != nil {
				t.Fatalf("got %v, %v", is, err)
			}
			if resp == nil || resp.StatusCode != tt.status {
				t.Errorf("resp = %v", resp)
			}
			tt.check(t, err)
			msg := err.Error()
			for _, w := range tt.wantInErr {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			if !strings.Contains(msg, "GET http://127.0.0.1:") || !strings.Contains(msg, "/backlog-prefix/api/v2/issues/BLG-1") {
				t.Errorf("error lacks method and URL: %s", msg)
			}
			if strings.Contains(msg, testKey) {
				t.Errorf("error leaks the key: %s", msg)
			}
			if got := backlogsync.ErrorCode(err); got != tt.wantCode {
				t.Errorf("Code = %q, want %q", got, tt.wantCode)
			}
		})
	}
}

func TestCheckResponse_bodyKept(t *testing.T) {
	t.Parallel()
	body := `{"errors":[{"message":"No project.","code":6,"moreInfo":""}]}`
	r := &http.Response{StatusCode: 404, Body: io.NopCloser(strings.NewReader(body)),
		Request: &http.Request{Method: "GET", URL: &url.URL{Scheme: "https", Host: "x.backlog.com", Path: "/api/v2/projects/X", RawQuery: "apiKey=" + testKey}}}
	err := CheckResponse(r)
	var er *ErrorResponse
	if !errors.As(err, &er) {
		t.Fatalf("err = %v", err)
	}
	if er.URL != "https://x.backlog.com/api/v2/projects/X?apiKey=REDACTED" {
		t.Errorf("URL = %s", er.URL)
	}
	again, _ := io.ReadAll(r.Body)
	if string(again) != body {
		t.Errorf("body not restored: %q", again)
	}
	if CheckResponse(&http.Response{StatusCode: 204}) != nil {
		t.Error("204 is an error")
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://x.backlog.com/api/v2/space?apiKey=abc", "https://x.backlog.com/api/v2/space?apiKey=REDACTED"},
		{"https://x/api/v2/issues?projectId%5B%5D=1&apiKey=abc&count=2", "https://x/api/v2/issues?projectId%5B%5D=1&apiKey=REDACTED&count=2"},
		{"https://x/a?APIKEY=abc&ApiKey=def", "https://x/a?APIKEY=REDACTED&ApiKey=REDACTED"},
		{"https://x/a?api%4Bey=abc", "https://x/a?api%4Bey=REDACTED"},
		{"https://x/api/v2/oauth2/token?grant_type=refresh_token&refresh_token=r&client_secret=s&code=c&access_token=t",
			"https://x/api/v2/oauth2/token?grant_type=refresh_token&refresh_token=REDACTED&client_secret=REDACTED&code=REDACTED&access_token=REDACTED"},
		{"https://user:pass@x/a", "https://REDACTED@x/a"},
		{"https://x/a?keyword=apiKey", "https://x/a?keyword=apiKey"},
		{"https://x/a?apiKeyX=1", "https://x/a?apiKeyX=1"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := RedactURL(u); got != tt.want {
			t.Errorf("RedactURL(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
	if RedactURL(nil) != "" {
		t.Error("nil URL")
	}
}

func TestRedactText(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"GET /api/v2/space?apiKey=abc&x=1 failed", "GET /api/v2/space?apiKey=REDACTED&x=1 failed"},
		{`"access_token=xyz" and refresh_token=q`, `"access_token=REDACTED" and refresh_token=REDACTED`},
		{"zipcode=123", "zipcode=123"},
		{"xapiKey=1&code=2", "xapiKey=REDACTED&code=REDACTED"},
		{"no secrets", "no secrets"},
	}
	for _, tt := range tests {
		if got := redactText(tt.in); got != tt.want {
			t.Errorf("redactText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseWWWAuthenticate(t *testing.T) {
	t.Parallel()
	got := parseWWWAuthenticate(`Bearer realm="backlog", error="invalid_token", error_description="The \"token\" expired"`)
	if got["error"] != "invalid_token" || got["error_description"] != `The "token" expired` || got["realm"] != "backlog" {
		t.Errorf("got %v", got)
	}
	got = parseWWWAuthenticate(`Bearer error=invalid_token`)
	if got["error"] != "invalid_token" {
		t.Errorf("token68 form: %v", got)
	}
	if len(parseWWWAuthenticate(`Bearer "unterminated`)) != 0 {
		t.Error("garbage parsed")
	}
}
