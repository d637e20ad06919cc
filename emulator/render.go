package emulator

import (
	"bytes"
	"sync"
	"time"
)

// This file turns store objects into Backlog's JSON shapes (entities.md).
// Optional values render as explicit nulls, never omitted; timestamps are
// ISO-8601 UTC with second precision and a Z; calendar dates are midnight
// timestamps.

// ts is a timestamp rendered as "2006-01-02T15:04:05Z".
type ts time.Time

// MarshalJSON implements json.Marshaler.
func (t ts) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 22)
	b = append(b, '"')
	b = time.Time(t).UTC().AppendFormat(b, "2006-01-02T15:04:05Z")
	return append(b, '"'), nil
}

// tsp renders a nullable timestamp.
func tsp(t *time.Time) *ts {
	if t == nil {
		return nil
	}
	v := ts(*t)
	return &v
}

// tsz renders a timestamp that is null when zero.
func tsz(t time.Time) *ts {
	if t.IsZero() {
		return nil
	}
	v := ts(t)
	return &v
}

type jsonProject struct {
	ID                                int64  `json:"id"`
	ProjectKey                        string `json:"projectKey"`
	Name                              string `json:"name"`
	ChartEnabled                      bool   `json:"chartEnabled"`
	UseResolvedForChart               bool   `json:"useResolvedForChart"`
	SubtaskingEnabled                 bool   `json:"subtaskingEnabled"`
	ProjectLeaderCanEditProjectLeader bool   `json:"projectLeaderCanEditProjectLeader"`
	UseWiki                           bool   `json:"useWiki"`
	UseFileSharing                    bool   `json:"useFileSharing"`
	UseWikiTreeView                   bool   `json:"useWikiTreeView"`
	UseOriginalImageSizeAtWiki        bool   `json:"useOriginalImageSizeAtWiki"`
	UseSubversion                     bool   `json:"useSubversion"`
	UseGit                            bool   `json:"useGit"`
	TextFormattingRule                string `json:"textFormattingRule"`
	Archived                          bool   `json:"archived"`
	DisplayOrder                      int64  `json:"displayOrder"`
	UseDevAttributes                  bool   `json:"useDevAttributes"`
	UseDocument                       bool   `json:"useDocument"`
	GrandchildIssueEnabled            bool   `json:"grandchildIssueEnabled"`
}

func renderProject(p *project) *jsonProject {
	return &jsonProject{ID: p.ID, ProjectKey: p.Key, Name: p.Name, ChartEnabled: p.ChartEnabled,
		UseResolvedForChart: p.UseResolvedForChart, SubtaskingEnabled: p.SubtaskingEnabled,
		ProjectLeaderCanEditProjectLeader: p.ProjectLeaderCanEditProjectLeader, UseWiki: p.UseWiki,
		UseFileSharing: p.UseFileSharing, UseWikiTreeView: p.UseWikiTreeView,
		UseOriginalImageSizeAtWiki: p.UseOriginalImageSizeAtWiki, UseSubversion: p.UseSubversion,
		UseGit: p.UseGit, TextFormattingRule: p.TextFormattingRule, Archived: p.Archived,
		DisplayOrder: p.DisplayOrder, UseDevAttributes: p.UseDevAttributes, UseDocument: p.UseDocument,
		GrandchildIssueEnabled: p.GrandchildIssueEnabled}
}

type jsonIssueType struct {
	ID                  int64   `json:"id"`
	ProjectID           int64   `json:"projectId"`
	Name                string  `json:"name"`
	Color               string  `json:"color"`
	DisplayOrder        int64   `json:"displayOrder"`
	TemplateSummary     *string `json:"templateSummary"`
	TemplateDescription *string `json:"templateDescription"`
}

func renderIssueType(t *issueType) *jsonIssueType {
	return &jsonIssueType{ID: t.ID, ProjectID: t.ProjectID, Name: t.Name, Color: t.Color,
		DisplayOrder: t.DisplayOrder, TemplateSummary: t.TemplateSummary, TemplateDescription: t.TemplateDescription}
}

