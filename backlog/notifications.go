package backlog

import (
	"context"
	"net/url"
)

// NotificationsService reads the caller's own notifications.
type NotificationsService service

// NotificationListOptions filter GET /notifications.
type NotificationListOptions struct {
	SenderID int64
	CursorOptions
}

// List returns a page of the caller's notifications.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-notification/
func (s *NotificationsService) List(ctx context.Context, opts *NotificationListOptions) ([]*Notification, *Response, error) {
	var q url.Values
	if opts != nil {
		q = url.Values{}
		opts.CursorOptions.encode(q)
		query(q).int64("senderId", opts.SenderID)
	}
	return get[[]*Notification](ctx, s.client, "notifications", q)
}
