package emulator

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// ------------------------------------------------------------ documents

// documentInput carries add-document parameters.
type documentInput struct {
	ProjectID int64
	Title     string
	Content   string // Markdown
	Emoji     *string
	ParentID  string
	AddLast   bool
}

// docActivity is the {id, title} content of activities 36–46.
func docActivity(d *document) actDocument { return actDocument{ID: d.ID, Title: d.Title} }

// newDocument validates in and builds a document placed in the tree (not
// yet recorded as an activity).
func (s *store) newDocument(actor *user, at time.Time, in *documentInput) (*document, error) {
	p := s.projects[in.ProjectID]
	if p == nil {
		return nil, notFound("project")
	}
	if in.ParentID != "" {
		par := s.documents[in.ParentID]
		if par == nil || par.ProjectID != p.ID || par.Trashed {
			return nil, badRequest("Invalid parentId: no document %q in this project.", in.ParentID)
		}
	}
	js, plain := markdownDoc(in.Content)
	d := &document{ID: s.nextHexID("document", at), ProjectID: p.ID, Title: in.Title, Plain: plain, JSON: js,
		StatusID: 1, Emoji: in.Emoji, ParentID: in.ParentID, CreatedUser: actor.ID, Created: at,
		UpdatedUser: actor.ID, Updated: at}
	// Sibling position: first by default, last with addLast.
	lo, hi, found := int64(0), int64(0), false
	for _, x := range s.docList {
		if x.ProjectID == p.ID && x.ParentID == in.ParentID && !x.Trashed {
			if !found || x.Seq < lo {
				lo = x.Seq
			}
			if !found || x.Seq > hi {
				hi = x.Seq
			}
			found = true
		}
	}
	switch {
	case !found:
		d.Seq = 0
	case in.AddLast:
		d.Seq = hi + 1
	default:
		d.Seq = lo - 1
	}
	s.documents[d.ID] = d
	s.docList = append(s.docList, d)
	return d, nil
}

// createDocument adds a document (activity 36).
func (s *store) createDocument(actor *user, at time.Time, in *documentInput) (*document, error) {
	d, err := s.newDocument(actor, at, in)
	if err != nil {
		return nil, err
	}
	s.addActivity(d.ProjectID, ActDocumentCreated, actor, at, docActivity(d))
	return d, nil
}

// createDocuments adds several documents of one project at once (activity
// 48 with {documents:[{id,title}]}).
func (s *store) createDocuments(actor *user, at time.Time, ins []*documentInput) ([]*document, error) {
	if len(ins) == 0 {
		return nil, badRequest("No documents to create.")
	}
	pid := ins[0].ProjectID
	for _, in := range ins {
		if in.ProjectID != pid {
			return nil, badRequest("Bulk-created documents must belong to one project.")
		}
	}
	out := make([]*document, 0, len(ins))
	refs := make([]actDocument, 0, len(ins))
	for _, in := range ins {
		d, err := s.newDocument(actor, at, in)
		if err != nil {
			return out, err
		}
		out = append(out, d)
		refs = append(refs, docActivity(d))
	}
	s.addActivity(pid, ActDocumentsBulkCreated, actor, at, map[string]any{"documents": refs})
	return out, nil
}

// updateDocument changes a document's title (activity 38) and/or content
// (activity 39).
func (s *store) updateDocument(actor *user, at time.Time, d *document, title, content *string) error {
	if d.Trashed {
		return notFound("document")
	}
	if title != nil && *title != d.Title {
		d.Title = *title
		d.UpdatedUser, d.Updated = actor.ID, at
		s.addActivity(d.ProjectID, ActDocumentTitleUpdated, actor, at, docActivity(d))
	}
	if content != nil {
		d.JSON, d.Plain = markdownDoc(*content)
		d.UpdatedUser, d.Updated = actor.ID, at
		s.addActivity(d.ProjectID, ActDocumentUpdated, actor, at, docActivity(d))
	}
	return nil
}

