package emulator

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Id bases per kind of object. Real Backlog ids are large (B4J fixtures show
// ids above 2^30); issue, comment and activity ids start above 2^31 here so
// that a client storing ids in 32-bit integers fails at once.
const (
	baseUserID       = 1_000_001
	baseTeamID       = 100_001
	baseProjectID    = 10_001
	baseMetaID       = 500_001 // issue types, categories, versions, statuses, custom fields, items
	baseIssueID      = 2_200_000_001
	baseCommentID    = 3_300_000_001
	baseActivityID   = 4_400_000_001
	baseWikiID       = 600_001
	baseFileID       = 700_001
	baseAttachmentID = 800_001
	baseRepoID       = 900_001
	basePRID         = 1_100_001
	basePRCommentID  = 1_200_001
	baseStarID       = 1_300_001
	baseWatchingID   = 1_400_001
	baseNotifID      = 1_500_001
	baseWebhookID    = 1_600_001
)

// space holds the space-level settings.
type space struct {
	SpaceKey           string
	Name               string
	OwnerID            int64
	Lang               string
	Timezone           string
	ReportSendTime     string
	TextFormattingRule string
	Created            time.Time
	Updated            time.Time
	Notification       string
	NotificationAt     time.Time
	Capacity           int64
	WebURL             string // public web URL (star URLs); "" = https://<SpaceKey>.backlog.com
}

// store is the emulator's in-memory database. Handlers hold mu.RLock while
// reading and mu.Lock while writing; the mutation methods (store_*.go)
// assume the write lock is held by their caller.
type store struct {
	mu sync.RWMutex

	space space

	users    map[int64]*user
	userList []*user // ascending id
	apiKeys  map[string]*user
	teams    map[int64]*team
	teamList []*team

	projects    map[int64]*project
	projectList []*project // ascending id
	projectKeys map[string]*project

	issues    map[int64]*issue
	issueList []*issue            // ascending id (= creation order); deleted issues removed
	issueKeys map[[2]int64]*issue // (projectId, keyId) → issue
	children  map[int64][]*issue  // parent id → direct children, ascending id (store_issues_children.go)
	comments  map[int64]*comment

	wikis    map[int64]*wiki
	wikiList []*wiki

	documents map[string]*document
	docList   []*document

	sharedFiles map[int64]*sharedFile
	repos       map[int64]*repository
	pullReqs    map[int64]*pullRequest
	prComments  map[int64]*pullRequestComment

	stars         map[int64]*star
	watchings     map[int64]*watching
	watchList     []*watching
	notifications []*notification           // ascending id
	notifByUser   map[int64][]*notification // per recipient, ascending id (lazily built)
	starsByUser   map[int64][]*star         // per receiver, ascending id (lazily built)
	activities    []*activity               // ascending id
	uploads       map[int64]*upload

	recentIssues   map[int64][]recentView // per user, most recent first
	recentProjects map[int64][]recentView
	recentWikis    map[int64][]recentView

	// Embedded objects that many rendered documents contain (users, statuses,
	// issue types…) bump the epoch when they change, invalidating every cached
	// rendering at once. Changes to one issue invalidate only that issue.
	epoch atomic.Uint64

	seq map[string]int64 // next id per kind

	// sorted caches of issue orderings, keyed by sort name, valid while
	// issueVersion is unchanged.
	issueVersion uint64
	sortCache    map[string]sortedIssues
	sortMu       sync.Mutex
}

type sortedIssues struct {
	version uint64
	list    []*issue
}

// newStore returns an empty store with the given space settings.
func newStore(sp space) *store {
	s := &store{
		space:          sp,
		users:          map[int64]*user{},
		apiKeys:        map[string]*user{},
		teams:          map[int64]*team{},
		projects:       map[int64]*project{},
		projectKeys:    map[string]*project{},
		issues:         map[int64]*issue{},
		issueKeys:      map[[2]int64]*issue{},
		children:       map[int64][]*issue{},
		comments:       map[int64]*comment{},
		wikis:          map[int64]*wiki{},
		documents:      map[string]*document{},
		sharedFiles:    map[int64]*sharedFile{},
		repos:          map[int64]*repository{},
		pullReqs:       map[int64]*pullRequest{},
		prComments:     map[int64]*pullRequestComment{},
		stars:          map[int64]*star{},
		watchings:      map[int64]*watching{},
		uploads:        map[int64]*upload{},
		recentIssues:   map[int64][]recentView{},
		recentProjects: map[int64][]recentView{},
		recentWikis:    map[int64][]recentView{},
		sortCache:      map[string]sortedIssues{},
		seq: map[string]int64{
			"user": baseUserID, "team": baseTeamID, "project": baseProjectID,
			"meta": baseMetaID, "issue": baseIssueID, "comment": baseCommentID,
			"activity": baseActivityID, "wiki": baseWikiID, "file": baseFileID,
			"attachment": baseAttachmentID, "repo": baseRepoID, "pr": basePRID,
			"prcomment": basePRCommentID, "star": baseStarID, "watching": baseWatchingID,
			"notification": baseNotifID, "webhook": baseWebhookID, "wikitag": 1,
			"document": 1, "doccomment": 1,
		},
	}
	return s
}

// nextID returns the next id of the given kind.
func (s *store) nextID(kind string) int64 {
	id, ok := s.seq[kind]
	if !ok {
		panic("emulator: unknown id kind " + kind)
	}
	s.seq[kind] = id + 1
	return id
}

// nextHexID returns a 32-hex-digit id (documents, document comments): the
// creation time in milliseconds, a tag for the kind and a sequence number, so
// ids sort by creation and never collide between kinds.
func (s *store) nextHexID(kind string, at time.Time) string {
	tag := 0xd0c
	if kind != "document" {
		tag = 0xc0c
	}
	return fmt.Sprintf("%012x%04x%016x", at.UnixMilli(), tag, s.nextID(kind))
}

// touch invalidates every cached rendering (embedded objects changed).
func (s *store) touch() { s.epoch.Add(1) }

// issueChanged invalidates the cached rendering of one issue and the sorted
// issue orderings.
func (s *store) issueChanged(is *issue) {
	is.json.Store(nil)
	s.issueVersion++
}

// user returns the user with the given id, or nil.
func (s *store) user(id int64) *user { return s.users[id] }

// projectByIDOrKey resolves a path's projectIdOrKey.
func (s *store) projectByIDOrKey(v string) *project {
	if id, err := strconv.ParseInt(v, 10, 64); err == nil {
		return s.projects[id]
	}
	return s.projectKeys[v]
}

// issueByIDOrKey resolves a path's issueIdOrKey ("123" or "BLG-1").
func (s *store) issueByIDOrKey(v string) *issue {
	if id, err := strconv.ParseInt(v, 10, 64); err == nil {
		return s.issues[id]
	}
	i := strings.LastIndexByte(v, '-')
	if i <= 0 {
		return nil
	}
	p := s.projectKeys[v[:i]]
	n, err := strconv.ParseInt(v[i+1:], 10, 64)
	if p == nil || err != nil {
		return nil
	}
	return s.issueKeys[[2]int64{p.ID, n}]
}

// issueKey returns "KEY-N".
func (s *store) issueKey(is *issue) string {
	p := s.projects[is.ProjectID]
	if p == nil {
		return strconv.FormatInt(is.KeyID, 10)
	}
	return p.Key + "-" + strconv.FormatInt(is.KeyID, 10)
}

// isMember reports whether u joined project p.
func (p *project) isMember(uid int64) bool {
	for _, id := range p.Users {
		if id == uid {
			return true
		}
	}
	return false
}

// isAdmin reports whether u is an administrator of project p.
func (p *project) isAdmin(uid int64) bool {
	for _, id := range p.Admins {
		if id == uid {
			return true
		}
	}
	return false
}

// canSee reports whether u may read project p: space administrators see every
// project, everyone else only the projects they joined.
func (s *store) canSee(u *user, p *project) bool {
	return u.RoleType == RoleAdmin || p.isMember(u.ID)
}

// visibleProjects returns the ids of projects u joined (the default scope of
// issue and activity lists).
func (s *store) joinedProjects(u *user) map[int64]bool {
	m := map[int64]bool{}
	for _, p := range s.projectList {
		if p.isMember(u.ID) {
			m[p.ID] = true
		}
	}
	return m
}

// issuesSorted returns the issues ordered ascending by the named key, cached
// until the next issue change. Ties are broken by id.
func (s *store) issuesSorted(key string, less func(a, b *issue) int) []*issue {
	s.sortMu.Lock()
	defer s.sortMu.Unlock()
	if c, ok := s.sortCache[key]; ok && c.version == s.issueVersion {
		return c.list
	}
	list := make([]*issue, len(s.issueList))
	copy(list, s.issueList)
	sort.SliceStable(list, func(i, j int) bool {
		if c := less(list[i], list[j]); c != 0 {
			return c < 0
		}
		return list[i].ID < list[j].ID
	})
	s.sortCache[key] = sortedIssues{version: s.issueVersion, list: list}
	return list
}

// removeIssue deletes an issue from the indexes.
func (s *store) removeIssue(is *issue) {
	delete(s.issues, is.ID)
	delete(s.issueKeys, [2]int64{is.ProjectID, is.KeyID})
	s.unlinkChild(is)
	delete(s.children, is.ID)
	i := sort.Search(len(s.issueList), func(i int) bool { return s.issueList[i].ID >= is.ID })
	if i < len(s.issueList) && s.issueList[i] == is {
		s.issueList = append(s.issueList[:i], s.issueList[i+1:]...)
	}
	for _, c := range is.Comments {
		delete(s.comments, c.ID)
	}
	s.issueVersion++
}
