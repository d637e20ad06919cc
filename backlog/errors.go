package backlog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ErrorCode is a Backlog API error code (behaviour.md §4).
type ErrorCode int

// Backlog's error codes.
const (
	CodeInternal              ErrorCode = 1  // server-side bug
	CodeLicence               ErrorCode = 2  // feature not in the space's plan
	CodeLicenceExpired        ErrorCode = 3  // licence expired
	CodeAccessDenied          ErrorCode = 4  // blocked, e.g. by IP restriction
	CodeUnauthorizedOperation ErrorCode = 5  // the user lacks the role for the operation
	CodeNoResource            ErrorCode = 6  // no such object, or not visible to the user
	CodeInvalidRequest        ErrorCode = 7  // bad parameters
	CodeSpaceOverCapacity     ErrorCode = 8  // space storage full
	CodeResourceOverflow      ErrorCode = 9  // a per-resource limit would be exceeded
	CodeTooLargeFile          ErrorCode = 10 // upload too large
	CodeAuthentication        ErrorCode = 11 // authentication failed
	CodeRequiredMFA           ErrorCode = 12 // the space requires 2-step verification
	CodeTooManyRequests       ErrorCode = 13 // rate limit exceeded
)

var codeNames = map[ErrorCode]string{
	CodeInternal: "InternalError", CodeLicence: "LicenceError", CodeLicenceExpired: "LicenceExpiredError",
	CodeAccessDenied: "AccessDeniedError", CodeUnauthorizedOperation: "UnauthorizedOperationError",
	CodeNoResource: "NoResourceError", CodeInvalidRequest: "InvalidRequestError",
	CodeSpaceOverCapacity: "SpaceOverCapacityError", CodeResourceOverflow: "ResourceOverflowError",
	CodeTooLargeFile: "TooLargeFileError", CodeAuthentication: "AuthenticationError",
	CodeRequiredMFA: "RequiredMFAError", CodeTooManyRequests: "TooManyRequestsError",
}

// String returns Backlog's name for the code, e.g. "NoResourceError".
func (c ErrorCode) String() string {
	if n, ok := codeNames[c]; ok {
		return n
	}
	return fmt.Sprintf("ErrorCode(%d)", int(c))
}

// hint tells the user what to do about an error code, or "".
func (c ErrorCode) hint() string {
	switch c {
	case CodeLicence:
		return "the space's plan does not include this feature"
	case CodeLicenceExpired:
		return "the space's licence has expired"
	case CodeAccessDenied:
		return "access was denied (IP address restriction?); ask the space administrator"
	case CodeUnauthorizedOperation:
		return "the user lacks the role or project membership this needs (some endpoints require Administrator)"
	case CodeRequiredMFA:
		return "the space requires 2-step verification; enable it for this user"
	}
	return ""
}

// ErrorDetail is one entry of Backlog's error body
// {"errors":[{"message","code","moreInfo"}]}.
type ErrorDetail struct {
	Message  string    `json:"message"`
	Code     ErrorCode `json:"code"`
	MoreInfo string    `json:"moreInfo"`
}

// ErrorResponse is a non-2xx answer from Backlog that is neither an
// authentication failure nor a rate limit.
type ErrorResponse struct {
	Response *http.Response // the response; its body has been read
	Method   string         // request method
	URL      string         // request URL with credentials redacted
	Errors   []ErrorDetail  // Backlog's error entries (may be empty)
	Message  string         // start of the body when it was not a Backlog error body
}

// Error implements error.
func (e *ErrorResponse) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "backlog: %s %s: %s", e.Method, e.URL, statusText(e.Response))
	writeDetails(&b, e.Errors, e.Message)
	for _, d := range e.Errors {
		if h := d.Code.hint(); h != "" {
			b.WriteString("; " + h)
			break
		}
	}
	return b.String()
}

// StatusCode returns the HTTP status of the response, or 0.
func (e *ErrorResponse) StatusCode() int {
	if e.Response == nil {
		return 0
	}
	return e.Response.StatusCode
}

// HasCode reports whether any error entry carries code.
func (e *ErrorResponse) HasCode(code ErrorCode) bool { return hasCode(e.Errors, code) }

// RateLimitError reports that a rate limit was exhausted (HTTP 429 or error
// code 13). Wait until Reset before sending more requests of Rate.Class.
type RateLimitError struct {
	Response *http.Response
	Method   string
	URL      string // credentials redacted
	Rate     Rate
	Reset    time.Time // when requests are accepted again (zero if unknown)
	Errors   []ErrorDetail
	Message  string
}

// Error implements error.
func (e *RateLimitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "backlog: %s %s: %s", e.Method, e.URL, statusText(e.Response))
	writeDetails(&b, e.Errors, e.Message)
	fmt.Fprintf(&b, "; the %s rate limit", e.Rate.Class)
	if e.Rate.Limit > 0 {
		fmt.Fprintf(&b, " (%d requests per window)", e.Rate.Limit)
	}
	b.WriteString(" is used up")
	if !e.Reset.IsZero() {
		fmt.Fprintf(&b, "; wait until %s before retrying", e.Reset.UTC().Format(time.RFC3339))
	} else {
		b.WriteString("; wait a minute before retrying")
	}
	b.WriteString(" (the budget is per user and shared with everyone using this account)")
	return b.String()
}

