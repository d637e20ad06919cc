package catalog

import (
	"github.com/backlogsync/backlogsync/backlog"
)

// sharedFileDefs: ProjectSharedFiles.
func sharedFileDefs() []def {
	return []def{{
		name: "ProjectSharedFiles", desc: "The shared files and directories of each project (the whole tree).",
		origin: "CData view", parent: "Projects", parentKeys: projectKey,
		columns: cols(cInt("ProjectId", "project id"), sharedFileColumns()),
		key:     []string{"Id"},
		calls:   []Call{projectsCall, get("/projects/:projectIdOrKey/files/metadata/:path", "per project and directory, pages of 1000")},
		pushdown: []Pushdown{pushProject,
			push("Dir", "the walk starts at that directory", "", OpEq)},
		change: Change{Kind: ChangeFull, Signals: []backlog.ActivityType{backlog.ActivityFileAdded, backlog.ActivityFileUpdated},
			Deletes: []backlog.ActivityType{backlog.ActivityFileDeleted},
			Note:    "walk the trees of the projects the signals name and diff by key"},
		fetch: func(f *fetcher, q *Query, emit func(*row) error) error {
			dir := ""
			if dirs, ok := q.strs("Dir"); ok {
				if len(dirs) != 1 {
					return nil
				}
				dir = dirs[0]
			}
			return f.projectIDs(q.translate(projectKey), func(pid int64) error {
				return each(f.c.Files.Walk(f.ctx, itoa(pid), dir), func(s *backlog.SharedFile) error {
					return emit(f.row().set("ProjectId", pid).setSharedFile(s))
				})
			})
		},
	}}
}