// deleteDocument moves a document and its descendants to the trash tree
// (activity 37 per document).
func (s *store) deleteDocument(actor *user, at time.Time, d *document) error {
	if d.Trashed {
		return notFound("document")
	}
	var trash func(x *document)
	trash = func(x *document) {
		x.Trashed = true
		x.UpdatedUser, x.Updated = actor.ID, at
		s.addActivity(x.ProjectID, ActDocumentDeleted, actor, at, docActivity(x))
		for _, c := range s.docList {
			if c.ParentID == x.ID && !c.Trashed {
				trash(c)
			}
		}
	}
	trash(d)
	return nil
}

// findDocumentComment finds a comment or reply of d by id.
func findDocumentComment(d *document, id string) *documentComment {
	for _, c := range d.Comments {
		if c.ID == id {
			return c
		}
		for _, r := range c.Replies {
			if r.ID == id {
				return r
			}
		}
	}
	return nil
}

// addDocumentComment adds a comment (activity 40) or, with replyTo set, a
// reply to a comment (activity 43).
func (s *store) addDocumentComment(actor *user, at time.Time, d *document, content, replyTo string) (*documentComment, error) {
	if strings.TrimSpace(content) == "" {
		return nil, badRequest("Missing required parameter: content.")
	}
	js, plain := markdownDoc(content)
	c := &documentComment{ID: s.nextHexID("doccomment", at), DocumentID: d.ID, Content: js, Plain: plain,
		CreatedUser: actor.ID, Created: at, UpdatedUser: actor.ID, Updated: at}
	typ := ActDocumentCommentCreated
	if replyTo != "" {
		parent := findDocumentComment(d, replyTo)
		if parent == nil || parent.CommentID != "" {
			return nil, notFound("comment")
		}
		c.CommentID = parent.ID
		parent.Replies = append(parent.Replies, c)
		typ = ActDocumentReplyCreated
	} else {
		d.Comments = append(d.Comments, c)
	}
	s.addActivity(d.ProjectID, typ, actor, at, docActivity(d))
	return c, nil
}

// updateDocumentComment changes a comment's or reply's text (activity 41 / 44).
func (s *store) updateDocumentComment(actor *user, at time.Time, d *document, c *documentComment, content string) error {
	if strings.TrimSpace(content) == "" {
		return badRequest("Missing required parameter: content.")
	}
	c.Content, c.Plain = markdownDoc(content)
	c.UpdatedUser, c.Updated = actor.ID, at
	typ := ActDocumentCommentUpdated
	if c.CommentID != "" {
		typ = ActDocumentReplyUpdated
	}
	s.addActivity(d.ProjectID, typ, actor, at, docActivity(d))
	return nil
}

// deleteDocumentComment removes a comment with its replies (activity 42) or
// one reply (activity 45).
func (s *store) deleteDocumentComment(actor *user, at time.Time, d *document, c *documentComment) error {
	if c.CommentID == "" {
		for i, x := range d.Comments {
			if x == c {
				d.Comments = append(d.Comments[:i:i], d.Comments[i+1:]...)
				s.addActivity(d.ProjectID, ActDocumentCommentDeleted, actor, at, docActivity(d))
				return nil
			}
		}
		return notFound("comment")
	}
	parent := findDocumentComment(d, c.CommentID)
	if parent != nil {
		for i, x := range parent.Replies {
			if x == c {
				parent.Replies = append(parent.Replies[:i:i], parent.Replies[i+1:]...)
				s.addActivity(d.ProjectID, ActDocumentReplyDeleted, actor, at, docActivity(d))
				return nil
			}
		}
	}
	return notFound("comment")
}

