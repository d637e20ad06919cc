package backlog

import (
	"context"
	"iter"
	"net/url"
	"strconv"
)

// ActivitiesService reads the recent-updates feeds. The space feed
// (ListSpace with Order asc and MinID = last seen id) is the cheapest way to
// notice changes.
type ActivitiesService service

// ActivityListOptions filter the activity lists.
type ActivityListOptions struct {
	TypeIDs []ActivityType // activityTypeId[]; empty = all types
	CursorOptions
}

func (o *ActivityListOptions) values() url.Values {
	if o == nil {
		return nil
	}
	q := url.Values{}
	for _, t := range o.TypeIDs {
		q.Add("activityTypeId[]", strconv.Itoa(int(t)))
	}
	o.CursorOptions.encode(q)
	return q
}

// ListSpace returns a page of the space's activities (only projects the
// user can see).
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-recent-updates/
func (s *ActivitiesService) ListSpace(ctx context.Context, opts *ActivityListOptions) ([]*Activity, *Response, error) {
	return get[[]*Activity](ctx, s.client, "space/activities", opts.values())
}

// SpaceIter iterates over the space's activities, following the id cursor
// in opts.Order (default desc) with pages of opts.Count (default 100).
func (s *ActivitiesService) SpaceIter(ctx context.Context, opts *ActivityListOptions) iter.Seq2[*Activity, error] {
	return activityIter(ctx, opts, func(ctx context.Context, o *ActivityListOptions) ([]*Activity, error) {
		v, _, err := s.ListSpace(ctx, o)
		return v, err
	})
}

// ListProject returns a page of a project's activities; it is the same as
// Projects.ListActivities.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-project-recent-updates/
func (s *ActivitiesService) ListProject(ctx context.Context, projectIDOrKey string, opts *ActivityListOptions) ([]*Activity, *Response, error) {
	return (*ProjectsService)(s).ListActivities(ctx, projectIDOrKey, opts)
}

// ProjectIter iterates over a project's activities, following the id cursor.
func (s *ActivitiesService) ProjectIter(ctx context.Context, projectIDOrKey string, opts *ActivityListOptions) iter.Seq2[*Activity, error] {
	return (*ProjectsService)(s).ActivitiesIter(ctx, projectIDOrKey, opts)
}

// Get returns one activity; unlike the lists, its Notifications are filled.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-activity/
func (s *ActivitiesService) Get(ctx context.Context, activityID int64) (*Activity, *Response, error) {
	return get[*Activity](ctx, s.client, "activities/"+id(activityID), nil)
}

// activityIter runs cursorPages over an activity list, copying opts.
func activityIter(ctx context.Context, opts *ActivityListOptions,
	list func(context.Context, *ActivityListOptions) ([]*Activity, error)) iter.Seq2[*Activity, error] {
	var o ActivityListOptions
	if opts != nil {
		o = *opts
		o.TypeIDs = append([]ActivityType(nil), opts.TypeIDs...)
	}
	return cursorPages(ctx, o.CursorOptions, func(a *Activity) int64 { return a.ID },
		func(ctx context.Context, c CursorOptions) ([]*Activity, error) {
			page := o
			page.CursorOptions = c
			return list(ctx, &page)
		})
}
