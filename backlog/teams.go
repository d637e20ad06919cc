package backlog

import (
	"context"
	"iter"
	"net/url"
)

// TeamsService reads teams.
type TeamsService service

// TeamListOptions page GET /teams.
type TeamListOptions struct {
	Order Order // default desc
	ListOptions
}

// List returns a page of the space's teams. Administrators and project
// administrators only.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-list-of-teams/
func (s *TeamsService) List(ctx context.Context, opts *TeamListOptions) ([]*Team, *Response, error) {
	var q url.Values
	if opts != nil {
		q = url.Values{}
		if opts.Order != "" {
			q.Set("order", string(opts.Order))
		}
		opts.ListOptions.encode(q)
	}
	return get[[]*Team](ctx, s.client, "teams", q)
}

// ListIter iterates over all teams in pages of opts.Count (default 100).
func (s *TeamsService) ListIter(ctx context.Context, opts *TeamListOptions) iter.Seq2[*Team, error] {
	var o TeamListOptions
	if opts != nil {
		o = *opts
	}
	return offsetPages(ctx, o.ListOptions, maxCount, func(t *Team) int64 { return t.ID },
		func(ctx context.Context, lo ListOptions) ([]*Team, error) {
			page := o
			page.ListOptions = lo
			v, _, err := s.List(ctx, &page)
			return v, err
		})
}

// Get returns a team. Administrators only.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-team/
func (s *TeamsService) Get(ctx context.Context, teamID int64) (*Team, *Response, error) {
	return get[*Team](ctx, s.client, "teams/"+id(teamID), nil)
}
