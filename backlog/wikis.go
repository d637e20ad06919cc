package backlog

import (
	"context"
	"iter"
	"net/url"
)

// WikisService reads wiki pages, their history, tags, attachments and stars.
type WikisService service

// WikiListOptions filter GET /wikis.
type WikiListOptions struct {
	ProjectIDOrKey string // required by Backlog
	Keyword        string
}

// List returns the wiki pages of a project (all at once, without content).
// It is in the "search" rate-limit class.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-wiki-page-list/
func (s *WikisService) List(ctx context.Context, opts *WikiListOptions) ([]*Wiki, *Response, error) {
	q := query{}
	if opts != nil {
		q.str("projectIdOrKey", opts.ProjectIDOrKey)
		q.str("keyword", opts.Keyword)
	}
	return get[[]*Wiki](ctx, s.client, "wikis", url.Values(q))
}

// Count returns the number of wiki pages of a project. It is in the
// "search" rate-limit class.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/count-wiki-page/
func (s *WikisService) Count(ctx context.Context, projectIDOrKey string) (int, *Response, error) {
	q := query{}
	q.str("projectIdOrKey", projectIDOrKey)
	return getCount(ctx, s.client, "wikis/count", url.Values(q))
}

// ListTags returns the wiki tags of a project.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-wiki-page-tag-list/
func (s *WikisService) ListTags(ctx context.Context, projectIDOrKey string) ([]*WikiTag, *Response, error) {
	q := query{}
	q.str("projectIdOrKey", projectIDOrKey)
	return get[[]*WikiTag](ctx, s.client, "wikis/tags", url.Values(q))
}

// Get returns a wiki page with its content, attachments, shared files and
// stars.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-wiki-page/
func (s *WikisService) Get(ctx context.Context, wikiID int64) (*Wiki, *Response, error) {
	return get[*Wiki](ctx, s.client, "wikis/"+id(wikiID), nil)
}

// ListHistory returns a page of a wiki page's history. The cursor
// (MinID/MaxID) presumably runs over WikiHistory.Version (undocumented).
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-wiki-page-history/
func (s *WikisService) ListHistory(ctx context.Context, wikiID int64, opts *CursorOptions) ([]*WikiHistory, *Response, error) {
	return get[[]*WikiHistory](ctx, s.client, "wikis/"+id(wikiID)+"/history", cursorValues(opts))
}

// HistoryIter iterates over a wiki page's history, using Version as the
// cursor. opts is copied.
func (s *WikisService) HistoryIter(ctx context.Context, wikiID int64, opts *CursorOptions) iter.Seq2[*WikiHistory, error] {
	var o CursorOptions
	if opts != nil {
		o = *opts
	}
	return cursorPages(ctx, o, func(h *WikiHistory) int64 { return h.Version },
		func(ctx context.Context, o CursorOptions) ([]*WikiHistory, error) {
			v, _, err := s.ListHistory(ctx, wikiID, &o)
			return v, err
		})
}

// ListAttachments returns the attachments of a wiki page.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-list-of-wiki-attachments/
func (s *WikisService) ListAttachments(ctx context.Context, wikiID int64) ([]*Attachment, *Response, error) {
	return get[[]*Attachment](ctx, s.client, "wikis/"+id(wikiID)+"/attachments", nil)
}

// ListSharedFiles returns the shared files linked to a wiki page.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-list-of-shared-files-on-wiki/
func (s *WikisService) ListSharedFiles(ctx context.Context, wikiID int64) ([]*SharedFile, *Response, error) {
	return get[[]*SharedFile](ctx, s.client, "wikis/"+id(wikiID)+"/sharedFiles", nil)
}

// ListStars returns the stars of a wiki page.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-wiki-page-star/
func (s *WikisService) ListStars(ctx context.Context, wikiID int64) ([]*Star, *Response, error) {
	return get[[]*Star](ctx, s.client, "wikis/"+id(wikiID)+"/stars", nil)
}
