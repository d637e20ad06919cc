package backlog

import (
	"context"
	"iter"
	"net/url"
	"strings"
)

// FilesService reads a project's shared files.
type FilesService service

// FileListOptions page one directory listing: Count 1–1000 (default 1000).
type FileListOptions struct {
	Order Order
	ListOptions
}

// ListDir returns a page of one directory level of a project's shared
// files. dir is a slash-separated path such as "/docs/2024/"; "" or "/" is
// the root. Entries whose Type is "directory" are not expanded (see Walk).
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-list-of-shared-files/
func (s *FilesService) ListDir(ctx context.Context, projectIDOrKey, dir string, opts *FileListOptions) ([]*SharedFile, *Response, error) {
	var q url.Values
	if opts != nil {
		q = url.Values{}
		if opts.Order != "" {
			q.Set("order", string(opts.Order))
		}
		opts.ListOptions.encode(q)
	}
	p := "projects/" + seg(projectIDOrKey) + "/files/metadata/"
	if d := strings.Trim(dir, "/"); d != "" {
		p += escapePath(d)
	}
	return get[[]*SharedFile](ctx, s.client, p, q)
}

// Walk iterates over every file and directory below dir ("" for the root),
// listing each directory in pages of 1000 until a short page and descending
// into subdirectories breadth-first. Directories are yielded before their
// contents.
func (s *FilesService) Walk(ctx context.Context, projectIDOrKey, dir string) iter.Seq2[*SharedFile, error] {
	return func(yield func(*SharedFile, error) bool) {
		start := "/" + strings.Trim(dir, "/") + "/"
		if start == "//" {
			start = "/"
		}
		queue := []string{start}
		visited := map[string]bool{start: true}
		for len(queue) > 0 {
			d := queue[0]
			queue = queue[1:]
			entries := offsetPages(ctx, ListOptions{}, maxSharedFileCnt, func(f *SharedFile) int64 { return f.ID },
				func(ctx context.Context, lo ListOptions) ([]*SharedFile, error) {
					v, _, err := s.ListDir(ctx, projectIDOrKey, d, &FileListOptions{ListOptions: lo})
					return v, err
				})
			for f, err := range entries {
				if err != nil {
					yield(nil, err)
					return
				}
				if f.IsDir() {
					if f.Dir == "" {
						f.Dir = d
					}
					if sub := f.Path(); !visited[sub] {
						visited[sub] = true
						queue = append(queue, sub)
					}
				}
				if !yield(f, nil) {
					return
				}
			}
		}
	}
}
