package backlog

import (
	"context"
	"iter"
	"net/url"
)

// This file holds the read methods the catalog needs beyond the first
// client release: Iter twins of list methods that only had a page method,
// and the caller's recently viewed lists.

// ListIter iterates over all the issues a user watches, in pages of
// opts.Count (default 100) from opts.Offset, until a short page. opts is
// copied; watchings seen twice are yielded once.
func (s *WatchingsService) ListIter(ctx context.Context, userID int64, opts *WatchingListOptions) iter.Seq2[*Watching, error] {
	var o WatchingListOptions
	if opts != nil {
		o = *opts
	}
	return offsetPages(ctx, o.ListOptions, maxCount, func(w *Watching) int64 { return w.ID },
		func(ctx context.Context, lo ListOptions) ([]*Watching, error) {
			page := o
			page.ListOptions = lo
			v, _, err := s.List(ctx, userID, &page)
			return v, err
		})
}

// ListIter iterates over the caller's notifications, following the id
// cursor in opts.Order (default desc) with pages of opts.Count (default
// 100). opts is copied.
func (s *NotificationsService) ListIter(ctx context.Context, opts *NotificationListOptions) iter.Seq2[*Notification, error] {
	var o NotificationListOptions
	if opts != nil {
		o = *opts
	}
	return cursorPages(ctx, o.CursorOptions, func(n *Notification) int64 { return n.ID },
		func(ctx context.Context, c CursorOptions) ([]*Notification, error) {
			page := o
			page.CursorOptions = c
			v, _, err := s.List(ctx, &page)
			return v, err
		})
}

// ReceivedIter iterates over the stars a user received, following the id
// cursor in opts.Order (default desc) with pages of opts.Count (default
// 100). opts is copied.
func (s *StarsService) ReceivedIter(ctx context.Context, userID int64, opts *CursorOptions) iter.Seq2[*Star, error] {
	var o CursorOptions
	if opts != nil {
		o = *opts
	}
	return cursorPages(ctx, o, func(st *Star) int64 { return st.ID },
		func(ctx context.Context, c CursorOptions) ([]*Star, error) {
			v, _, err := s.ListReceived(ctx, userID, &c)
			return v, err
		})
}

// PullRequestCommentsIter iterates over a pull request's comments, following
// the id cursor in opts.Order (default desc) with pages of opts.Count
// (default 100). opts is copied.
func (s *GitService) PullRequestCommentsIter(ctx context.Context, projectIDOrKey, repoIDOrName string, number int64, opts *CursorOptions) iter.Seq2[*PullRequestComment, error] {
	var o CursorOptions
	if opts != nil {
		o = *opts
	}
	return cursorPages(ctx, o, func(c *PullRequestComment) int64 { return c.ID },
		func(ctx context.Context, c CursorOptions) ([]*PullRequestComment, error) {
			v, _, err := s.ListPullRequestComments(ctx, projectIDOrKey, repoIDOrName, number, &c)
			return v, err
		})
}

// ListPullRequestAttachments returns the attachments of a pull request.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-list-of-pull-request-attachment/
func (s *GitService) ListPullRequestAttachments(ctx context.Context, projectIDOrKey, repoIDOrName string, number int64) ([]*Attachment, *Response, error) {
	return get[[]*Attachment](ctx, s.client, repoPath(projectIDOrKey, repoIDOrName)+"/pullRequests/"+id(number)+"/attachments", nil)
}

// RecentlyViewedOptions page the caller's recently viewed lists.
type RecentlyViewedOptions struct {
	Order Order // default desc (most recently viewed first)
	ListOptions
}

func (o *RecentlyViewedOptions) values() url.Values {
	if o == nil {
		return nil
	}
	q := url.Values{}
	if o.Order != "" {
		q.Set("order", string(o.Order))
	}
	o.ListOptions.encode(q)
	return q
}

// ListRecentlyViewedIssues returns a page of the issues the caller viewed
// recently.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-list-of-recently-viewed-issues/
func (s *UsersService) ListRecentlyViewedIssues(ctx context.Context, opts *RecentlyViewedOptions) ([]*RecentlyViewedIssue, *Response, error) {
	return get[[]*RecentlyViewedIssue](ctx, s.client, "users/myself/recentlyViewedIssues", opts.values())
}

// RecentlyViewedIssuesIter iterates over the issues the caller viewed
// recently, in pages of opts.Count (default 100).
func (s *UsersService) RecentlyViewedIssuesIter(ctx context.Context, opts *RecentlyViewedOptions) iter.Seq2[*RecentlyViewedIssue, error] {
	return recentIter(ctx, opts, func(v *RecentlyViewedIssue) int64 {
		if v.Issue == nil {
			return 0
		}
		return v.Issue.ID
	}, s.ListRecentlyViewedIssues)
}

// ListRecentlyViewedProjects returns a page of the projects the caller
// viewed recently.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-list-of-recently-viewed-projects/
func (s *UsersService) ListRecentlyViewedProjects(ctx context.Context, opts *RecentlyViewedOptions) ([]*RecentlyViewedProject, *Response, error) {
	return get[[]*RecentlyViewedProject](ctx, s.client, "users/myself/recentlyViewedProjects", opts.values())
}

// RecentlyViewedProjectsIter iterates over the projects the caller viewed
// recently, in pages of opts.Count (default 100).
func (s *UsersService) RecentlyViewedProjectsIter(ctx context.Context, opts *RecentlyViewedOptions) iter.Seq2[*RecentlyViewedProject, error] {
	return recentIter(ctx, opts, func(v *RecentlyViewedProject) int64 {
		if v.Project == nil {
			return 0
		}
		return v.Project.ID
	}, s.ListRecentlyViewedProjects)
}

// ListRecentlyViewedWikis returns a page of the wiki pages the caller
// viewed recently.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-list-of-recently-viewed-wikis/
func (s *UsersService) ListRecentlyViewedWikis(ctx context.Context, opts *RecentlyViewedOptions) ([]*RecentlyViewedWiki, *Response, error) {
	return get[[]*RecentlyViewedWiki](ctx, s.client, "users/myself/recentlyViewedWikis", opts.values())
}

// RecentlyViewedWikisIter iterates over the wiki pages the caller viewed
// recently, in pages of opts.Count (default 100).
func (s *UsersService) RecentlyViewedWikisIter(ctx context.Context, opts *RecentlyViewedOptions) iter.Seq2[*RecentlyViewedWiki, error] {
	return recentIter(ctx, opts, func(v *RecentlyViewedWiki) int64 {
		if v.Page == nil {
			return 0
		}
		return v.Page.ID
	}, s.ListRecentlyViewedWikis)
}

// recentIter runs offsetPages over a recently viewed list, copying opts.
func recentIter[T any](ctx context.Context, opts *RecentlyViewedOptions, key func(*T) int64,
	list func(context.Context, *RecentlyViewedOptions) ([]*T, *Response, error)) iter.Seq2[*T, error] {
	var o RecentlyViewedOptions
	if opts != nil {
		o = *opts
	}
	return offsetPages(ctx, o.ListOptions, maxCount, key,
		func(ctx context.Context, lo ListOptions) ([]*T, error) {
			page := o
			page.ListOptions = lo
			v, _, err := list(ctx, &page)
			return v, err
		})
}
