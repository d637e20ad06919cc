package emulator

import (
	"cmp"
	"slices"
)

// The parent → children index (store.children), so that childrenOf does not
// scan every issue. Every store mutation that can change which issue is
// whose parent keeps it right:
//
//   - create: insertIssue links the new issue under its parent;
//   - update of parentIssueId: applyUpdate unlinks the issue before writing
//     the new fields and links it after;
//   - delete: deleteIssue detaches the children (setParent nil) and
//     removeIssue unlinks the issue and drops its own entry (deleteProject
//     goes through removeIssue too);
//   - move between projects: moveIssue refuses an issue with a parent or
//     children, so a move changes no entry (the index is by issue id, which
//     a move keeps).
//
// The lists are copy-on-write: a list childrenOf returned is never changed
// afterwards, so a caller may change the index while ranging over one.

// childrenOf lists the direct children of an issue, ascending id. The
// caller must not modify the list.
func (s *store) childrenOf(id int64) []*issue { return s.children[id] }

// linkChild adds is to its parent's list (nothing when it has no parent).
func (s *store) linkChild(is *issue) {
	if is.ParentIssueID == nil {
		return
	}
	list := s.children[*is.ParentIssueID]
	if i, found := slices.BinarySearchFunc(list, is.ID, cmpIssueID); !found {
		s.children[*is.ParentIssueID] = slices.Insert(slices.Clip(list), i, is) // Clip: a new array
	}
}

// unlinkChild removes is from its parent's list (nothing when it has no
// parent); an emptied list leaves the index.
func (s *store) unlinkChild(is *issue) {
	if is.ParentIssueID == nil {
		return
	}
	pid := *is.ParentIssueID
	switch i, found := slices.BinarySearchFunc(s.children[pid], is.ID, cmpIssueID); {
	case !found:
	case len(s.children[pid]) == 1:
		delete(s.children, pid)
	default:
		s.children[pid] = slices.Delete(slices.Clone(s.children[pid]), i, i+1)
	}
}

// cmpIssueID orders an issue against an id (for binary searches of
// id-ordered lists).
func cmpIssueID(is *issue, id int64) int { return cmp.Compare(is.ID, id) }

// setParent makes parent (nil: none) the parent of is and keeps the index.
func (s *store) setParent(is *issue, parent *int64) {
	s.unlinkChild(is)
	is.ParentIssueID = parent
	s.linkChild(is)
}