type jsonCategory struct {
	ID           int64  `json:"id"`
	ProjectID    int64  `json:"projectId"`
	Name         string `json:"name"`
	DisplayOrder int64  `json:"displayOrder"`
}

func renderCategory(c *category) *jsonCategory {
	return &jsonCategory{ID: c.ID, ProjectID: c.ProjectID, Name: c.Name, DisplayOrder: c.DisplayOrder}
}

type jsonVersion struct {
	ID             int64   `json:"id"`
	ProjectID      int64   `json:"projectId"`
	Name           string  `json:"name"`
	Description    *string `json:"description"`
	StartDate      *ts     `json:"startDate"`
	ReleaseDueDate *ts     `json:"releaseDueDate"`
	Archived       bool    `json:"archived"`
	DisplayOrder   int64   `json:"displayOrder"`
}

func renderVersion(v *version) *jsonVersion {
	d := v.Description
	return &jsonVersion{ID: v.ID, ProjectID: v.ProjectID, Name: v.Name, Description: &d,
		StartDate: tsp(v.StartDate), ReleaseDueDate: tsp(v.ReleaseDueDate), Archived: v.Archived,
		DisplayOrder: v.DisplayOrder}
}

type jsonStatus struct {
	ID           int64  `json:"id"`
	ProjectID    int64  `json:"projectId"`
	Name         string `json:"name"`
	Color        string `json:"color"`
	DisplayOrder int64  `json:"displayOrder"`
}

// builtinStatuses are the four statuses every project has (entities.md).
var builtinStatuses = []struct {
	ID       int64
	Ja, En   string
	Color    string
	Priority int64
}{
	{StatusOpen, "未対応", "Open", "#ed8077", 1000},
	{StatusInProgress, "処理中", "In Progress", "#4488c5", 2000},
	{StatusResolved, "処理済み", "Resolved", "#5eb5a6", 3000},
	{StatusClosed, "完了", "Closed", "#b0be3c", 4000},
}

// statusOf returns the status with the given id in project p (built-in or
// custom), or nil.
func (s *store) statusOf(p *project, id int64) *jsonStatus {
	for i, b := range builtinStatuses {
		if b.ID == id {
			name := b.En
			if s.space.Lang == "ja" {
				name = b.Ja
			}
			return &jsonStatus{ID: b.ID, ProjectID: p.ID, Name: name, Color: b.Color,
				DisplayOrder: s.statusDisplayOrder(p, id, int64(i+1)*1000)}
		}
	}
	for _, st := range p.Statuses {
		if st.ID == id {
			return &jsonStatus{ID: st.ID, ProjectID: p.ID, Name: st.Name, Color: st.Color,
				DisplayOrder: s.statusDisplayOrder(p, id, st.DisplayOrder)}
		}
	}
	return nil
}

// statusDisplayOrder returns a status's display order from the project's
// order list (1000, 2000, …), or def when the project has none.
func (s *store) statusDisplayOrder(p *project, id, def int64) int64 {
	for i, sid := range p.StatusOrder {
		if sid == id {
			return int64(i+1) * 1000
		}
	}
	return def
}

// projectStatuses lists a project's statuses in display order.
func (s *store) projectStatuses(p *project) []*jsonStatus {
	ids := p.StatusOrder
	if len(ids) == 0 {
		for _, b := range builtinStatuses {
			ids = append(ids, b.ID)
		}
	}
	out := make([]*jsonStatus, 0, len(ids))
	for _, id := range ids {
		if st := s.statusOf(p, id); st != nil {
			out = append(out, st)
		}
	}
	return out
}

type jsonIDName struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// priorities and resolutions are fixed space-wide.
var (
	priorities = []struct {
		ID     int64
		Ja, En string
	}{{2, "高", "High"}, {3, "中", "Normal"}, {4, "低", "Low"}}
	resolutions = []struct {
		ID     int64
		Ja, En string
	}{{0, "対応済み", "Fixed"}, {1, "対応しない", "Won't Fix"}, {2, "無効", "Invalid"}, {3, "重複", "Duplication"}, {4, "再現しない", "Cannot Reproduce"}}
)

