package emulator

import (
	"slices"
	"strings"
	"time"
)

// Mutations of custom-field definitions and their list items. Each assumes
// the write lock is held; changes call s.touch() (definitions are embedded
// in issues).

// customFieldInput carries add-custom-field parameters.
type customFieldInput struct {
	TypeID               int
	Name                 string
	Description          string
	Required             bool
	ApplicableIssueTypes []int64
	Min, Max             *float64
	MinDate, MaxDate     *time.Time
	InitialValue         *float64
	Unit                 *string
	InitialValueType     int
	InitialShift         *int
	InitialDate          *time.Time
	Items                []string
	AllowAddItem         bool
	AllowInput           bool
}

func customFieldNamed(p *project, name string, self *customField) bool {
	for _, f := range p.CustomFields {
		if f != self && f.Name == name {
			return true
		}
	}
	return false
}

// isListType reports whether a custom-field type has items.
func isListType(typeID int) bool { return typeID >= CFSingleList && typeID <= CFRadio }

// checkCustomFieldBounds validates type-specific settings of f.
func checkCustomFieldBounds(f *customField) error {
	switch f.TypeID {
	case CFNumeric:
		if f.Min != nil && f.Max != nil && *f.Min > *f.Max {
			return badRequest("Invalid min/max: min is greater than max.")
		}
		if f.InitialValue != nil && (f.Min != nil && *f.InitialValue < *f.Min || f.Max != nil && *f.InitialValue > *f.Max) {
			return badRequest("Invalid initialValue: outside min/max.")
		}
	case CFDate:
		if f.MinDate != nil && f.MaxDate != nil && f.MinDate.After(*f.MaxDate) {
			return badRequest("Invalid min/max: min is after max.")
		}
		switch f.InitialValueType {
		case 0, 1:
		case 2:
			if f.InitialShift == nil {
				return badRequest("Missing required parameter: initialShift.")
			}
		case 3:
			if f.InitialDate == nil {
				return badRequest("Missing required parameter: initialDate.")
			}
		default:
			return badRequest("Invalid initialValueType: %d (1 to 3).", f.InitialValueType)
		}
	}
	return nil
}

