package backlog

import (
	"context"
	"net/url"
)

// StarsService reads stars.
type StarsService service

// ListReceived returns a page of the stars a user received.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-received-star-list/
func (s *StarsService) ListReceived(ctx context.Context, userID int64, opts *CursorOptions) ([]*Star, *Response, error) {
	return get[[]*Star](ctx, s.client, "users/"+id(userID)+"/stars", cursorValues(opts))
}

// cursorValues encodes optional cursor options.
func cursorValues(opts *CursorOptions) url.Values {
	if opts == nil {
		return nil
	}
	q := url.Values{}
	opts.encode(q)
	return q
}
