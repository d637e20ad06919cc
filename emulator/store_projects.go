package emulator

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Mutations of the projects area: users, teams, projects and their members,
// administrators and teams. Metadata (issue types, categories, versions,
// statuses, custom fields) lives in store_projects_meta.go, webhooks in
// store_webhooks.go, stars, watchings and notifications in their own
// store_* files. Every method assumes the
// store's write lock is held and takes the time from its caller.

// userInput describes a space user to create.
type userInput struct {
	UserID      string
	Name        string
	MailAddress string
	RoleType    int
	Lang        string
	NulabID     string
	APIKey      string // first API key; "" derives one
}

var (
	userIDPattern     = regexp.MustCompile(`^[A-Za-z0-9_.@-]{1,64}$`)
	projectKeyPattern = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,24}$`)
)

// deriveAPIKey returns the API key of a user created without one: 64 hex
// digits that depend only on the login id, so a given userId keeps its key
// across re-generation.
func deriveAPIKey(userID string) string {
	sum := sha256.Sum256([]byte("backlogsync-emulator/api-key/" + userID))
	return hex.EncodeToString(sum[:])
}

// liveUser returns the user with the given id unless missing or deleted.
func (s *store) liveUser(id int64) *user {
	if u := s.users[id]; u != nil && !u.Deleted {
		return u
	}
	return nil
}

// createUser adds a space user.
func (s *store) createUser(at time.Time, in userInput) (*user, error) {
	if !userIDPattern.MatchString(in.UserID) {
		return nil, badRequest("Invalid userId: %q (letters, digits and _ . @ - only).", in.UserID)
	}
	for _, u := range s.users {
		if u.UserID == in.UserID {
			return nil, badRequest("The userId %q is already used.", in.UserID)
		}
	}
	if strings.TrimSpace(in.Name) == "" {
		return nil, badRequest("Missing required parameter: name.")
	}
	if in.RoleType < RoleAdmin || in.RoleType > RoleViewer {
		return nil, badRequest("Invalid roleType: %d (1 to 4).", in.RoleType)
	}
	switch in.Lang {
	case "", "ja", "en":
	default:
		return nil, badRequest("Invalid lang: %q.", in.Lang)
	}
	if in.MailAddress == "" {
		in.MailAddress = in.UserID + "@example.com"
	}
	key := in.APIKey
	if key == "" {
		key = deriveAPIKey(in.UserID)
	}
	if s.apiKeys[key] != nil {
		return nil, badRequest("The API key is already used.")
	}
	u := &user{ID: s.nextID("user"), UserID: in.UserID, Name: in.Name, RoleType: in.RoleType,
		Lang: in.Lang, MailAddress: in.MailAddress, NulabID: in.NulabID, APIKeys: []string{key}}
	s.users[u.ID] = u
	s.userList = append(s.userList, u)
	s.apiKeys[key] = u
	return u, nil
}

// userUpdate carries the PATCH /users/:id parameters; nil is "unchanged".
type userUpdate struct {
	Name, MailAddress *string
	RoleType          *int
}

// updateUser changes a user's name, mail address or role.
func (s *store) updateUser(at time.Time, u *user, in userUpdate) error {
	if in.Name != nil && strings.TrimSpace(*in.Name) == "" {
		return badRequest("Invalid name: must not be empty.")
	}
	if in.MailAddress != nil && !strings.Contains(*in.MailAddress, "@") {
		return badRequest("Invalid mailAddress: %q.", *in.MailAddress)
	}
	if in.RoleType != nil {
		if *in.RoleType < RoleAdmin || *in.RoleType > RoleViewer {
			return badRequest("Invalid roleType: %d (1 to 4).", *in.RoleType)
		}
		if u.ID == s.space.OwnerID && *in.RoleType != RoleAdmin {
			return badRequest("The space owner must stay an administrator.")
		}
	}
	if in.Name != nil {
		u.Name = *in.Name
	}
	if in.MailAddress != nil {
		u.MailAddress = *in.MailAddress
	}
	if in.RoleType != nil {
		u.RoleType = *in.RoleType
		if u.RoleType == RoleReporter || u.RoleType == RoleViewer {
			for _, p := range s.projectList {
				p.Admins = removeID(p.Admins, u.ID)
			}
		}
	}
	s.touch()
	return nil
}

// deleteUser removes a user from the space: its API keys stop working, it
// leaves every project and team, and it stays rendered where embedded.
func (s *store) deleteUser(at time.Time, u *user) error {
	if u.ID == s.space.OwnerID {
		return badRequest("The space owner cannot be deleted.")
	}
	u.Deleted = true
	for _, k := range u.APIKeys {
		delete(s.apiKeys, k)
	}
	u.APIKeys = nil
	s.userList = slices.DeleteFunc(s.userList, func(x *user) bool { return x == u })
	for _, p := range s.projectList {
		p.Users = removeID(p.Users, u.ID)
		p.Admins = removeID(p.Admins, u.ID)
		p.ViaTeam = removeID(p.ViaTeam, u.ID)
	}
	for _, t := range s.teamList {
		t.Members = removeID(t.Members, u.ID)
	}
	s.touch()
	return nil
}

// checkMembers validates a list of user ids for a team and removes duplicates.
func (s *store) checkMembers(ids []int64) ([]int64, error) {
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if s.liveUser(id) == nil {
			return nil, badRequest("Invalid members[]: no user %d.", id)
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// createTeam adds a team with members.
func (s *store) createTeam(actor *user, at time.Time, name string, members []int64) (*team, error) {
	if strings.TrimSpace(name) == "" {
		return nil, badRequest("Missing required parameter: name.")
	}
	for _, t := range s.teamList {
		if t.Name == name {
			return nil, badRequest("The team name %q is already used.", name)
		}
	}
	ms, err := s.checkMembers(members)
	if err != nil {
		return nil, err
	}
	t := &team{ID: s.nextID("team"), Name: name, Members: ms, CreatedUser: actor.ID, Created: at,
		UpdatedUser: actor.ID, Updated: at}
	s.teams[t.ID] = t
	s.teamList = append(s.teamList, t)
	return t, nil
}

// updateTeam renames a team and/or replaces its members; projects the team
// joined gain and lose team-only members accordingly.
func (s *store) updateTeam(actor *user, at time.Time, t *team, name *string, members *[]int64) error {
	if name != nil {
		if strings.TrimSpace(*name) == "" {
			return badRequest("Invalid name: must not be empty.")
		}
		for _, o := range s.teamList {
			if o != t && o.Name == *name {
				return badRequest("The team name %q is already used.", *name)
			}
		}
	}
	var ms []int64
	if members != nil {
		var err error
		if ms, err = s.checkMembers(*members); err != nil {
			return err
		}
	}
	if name != nil {
		t.Name = *name
	}
	if members != nil {
		t.Members = ms
		for _, p := range s.projectList {
			if slices.Contains(p.Teams, t.ID) {
				s.syncTeamMembers(p)
			}
		}
	}
	t.UpdatedUser, t.Updated = actor.ID, at
	return nil
}

// deleteTeam removes a team from the space and from every project.
func (s *store) deleteTeam(actor *user, at time.Time, t *team) error {
	for _, p := range s.projectList {
		if slices.Contains(p.Teams, t.ID) {
			p.Teams = removeID(p.Teams, t.ID)
			s.syncTeamMembers(p)
		}
	}
	delete(s.teams, t.ID)
	s.teamList = slices.DeleteFunc(s.teamList, func(x *team) bool { return x == t })
	return nil
}

// syncTeamMembers makes p's team-only members match the members of its
// teams: members of a joined team who are not members yet join through the
// team; team-only members no longer in any joined team leave.
func (s *store) syncTeamMembers(p *project) {
	covered := map[int64]bool{}
	for _, tid := range p.Teams {
		if t := s.teams[tid]; t != nil {
			for _, uid := range t.Members {
				covered[uid] = true
			}
		}
	}
	for _, uid := range slices.Clone(p.ViaTeam) {
		if !covered[uid] {
			p.ViaTeam = removeID(p.ViaTeam, uid)
			p.Users = removeID(p.Users, uid)
			p.Admins = removeID(p.Admins, uid)
		}
	}
	for _, tid := range p.Teams {
		if t := s.teams[tid]; t != nil {
			for _, uid := range t.Members {
				if !p.isMember(uid) {
					p.Users = append(p.Users, uid)
					p.ViaTeam = append(p.ViaTeam, uid)
				}
			}
		}
	}
}

// projectInput carries add-project / update-project parameters.
type projectInput struct {
	Name, Key                         *string
	ChartEnabled                      *bool
	UseResolvedForChart               *bool
	SubtaskingEnabled                 *bool
	GrandchildIssueEnabled            *bool
	ProjectLeaderCanEditProjectLeader *bool
	UseWiki                           *bool
	UseDocument                       *bool
	UseFileSharing                    *bool
	UseWikiTreeView                   *bool
	UseOriginalImageSizeAtWiki        *bool
	UseSubversion                     *bool
	UseGit                            *bool
	UseDevAttributes                  *bool
	TextFormattingRule                *string
	Archived                          *bool // update only
}

// defaultIssueTypes are a new project's issue types (B4J issue_types.json).
var defaultIssueTypes = []struct{ Ja, En, Color string }{
	{"バグ", "Bug", "#990000"},
	{"タスク", "Task", "#7ea800"},
	{"要望", "Request", "#ff9200"},
	{"その他", "Other", "#2779ca"},
}

// defaultProjectDisplayOrder is the displayOrder of never-reordered projects.
const defaultProjectDisplayOrder = 2147483646

// validate checks the fields common to add and update.
func (in *projectInput) validate(s *store, self *project) error {
	if in.Name != nil && strings.TrimSpace(*in.Name) == "" {
		return badRequest("Invalid name: must not be empty.")
	}
	if in.Key != nil {
		if !projectKeyPattern.MatchString(*in.Key) {
			return badRequest("Invalid key: %q (upper-case letters, digits and underscore, starting with a letter).", *in.Key)
		}
		if o := s.projectKeys[*in.Key]; o != nil && o != self {
			return badRequest("The project key %q is already used.", *in.Key)
		}
	}
	if in.TextFormattingRule != nil {
		switch *in.TextFormattingRule {
		case "backlog", "markdown":
		default:
			return badRequest("Invalid textFormattingRule: %q (backlog or markdown).", *in.TextFormattingRule)
		}
	}
	return nil
}

// apply copies the given fields onto p.
func (in *projectInput) apply(p *project) {
	set := func(dst *bool, v *bool) {
		if v != nil {
			*dst = *v
		}
	}
	if in.Name != nil {
		p.Name = *in.Name
	}
	set(&p.ChartEnabled, in.ChartEnabled)
	set(&p.UseResolvedForChart, in.UseResolvedForChart)
	set(&p.SubtaskingEnabled, in.SubtaskingEnabled)
	set(&p.GrandchildIssueEnabled, in.GrandchildIssueEnabled)
	set(&p.ProjectLeaderCanEditProjectLeader, in.ProjectLeaderCanEditProjectLeader)
	set(&p.UseWiki, in.UseWiki)
	set(&p.UseDocument, in.UseDocument)
	set(&p.UseFileSharing, in.UseFileSharing)
	set(&p.UseWikiTreeView, in.UseWikiTreeView)
	set(&p.UseOriginalImageSizeAtWiki, in.UseOriginalImageSizeAtWiki)
	set(&p.UseSubversion, in.UseSubversion)
	set(&p.UseGit, in.UseGit)
	set(&p.UseDevAttributes, in.UseDevAttributes)
	set(&p.Archived, in.Archived)
	if in.TextFormattingRule != nil {
		p.TextFormattingRule = *in.TextFormattingRule
	}
	if !p.SubtaskingEnabled {
		p.GrandchildIssueEnabled = false // only valid with subtasking (add-project)
	}
}

// createProject adds a project with Backlog's defaults (issue types Bug,
// Task, Request, Other; the four built-in statuses); the actor joins it as
// project administrator.
func (s *store) createProject(actor *user, at time.Time, in *projectInput) (*project, error) {
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		return nil, badRequest("Missing required parameter: name.")
	}
	if in.Key == nil || *in.Key == "" {
		return nil, badRequest("Missing required parameter: key.")
	}
	if err := in.validate(s, nil); err != nil {
		return nil, err
	}
	rule := s.space.TextFormattingRule
	if rule == "" {
		rule = "markdown"
	}
	p := &project{ID: s.nextID("project"), Key: *in.Key, UseWiki: true, UseDocument: true,
		UseFileSharing: true, UseWikiTreeView: true, UseSubversion: true, UseGit: true,
		UseDevAttributes: true, TextFormattingRule: rule, DisplayOrder: defaultProjectDisplayOrder,
		Users: []int64{actor.ID}, Admins: []int64{actor.ID}, NextKeyID: 1,
		StatusOrder: []int64{StatusOpen, StatusInProgress, StatusResolved, StatusClosed}}
	in.apply(p)
	for i, d := range defaultIssueTypes {
		name := d.Ja
		if s.space.Lang == "en" {
			name = d.En
		}
		p.IssueTypes = append(p.IssueTypes, &issueType{ID: s.nextID("meta"), ProjectID: p.ID,
			Name: name, Color: d.Color, DisplayOrder: int64(i)})
	}
	s.projects[p.ID] = p
	s.projectList = append(s.projectList, p)
	s.projectKeys[p.Key] = p
	return p, nil
}

// updateProject applies add-project fields plus archived to p.
func (s *store) updateProject(actor *user, at time.Time, p *project, in *projectInput) error {
	if err := in.validate(s, p); err != nil {
		return err
	}
	if in.Key != nil && *in.Key != p.Key {
		delete(s.projectKeys, p.Key)
		p.Key = *in.Key
		s.projectKeys[p.Key] = p
	}
	in.apply(p)
	s.touch()
	return nil
}

// deleteProject removes a project with everything in it: issues, wikis,
// documents, files, repositories, activities, notifications, stars and
// watchings that point into it.
func (s *store) deleteProject(actor *user, at time.Time, p *project) error {
	for _, is := range slices.Clone(s.issueList) {
		if is.ProjectID == p.ID {
			s.removeIssue(is)
		}
	}
	s.wikiList = slices.DeleteFunc(s.wikiList, func(w *wiki) bool {
		if w.ProjectID == p.ID {
			delete(s.wikis, w.ID)
			return true
		}
		return false
	})
	s.docList = slices.DeleteFunc(s.docList, func(d *document) bool {
		if d.ProjectID == p.ID {
			delete(s.documents, d.ID)
			return true
		}
		return false
	})
	for _, f := range p.SharedFiles {
		delete(s.sharedFiles, f.ID)
	}
	for _, r := range p.Repositories {
		delete(s.repos, r.ID)
		for _, pr := range r.PullRequests {
			delete(s.pullReqs, pr.ID)
			for _, c := range pr.Comments {
				delete(s.prComments, c.ID)
			}
		}
	}
	s.activities = slices.DeleteFunc(s.activities, func(a *activity) bool { return a.ProjectID == p.ID })
	s.notifications = slices.DeleteFunc(s.notifications, func(n *notification) bool { return n.ProjectID == p.ID })
	for uid, list := range s.notifByUser {
		s.notifByUser[uid] = slices.DeleteFunc(list, func(n *notification) bool { return n.ProjectID == p.ID })
	}
	for id, st := range s.stars {
		if s.starProject(st) == 0 {
			s.dropStarIndex(st)
			delete(s.stars, id)
		}
	}
	s.watchList = slices.DeleteFunc(s.watchList, func(w *watching) bool {
		if s.issues[w.IssueID] == nil {
			delete(s.watchings, w.ID)
			return true
		}
		return false
	})
	delete(s.projects, p.ID)
	delete(s.projectKeys, p.Key)
	s.projectList = slices.DeleteFunc(s.projectList, func(x *project) bool { return x == p })
	s.touch()
	return nil
}

// userActivityContent is the content of activities 15 and 16.
func (s *store) userActivityContent(u *user) map[string]any {
	return map[string]any{"users": []*jsonUser{s.renderUser(u.ID)},
		"group_project_activities": []any{}, "comment": ""}
}

// addProjectUser adds u to p (activity 15, notification reason 6). A user
// who had joined only through a team becomes a direct member.
func (s *store) addProjectUser(actor *user, at time.Time, p *project, u *user) error {
	if u == nil || u.Deleted {
		return badRequest("Invalid userId: no such user.")
	}
	if p.isMember(u.ID) && !slices.Contains(p.ViaTeam, u.ID) {
		return badRequest("The user %s is already a member of the project.", u.UserID)
	}
	if p.isMember(u.ID) {
		p.ViaTeam = removeID(p.ViaTeam, u.ID)
	} else {
		p.Users = append(p.Users, u.ID)
	}
	var notified []*commentNotification
	if n := s.notify(u.ID, 6, actor, at, notificationRef{ProjectID: p.ID}); n != nil {
		notified = append(notified, &commentNotification{ID: n.ID, Reason: n.Reason, UserID: u.ID})
	}
	s.addActivity(p.ID, ActProjectUserAdded, actor, at, s.userActivityContent(u), notified...)
	return nil
}

// removeProjectUser removes a direct member from p (activity 16).
func (s *store) removeProjectUser(actor *user, at time.Time, p *project, u *user) error {
	if u == nil || !p.isMember(u.ID) || slices.Contains(p.ViaTeam, u.ID) {
		return badRequest("The user is not a member of the project.")
	}
	p.Users = removeID(p.Users, u.ID)
	p.Admins = removeID(p.Admins, u.ID)
	s.addActivity(p.ID, ActProjectUserRemoved, actor, at, s.userActivityContent(u))
	return nil
}

// addProjectAdmin makes a member of p a project administrator.
func (s *store) addProjectAdmin(actor *user, at time.Time, p *project, u *user) error {
	if u == nil || !p.isMember(u.ID) {
		return badRequest("The user is not a member of the project.")
	}
	if u.RoleType == RoleReporter || u.RoleType == RoleViewer {
		return badRequest("The user's role cannot be a project administrator.")
	}
	if p.isAdmin(u.ID) {
		return badRequest("The user is already a project administrator.")
	}
	p.Admins = append(p.Admins, u.ID)
	return nil
}

// removeProjectAdmin takes project administration away from u.
func (s *store) removeProjectAdmin(actor *user, at time.Time, p *project, u *user) error {
	if u == nil || !p.isAdmin(u.ID) {
		return badRequest("The user is not a project administrator.")
	}
	p.Admins = removeID(p.Admins, u.ID)
	return nil
}

// teamActivityContent is the content of activities 25 and 26.
func teamActivityContent(t *team) map[string]any {
	return map[string]any{"parties": []jsonIDName{{t.ID, t.Name}}}
}

// addProjectTeam adds a team to p (activity 25); its members join.
func (s *store) addProjectTeam(actor *user, at time.Time, p *project, t *team) error {
	if t == nil {
		return badRequest("Invalid teamId: no such team.")
	}
	if slices.Contains(p.Teams, t.ID) {
		return badRequest("The team %q already joined the project.", t.Name)
	}
	p.Teams = append(p.Teams, t.ID)
	s.syncTeamMembers(p)
	s.addActivity(p.ID, ActProjectTeamAdded, actor, at, teamActivityContent(t))
	return nil
}

// removeProjectTeam removes a team from p (activity 26); members who had
// joined only through it leave.
func (s *store) removeProjectTeam(actor *user, at time.Time, p *project, t *team) error {
	if t == nil || !slices.Contains(p.Teams, t.ID) {
		return badRequest("The team has not joined the project.")
	}
	p.Teams = removeID(p.Teams, t.ID)
	s.syncTeamMembers(p)
	s.addActivity(p.ID, ActProjectTeamRemoved, actor, at, teamActivityContent(t))
	return nil
}

// webURL is the space's public web URL without a trailing slash.
func (s *store) webURL() string {
	if s.space.WebURL != "" {
		return strings.TrimRight(s.space.WebURL, "/")
	}
	return "https://" + s.space.SpaceKey + ".backlog.com"
}

// validHookURL reports whether v is an absolute http(s) URL.
func validHookURL(v string) bool {
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// isAnyProjectAdmin reports whether u administers some project.
func (s *store) isAnyProjectAdmin(u *user) bool {
	for _, p := range s.projectList {
		if p.isAdmin(u.ID) {
			return true
		}
	}
	return false
}