func (s *store) priority(id int64) *jsonIDName {
	for _, p := range priorities {
		if p.ID == id {
			if s.space.Lang == "ja" {
				return &jsonIDName{p.ID, p.Ja}
			}
			return &jsonIDName{p.ID, p.En}
		}
	}
	return nil
}

func (s *store) resolution(id *int64) *jsonIDName {
	if id == nil {
		return nil
	}
	for _, r := range resolutions {
		if r.ID == *id {
			if s.space.Lang == "ja" {
				return &jsonIDName{r.ID, r.Ja}
			}
			return &jsonIDName{r.ID, r.En}
		}
	}
	return nil
}

type jsonAttachment struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Size        int64     `json:"size"`
	CreatedUser *jsonUser `json:"createdUser"`
	Created     ts        `json:"created"`
}

func (s *store) renderAttachments(list []*attachment) []*jsonAttachment {
	out := make([]*jsonAttachment, 0, len(list))
	for _, a := range list {
		out = append(out, &jsonAttachment{ID: a.ID, Name: a.Name, Size: a.Size,
			CreatedUser: s.renderUser(a.CreatedUser), Created: ts(a.Created)})
	}
	return out
}

type jsonSharedFile struct {
	ID          int64     `json:"id"`
	ProjectID   int64     `json:"projectId"`
	Type        string    `json:"type"`
	Dir         string    `json:"dir"`
	Name        string    `json:"name"`
	Size        int64     `json:"size"`
	CreatedUser *jsonUser `json:"createdUser"`
	Created     ts        `json:"created"`
	UpdatedUser *jsonUser `json:"updatedUser"`
	Updated     *ts       `json:"updated"`
}

func (s *store) renderSharedFile(f *sharedFile) *jsonSharedFile {
	j := &jsonSharedFile{ID: f.ID, ProjectID: f.ProjectID, Type: f.Type, Dir: f.Dir, Name: f.Name,
		Size: f.Size, CreatedUser: s.renderUser(f.CreatedUser), Created: ts(f.Created), Updated: tsz(f.Updated)}
	if f.UpdatedUser != 0 {
		j.UpdatedUser = s.renderUser(f.UpdatedUser)
	}
	return j
}

func (s *store) renderSharedFiles(ids []int64) []*jsonSharedFile {
	out := make([]*jsonSharedFile, 0, len(ids))
	for _, id := range ids {
		if f := s.sharedFiles[id]; f != nil {
			out = append(out, s.renderSharedFile(f))
		}
	}
	return out
}

type jsonStar struct {
	ID        int64     `json:"id"`
	Comment   *string   `json:"comment"`
	URL       string    `json:"url"`
	Title     string    `json:"title"`
	Presenter *jsonUser `json:"presenter"`
	Created   ts        `json:"created"`
}

func (s *store) renderStar(st *star) *jsonStar {
	return &jsonStar{ID: st.ID, Comment: st.Comment, URL: st.URL, Title: st.Title,
		Presenter: s.renderUser(st.Presenter), Created: ts(st.Created)}
}

func (s *store) renderStars(list []*star) []*jsonStar {
	return renderAll(list, s.renderStar)
}

type jsonListItem struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	DisplayOrder int64  `json:"displayOrder"`
}

// customFieldByID finds a field definition in a project.
func customFieldByID(p *project, id int64) *customField {
	for _, f := range p.CustomFields {
		if f.ID == id {
			return f
		}
	}
	return nil
}

func listItemByID(f *customField, id int64) *listItem {
	for _, it := range f.Items {
		if it.ID == id {
			return it
		}
	}
	return nil
}

// fieldApplies reports whether a custom field applies to an issue type.
func fieldApplies(f *customField, issueTypeID int64) bool {
	if len(f.ApplicableIssueTypes) == 0 {
		return true
	}
	for _, id := range f.ApplicableIssueTypes {
		if id == issueTypeID {
			return true
		}
	}
	return false
}