// checkApplicable validates issue-type ids of p.
func checkApplicable(p *project, ids []int64) ([]int64, error) {
	out := []int64{}
	for _, id := range ids {
		if findIssueType(p, id) == nil {
			return nil, badRequest("Invalid applicableIssueTypes[]: no issue type %d in the project.", id)
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// addCustomField adds a custom-field definition.
func (s *store) addCustomField(actor *user, at time.Time, p *project, in *customFieldInput) (*customField, error) {
	if in.TypeID < CFText || in.TypeID > CFRadio {
		return nil, badRequest("Invalid typeId: %d (1 to 8).", in.TypeID)
	}
	if err := checkName("custom field", in.Name, func(n string) bool { return customFieldNamed(p, n, nil) }); err != nil {
		return nil, err
	}
	app, err := checkApplicable(p, in.ApplicableIssueTypes)
	if err != nil {
		return nil, err
	}
	f := &customField{ID: s.nextID("meta"), ProjectID: p.ID, TypeID: in.TypeID, Name: in.Name,
		Description: in.Description, Required: in.Required, ApplicableIssueTypes: app}
	switch in.TypeID {
	case CFNumeric:
		f.Min, f.Max, f.InitialValue, f.Unit = in.Min, in.Max, in.InitialValue, in.Unit
	case CFDate:
		f.MinDate, f.MaxDate = in.MinDate, in.MaxDate
		f.InitialValueType, f.InitialShift, f.InitialDate = in.InitialValueType, in.InitialShift, in.InitialDate
	case CFSingleList, CFMultipleList, CFCheckBox, CFRadio:
		f.AllowAddItem = in.AllowAddItem
		f.AllowInput = in.AllowInput && (in.TypeID == CFCheckBox || in.TypeID == CFRadio)
		f.Items = []*listItem{}
		for _, name := range in.Items {
			if strings.TrimSpace(name) == "" || listItemNamed(f, name, nil) {
				return nil, badRequest("Invalid items[]: empty or duplicate item %q.", name)
			}
			f.Items = append(f.Items, &listItem{ID: s.nextID("meta"), Name: name, DisplayOrder: int64(len(f.Items))})
		}
	}
	if err := checkCustomFieldBounds(f); err != nil {
		return nil, err
	}
	for _, o := range p.CustomFields {
		f.DisplayOrder = max(f.DisplayOrder, o.DisplayOrder+1)
	}
	p.CustomFields = append(p.CustomFields, f)
	s.touch() // issues render one entry per applicable field
	return f, nil
}

// customFieldUpdate carries update-custom-field parameters; unset fields
// stay unchanged.
type customFieldUpdate struct {
	Name, Description    *string
	Required             *bool
	ApplicableIssueTypes *[]int64
	Min, Max             opt[float64]
	MinDate, MaxDate     opt[time.Time]
	InitialValue         opt[float64]
	Unit                 opt[string]
	InitialValueType     *int
	InitialShift         opt[int]
	InitialDate          opt[time.Time]
	AllowAddItem         *bool
	AllowInput           *bool
}

func setOpt[T any](dst **T, o opt[T]) {
	if o.Set {
		*dst = o.Value
	}
}

// updateCustomField changes a custom-field definition.
func (s *store) updateCustomField(actor *user, at time.Time, p *project, f *customField, in *customFieldUpdate) error {
	if in.Name != nil {
		if err := checkName("custom field", *in.Name, func(n string) bool { return customFieldNamed(p, n, f) }); err != nil {
			return err
		}
	}
	next := *f
	if in.ApplicableIssueTypes != nil {
		app, err := checkApplicable(p, *in.ApplicableIssueTypes)
		if err != nil {
			return err
		}
		next.ApplicableIssueTypes = app
	}
	if in.Name != nil {
		next.Name = *in.Name
	}
	if in.Description != nil {
		next.Description = *in.Description
	}
	if in.Required != nil {
		next.Required = *in.Required
	}
	switch f.TypeID {
	case CFNumeric:
		setOpt(&next.Min, in.Min)
		setOpt(&next.Max, in.Max)
		setOpt(&next.InitialValue, in.InitialValue)
		setOpt(&next.Unit, in.Unit)
	case CFDate:
		setOpt(&next.MinDate, in.MinDate)
		setOpt(&next.MaxDate, in.MaxDate)
		if in.InitialValueType != nil {
			next.InitialValueType = *in.InitialValueType
		}
		setOpt(&next.InitialShift, in.InitialShift)
		setOpt(&next.InitialDate, in.InitialDate)
	case CFSingleList, CFMultipleList, CFCheckBox, CFRadio:
		if in.AllowAddItem != nil {
			next.AllowAddItem = *in.AllowAddItem
		}
		if in.AllowInput != nil && (f.TypeID == CFCheckBox || f.TypeID == CFRadio) {
			next.AllowInput = *in.AllowInput
		}
	}
	if err := checkCustomFieldBounds(&next); err != nil {
		return err
	}
	*f = next
	s.touch()
	return nil
}

// deleteCustomField removes a custom-field definition and its values.
func (s *store) deleteCustomField(actor *user, at time.Time, p *project, f *customField) error {
	for _, is := range s.issueList {
		if is.ProjectID != p.ID {
			continue
		}
		n := len(is.CustomFields)
		is.CustomFields = slices.DeleteFunc(is.CustomFields, func(v *cfValue) bool { return v.FieldID == f.ID })
		if len(is.CustomFields) != n {
			s.issueChanged(is)
		}
	}
	p.CustomFields = slices.DeleteFunc(p.CustomFields, func(x *customField) bool { return x == f })
	s.touch()
	return nil
}

func listItemNamed(f *customField, name string, self *listItem) bool {
	for _, it := range f.Items {
		if it != self && it.Name == name {
			return true
		}
	}
	return false
}

// addListItem adds an item to a list-type custom field.
func (s *store) addListItem(actor *user, at time.Time, p *project, f *customField, name string) (*listItem, error) {
	if !isListType(f.TypeID) {
		return nil, badRequest("The custom field %q is not a list.", f.Name)
	}
	if err := checkName("list item", name, func(n string) bool { return listItemNamed(f, n, nil) }); err != nil {
		return nil, err
	}
	it := &listItem{ID: s.nextID("meta"), Name: name}
	for _, o := range f.Items {
		it.DisplayOrder = max(it.DisplayOrder, o.DisplayOrder+1)
	}
	f.Items = append(f.Items, it)
	s.touch()
	return it, nil
}

// updateListItem renames an item of a list-type custom field.
func (s *store) updateListItem(actor *user, at time.Time, p *project, f *customField, it *listItem, name string) error {
	if err := checkName("list item", name, func(n string) bool { return listItemNamed(f, n, it) }); err != nil {
		return err
	}
	it.Name = name
	s.touch()
	return nil
}

// deleteListItem removes an item of a list-type custom field and its uses.
func (s *store) deleteListItem(actor *user, at time.Time, p *project, f *customField, it *listItem) error {
	for _, is := range s.issueList {
		if is.ProjectID != p.ID {
			continue
		}
		for _, v := range is.CustomFields {
			if v.FieldID == f.ID && slices.Contains(v.Items, it.ID) {
				v.Items = removeID(v.Items, it.ID)
				s.issueChanged(is)
			}
		}
	}
	f.Items = slices.DeleteFunc(f.Items, func(x *listItem) bool { return x == it })
	s.touch()
	return nil
}
