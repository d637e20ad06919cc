package emulator

import (
	"strings"
	"time"
)

// ---------------------------------------------------------------- wikis

// wikiTagByName returns p's wiki tag with the name, creating it when create
// is set.
func (s *store) wikiTagByName(p *project, name string, create bool) *wikiTag {
	for _, t := range p.WikiTags {
		if t.Name == name {
			return t
		}
	}
	if !create {
		return nil
	}
	t := &wikiTag{ID: s.nextID("wikitag"), Name: name}
	p.WikiTags = append(p.WikiTags, t)
	return t
}

// wikiActivity builds the content of activities 5–7.
func (s *store) wikiActivity(w *wiki, diff *string) actWiki {
	a := actWiki{ID: w.ID, Name: w.Name, Content: w.Content, Diff: diff,
		Attachments: []actContentAttachment{}, SharedFiles: s.actSharedFiles(w.SharedFileIDs)}
	if n := len(w.History); n > 0 {
		a.Version = w.History[n-1].Version
	}
	for _, at := range w.Attachments {
		a.Attachments = append(a.Attachments, actContentAttachment{at.ID, at.Name, at.Size})
	}
	return a
}

// actSharedFiles renders the shared files linked to an issue or wiki page
// for an activity's content (shared_files).
func (s *store) actSharedFiles(ids []int64) []actFileRef {
	out := make([]actFileRef, 0, len(ids))
	for _, id := range ids {
		if f := s.sharedFiles[id]; f != nil {
			out = append(out, actFileRef{f.ID, f.Dir, f.Name, f.Size})
		}
	}
	return out
}

// wikiNameTaken reports whether another page of the project has the name.
func (s *store) wikiNameTaken(projectID int64, name string, except int64) bool {
	for _, w := range s.wikiList {
		if w.ProjectID == projectID && w.Name == name && w.ID != except {
			return true
		}
	}
	return false
}

// createWiki adds a wiki page (activity 5); tags are created on demand.
func (s *store) createWiki(actor *user, at time.Time, p *project, name, content string, tags []string) (*wiki, error) {
	if strings.TrimSpace(name) == "" {
		return nil, badRequest("Missing required parameter: name.")
	}
	if s.wikiNameTaken(p.ID, name, 0) {
		return nil, badRequest("A wiki page named %q already exists in this project.", name)
	}
	w := &wiki{ID: s.nextID("wiki"), ProjectID: p.ID, Name: name, Content: content,
		CreatedUser: actor.ID, Created: at, UpdatedUser: actor.ID, Updated: at}
	for _, tn := range tags {
		if tn = strings.TrimSpace(tn); tn != "" {
			t := s.wikiTagByName(p, tn, true)
			if !ctContains(w.Tags, t.ID) {
				w.Tags = append(w.Tags, t.ID)
			}
		}
	}
	w.History = []*wikiHistory{{Version: 1, Name: name, Content: content, CreatedUser: actor.ID, Created: at}}
	s.wikis[w.ID] = w
	s.wikiList = append(s.wikiList, w)
	s.addActivity(p.ID, ActWikiCreated, actor, at, s.wikiActivity(w, nil))
	return w, nil
}

// updateWiki changes a wiki page's name and/or content, adding a history
// version (activity 6).
func (s *store) updateWiki(actor *user, at time.Time, w *wiki, name, content *string) error {
	if name != nil {
		if strings.TrimSpace(*name) == "" {
			return badRequest("Invalid name: must not be empty.")
		}
		if s.wikiNameTaken(w.ProjectID, *name, w.ID) {
			return badRequest("A wiki page named %q already exists in this project.", *name)
		}
	}
	old := w.Content
	if name != nil {
		w.Name = *name
	}
	if content != nil {
		w.Content = *content
	}
	w.UpdatedUser, w.Updated = actor.ID, at
	next := int64(1)
	if n := len(w.History); n > 0 {
		next = w.History[n-1].Version + 1
	}
	w.History = append(w.History, &wikiHistory{Version: next, Name: w.Name, Content: w.Content, CreatedUser: actor.ID, Created: at})
	d := lineDiff(old, w.Content)
	s.addActivity(w.ProjectID, ActWikiUpdated, actor, at, s.wikiActivity(w, &d))
	return nil
}

// deleteWiki removes a wiki page (activity 7).
func (s *store) deleteWiki(actor *user, at time.Time, w *wiki) error {
	if s.wikis[w.ID] != w {
		return notFound("wiki")
	}
	delete(s.wikis, w.ID)
	for i, x := range s.wikiList {
		if x == w {
			s.wikiList = append(s.wikiList[:i:i], s.wikiList[i+1:]...)
			break
		}
	}
	for _, st := range w.Stars {
		delete(s.stars, st.ID)
	}
	for uid, list := range s.recentWikis {
		out := list[:0:0]
		for _, rv := range list {
			if rv.ID != w.ID {
				out = append(out, rv)
			}
		}
		s.recentWikis[uid] = out
	}
	s.addActivity(w.ProjectID, ActWikiDeleted, actor, at, s.wikiActivity(w, nil))
	return nil
}

// addWikiAttachments attaches uploads to a wiki page and returns the new
// attachments.
func (s *store) addWikiAttachments(actor *user, at time.Time, w *wiki, uploadIDs []int64) ([]*attachment, error) {
	list, err := s.takeContentUploads(actor, at, uploadIDs)
	if err != nil {
		return nil, err
	}
	w.Attachments = append(w.Attachments, list...)
	w.UpdatedUser, w.Updated = actor.ID, at
	return list, nil
}

// lineDiff renders a compact line diff of two texts ("- old" / "+ new"
// lines), the kind of text Backlog shows in a wiki update's "diff".
func lineDiff(a, b string) string {
	if a == b {
		return ""
	}
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	// Trim the common prefix and suffix; diff the middle with an LCS table
	// when it is small, otherwise replace it whole.
	p := 0
	for p < len(al) && p < len(bl) && al[p] == bl[p] {
		p++
	}
	q := 0
	for q < len(al)-p && q < len(bl)-p && al[len(al)-1-q] == bl[len(bl)-1-q] {
		q++
	}
	am, bm := al[p:len(al)-q], bl[p:len(bl)-q]
	var sb strings.Builder
	if len(am)*len(bm) > 1<<20 {
		for _, l := range am {
			sb.WriteString("- " + l + "\n")
		}
		for _, l := range bm {
			sb.WriteString("+ " + l + "\n")
		}
		return strings.TrimSuffix(sb.String(), "\n")
	}
	n, m := len(am), len(bm)
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if am[i] == bm[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && am[i] == bm[j]:
			i, j = i+1, j+1
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			sb.WriteString("- " + am[i] + "\n")
			i++
		default:
			sb.WriteString("+ " + bm[j] + "\n")
			j++
		}
	}
	return strings.TrimSuffix(sb.String(), "\n")
}
