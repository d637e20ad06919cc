package emulator

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// The struct shapes below are the reference rendering of an Issue with
// encoding/json; appendIssue (render_issue.go) must produce the same bytes.

type jsonCFValue struct {
	ID          int64   `json:"id"`
	FieldTypeID int     `json:"fieldTypeId"`
	Name        string  `json:"name"`
	Value       any     `json:"value"`
	OtherValue  *string `json:"otherValue,omitempty"`
	hasOther    bool
}

// MarshalJSON keeps otherValue (possibly null) on check boxes and radios only.
func (v jsonCFValue) MarshalJSON() ([]byte, error) {
	type plain struct {
		ID          int64  `json:"id"`
		FieldTypeID int    `json:"fieldTypeId"`
		Name        string `json:"name"`
		Value       any    `json:"value"`
	}
	if !v.hasOther {
		return json.Marshal(plain{v.ID, v.FieldTypeID, v.Name, v.Value})
	}
	type withOther struct {
		plain
		OtherValue *string `json:"otherValue"`
	}
	return json.Marshal(withOther{plain{v.ID, v.FieldTypeID, v.Name, v.Value}, v.OtherValue})
}

// renderCFValues renders an issue's custom-field values: one entry per field
// of the project that applies to the issue's type, null/[] when unset.
func (s *store) renderCFValues(p *project, is *issue) []jsonCFValue {
	out := make([]jsonCFValue, 0, len(p.CustomFields))
	for _, f := range p.CustomFields {
		if !fieldApplies(f, is.IssueTypeID) {
			continue
		}
		var val *cfValue
		for _, v := range is.CustomFields {
			if v.FieldID == f.ID {
				val = v
				break
			}
		}
		j := jsonCFValue{ID: f.ID, FieldTypeID: f.TypeID, Name: f.Name}
		switch f.TypeID {
		case CFText, CFTextArea:
			if val != nil && val.Text != nil {
				j.Value = *val.Text
			}
		case CFNumeric:
			if val != nil && val.Number != nil {
				j.Value = *val.Number
			}
		case CFDate:
			if val != nil && val.Date != nil {
				j.Value = ts(*val.Date)
			}
		case CFSingleList, CFRadio:
			if val != nil && len(val.Items) > 0 {
				if it := listItemByID(f, val.Items[0]); it != nil {
					j.Value = jsonListItem{it.ID, it.Name, it.DisplayOrder}
				}
			}
		case CFMultipleList, CFCheckBox:
			items := []jsonListItem{}
			if val != nil {
				for _, id := range val.Items {
					if it := listItemByID(f, id); it != nil {
						items = append(items, jsonListItem{it.ID, it.Name, it.DisplayOrder})
					}
				}
			}
			j.Value = items
		}
		if f.TypeID == CFCheckBox || f.TypeID == CFRadio {
			j.hasOther = true
			if val != nil {
				j.OtherValue = val.Other
			}
		}
		out = append(out, j)
	}
	return out
}

type jsonIssueAttachment struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Size        int64     `json:"size"`
	CreatedUser *jsonUser `json:"createdUser"`
	Created     ts        `json:"created"`
}

type jsonIssue struct {
	ID                int64                 `json:"id"`
	ProjectID         int64                 `json:"projectId"`
	IssueKey          string                `json:"issueKey"`
	KeyID             int64                 `json:"keyId"`
	IssueType         *jsonIssueType        `json:"issueType"`
	Summary           string                `json:"summary"`
	Description       string                `json:"description"`
	Resolution        *jsonIDName           `json:"resolution"`
	Priority          *jsonIDName           `json:"priority"`
	Status            *jsonStatus           `json:"status"`
	Assignee          *jsonUser             `json:"assignee"`
	Category          []*jsonCategory       `json:"category"`
	Versions          []*jsonVersion        `json:"versions"`
	Milestone         []*jsonVersion        `json:"milestone"`
	StartDate         *ts                   `json:"startDate"`
	DueDate           *ts                   `json:"dueDate"`
	EstimatedHours    *float64              `json:"estimatedHours"`
	ActualHours       *float64              `json:"actualHours"`
	ParentIssueID     *int64                `json:"parentIssueId"`
	CreatedUser       *jsonUser             `json:"createdUser"`
	Created           ts                    `json:"created"`
	UpdatedUser       *jsonUser             `json:"updatedUser"`
	Updated           ts                    `json:"updated"`
	CustomFields      []jsonCFValue         `json:"customFields"`
	Attachments       []*jsonAttachment     `json:"attachments"`
	SharedFiles       []*jsonSharedFile     `json:"sharedFiles"`
	ExternalFileLinks []any                 `json:"externalFileLinks"`
	Stars             []*jsonStar           `json:"stars"`
	ChildIssueSummary *jsonChildIssueSumary `json:"childIssueSummary,omitempty"`
	Type              string                `json:"type,omitempty"`
}

