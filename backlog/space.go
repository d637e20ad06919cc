package backlog

import "context"

// SpaceService reads the space: its settings, licence, disk usage and
// notification.
type SpaceService service

// Get returns the space.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-space/
func (s *SpaceService) Get(ctx context.Context) (*Space, *Response, error) {
	return get[*Space](ctx, s.client, "space", nil)
}

// GetLicence returns the space's licence (plan features and limits).
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-licence/
func (s *SpaceService) GetLicence(ctx context.Context) (*Licence, *Response, error) {
	return get[*Licence](ctx, s.client, "space/licence", nil)
}

// GetDiskUsage returns the space's disk usage. Administrators only.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-space-disk-usage/
func (s *SpaceService) GetDiskUsage(ctx context.Context) (*SpaceDiskUsage, *Response, error) {
	return get[*SpaceDiskUsage](ctx, s.client, "space/diskUsage", nil)
}

// GetNotification returns the space-wide notification.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-space-notification/
func (s *SpaceService) GetNotification(ctx context.Context) (*SpaceNotification, *Response, error) {
	return get[*SpaceNotification](ctx, s.client, "space/notification", nil)
}
