package emulator

import (
	"slices"
	"time"
)

// Watch lists: watching issues, the watch note and its read state.

// addWatching makes actor watch an issue (POST /watchings).
func (s *store) addWatching(actor *user, at time.Time, is *issue, note string) (*watching, error) {
	for _, w := range s.watchList {
		if w.UserID == actor.ID && w.IssueID == is.ID {
			return nil, badRequest("You are already watching %s.", s.issueKey(is))
		}
	}
	w := &watching{ID: s.nextID("watching"), UserID: actor.ID, IssueID: is.ID, Note: note,
		ResourceAlreadyRead: true, LastContentUpdated: is.Updated, Created: at, Updated: at}
	s.watchings[w.ID] = w
	s.watchList = append(s.watchList, w)
	return w, nil
}

// updateWatching changes a watching's note.
func (s *store) updateWatching(actor *user, at time.Time, w *watching, note string) error {
	if w.UserID != actor.ID {
		return forbidden()
	}
	w.Note, w.Updated = note, at
	return nil
}

// deleteWatching stops watching.
func (s *store) deleteWatching(actor *user, at time.Time, w *watching) error {
	if w.UserID != actor.ID {
		return forbidden()
	}
	delete(s.watchings, w.ID)
	s.watchList = slices.DeleteFunc(s.watchList, func(x *watching) bool { return x == w })
	return nil
}

// markWatchingRead marks the watched issue as read.
func (s *store) markWatchingRead(actor *user, at time.Time, w *watching) error {
	if w.UserID != actor.ID {
		return forbidden()
	}
	w.ResourceAlreadyRead = true
	if is := s.issues[w.IssueID]; is != nil {
		w.LastContentUpdated = is.Updated
	}
	return nil
}

// watchingRead reports whether the watched issue is read.
func (s *store) watchingRead(w *watching) bool {
	is := s.issues[w.IssueID]
	return w.ResourceAlreadyRead && (is == nil || !is.Updated.After(w.LastContentUpdated))
}

// watchingVisible reports whether u may see w (its issue exists in a
// project u can see).
func (s *store) watchingVisible(u *user, w *watching) bool {
	is := s.issues[w.IssueID]
	if is == nil {
		return false
	}
	p := s.projects[is.ProjectID]
	return p != nil && s.canSee(u, p)
}

// watchingFilter is the filter of the watching list and count.
type watchingFilter struct {
	read     *bool
	issueIDs []int64
}

func (f watchingFilter) keep(s *store, w *watching) bool {
	if f.read != nil && s.watchingRead(w) != *f.read {
		return false
	}
	return len(f.issueIDs) == 0 || slices.Contains(f.issueIDs, w.IssueID)
}

// watchingsOf lists u's watchings visible to viewer that pass f.
func (s *store) watchingsOf(viewer, u *user, f watchingFilter) []*watching {
	var out []*watching
	for _, w := range s.watchList {
		if w.UserID == u.ID && s.watchingVisible(viewer, w) && f.keep(s, w) {
			out = append(out, w)
		}
	}
	return out
}