func findIssueType(p *project, id int64) *issueType {
	for _, t := range p.IssueTypes {
		if t.ID == id {
			return t
		}
	}
	return nil
}

func findCategory(p *project, id int64) *category {
	for _, c := range p.Categories {
		if c.ID == id {
			return c
		}
	}
	return nil
}

func findVersion(p *project, id int64) *version {
	for _, v := range p.Versions {
		if v.ID == id {
			return v
		}
	}
	return nil
}

// issueJSON returns the Issue JSON, from the per-issue cache when it is still
// valid. Safe under the read lock: the cache is an atomic pointer.
func (s *store) issueJSON(is *issue) []byte {
	if data := s.cachedIssueJSON(is); data != nil {
		return data
	}
	bp := renderBufs.Get().(*[]byte)
	w := jw{b: (*bp)[:0]}
	s.appendIssue(&w, is)
	data := s.keepIssueJSON(is, w.b)
	*bp = w.b
	renderBufs.Put(bp)
	return data
}

// cachedIssueJSON returns is's cached rendering, or nil.
func (s *store) cachedIssueJSON(is *issue) []byte {
	if c := is.json.Load(); c != nil && c.epoch == s.epoch.Load() {
		return c.data
	}
	return nil
}

// keepIssueJSON caches an exact-size copy of data as is's rendering and
// returns it. Renderings happen under the store's lock, so the epoch read
// here is the one the rendering saw.
func (s *store) keepIssueJSON(is *issue, data []byte) []byte {
	kept := bytes.Clone(data)
	is.json.Store(&renderCache{epoch: s.epoch.Load(), data: kept})
	return kept
}

// renderBufs holds scratch buffers for rendering one object.
var renderBufs = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// pageBufs holds buffers for whole list responses; see withPage.
var pageBufs = sync.Pool{New: func() any { b := make([]byte, 0, 256<<10); return &b }}

// maxPooledPage bounds the buffers kept in pageBufs.
const maxPooledPage = 4 << 20

// withPage calls write with a pooled buffer holding render's output; the
// buffer is reused once write returns, so write must not keep it (c.raw
// writes it to the connection before returning).
func withPage(render func([]byte) []byte, write func([]byte) error) error {
	bp := pageBufs.Get().(*[]byte)
	b := render((*bp)[:0])
	err := write(b)
	if cap(b) <= maxPooledPage {
		*bp = b
		pageBufs.Put(bp)
	}
	return err
}

// appendIssuesJSON appends a JSON array of issues to buf: cached renderings
// are copied, the others are rendered in place and not cached. Caching
// every issue of a first load would touch hundreds of megabytes of fresh
// memory (260 MB for 100,000 issues), which costs more than rendering an
// issue again (about 5 µs) when it is read again.
func (s *store) appendIssuesJSON(buf []byte, list []*issue) []byte {
	buf = append(buf, '[')
	for i, is := range list {
		if i > 0 {
			buf = append(buf, ',')
		}
		if data := s.cachedIssueJSON(is); data != nil {
			buf = append(buf, data...)
			continue
		}
		w := jw{b: buf}
		s.appendIssue(&w, is)
		buf = w.b
	}
	return append(buf, ']')
}

type jsonChangeLog struct {
	Field            string               `json:"field"`
	NewValue         *string              `json:"newValue"`
	OriginalValue    *string              `json:"originalValue"`
	AttachmentInfo   *jsonIDName          `json:"attachmentInfo"`
	AttributeInfo    *jsonAttributeInfo   `json:"attributeInfo"`
	NotificationInfo *jsonNotificationInf `json:"notificationInfo"`
}

type jsonAttributeInfo struct {
	ID     int64 `json:"id"`
	TypeID int   `json:"typeId"`
}

type jsonNotificationInf struct {
	Type string `json:"type"`
}

