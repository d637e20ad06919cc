package backlog

import (
	"context"
	"net/url"
)

// WatchingsService reads watchings.
type WatchingsService service

// WatchingListOptions filter GET /users/:id/watchings.
type WatchingListOptions struct {
	Order               Order  // default desc
	Sort                string // "created", "updated" or "issueUpdated" (default)
	ResourceAlreadyRead *bool
	IssueIDs            []int64
	ListOptions
}

func (o *WatchingListOptions) values() url.Values {
	q := query{}
	if o == nil {
		return nil
	}
	q.str("order", string(o.Order))
	q.str("sort", o.Sort)
	q.boolp("resourceAlreadyRead", o.ResourceAlreadyRead)
	q.ids("issueId", o.IssueIDs)
	o.ListOptions.encode(url.Values(q))
	return url.Values(q)
}

// List returns a page of the issues a user watches.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-watching-list/
func (s *WatchingsService) List(ctx context.Context, userID int64, opts *WatchingListOptions) ([]*Watching, *Response, error) {
	return get[[]*Watching](ctx, s.client, "users/"+id(userID)+"/watchings", opts.values())
}
