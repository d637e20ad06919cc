package backlog

import (
	"encoding/json"
	"time"
)

// Project is a Backlog project. Several flags were added over time; old
// servers omit them (they decode as false).
type Project struct {
	ID                                int64  `json:"id"`
	ProjectKey                        string `json:"projectKey"`
	Name                              string `json:"name"`
	ChartEnabled                      bool   `json:"chartEnabled"`
	UseResolvedForChart               bool   `json:"useResolvedForChart"`
	SubtaskingEnabled                 bool   `json:"subtaskingEnabled"`
	GrandchildIssueEnabled            bool   `json:"grandchildIssueEnabled"`
	ProjectLeaderCanEditProjectLeader bool   `json:"projectLeaderCanEditProjectLeader"`
	UseWiki                           bool   `json:"useWiki"`
	UseDocument                       bool   `json:"useDocument"`
	UseFileSharing                    bool   `json:"useFileSharing"`
	UseWikiTreeView                   bool   `json:"useWikiTreeView"`
	UseOriginalImageSizeAtWiki        bool   `json:"useOriginalImageSizeAtWiki"`
	UseSubversion                     bool   `json:"useSubversion"`
	UseGit                            bool   `json:"useGit"`
	UseDevAttributes                  bool   `json:"useDevAttributes"`
	TextFormattingRule                string `json:"textFormattingRule"` // "backlog" or "markdown"
	Archived                          bool   `json:"archived"`
	DisplayOrder                      int64  `json:"displayOrder"`

	Extra Extra `json:"-"` // members this struct does not know
}

var projectFields = fieldsOf[Project]()

// UnmarshalJSON decodes a project and keeps unknown members in Extra.
func (p *Project) UnmarshalJSON(data []byte) error {
	type plain Project
	return decodeWithExtra(data, (*plain)(p), projectFields, &p.Extra)
}

// IssueType is a project's issue type.
type IssueType struct {
	ID                  int64   `json:"id"`
	ProjectID           int64   `json:"projectId"`
	Name                string  `json:"name"`
	Color               string  `json:"color"`
	DisplayOrder        int64   `json:"displayOrder"`
	TemplateSummary     *string `json:"templateSummary"`
	TemplateDescription *string `json:"templateDescription"`
}

// Category is a project's category (called "component" in change logs).
type Category struct {
	ID           int64  `json:"id"`
	ProjectID    int64  `json:"projectId"` // missing in older embedded copies
	Name         string `json:"name"`
	DisplayOrder int64  `json:"displayOrder"`
}

// Version is a project version or milestone (the same type).
type Version struct {
	ID             int64   `json:"id"`
	ProjectID      int64   `json:"projectId"`
	Name           string  `json:"name"`
	Description    *string `json:"description"`
	StartDate      *Date   `json:"startDate"`
	ReleaseDueDate *Date   `json:"releaseDueDate"`
	Archived       bool    `json:"archived"`
	DisplayOrder   int64   `json:"displayOrder"`
}

// Status is an issue status; ids 1–4 are the built-in ones shared by all
// projects.
type Status struct {
	ID           int64  `json:"id"`
	ProjectID    int64  `json:"projectId"`
	Name         string `json:"name"`
	Color        string `json:"color"`
	DisplayOrder int64  `json:"displayOrder"`
}

// Built-in status ids.
const (
	StatusOpen       int64 = 1
	StatusInProgress int64 = 2
	StatusResolved   int64 = 3
	StatusClosed     int64 = 4
)

// Priority is a space-wide issue priority (2 High, 3 Normal, 4 Low).
type Priority struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Resolution is a space-wide issue resolution; id 0 (Fixed) is valid.
type Resolution struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// CustomField is a custom-field definition of a project. Which of the
// type-specific fields are set depends on TypeID.
type CustomField struct {
	ID                   int64           `json:"id"`
	ProjectID            int64           `json:"projectId"`
	TypeID               CustomFieldType `json:"typeId"`
	Name                 string          `json:"name"`
	Description          string          `json:"description"`
	Required             bool            `json:"required"`
	ApplicableIssueTypes []int64         `json:"applicableIssueTypes"` // empty = all types
	UseIssueType         bool            `json:"useIssueType"`
	DisplayOrder         int64           `json:"displayOrder"`
	Version              *int64          `json:"version,omitempty"`

	// Numeric (3): min, max and initial value; Date (4): min and max as
	// timestamps. Kept raw because their JSON type depends on TypeID; use
	// NumericRange or DateRange.
	Min          json.RawMessage         `json:"min,omitempty"`
	Max          json.RawMessage         `json:"max,omitempty"`
	InitialValue *float64                `json:"initialValue,omitempty"`
	Unit         *string                 `json:"unit,omitempty"`
	InitialDate  *CustomFieldInitialDate `json:"initialDate,omitempty"`

	// Lists (5–8).
	Items        []*CustomFieldItem `json:"items,omitempty"`
	AllowAddItem bool               `json:"allowAddItem,omitempty"`
	AllowInput   bool               `json:"allowInput,omitempty"` // 7, 8: "other" free text
}

// NumericRange returns the min and max of a numeric field (nil when unset).
func (f *CustomField) NumericRange() (min, max *float64) {
	return rawNumber(f.Min), rawNumber(f.Max)
}

// DateRange returns the min and max of a date field (nil when unset).
func (f *CustomField) DateRange() (min, max *Date) {
	return rawDate(f.Min), rawDate(f.Max)
}

func rawNumber(raw json.RawMessage) *float64 {
	var f *float64
	if len(raw) == 0 || json.Unmarshal(raw, &f) != nil {
		return nil
	}
	return f
}

func rawDate(raw json.RawMessage) *Date {
	var d *Date
	if len(raw) == 0 || json.Unmarshal(raw, &d) != nil {
		return nil
	}
	return d
}

// CustomFieldInitialDate is the initial value rule of a date field: ID is the
// initial-value type (fixed date, today, today+Shift).
type CustomFieldInitialDate struct {
	ID    int64 `json:"id"`
	Shift *int  `json:"shift,omitempty"`
	Date  *Date `json:"date,omitempty"`
}

// CustomFieldItem is one choice of a list-type custom field.
type CustomFieldItem struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	DisplayOrder int64  `json:"displayOrder"`
}

// Webhook is a project webhook.
type Webhook struct {
	ID              int64     `json:"id"`
	Name            string    `json:"name"`
	Description     string    `json:"description"`
	HookURL         string    `json:"hookUrl"`
	AllEvent        bool      `json:"allEvent"`
	ActivityTypeIDs []int     `json:"activityTypeIds"`
	CreatedUser     *User     `json:"createdUser"`
	Created         time.Time `json:"created"`
	UpdatedUser     *User     `json:"updatedUser"`
	Updated         time.Time `json:"updated"`
}

// RecentlyViewedProject is an entry of the caller's recently viewed projects.
type RecentlyViewedProject struct {
	Project *Project  `json:"project"`
	Updated time.Time `json:"updated"`
}
