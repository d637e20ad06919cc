package emulator

import (
	"fmt"
	"net/http"
)

// Backlog API error codes (behaviour.md §4).
const (
	CodeInternal              = 1
	CodeLicence               = 2
	CodeLicenceExpired        = 3
	CodeAccessDenied          = 4
	CodeUnauthorizedOperation = 5
	CodeNoResource            = 6
	CodeInvalidRequest        = 7
	CodeSpaceOverCapacity     = 8
	CodeResourceOverflow      = 9
	CodeTooLargeFile          = 10
	CodeAuthentication        = 11
	CodeRequiredMFA           = 12
	CodeTooManyRequests       = 13
)

// DefaultErrorStatus maps Backlog error codes to HTTP statuses. Only 401/11,
// 404/6 and 429/13 are confirmed by public material; the others are
// inferences and can be overridden with Options.ErrorStatus.
var DefaultErrorStatus = map[int]int{
	CodeInternal:              http.StatusInternalServerError,
	CodeLicence:               http.StatusForbidden,
	CodeLicenceExpired:        http.StatusForbidden,
	CodeAccessDenied:          http.StatusForbidden,
	CodeUnauthorizedOperation: http.StatusForbidden,
	CodeNoResource:            http.StatusNotFound,
	CodeInvalidRequest:        http.StatusBadRequest,
	CodeSpaceOverCapacity:     http.StatusForbidden,
	CodeResourceOverflow:      http.StatusBadRequest,
	CodeTooLargeFile:          http.StatusRequestEntityTooLarge,
	CodeAuthentication:        http.StatusUnauthorized,
	CodeRequiredMFA:           http.StatusUnauthorized,
	CodeTooManyRequests:       http.StatusTooManyRequests,
}

// apiError is an error answered with Backlog's error body
// {"errors":[{"message","code","moreInfo"}]}.
type apiError struct {
	Code     int
	Message  string
	MoreInfo string
	Status   int // 0 = from the code table
}

func (e *apiError) Error() string { return fmt.Sprintf("backlog error %d: %s", e.Code, e.Message) }

// errorf returns an apiError with the given Backlog code.
func errorf(code int, format string, args ...any) *apiError {
	return &apiError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// badRequest is a code-7 InvalidRequestError.
func badRequest(format string, args ...any) *apiError {
	return errorf(CodeInvalidRequest, format, args...)
}

// notFound is a code-6 NoResourceError with Backlog's wording ("No issue.").
func notFound(what string) *apiError {
	return errorf(CodeNoResource, "No %s.", what)
}

// forbidden is a code-5 UnauthorizedOperationError.
func forbidden() *apiError {
	return errorf(CodeUnauthorizedOperation, "You do not have permission to perform this operation.")
}
