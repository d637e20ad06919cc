package backlog

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// CustomFieldType is the kind of a custom field (typeId / fieldTypeId).
type CustomFieldType int

// The eight custom-field types.
const (
	FieldText         CustomFieldType = 1 // single line
	FieldTextArea     CustomFieldType = 2 // sentence
	FieldNumeric      CustomFieldType = 3
	FieldDate         CustomFieldType = 4
	FieldSingleList   CustomFieldType = 5
	FieldMultipleList CustomFieldType = 6
	FieldCheckBox     CustomFieldType = 7
	FieldRadio        CustomFieldType = 8
)

// CustomFieldValue is one custom-field value of an issue. Value holds the raw
// JSON value, whose type depends on FieldTypeID:
//
//	1, 2  string or null       → Text
//	3     number or null       → Number
//	4     timestamp or null    → Date
//	5, 8  item object or null  → Item
//	6, 7  array of items       → Items
//
// Types 7 and 8 may also carry OtherValue (the free-text "other" answer).
// The accessors decode Value on each call; they report ok=false when the
// value is null or does not fit the field type.
type CustomFieldValue struct {
	ID          int64           `json:"id"`
	FieldTypeID CustomFieldType `json:"fieldTypeId"`
	Name        string          `json:"name"`
	Value       json.RawMessage `json:"value"`
	OtherValue  *string         `json:"otherValue,omitempty"`
}

// IsNull reports whether the value is null or absent (an empty list is not null).
func (v *CustomFieldValue) IsNull() bool {
	b := bytes.TrimSpace(v.Value)
	return len(b) == 0 || string(b) == "null"
}

// Text returns the value of a text field (types 1 and 2).
func (v *CustomFieldValue) Text() (string, bool) {
	var s *string
	if (v.FieldTypeID != FieldText && v.FieldTypeID != FieldTextArea) || v.IsNull() || json.Unmarshal(v.Value, &s) != nil || s == nil {
		return "", false
	}
	return *s, true
}

// Number returns the value of a numeric field (type 3).
func (v *CustomFieldValue) Number() (float64, bool) {
	var f *float64
	if v.FieldTypeID != FieldNumeric || v.IsNull() || json.Unmarshal(v.Value, &f) != nil || f == nil {
		return 0, false
	}
	return *f, true
}

// Date returns the value of a date field (type 4).
func (v *CustomFieldValue) Date() (Date, bool) {
	var d Date
	if v.FieldTypeID != FieldDate || v.IsNull() || json.Unmarshal(v.Value, &d) != nil || d.IsZero() {
		return Date{}, false
	}
	return d, true
}

// Item returns the chosen item of a single-list or radio field (types 5 and 8).
func (v *CustomFieldValue) Item() (CustomFieldItem, bool) {
	var it *CustomFieldItem
	if (v.FieldTypeID != FieldSingleList && v.FieldTypeID != FieldRadio) || v.IsNull() || json.Unmarshal(v.Value, &it) != nil || it == nil {
		return CustomFieldItem{}, false
	}
	return *it, true
}

// Items returns the chosen items of a multiple-list or check-box field
// (types 6 and 7); ok is true for an empty selection.
func (v *CustomFieldValue) Items() ([]CustomFieldItem, bool) {
	var items []CustomFieldItem
	if v.FieldTypeID != FieldMultipleList && v.FieldTypeID != FieldCheckBox {
		return nil, false
	}
	if v.IsNull() {
		return nil, true
	}
	if json.Unmarshal(v.Value, &items) != nil {
		return nil, false
	}
	return items, true
}

// Interface decodes the value by its field type into nil (null), string,
// float64, Date, CustomFieldItem or []CustomFieldItem. It fails when the value
// does not fit the type; unknown field types yield the raw json.RawMessage.
func (v *CustomFieldValue) Interface() (any, error) {
	var ok bool
	var out any
	switch v.FieldTypeID {
	case FieldText, FieldTextArea:
		out, ok = v.Text()
	case FieldNumeric:
		out, ok = v.Number()
	case FieldDate:
		out, ok = v.Date()
	case FieldSingleList, FieldRadio:
		out, ok = v.Item()
	case FieldMultipleList, FieldCheckBox:
		out, ok = v.Items()
	default:
		return v.Value, nil
	}
	if ok {
		return out, nil
	}
	if v.IsNull() {
		return nil, nil
	}
	return nil, fmt.Errorf("backlog: custom field %d (%q): value %.60s does not fit field type %d", v.ID, v.Name, v.Value, int(v.FieldTypeID))
}
