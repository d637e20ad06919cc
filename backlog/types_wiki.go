package backlog

import "time"

// Wiki is a wiki page. List results (GET /wikis) carry no Content,
// Attachments, SharedFiles or Stars; GET /wikis/:id carries all.
type Wiki struct {
	ID          int64         `json:"id"`
	ProjectID   int64         `json:"projectId"`
	Name        string        `json:"name"` // page path; "/" separates tree levels
	Content     string        `json:"content"`
	Tags        []*WikiTag    `json:"tags"`
	Attachments []*Attachment `json:"attachments"`
	SharedFiles []*SharedFile `json:"sharedFiles"`
	Stars       []*Star       `json:"stars"`
	CreatedUser *User         `json:"createdUser"`
	Created     time.Time     `json:"created"`
	UpdatedUser *User         `json:"updatedUser"`
	Updated     time.Time     `json:"updated"`

	Extra Extra `json:"-"` // members this struct does not know
}

var wikiFields = fieldsOf[Wiki]()

// UnmarshalJSON decodes a wiki page and keeps unknown members in Extra.
func (w *Wiki) UnmarshalJSON(data []byte) error {
	type plain Wiki
	return decodeWithExtra(data, (*plain)(w), wikiFields, &w.Extra)
}

// WikiTag is a wiki page tag.
type WikiTag struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// WikiHistory is one version of a wiki page. It has no id of its own; the
// history cursor runs over Version.
type WikiHistory struct {
	PageID      int64     `json:"pageId"`
	Version     int64     `json:"version"`
	Name        string    `json:"name"`
	Content     string    `json:"content"`
	CreatedUser *User     `json:"createdUser"`
	Created     time.Time `json:"created"`
}

// RecentlyViewedWiki is an entry of the caller's recently viewed wiki pages.
type RecentlyViewedWiki struct {
	Page    *Wiki     `json:"page"`
	Updated time.Time `json:"updated"`
}