// AuthReason says why Backlog rejected the credentials.
type AuthReason string

// Reasons for a 401.
const (
	AuthKeyRejected  AuthReason = "key_rejected"  // code 11: wrong/deleted key or not a member
	AuthTokenExpired AuthReason = "token_expired" // OAuth access token expired
	AuthTokenInvalid AuthReason = "token_invalid" // OAuth access token invalid or revoked
	AuthUnknown      AuthReason = "unknown"
)

// How a client authenticated, recorded on AuthError.Credential.
const (
	credAPIKey = "api-key"
	credOAuth  = "oauth"
	credNone   = "none"
)

// AuthError reports an HTTP 401: the API key is wrong, or the OAuth token
// expired or is invalid. Error says which and what to do.
type AuthError struct {
	Response    *http.Response
	Method      string
	URL         string // credentials redacted
	Reason      AuthReason
	Credential  string        // "api-key", "oauth" or "none" (set by Client); "" when unknown
	Errors      []ErrorDetail // Backlog's error entries (API-key failures)
	Description string        // WWW-Authenticate error_description (token failures)
}

// Error implements error.
func (e *AuthError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "backlog: %s %s: %s", e.Method, e.URL, statusText(e.Response))
	writeDetails(&b, e.Errors, e.Description)
	b.WriteString("; ")
	switch {
	case e.Credential == credNone:
		b.WriteString("no credentials were sent: configure an API key (--api-key or BACKLOG_API_KEY) or sign in with `backlogsync auth login`")
	case e.Reason == AuthTokenExpired:
		b.WriteString("the OAuth access token expired: it is refreshed automatically when a refresh token is stored; otherwise sign in again with `backlogsync auth login`")
	case e.Reason == AuthTokenInvalid:
		b.WriteString("the OAuth access token is invalid or was revoked: sign in again with `backlogsync auth login`")
	case e.Reason == AuthKeyRejected && e.Credential == credOAuth:
		b.WriteString("authentication failed: the OAuth token was not accepted or its user is not a member of the space; sign in again with `backlogsync auth login`")
	case e.Reason == AuthKeyRejected:
		b.WriteString("the API key was rejected: it is wrong or was deleted, or its user is no longer a member of the space; create a key under Personal Settings > API and update the configuration")
	default:
		b.WriteString("authentication failed: check the API key or sign in again with `backlogsync auth login`")
	}
	return b.String()
}

// maxErrorBody bounds how much of an error body CheckResponse reads.
const maxErrorBody = 1 << 20

// CheckResponse returns nil for a 2xx response and otherwise a typed error:
// *AuthError for 401, *RateLimitError for 429 or error code 13, else
// *ErrorResponse. It reads at most 1 MiB of the body and replaces
// r.Body with a reader over what it read, so callers can inspect it.
func CheckResponse(r *http.Response) error {
	if r.StatusCode >= 200 && r.StatusCode <= 299 {
		return nil
	}
	var data []byte
	if r.Body != nil {
		data, _ = io.ReadAll(io.LimitReader(r.Body, maxErrorBody))
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(data))
	}
	var body struct {
		Errors []ErrorDetail `json:"errors"`
	}
	message := ""
	if json.Unmarshal(data, &body) != nil || body.Errors == nil {
		message = excerpt(data)
	}
	method, u := "", ""
	if r.Request != nil {
		method, u = r.Request.Method, RedactURL(r.Request.URL)
	}
	class := RateRead
	if r.Request != nil {
		class = ClassOf(r.Request.Method, apiRelative(r.Request.URL.Path))
	}
	switch {
	case r.StatusCode == http.StatusUnauthorized:
		ae := &AuthError{Response: r, Method: method, URL: u, Errors: body.Errors}
		params := parseWWWAuthenticate(r.Header.Get("WWW-Authenticate"))
		ae.Description = params["error_description"]
		switch {
		case params["error"] == "invalid_token" && strings.Contains(strings.ToLower(ae.Description), "expired"):
			ae.Reason = AuthTokenExpired
		case params["error"] != "":
			ae.Reason = AuthTokenInvalid
		case hasCode(body.Errors, CodeAuthentication):
			ae.Reason = AuthKeyRejected
		default:
			ae.Reason = AuthUnknown
		}
		if ae.Description == "" && len(body.Errors) == 0 {
			ae.Description = message
		}
		return ae
	case r.StatusCode == http.StatusTooManyRequests || hasCode(body.Errors, CodeTooManyRequests):
		rate := parseRate(r.Header, class)
		return &RateLimitError{Response: r, Method: method, URL: u, Rate: rate, Reset: rate.Reset,
			Errors: body.Errors, Message: message}
	}
	return &ErrorResponse{Response: r, Method: method, URL: u, Errors: body.Errors, Message: message}
}

