package backlog

import (
	"context"
	"iter"
)

// ListComments returns a page of an issue's comments.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-comment-list/
func (s *IssuesService) ListComments(ctx context.Context, issueIDOrKey string, opts *CursorOptions) ([]*Comment, *Response, error) {
	return get[[]*Comment](ctx, s.client, "issues/"+seg(issueIDOrKey)+"/comments", cursorValues(opts))
}

// CommentsIter iterates over an issue's comments, following the id cursor in
// opts.Order (default desc) with pages of opts.Count (default 100). opts is
// copied.
func (s *IssuesService) CommentsIter(ctx context.Context, issueIDOrKey string, opts *CursorOptions) iter.Seq2[*Comment, error] {
	var o CursorOptions
	if opts != nil {
		o = *opts
	}
	return cursorPages(ctx, o, func(c *Comment) int64 { return c.ID },
		func(ctx context.Context, o CursorOptions) ([]*Comment, error) {
			v, _, err := s.ListComments(ctx, issueIDOrKey, &o)
			return v, err
		})
}

// CountComments returns the number of comments on an issue.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/count-comment/
func (s *IssuesService) CountComments(ctx context.Context, issueIDOrKey string) (int, *Response, error) {
	return getCount(ctx, s.client, "issues/"+seg(issueIDOrKey)+"/comments/count", nil)
}

// GetComment returns one comment of an issue.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-comment/
func (s *IssuesService) GetComment(ctx context.Context, issueIDOrKey string, commentID int64) (*Comment, *Response, error) {
	return get[*Comment](ctx, s.client, "issues/"+seg(issueIDOrKey)+"/comments/"+id(commentID), nil)
}

// ListCommentNotifications returns the notifications sent for a comment.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-list-of-comment-notifications/
func (s *IssuesService) ListCommentNotifications(ctx context.Context, issueIDOrKey string, commentID int64) ([]*CommentNotification, *Response, error) {
	return get[[]*CommentNotification](ctx, s.client, "issues/"+seg(issueIDOrKey)+"/comments/"+id(commentID)+"/notifications", nil)
}
