package backlog

import (
	"context"
	"iter"
)

// UsersService reads users, their watchings and the stars they received.
type UsersService service

// List returns every user of the space. Administrators and project
// administrators only.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-user-list/
func (s *UsersService) List(ctx context.Context) ([]*User, *Response, error) {
	return get[[]*User](ctx, s.client, "users", nil)
}

// Get returns the user with the numeric id userID.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-user/
func (s *UsersService) Get(ctx context.Context, userID int64) (*User, *Response, error) {
	return get[*User](ctx, s.client, "users/"+id(userID), nil)
}

// GetMyself returns the authenticated user.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-own-user/
// It also tells the client's Governor who the user is, so that every client
// of this user (whatever its key or token) shares one rate-limit budget.
func (s *UsersService) GetMyself(ctx context.Context) (*User, *Response, error) {
	u, resp, err := get[*User](ctx, s.client, "users/myself", nil)
	if err == nil && u != nil {
		s.client.bindUser(u.ID)
	}
	return u, resp, err
}

// ListActivities returns a page of one user's activities.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-user-recent-updates/
func (s *UsersService) ListActivities(ctx context.Context, userID int64, opts *ActivityListOptions) ([]*Activity, *Response, error) {
	return get[[]*Activity](ctx, s.client, "users/"+id(userID)+"/activities", opts.values())
}

// ActivitiesIter iterates over one user's activities, following the id cursor.
func (s *UsersService) ActivitiesIter(ctx context.Context, userID int64, opts *ActivityListOptions) iter.Seq2[*Activity, error] {
	return activityIter(ctx, opts, func(ctx context.Context, o *ActivityListOptions) ([]*Activity, error) {
		v, _, err := s.ListActivities(ctx, userID, o)
		return v, err
	})
}