type jsonChildIssueSumary struct {
	Total  int `json:"total"`
	Closed int `json:"closed"`
}

// renderIssue builds the Issue object (without the per-request extras).
func (s *store) renderIssue(is *issue) *jsonIssue {
	p := s.projects[is.ProjectID]
	j := &jsonIssue{ID: is.ID, ProjectID: is.ProjectID, IssueKey: s.issueKey(is), KeyID: is.KeyID,
		Summary: is.Summary, Description: is.Description, Resolution: s.resolution(is.ResolutionID),
		Priority: s.priority(is.PriorityID), Status: s.statusOf(p, is.StatusID),
		Assignee: s.renderUserp(is.AssigneeID), Category: []*jsonCategory{}, Versions: []*jsonVersion{},
		Milestone: []*jsonVersion{}, StartDate: tsp(is.StartDate), DueDate: tsp(is.DueDate),
		EstimatedHours: is.EstimatedHours, ActualHours: is.ActualHours, ParentIssueID: is.ParentIssueID,
		CreatedUser: s.renderUser(is.CreatedUser), Created: ts(is.Created),
		UpdatedUser: s.renderUser(is.UpdatedUser), Updated: ts(is.Updated),
		CustomFields: s.renderCFValues(p, is), Attachments: s.renderAttachments(is.Attachments),
		SharedFiles: s.renderSharedFiles(is.SharedFileIDs), ExternalFileLinks: []any{},
		Stars: s.renderStars(is.Stars)}
	if t := findIssueType(p, is.IssueTypeID); t != nil {
		j.IssueType = renderIssueType(t)
	}
	for _, id := range is.CategoryIDs {
		if c := findCategory(p, id); c != nil {
			j.Category = append(j.Category, renderCategory(c))
		}
	}
	for _, id := range is.VersionIDs {
		if v := findVersion(p, id); v != nil {
			j.Versions = append(j.Versions, renderVersion(v))
		}
	}
	for _, id := range is.MilestoneIDs {
		if v := findVersion(p, id); v != nil {
			j.Milestone = append(j.Milestone, renderVersion(v))
		}
	}
	return j
}

func TestAppendIssueMatchesReference(t *testing.T) {
	s := newTestServer(t, Options{Seed: 7, Size: Size{Projects: 3, Users: 10, Teams: 2, Issues: 400,
		Comments: 800, Wikis: 5, Documents: 3, Repositories: 1, PullRequests: 3, SharedFiles: 20}})
	st := s.store
	st.mu.RLock()
	defer st.mu.RUnlock()
	n := 0
	for _, is := range st.issueList {
		want, err := json.Marshal(st.renderIssue(is))
		if err != nil {
			t.Fatal(err)
		}
		w := jw{}
		st.appendIssue(&w, is)
		if !bytes.Equal(w.b, want) {
			t.Fatalf("issue %d:\n got %s\nwant %s", is.ID, w.b, want)
		}
		n++
	}
	if n < 400 {
		t.Fatalf("only %d issues compared", n)
	}
}

func TestJSONWriterStrings(t *testing.T) {
	for _, s := range []string{"", "plain", "日本語テキスト", "quote\"back\\slash", "<a href='x'>&amp;</a>",
		"ctl\x00\x01\x1f\n\r\t\b\f", "bad\xff\xfeutf8", "line\u2028sep\u2029", "emoji 🚀"} {
		want, _ := json.Marshal(s)
		w := jw{}
		w.str(s)
		if !bytes.Equal(w.b, want) {
			t.Errorf("str(%q) = %s, want %s", s, w.b, want)
		}
	}
	for _, f := range []float64{0, 1, -2.5, 0.1, 1e-7, 123456789.125, 1e21, 3.0e-5} {
		want, _ := json.Marshal(f)
		w := jw{}
		w.float(f)
		if !bytes.Equal(w.b, want) {
			t.Errorf("float(%v) = %s, want %s", f, w.b, want)
		}
	}
	_ = time.Now
}
