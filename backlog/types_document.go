package backlog

import "time"

// Document is a project document. Document ids are 32-character hex strings.
type Document struct {
	ID               string        `json:"id"`
	ProjectID        int64         `json:"projectId"`
	Title            string        `json:"title"`
	Plain            string        `json:"plain"` // plain-text body
	JSON             string        `json:"json"`  // rich-text body as a JSON string
	StatusID         int64         `json:"statusId"`
	Emoji            *string       `json:"emoji"`
	Attachments      []*Attachment `json:"attachments"`
	Tags             []*WikiTag    `json:"tags"`
	ChildDocumentIDs []string      `json:"childDocumentIds,omitempty"`
	CreatedUser      *User         `json:"createdUser"`
	Created          time.Time     `json:"created"`
	UpdatedUser      *User         `json:"updatedUser"`
	Updated          time.Time     `json:"updated"`

	Extra Extra `json:"-"` // members this struct does not know
}

var documentFields = fieldsOf[Document]()

// UnmarshalJSON decodes a document and keeps unknown members in Extra.
func (d *Document) UnmarshalJSON(data []byte) error {
	type plain Document
	return decodeWithExtra(data, (*plain)(d), documentFields, &d.Extra)
}

// DocumentTree is a project's document tree: live documents and the trash.
type DocumentTree struct {
	ProjectID  int64         `json:"projectId"`
	ActiveTree *DocumentNode `json:"activeTree"` // ID "Active"
	TrashTree  *DocumentNode `json:"trashTree"`  // ID "Trash"
}

// DocumentNode is a node of a DocumentTree.
type DocumentNode struct {
	ID        string          `json:"id"`
	Name      string          `json:"name,omitempty"`
	Children  []*DocumentNode `json:"children"`
	StatusID  *int64          `json:"statusId,omitempty"`
	Emoji     *string         `json:"emoji,omitempty"`
	EmojiType *string         `json:"emojiType,omitempty"`
	Updated   *time.Time      `json:"updated,omitempty"`
}

// DocumentUser is the light user shape inside document comments.
type DocumentUser struct {
	ID          int64    `json:"id"`
	UserID      *string  `json:"userId"`
	UniqueID    string   `json:"uniqueId"`
	Name        string   `json:"name"`
	MailAddress string   `json:"mailAddress"`
	RoleType    RoleType `json:"roleType"`
	Lang        *string  `json:"lang"`
	Icon        string   `json:"icon"`
}

// DocumentComment is a comment on a document with its replies.
type DocumentComment struct {
	ID            string           `json:"id"`
	DocumentID    string           `json:"documentId"`
	StatusID      int64            `json:"statusId"`
	Content       string           `json:"content"` // rich-text JSON string
	Plain         string           `json:"plain"`
	CommentType   string           `json:"commentType"`
	CreatedUserID int64            `json:"createdUserId"`
	Created       time.Time        `json:"created"`
	UpdatedUserID int64            `json:"updatedUserId"`
	Updated       time.Time        `json:"updated"`
	CreatedUser   *DocumentUser    `json:"createdUser"`
	Replies       []*DocumentReply `json:"replies"`
}

// DocumentReply is a reply to a document comment.
type DocumentReply struct {
	ID            string        `json:"id"`
	DocumentID    string        `json:"documentId"`
	CommentID     string        `json:"commentId"`
	Content       string        `json:"content"`
	Plain         string        `json:"plain"`
	CreatedUserID int64         `json:"createdUserId"`
	Created       time.Time     `json:"created"`
	UpdatedUserID int64         `json:"updatedUserId"`
	Updated       time.Time     `json:"updated"`
	CreatedUser   *DocumentUser `json:"createdUser"`
}
