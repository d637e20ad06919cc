package backlog

import (
	"context"
	"errors"
	"net/http"

	"github.com/backlogsync/backlogsync"
)

// The client's errors carry the root package's classification: for every
// error Client returns, errors.As(err, &e) with e *backlogsync.Error (and so
// backlogsync.ErrorCode and backlogsync.Retryable) gives
//
//	EUNAUTHORIZED  *AuthError (401), *OAuthError that only a new sign-in fixes,
//	               ErrLoginRequired, and Backlog's 403 / AccessDenied /
//	               UnauthorizedOperation / RequiredMFA answers
//	ERATELIMIT     *RateLimitError (429 or error code 13)
//	EUNAVAILABLE   5xx answers (except 501 and 505), truncated bodies, and
//	               transport failures: timeouts, resets, refused connections,
//	               unknown hosts, certificates (the client retries only the
//	               transient ones itself)
//	ENOTFOUND      404 / NoResource
//	EINVALID       400 / InvalidRequest
//	ECONFLICT      409
//	EINTERNAL      anything else (a bug, or an answer that cannot be decoded)
//
// The client's own retry decisions (classify) are made from the same codes.

// asKind fills target when it is a **backlogsync.Error with a view of err
// classified as code. The view's message is err's text; it does not unwrap
// further (errors.As on err itself still reaches the typed error).
func asKind(target any, err error, code string) bool {
	t, ok := target.(**backlogsync.Error)
	if !ok {
		return false
	}
	*t = &backlogsync.Error{Code: code, Message: err.Error()}
	return true
}

// As classifies the error: errors.As(err, &e) with e *backlogsync.Error.
func (e *AuthError) As(target any) bool { return asKind(target, e, backlogsync.EUNAUTHORIZED) }

// As classifies the error: errors.As(err, &e) with e *backlogsync.Error.
func (e *RateLimitError) As(target any) bool { return asKind(target, e, backlogsync.ERATELIMIT) }

// As classifies the error: errors.As(err, &e) with e *backlogsync.Error.
func (e *ErrorResponse) As(target any) bool { return asKind(target, e, e.kind()) }

// kind is the backlogsync error code of an API error answer.
func (e *ErrorResponse) kind() string {
	st := e.StatusCode()
	switch {
	case e.HasCode(CodeNoResource) || st == http.StatusNotFound:
		return backlogsync.ENOTFOUND
	case e.HasCode(CodeUnauthorizedOperation) || e.HasCode(CodeAccessDenied) || e.HasCode(CodeRequiredMFA) ||
		st == http.StatusForbidden:
		return backlogsync.EUNAUTHORIZED
	case e.HasCode(CodeInvalidRequest) || st == http.StatusBadRequest:
		return backlogsync.EINVALID
	case st == http.StatusConflict:
		return backlogsync.ECONFLICT
	case st >= 500 && st != http.StatusNotImplemented && st != http.StatusHTTPVersionNotSupported:
		return backlogsync.EUNAVAILABLE
	}
	return backlogsync.EINTERNAL
}

// As classifies the error: errors.As(err, &e) with e *backlogsync.Error.
func (e *OAuthError) As(target any) bool {
	code := backlogsync.EINTERNAL
	switch {
	case e.LoginRequired():
		code = backlogsync.EUNAUTHORIZED
	case e.StatusCode >= 500:
		code = backlogsync.EUNAVAILABLE
	}
	return asKind(target, e, code)
}

// transportError is a request that got no usable HTTP answer: the transport
// failed, or the body was cut short. It keeps the underlying error's text
// and chain and adds its classification.
type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// As classifies the error: errors.As(err, &e) with e *backlogsync.Error.
func (e *transportError) As(target any) bool { return asKind(target, e, backlogsync.EUNAVAILABLE) }

// classified returns err with a classification: the client's typed errors,
// context errors, token-source failures and bodies that do not decode as
// they are; anything else — a transport failure, a body cut short — wrapped
// in *transportError.
func classified(err error) error {
	var be *backlogsync.Error
	var te *tokenError
	var nr *noRetryError
	switch {
	case err == nil, errors.As(err, &be), errors.As(err, &te), errors.As(err, &nr), errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, context.DeadlineExceeded) && !isTimeout(err):
		return err
	}
	return &transportError{err}
}
