package emulator

import (
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Shapes of the content areas: wiki pages, documents and the document tree,
// git repositories, pull requests and their comments.

type jsonWikiListItem struct {
	ID          int64         `json:"id"`
	ProjectID   int64         `json:"projectId"`
	Name        string        `json:"name"`
	Tags        []*jsonIDName `json:"tags"`
	CreatedUser *jsonUser     `json:"createdUser"`
	Created     ts            `json:"created"`
	UpdatedUser *jsonUser     `json:"updatedUser"`
	Updated     ts            `json:"updated"`
}

type jsonWiki struct {
	ID          int64             `json:"id"`
	ProjectID   int64             `json:"projectId"`
	Name        string            `json:"name"`
	Content     string            `json:"content"`
	Tags        []*jsonIDName     `json:"tags"`
	Attachments []*jsonAttachment `json:"attachments"`
	SharedFiles []*jsonSharedFile `json:"sharedFiles"`
	Stars       []*jsonStar       `json:"stars"`
	CreatedUser *jsonUser         `json:"createdUser"`
	Created     ts                `json:"created"`
	UpdatedUser *jsonUser         `json:"updatedUser"`
	Updated     ts                `json:"updated"`
}

type jsonWikiHistory struct {
	PageID      int64     `json:"pageId"`
	Version     int64     `json:"version"`
	Name        string    `json:"name"`
	Content     string    `json:"content"`
	CreatedUser *jsonUser `json:"createdUser"`
	Created     ts        `json:"created"`
}

// renderWikiListItem renders a WikiListItem (wiki list, recently viewed wikis).
func (st *store) renderWikiListItem(w *wiki) *jsonWikiListItem {
	return &jsonWikiListItem{ID: w.ID, ProjectID: w.ProjectID, Name: w.Name, Tags: st.wikiTags(w),
		CreatedUser: st.renderUser(w.CreatedUser), Created: ts(w.Created),
		UpdatedUser: st.renderUser(w.UpdatedUser), Updated: ts(w.Updated)}
}

// renderWiki renders the full Wiki object.
func (st *store) renderWiki(w *wiki) *jsonWiki {
	return &jsonWiki{ID: w.ID, ProjectID: w.ProjectID, Name: w.Name, Content: w.Content, Tags: st.wikiTags(w),
		Attachments: st.renderAttachments(w.Attachments), SharedFiles: st.renderSharedFiles(w.SharedFileIDs),
		Stars: st.renderStars(w.Stars), CreatedUser: st.renderUser(w.CreatedUser), Created: ts(w.Created),
		UpdatedUser: st.renderUser(w.UpdatedUser), Updated: ts(w.Updated)}
}

type jsonDocument struct {
	ID          string            `json:"id"`
	ProjectID   int64             `json:"projectId"`
	Title       string            `json:"title"`
	Plain       string            `json:"plain"`
	JSON        string            `json:"json"`
	StatusID    int               `json:"statusId"`
	Emoji       *string           `json:"emoji"`
	Attachments []*jsonAttachment `json:"attachments"`
	Tags        []*jsonIDName     `json:"tags"`
	CreatedUser *jsonKeywordUser  `json:"createdUser"`
	Created     ts                `json:"created"`
	UpdatedUser *jsonKeywordUser  `json:"updatedUser"`
	Updated     ts                `json:"updated"`
}

// jsonDocumentWritten is the shape add-document and delete-document answer
// with (DOC examples): user ids instead of users, json as an object (null
// after deletion, as is plain).
type jsonDocumentWritten struct {
	ID            string          `json:"id"`
	ProjectID     int64           `json:"projectId"`
	Title         string          `json:"title"`
	JSON          json.RawMessage `json:"json"`
	Plain         *string         `json:"plain"`
	StatusID      int             `json:"statusId"`
	Emoji         *string         `json:"emoji"`
	CreatedUserID int64           `json:"createdUserId"`
	Created       ts              `json:"created"`
	UpdatedUserID int64           `json:"updatedUserId"`
	Updated       ts              `json:"updated"`
}

type jsonDocumentComment struct {
	ID            string                 `json:"id"`
	DocumentID    string                 `json:"documentId"`
	StatusID      int                    `json:"statusId"`
	Content       string                 `json:"content"`
	Plain         string                 `json:"plain"`
	CommentType   string                 `json:"commentType"`
	CreatedUserID int64                  `json:"createdUserId"`
	Created       ts                     `json:"created"`
	UpdatedUserID int64                  `json:"updatedUserId"`
	Updated       ts                     `json:"updated"`
	CreatedUser   *jsonLightUser         `json:"createdUser"`
	Replies       []*jsonDocumentReplyTo `json:"replies"`
}

type jsonDocumentReplyTo struct {
	ID            string         `json:"id"`
	DocumentID    string         `json:"documentId"`
	CommentID     string         `json:"commentId"`
	Content       string         `json:"content"`
	Plain         string         `json:"plain"`
	CreatedUserID int64          `json:"createdUserId"`
	Created       ts             `json:"created"`
	UpdatedUserID int64          `json:"updatedUserId"`
	Updated       ts             `json:"updated"`
	CreatedUser   *jsonLightUser `json:"createdUser"`
}

type jsonDocNode struct {
	ID       string         `json:"id"`
	Name     string         `json:"name"`
	Children []*jsonDocNode `json:"children"`
	StatusID int            `json:"statusId"`
	Emoji    string         `json:"emoji"`
	Updated  ts             `json:"updated"`
}

type jsonDocRoot struct {
	ID       string         `json:"id"`
	Children []*jsonDocNode `json:"children"`
}

type jsonDocTree struct {
	ProjectID  int64       `json:"projectId"`
	ActiveTree jsonDocRoot `json:"activeTree"`
	TrashTree  jsonDocRoot `json:"trashTree"`
}

// renderDocument renders a Document.
func (st *store) renderDocument(d *document) *jsonDocument {
	j := &jsonDocument{ID: d.ID, ProjectID: d.ProjectID, Title: d.Title, Plain: d.Plain, JSON: d.JSON,
		StatusID: d.StatusID, Emoji: d.Emoji, Attachments: st.renderAttachments(d.Attachments),
		Tags: renderTags(d.Tags), CreatedUser: st.renderKeywordUser(d.CreatedUser),
		Created: ts(d.Created), UpdatedUser: st.renderKeywordUser(d.UpdatedUser), Updated: ts(d.Updated)}
	return j
}

// renderDocumentWritten renders the add-/delete-document answer.
func renderDocumentWritten(d *document, deleted bool) *jsonDocumentWritten {
	j := &jsonDocumentWritten{ID: d.ID, ProjectID: d.ProjectID, Title: d.Title, JSON: json.RawMessage("null"),
		StatusID: d.StatusID, Emoji: d.Emoji, CreatedUserID: d.CreatedUser, Created: ts(d.Created),
		UpdatedUserID: d.UpdatedUser, Updated: ts(d.Updated)}
	if !deleted {
		j.JSON = json.RawMessage(d.JSON)
		pl := d.Plain
		j.Plain = &pl
	}
	return j
}

// renderDocumentComments renders a document's comments with their replies.
func (st *store) renderDocumentComments(d *document) []*jsonDocumentComment {
	out := make([]*jsonDocumentComment, 0, len(d.Comments))
	for _, c := range d.Comments {
		j := &jsonDocumentComment{ID: c.ID, DocumentID: d.ID, StatusID: c.StatusID, Content: c.Content,
			Plain: c.Plain, CommentType: "comment", CreatedUserID: c.CreatedUser, Created: ts(c.Created),
			UpdatedUserID: c.UpdatedUser, Updated: ts(c.Updated), CreatedUser: st.renderLightUser(c.CreatedUser),
			Replies: make([]*jsonDocumentReplyTo, 0, len(c.Replies))}
		for _, r := range c.Replies {
			j.Replies = append(j.Replies, &jsonDocumentReplyTo{ID: r.ID, DocumentID: d.ID, CommentID: c.ID,
				Content: r.Content, Plain: r.Plain, CreatedUserID: r.CreatedUser, Created: ts(r.Created),
				UpdatedUserID: r.UpdatedUser, Updated: ts(r.Updated), CreatedUser: st.renderLightUser(r.CreatedUser)})
		}
		out = append(out, j)
	}
	return out
}

type jsonRepository struct {
	ID           int64     `json:"id"`
	ProjectID    int64     `json:"projectId"`
	Name         string    `json:"name"`
	Description  string    `json:"description"`
	HookURL      *string   `json:"hookUrl"`
	HTTPURL      string    `json:"httpUrl"`
	SSHURL       string    `json:"sshUrl"`
	DisplayOrder int64     `json:"displayOrder"`
	PushedAt     *ts       `json:"pushedAt"`
	CreatedUser  *jsonUser `json:"createdUser"`
	Created      ts        `json:"created"`
	UpdatedUser  *jsonUser `json:"updatedUser"`
	Updated      ts        `json:"updated"`
}

type jsonPRStatus struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

type jsonPullRequest struct {
	ID           int64             `json:"id"`
	ProjectID    int64             `json:"projectId"`
	RepositoryID int64             `json:"repositoryId"`
	Number       int64             `json:"number"`
	Summary      string            `json:"summary"`
	Description  string            `json:"description"`
	Base         string            `json:"base"`
	Branch       string            `json:"branch"`
	Status       jsonPRStatus      `json:"status"`
	Assignee     *jsonUser         `json:"assignee"`
	Issue        json.RawMessage   `json:"issue"`
	BaseCommit   *string           `json:"baseCommit"`
	BranchCommit *string           `json:"branchCommit"`
	MergeCommit  *string           `json:"mergeCommit"`
	CloseAt      *ts               `json:"closeAt"`
	MergeAt      *ts               `json:"mergeAt"`
	CreatedUser  *jsonUser         `json:"createdUser"`
	Created      ts                `json:"created"`
	UpdatedUser  *jsonUser         `json:"updatedUser"`
	Updated      ts                `json:"updated"`
	Attachments  []*jsonAttachment `json:"attachments"`
	Stars        []*jsonStar       `json:"stars"`
}

type jsonPRComment struct {
	ID            int64                      `json:"id"`
	Content       string                     `json:"content"`
	ChangeLog     []*jsonPRChangeLog         `json:"changeLog"`
	CreatedUser   *jsonUser                  `json:"createdUser"`
	Created       ts                         `json:"created"`
	Updated       ts                         `json:"updated"`
	Stars         []*jsonStar                `json:"stars"`
	Notifications []*jsonCommentNotification `json:"notifications"`
}

type jsonPRChangeLog struct {
	Field         string  `json:"field"`
	NewValue      *string `json:"newValue"`
	OriginalValue *string `json:"originalValue"`
}

// gitURLs returns a repository's HTTP and SSH clone URLs:
// <WebURL>/git/KEY/name.git and <space>@<space>.git.<domain>:/KEY/name.git,
// the domain being the WebURL's host without the space key (backlog.com when
// the WebURL is not a Backlog-style host).
func (s *store) gitURLs(key, name string) (httpURL, sshURL string) {
	space := s.space.SpaceKey
	httpURL = s.webURL() + "/git/" + key + "/" + name + ".git"
	domain := "backlog.com"
	if u, err := url.Parse(s.webURL()); err == nil {
		if rest, ok := strings.CutPrefix(u.Hostname(), space+"."); ok && rest != "" {
			domain = rest
		}
	}
	sshURL = space + "@" + space + ".git." + domain + ":/" + key + "/" + name + ".git"
	return httpURL, sshURL
}

// renderRepository renders a Repository.
func (st *store) renderRepository(r *repository) *jsonRepository {
	key := ""
	if p := st.projects[r.ProjectID]; p != nil {
		key = p.Key
	}
	h, sh := st.gitURLs(key, r.Name)
	return &jsonRepository{ID: r.ID, ProjectID: r.ProjectID, Name: r.Name, Description: r.Description,
		HookURL: r.HookURL, HTTPURL: h, SSHURL: sh, DisplayOrder: r.DisplayOrder, PushedAt: tsp(r.PushedAt),
		CreatedUser: st.renderUser(r.CreatedUser), Created: ts(r.Created),
		UpdatedUser: st.renderUser(r.UpdatedUser), Updated: ts(r.Updated)}
}

// renderPullRequest renders a PullRequest; fullIssue embeds the linked
// issue as a full Issue (single GET and writes), otherwise as {id} (lists,
// as in the DOC list example).
func (st *store) renderPullRequest(pr *pullRequest, fullIssue bool) *jsonPullRequest {
	j := &jsonPullRequest{ID: pr.ID, ProjectID: pr.ProjectID, RepositoryID: pr.RepositoryID, Number: pr.Number,
		Summary: pr.Summary, Description: pr.Description, Base: pr.Base, Branch: pr.Branch,
		Status: jsonPRStatus{pr.StatusID, prStatusName(pr.StatusID)}, Assignee: st.renderUserp(pr.AssigneeID),
		Issue: json.RawMessage("null"), BaseCommit: pr.BaseCommit, BranchCommit: pr.BranchCommit,
		MergeCommit: pr.MergeCommit, CloseAt: tsp(pr.CloseAt), MergeAt: tsp(pr.MergeAt),
		CreatedUser: st.renderUser(pr.CreatedUser), Created: ts(pr.Created),
		UpdatedUser: st.renderUser(pr.UpdatedUser), Updated: ts(pr.Updated),
		Attachments: st.renderAttachments(pr.Attachments), Stars: st.renderStars(pr.Stars)}
	if pr.IssueID != nil {
		if is := st.issues[*pr.IssueID]; is != nil {
			if fullIssue {
				j.Issue = st.issueJSON(is)
			} else {
				j.Issue = json.RawMessage(`{"id":` + strconv.FormatInt(is.ID, 10) + `}`)
			}
		}
	}
	return j
}

// renderPullRequestComment renders a PullRequestComment.
func (st *store) renderPullRequestComment(c *pullRequestComment) *jsonPRComment {
	j := &jsonPRComment{ID: c.ID, Content: c.Content, ChangeLog: make([]*jsonPRChangeLog, 0, len(c.ChangeLog)),
		CreatedUser: st.renderUser(c.CreatedUser), Created: ts(c.Created), Updated: ts(c.Updated),
		Stars: st.renderStars(c.Stars), Notifications: st.renderCommentNotifications(c.Notifications)}
	for _, e := range c.ChangeLog {
		j.ChangeLog = append(j.ChangeLog, &jsonPRChangeLog{Field: e.Field, NewValue: e.NewValue, OriginalValue: e.OriginalValue})
	}
	return j
}

// documentTree builds the active and trash trees of a project. Children are
// ordered by their sibling position, then id.
func (st *store) documentTree(p *project) *jsonDocTree {
	var docs []*document
	for _, d := range st.docList {
		if d.ProjectID == p.ID {
			docs = append(docs, d)
		}
	}
	sort.SliceStable(docs, func(i, j int) bool {
		if docs[i].Seq != docs[j].Seq {
			return docs[i].Seq < docs[j].Seq
		}
		return docs[i].ID < docs[j].ID
	})
	byID := map[string]*document{}
	for _, d := range docs {
		byID[d.ID] = d
	}
	nodes := map[string]*jsonDocNode{}
	for _, d := range docs {
		n := &jsonDocNode{ID: d.ID, Name: d.Title, Children: []*jsonDocNode{}, StatusID: d.StatusID, Updated: ts(d.Updated)}
		if d.Emoji != nil {
			n.Emoji = *d.Emoji
		}
		nodes[d.ID] = n
	}
	t := &jsonDocTree{ProjectID: p.ID, ActiveTree: jsonDocRoot{ID: "Active", Children: []*jsonDocNode{}},
		TrashTree: jsonDocRoot{ID: "Trash", Children: []*jsonDocNode{}}}
	for _, d := range docs {
		par := byID[d.ParentID]
		switch {
		case par != nil && par.Trashed == d.Trashed:
			nodes[par.ID].Children = append(nodes[par.ID].Children, nodes[d.ID])
		case d.Trashed:
			t.TrashTree.Children = append(t.TrashTree.Children, nodes[d.ID])
		default:
			t.ActiveTree.Children = append(t.ActiveTree.Children, nodes[d.ID])
		}
	}
	return t
}

// wikiTags renders a page's tags.
func (st *store) wikiTags(w *wiki) []*jsonIDName {
	var tags []*wikiTag
	if p := st.projects[w.ProjectID]; p != nil {
		for _, id := range w.Tags {
			for _, t := range p.WikiTags {
				if t.ID == id {
					tags = append(tags, t)
				}
			}
		}
	}
	return renderTags(tags)
}
