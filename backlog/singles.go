package backlog

import (
	"context"
	"net/url"
)

// CountReceived returns the number of stars a user received, optionally
// between two dates (inclusive; zero Dates are omitted).
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/count-user-received-stars/
func (s *StarsService) CountReceived(ctx context.Context, userID int64, since, until Date) (int, *Response, error) {
	q := query{}
	q.date("since", since)
	q.date("until", until)
	return getCount(ctx, s.client, "users/"+id(userID)+"/stars/count", url.Values(q))
}

// WatchingCountOptions filter CountWatchings.
type WatchingCountOptions struct {
	ResourceAlreadyRead *bool
	AlreadyRead         *bool
}

// Count returns the number of issues a user watches.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/count-watching/
func (s *WatchingsService) Count(ctx context.Context, userID int64, opts *WatchingCountOptions) (int, *Response, error) {
	q := query{}
	if opts != nil {
		q.boolp("resourceAlreadyRead", opts.ResourceAlreadyRead)
		q.boolp("alreadyRead", opts.AlreadyRead)
	}
	return getCount(ctx, s.client, "users/"+id(userID)+"/watchings/count", url.Values(q))
}

// Get returns one watching.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-watching/
func (s *WatchingsService) Get(ctx context.Context, watchingID int64) (*Watching, *Response, error) {
	return get[*Watching](ctx, s.client, "watchings/"+id(watchingID), nil)
}

// NotificationCountOptions filter Notifications.Count.
type NotificationCountOptions struct {
	AlreadyRead         *bool
	ResourceAlreadyRead *bool
}

// Count returns the number of the caller's notifications.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/count-notification/
func (s *NotificationsService) Count(ctx context.Context, opts *NotificationCountOptions) (int, *Response, error) {
	q := query{}
	if opts != nil {
		q.boolp("alreadyRead", opts.AlreadyRead)
		q.boolp("resourceAlreadyRead", opts.ResourceAlreadyRead)
	}
	return getCount(ctx, s.client, "notifications/count", url.Values(q))
}

// GetWebhook returns one webhook of a project (administrators and project
// administrators only).
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-webhook/
func (s *ProjectsService) GetWebhook(ctx context.Context, projectIDOrKey string, webhookID int64) (*Webhook, *Response, error) {
	return get[*Webhook](ctx, s.client, "projects/"+seg(projectIDOrKey)+"/webhooks/"+id(webhookID), nil)
}

// CountPullRequestComments returns the number of comments on a pull request.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-number-of-pull-request-comments/
func (s *GitService) CountPullRequestComments(ctx context.Context, projectIDOrKey, repoIDOrName string, number int64) (int, *Response, error) {
	return getCount(ctx, s.client, repoPath(projectIDOrKey, repoIDOrName)+"/pullRequests/"+id(number)+"/comments/count", nil)
}
