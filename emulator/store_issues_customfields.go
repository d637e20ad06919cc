package emulator

import (
	"sort"
	"strconv"
	"time"
)

// Custom-field values of issues as sent in forms (customField_{id},
// customField_{id}[], customField_{id}_otherValue).

// applyCustomFields parses form custom-field values against p's definitions
// and returns the new value list (a fresh slice; the old one is untouched).
// Fields that do not apply to the issue type are ignored.
func (s *store) applyCustomFields(p *project, issueTypeID int64, old []*cfValue, in map[int64]cfInput) ([]*cfValue, error) {
	out := make([]*cfValue, 0, len(old)+len(in))
	for _, v := range old {
		if _, replaced := in[v.FieldID]; !replaced {
			out = append(out, v)
		}
	}
	ids := make([]int64, 0, len(in))
	for id := range in {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		f := customFieldByID(p, id)
		if f == nil {
			return nil, badRequest("No custom field %d in project %s.", id, p.Key)
		}
		if !fieldApplies(f, issueTypeID) {
			continue
		}
		v, err := parseCFInput(f, in[id])
		if err != nil {
			return nil, err
		}
		if v != nil {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].FieldID < out[j].FieldID })
	return out, nil
}

// parseCFInput converts one form value; nil means "no value".
func parseCFInput(f *customField, in cfInput) (*cfValue, error) {
	var vals []string
	for _, v := range in.Values {
		if v != "" {
			vals = append(vals, v)
		}
	}
	name := "customField_" + strconv.FormatInt(f.ID, 10)
	v := &cfValue{FieldID: f.ID}
	switch f.TypeID {
	case CFText, CFTextArea:
		if len(vals) == 0 {
			return nil, nil
		}
		t := vals[0]
		v.Text = &t
	case CFNumeric:
		if len(vals) == 0 {
			return nil, nil
		}
		n, err := strconv.ParseFloat(vals[0], 64)
		if err != nil {
			return nil, badRequest("Invalid %s: %q is not a number.", name, vals[0])
		}
		if f.Min != nil && n < *f.Min || f.Max != nil && n > *f.Max {
			return nil, badRequest("Invalid %s: %v is out of the field's range.", name, n)
		}
		v.Number = &n
	case CFDate:
		if len(vals) == 0 {
			return nil, nil
		}
		d, err := time.Parse(dateLayout, vals[0])
		if err != nil {
			return nil, badRequest("Invalid %s: %q is not a date in yyyy-MM-dd format.", name, vals[0])
		}
		if f.MinDate != nil && d.Before(*f.MinDate) || f.MaxDate != nil && d.After(*f.MaxDate) {
			return nil, badRequest("Invalid %s: %s is out of the field's range.", name, vals[0])
		}
		v.Date = &d
	case CFSingleList, CFMultipleList, CFCheckBox, CFRadio:
		if (f.TypeID == CFSingleList || f.TypeID == CFRadio) && len(vals) > 1 {
			return nil, badRequest("Invalid %s: the field takes one item.", name)
		}
		for _, sv := range vals {
			id, err := strconv.ParseInt(sv, 10, 64)
			if err != nil {
				return nil, badRequest("Invalid %s: %q is not an item id.", name, sv)
			}
			if listItemByID(f, id) == nil {
				return nil, badRequest("Invalid %s: no item %d.", name, id)
			}
			if !containsID(v.Items, id) {
				v.Items = append(v.Items, id)
			}
		}
		if in.Other != nil && *in.Other != "" {
			if f.TypeID != CFCheckBox && f.TypeID != CFRadio || !f.AllowInput {
				return nil, badRequest("Invalid %s_otherValue: the field does not allow other values.", name)
			}
			o := *in.Other
			v.Other = &o
		}
		if len(v.Items) == 0 && v.Other == nil {
			return nil, nil
		}
	default:
		return nil, badRequest("Custom field %d has an unknown type.", f.ID)
	}
	return v, nil
}

// checkRequiredFields rejects a state that lacks a required custom field.
func checkRequiredFields(p *project, f *issueFields) error {
	for _, def := range p.CustomFields {
		if !def.Required || !fieldApplies(def, f.IssueTypeID) {
			continue
		}
		if cfByField(f.CustomFields, def.ID) == nil {
			return badRequest("Custom field %s (customField_%d) is required.", def.Name, def.ID)
		}
	}
	return nil
}

func cfByField(list []*cfValue, id int64) *cfValue {
	for _, v := range list {
		if v.FieldID == id {
			return v
		}
	}
	return nil
}