// addDocumentAttachments attaches uploads to a document (activity 46).
func (s *store) addDocumentAttachments(actor *user, at time.Time, d *document, uploadIDs []int64) ([]*attachment, error) {
	list, err := s.takeContentUploads(actor, at, uploadIDs)
	if err != nil {
		return nil, err
	}
	d.Attachments = append(d.Attachments, list...)
	d.UpdatedUser, d.Updated = actor.ID, at
	s.addActivity(d.ProjectID, ActDocumentAttachmentAdded, actor, at, docActivity(d))
	return list, nil
}

// documentTag returns the project's document tag with the name, creating
// it. Document tags share the wiki-tag id sequence; a name maps to one id
// within a project.
func (s *store) documentTag(projectID int64, name string) *wikiTag {
	for _, d := range s.docList {
		if d.ProjectID == projectID {
			for _, t := range d.Tags {
				if t.Name == name {
					return t
				}
			}
		}
	}
	return &wikiTag{ID: s.nextID("wikitag"), Name: name}
}

// addDocumentTags adds tags by name (idempotent) and returns them.
func (s *store) addDocumentTags(d *document, names []string) []*wikiTag {
	out := make([]*wikiTag, 0, len(names))
	for _, n := range names {
		if n = strings.TrimSpace(n); n == "" {
			continue
		}
		var t *wikiTag
		for _, x := range d.Tags {
			if x.Name == n {
				t = x
			}
		}
		if t == nil {
			t = s.documentTag(d.ProjectID, n)
			d.Tags = append(d.Tags, t)
		}
		out = append(out, t)
	}
	return out
}

// removeDocumentTags removes tags by name; unknown names are ignored.
func (s *store) removeDocumentTags(d *document, names []string) {
	drop := map[string]bool{}
	for _, n := range names {
		drop[strings.TrimSpace(n)] = true
	}
	kept := d.Tags[:0:0]
	for _, t := range d.Tags {
		if !drop[t.Name] {
			kept = append(kept, t)
		}
	}
	d.Tags = kept
}

// pmNode is a node of the ProseMirror-like rich-text JSON of documents.
type pmNode struct {
	Type    string         `json:"type"`
	Attrs   map[string]any `json:"attrs,omitempty"`
	Content []*pmNode      `json:"content,omitempty"`
	Text    string         `json:"text,omitempty"`
}

// markdownDoc converts Markdown to the rich-text JSON string documents and
// document comments carry ("json"/"content") and their plain text: headings
// ("# x") become heading nodes, list items and other non-empty lines
// paragraphs, blank lines separate paragraphs.
func markdownDoc(md string) (jsonText, plain string) {
	doc := &pmNode{Type: "doc", Content: []*pmNode{}}
	var plainLines []string
	var para []string
	flush := func() {
		if len(para) == 0 {
			return
		}
		text := strings.Join(para, "\n")
		doc.Content = append(doc.Content, &pmNode{Type: "paragraph", Content: []*pmNode{{Type: "text", Text: text}}})
		plainLines = append(plainLines, text)
		para = nil
	}
	for _, line := range strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n") {
		t := strings.TrimSpace(line)
		if t == "" {
			flush()
			continue
		}
		level := 0
		for level < len(t) && level < 6 && t[level] == '#' {
			level++
		}
		if level > 0 && level < len(t) && t[level] == ' ' {
			flush()
			text := strings.TrimSpace(t[level:])
			sum := sha1.Sum([]byte(strconv.Itoa(len(doc.Content)) + text))
			doc.Content = append(doc.Content, &pmNode{Type: "heading",
				Attrs:   map[string]any{"id": hex.EncodeToString(sum[:])[:3], "level": level},
				Content: []*pmNode{{Type: "text", Text: text}}})
			plainLines = append(plainLines, text)
			continue
		}
		para = append(para, t)
	}
	flush()
	if len(doc.Content) == 0 {
		doc.Content = append(doc.Content, &pmNode{Type: "paragraph"})
	}
	data, _ := json.Marshal(doc)
	return string(data), strings.Join(plainLines, "\n")
}