func renderChangeLog(list []changeLogEntry) []*jsonChangeLog {
	if list == nil {
		return nil
	}
	out := make([]*jsonChangeLog, 0, len(list))
	for _, e := range list {
		j := &jsonChangeLog{Field: e.Field, NewValue: e.NewValue, OriginalValue: e.OriginalValue}
		if e.AttachmentInfo != nil {
			j.AttachmentInfo = &jsonIDName{e.AttachmentInfo.ID, e.AttachmentInfo.Name}
		}
		if e.AttributeInfo != nil {
			j.AttributeInfo = &jsonAttributeInfo{e.AttributeInfo.ID, e.AttributeInfo.TypeID}
		}
		if e.NotificationInfo != nil {
			j.NotificationInfo = &jsonNotificationInf{e.NotificationInfo.Type}
		}
		out = append(out, j)
	}
	return out
}

type jsonCommentNotification struct {
	ID                  int64     `json:"id"`
	AlreadyRead         bool      `json:"alreadyRead"`
	Reason              int       `json:"reason"`
	User                *jsonUser `json:"user"`
	ResourceAlreadyRead bool      `json:"resourceAlreadyRead"`
}

func (s *store) renderCommentNotifications(list []*commentNotification) []*jsonCommentNotification {
	out := make([]*jsonCommentNotification, 0, len(list))
	for _, n := range list {
		out = append(out, &jsonCommentNotification{ID: n.ID, AlreadyRead: n.AlreadyRead, Reason: n.Reason,
			User: s.renderUser(n.UserID), ResourceAlreadyRead: n.ResourceAlreadyRead})
	}
	return out
}

type jsonComment struct {
	ID            int64                      `json:"id"`
	ProjectID     int64                      `json:"projectId"`
	IssueID       int64                      `json:"issueId"`
	Content       *string                    `json:"content"`
	ChangeLog     []*jsonChangeLog           `json:"changeLog"`
	CreatedUser   *jsonUser                  `json:"createdUser"`
	Created       ts                         `json:"created"`
	Updated       ts                         `json:"updated"`
	Stars         []*jsonStar                `json:"stars"`
	Notifications []*jsonCommentNotification `json:"notifications"`
}

func (s *store) renderComment(c *comment) *jsonComment {
	return &jsonComment{ID: c.ID, ProjectID: c.ProjectID, IssueID: c.IssueID, Content: c.Content,
		ChangeLog: renderChangeLog(c.ChangeLog), CreatedUser: s.renderUser(c.CreatedUser),
		Created: ts(c.Created), Updated: ts(c.Updated), Stars: s.renderStars(c.Stars),
		Notifications: s.renderCommentNotifications(c.Notifications)}
}

type jsonTeam struct {
	ID           int64       `json:"id"`
	Name         string      `json:"name"`
	Members      []*jsonUser `json:"members"`
	DisplayOrder *int64      `json:"displayOrder"`
	CreatedUser  *jsonUser   `json:"createdUser"`
	Created      ts          `json:"created"`
	UpdatedUser  *jsonUser   `json:"updatedUser"`
	Updated      ts          `json:"updated"`
}

func (s *store) renderTeam(t *team) *jsonTeam {
	j := &jsonTeam{ID: t.ID, Name: t.Name, Members: []*jsonUser{}, DisplayOrder: t.DisplayOrder,
		CreatedUser: s.renderUser(t.CreatedUser), Created: ts(t.Created),
		UpdatedUser: s.renderUser(t.UpdatedUser), Updated: ts(t.Updated)}
	for _, id := range t.Members {
		if u := s.renderUser(id); u != nil {
			j.Members = append(j.Members, u)
		}
	}
	return j
}

// renderTags renders wiki and document tags as {id, name}, always as an
// array.
func renderTags(tags []*wikiTag) []*jsonIDName {
	return renderAll(tags, func(t *wikiTag) *jsonIDName { return &jsonIDName{t.ID, t.Name} })
}

// renderAll renders every element of items with render, always as a JSON
// array (never null).
func renderAll[T, J any](items []T, render func(T) J) []J {
	out := make([]J, 0, len(items))
	for _, x := range items {
		out = append(out, render(x))
	}
	return out
}