// apiRelative strips everything up to and including "/api/v2/" from a path.
func apiRelative(p string) string {
	if i := strings.Index(p, "/api/v2/"); i >= 0 {
		return p[i+len("/api/v2/"):]
	}
	return p
}

func hasCode(ds []ErrorDetail, code ErrorCode) bool {
	for _, d := range ds {
		if d.Code == code {
			return true
		}
	}
	return false
}

func statusText(r *http.Response) string {
	if r == nil {
		return "no response"
	}
	if r.Status != "" {
		return r.Status
	}
	return fmt.Sprintf("%d %s", r.StatusCode, http.StatusText(r.StatusCode))
}

// writeDetails appends ": msg (code N Name); …" or ": message".
func writeDetails(b *strings.Builder, ds []ErrorDetail, message string) {
	for i, d := range ds {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(d.Message)
		if d.Code != 0 {
			fmt.Fprintf(b, " (code %d %s)", int(d.Code), d.Code)
		}
		if d.MoreInfo != "" {
			b.WriteString(" " + d.MoreInfo)
		}
	}
	if len(ds) == 0 && message != "" {
		b.WriteString(": " + message)
	}
}

// excerpt returns the start of a non-JSON error body as one line.
func excerpt(data []byte) string {
	s := strings.Join(strings.Fields(string(data)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return redactText(s)
}

// parseWWWAuthenticate reads the auth-params of a Bearer challenge, e.g.
// `Bearer error="invalid_token", error_description="The access token expired"`.
func parseWWWAuthenticate(h string) map[string]string {
	out := map[string]string{}
	if h == "" {
		return out
	}
	if i := strings.IndexByte(h, ' '); i >= 0 && !strings.Contains(h[:i], "=") {
		h = h[i+1:]
	}
	for h != "" {
		h = strings.TrimLeft(h, " ,")
		eq := strings.IndexByte(h, '=')
		if eq < 0 {
			break
		}
		name := strings.ToLower(strings.TrimSpace(h[:eq]))
		h = h[eq+1:]
		var val string
		if strings.HasPrefix(h, `"`) {
			var sb strings.Builder
			i := 1
			for ; i < len(h) && h[i] != '"'; i++ {
				if h[i] == '\\' && i+1 < len(h) {
					i++
				}
				sb.WriteByte(h[i])
			}
			val = sb.String()
			if i < len(h) {
				i++
			}
			h = h[i:]
		} else {
			end := strings.IndexByte(h, ',')
			if end < 0 {
				end = len(h)
			}
			val, h = strings.TrimSpace(h[:end]), h[end:]
		}
		out[name] = val
	}
	return out
}

// redacted replaces secrets in printed URLs and messages.
const redacted = "REDACTED"

// sensitiveParams are query parameters whose values never get printed.
var sensitiveParams = []string{"apikey", "access_token", "refresh_token", "client_secret", "code"}

func isSensitive(name string) bool {
	name = strings.ToLower(name)
	for _, s := range sensitiveParams {
		if name == s {
			return true
		}
	}
	return false
}

// RedactURL returns u as a string with the values of credential-carrying query
// parameters (apiKey, access_token, refresh_token, client_secret, code) and any
// user info replaced by REDACTED. Use it whenever a URL is printed or logged.
func RedactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	v := *u
	if v.User != nil {
		v.User = url.User(redacted)
	}
	v.RawQuery = redactQuery(v.RawQuery)
	v.ForceQuery = false
	return v.String()
}

// redactQuery redacts sensitive parameters in a raw query, keeping order and
// encoding of everything else.
func redactQuery(raw string) string {
	if raw == "" {
		return raw
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, _, hasValue := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if isSensitive(name) && hasValue {
			parts[i] = k + "=" + redacted
		}
	}
	return strings.Join(parts, "&")
}

// redactURLString redacts a URL given as a string; unparsable input is
// redacted textually.
func redactURLString(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return redactText(s)
	}
	return RedactURL(u)
}

// redactText redacts "name=value" occurrences of sensitive parameters in
// free text (e.g. an echoed URL in an error body). Only "code" must start a
// word (so "zipcode=1" survives); the other names are redacted anywhere.
func redactText(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		for _, p := range sensitiveParams {
			if !hasPrefixFold(s[i:], p) || len(s) <= i+len(p) || s[i+len(p)] != '=' || (p == "code" && i > 0 && isParamChar(s[i-1])) {
				continue
			}
			start := i + len(p) + 1
			end := start
			for end < len(s) && s[end] != '&' && s[end] != ' ' && s[end] != '"' && s[end] != '\'' && s[end] != ',' {
				end++
			}
			b.WriteString(s[last:start])
			b.WriteString(redacted)
			last, i = end, end-1
			break
		}
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isParamChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// hasPrefixFold reports whether s starts with the lower-case ASCII prefix,
// ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}
