package backlog

import (
	"context"
	"iter"
	"net/url"
	"strconv"
)

// DocumentsService reads documents (ids are 32-character hex strings).
type DocumentsService service

// DocumentListOptions filter GET /documents. Backlog requires offset, so it
// is always sent.
type DocumentListOptions struct {
	ProjectIDs []int64
	Keyword    string
	Sort       string // "created" or "updated"
	Order      Order
	ListOptions
}

func (o *DocumentListOptions) values() url.Values {
	q := query{}
	if o == nil {
		o = &DocumentListOptions{}
	}
	q.ids("projectId", o.ProjectIDs)
	q.str("keyword", o.Keyword)
	q.str("sort", o.Sort)
	q.str("order", string(o.Order))
	url.Values(q).Set("offset", strconv.Itoa(o.Offset))
	q.int("count", o.Count)
	return url.Values(q)
}

// List returns a page of documents of the projects the user joined.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-document-list/
func (s *DocumentsService) List(ctx context.Context, opts *DocumentListOptions) ([]*Document, *Response, error) {
	return get[[]*Document](ctx, s.client, "documents", opts.values())
}

// ListIter iterates over all documents matching opts, in pages of
// opts.Count (default 100).
func (s *DocumentsService) ListIter(ctx context.Context, opts *DocumentListOptions) iter.Seq2[*Document, error] {
	var o DocumentListOptions
	if opts != nil {
		o = *opts
	}
	seen := map[string]struct{}{}
	pages := offsetPages(ctx, o.ListOptions, maxCount, nil,
		func(ctx context.Context, lo ListOptions) ([]*Document, error) {
			page := o
			page.ListOptions = lo
			v, _, err := s.List(ctx, &page)
			return v, err
		})
	return func(yield func(*Document, error) bool) {
		for d, err := range pages {
			if err == nil {
				if _, dup := seen[d.ID]; dup {
					continue
				}
				seen[d.ID] = struct{}{}
			}
			if !yield(d, err) {
				return
			}
		}
	}
}

// Count returns the number of documents in a project.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/count-document/
func (s *DocumentsService) Count(ctx context.Context, projectIDOrKey string) (int, *Response, error) {
	return getCount(ctx, s.client, "documents/count", url.Values{"projectIdOrKey": {projectIDOrKey}})
}

// GetTree returns a project's document tree.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-document-tree/
func (s *DocumentsService) GetTree(ctx context.Context, projectIDOrKey string) (*DocumentTree, *Response, error) {
	return get[*DocumentTree](ctx, s.client, "documents/tree", url.Values{"projectIdOrKey": {projectIDOrKey}})
}

// Get returns a document.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-document/
func (s *DocumentsService) Get(ctx context.Context, documentID string) (*Document, *Response, error) {
	return get[*Document](ctx, s.client, "documents/"+seg(documentID), nil)
}

// ListComments returns a document's comments with their replies.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-document-comment/
func (s *DocumentsService) ListComments(ctx context.Context, documentID string) ([]*DocumentComment, *Response, error) {
	return get[[]*DocumentComment](ctx, s.client, "documents/"+seg(documentID)+"/comments", nil)
}
