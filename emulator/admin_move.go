package emulator

import (
	"net/http"
	"strconv"
)

// Moving an issue to another project, which Backlog offers only in its web
// UI: Server.MoveIssue for tests in process, POST /_emulator/issues/move for
// clients in other processes. The semantics are store.moveIssue's (see
// store_issues_move.go).

// MoveIssue moves the issue issueIDOrKey ("123" or "BLG-1") to the project
// projectIDOrKey as the space owner would in Backlog's web UI, at the
// server's clock, and returns the issue's new key; what a move changes is
// store.moveIssue's doc comment.
func (s *Server) MoveIssue(issueIDOrKey, projectIDOrKey string) (string, error) {
	st, at, release := s.churnStore()
	defer release()
	st.mu.Lock()
	defer st.mu.Unlock()
	at = st.afterLastActivity(at)
	is := st.issueByIDOrKey(issueIDOrKey)
	if is == nil {
		return "", notFound("issue")
	}
	to := st.projectByIDOrKey(projectIDOrKey)
	if err := st.moveIssue(st.users[st.space.OwnerID], at, is, to); err != nil {
		return "", err
	}
	st.space.Updated = at
	return to.Key + "-" + strconv.FormatInt(is.KeyID, 10), nil
}

// adminMoveIssue serves POST /_emulator/issues/move {"issue": "BLG-1" or
// "123", "project": "DST" or "10002"} → {"issueKey"}.
func (s *Server) adminMoveIssue(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Issue   string `json:"issue"`
		Project string `json:"project"`
	}
	if err := readJSON(r, &body); err != nil {
		return err
	}
	if body.Issue == "" || body.Project == "" {
		return badRequest(`give "issue" (id or key) and "project" (id or key), e.g. {"issue": "BLG-1", "project": "DST"}`)
	}
	key, err := s.MoveIssue(body.Issue, body.Project)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"issueKey": key})
}
