package backlog

import (
	"context"
	"io"
	"mime"
	"net/http"
)

// File describes a downloaded file: its name from the Content-Disposition
// header (RFC 5987 filename*=UTF-8”… as Backlog sends it), its media type
// and the number of bytes written.
type File struct {
	Name        string
	ContentType string
	Size        int64
}

// download GETs a binary endpoint and streams its body into w. Retries
// happen only while nothing has been written to w.
func (c *Client) download(ctx context.Context, path string, w io.Writer) (*File, *Response, error) {
	if w == nil {
		w = io.Discard
	}
	req, err := c.NewRequest(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		return nil, nil, err
	}
	cw := &countingWriter{w: w}
	resp, err := c.Do(req, cw)
	if err != nil {
		return nil, resp, err
	}
	f := &File{Size: cw.n}
	if resp != nil && resp.Response != nil {
		f.ContentType = resp.Header.Get("Content-Type")
		if _, params, perr := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); perr == nil {
			f.Name = params["filename"]
		}
	}
	return f, resp, nil
}

// GetLogo downloads the space's logo into w ("icon" rate-limit class).
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-space-logo/
func (s *SpaceService) GetLogo(ctx context.Context, w io.Writer) (*File, *Response, error) {
	return s.client.download(ctx, "space/image", w)
}

// GetIcon downloads a user's icon into w ("icon" rate-limit class).
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-user-icon/
func (s *UsersService) GetIcon(ctx context.Context, userID int64, w io.Writer) (*File, *Response, error) {
	return s.client.download(ctx, "users/"+id(userID)+"/icon", w)
}

// GetIcon downloads a team's icon into w ("icon" rate-limit class).
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-team-icon/
func (s *TeamsService) GetIcon(ctx context.Context, teamID int64, w io.Writer) (*File, *Response, error) {
	return s.client.download(ctx, "teams/"+id(teamID)+"/icon", w)
}

// GetIcon downloads a project's icon into w ("icon" rate-limit class).
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-project-icon/
func (s *ProjectsService) GetIcon(ctx context.Context, projectIDOrKey string, w io.Writer) (*File, *Response, error) {
	return s.client.download(ctx, "projects/"+seg(projectIDOrKey)+"/image", w)
}

// DownloadAttachment downloads an issue attachment into w.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-issue-attachment/
func (s *IssuesService) DownloadAttachment(ctx context.Context, issueIDOrKey string, attachmentID int64, w io.Writer) (*File, *Response, error) {
	return s.client.download(ctx, "issues/"+seg(issueIDOrKey)+"/attachments/"+id(attachmentID), w)
}

// DownloadAttachment downloads a wiki page attachment into w.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-wiki-page-attachment/
func (s *WikisService) DownloadAttachment(ctx context.Context, wikiID, attachmentID int64, w io.Writer) (*File, *Response, error) {
	return s.client.download(ctx, "wikis/"+id(wikiID)+"/attachments/"+id(attachmentID), w)
}

// DownloadAttachment downloads a document attachment into w.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-document-attachments/
func (s *DocumentsService) DownloadAttachment(ctx context.Context, documentID string, attachmentID int64, w io.Writer) (*File, *Response, error) {
	return s.client.download(ctx, "documents/"+seg(documentID)+"/attachments/"+id(attachmentID), w)
}

// Download downloads a shared file into w.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/get-file/
func (s *FilesService) Download(ctx context.Context, projectIDOrKey string, sharedFileID int64, w io.Writer) (*File, *Response, error) {
	return s.client.download(ctx, "projects/"+seg(projectIDOrKey)+"/files/"+id(sharedFileID), w)
}

// DownloadPullRequestAttachment downloads a pull request attachment into w.
//
// Backlog API docs: https://developer.nulab.com/docs/backlog/api/2/download-pull-request-attachment/
func (s *GitService) DownloadPullRequestAttachment(ctx context.Context, projectIDOrKey, repoIDOrName string, number, attachmentID int64, w io.Writer) (*File, *Response, error) {
	return s.client.download(ctx, repoPath(projectIDOrKey, repoIDOrName)+"/pullRequests/"+id(number)+"/attachments/"+id(attachmentID), w)
}
