package backlog

import (
	"encoding/json"
	"testing"
	"time"
)

func TestDate_UnmarshalJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Date
		wantErr bool
	}{
		{`"2017-11-16T00:00:00Z"`, NewDate(2017, 11, 16), false}, // current servers: midnight UTC
		{`"2013-08-29T15:00:00Z"`, NewDate(2013, 8, 30), false},  // older servers: JST midnight
		{`"2013-08-30T00:00:00+09:00"`, NewDate(2013, 8, 30), false},
		{`"2024-02-29T00:00:00Z"`, NewDate(2024, 2, 29), false}, // leap day
		{`"2023-12-31T15:00:00Z"`, NewDate(2024, 1, 1), false},  // JST midnight across a year
		{`"2024-03-10T05:00:00Z"`, NewDate(2024, 3, 10), false}, // UTC-5 midnight
		{`"2024-03-09T11:59:59Z"`, NewDate(2024, 3, 9), false},  // rounds down
		{`"2024-03-09T12:00:00Z"`, NewDate(2024, 3, 10), false}, // tie rounds up (UTC+12 midnight)
		{`"2024-03-09T13:00:00Z"`, NewDate(2024, 3, 10), false}, // UTC+11 midnight
		{`"2017-11-16"`, NewDate(2017, 11, 16), false},          // plain date
		{`"2017-11-16T00:00:00.000Z"`, NewDate(2017, 11, 16), false},
		{`null`, Date{}, false},
		{`""`, Date{}, true},
		{`"2017-13-01"`, Date{}, true},
		{`"2017-02-30T00:00:00Z"`, Date{}, true},
		{`"16/11/2017"`, Date{}, true},
		{`20171116`, Date{}, true},
		{`"2017-11-16 00:00:00"`, Date{}, true},
	}
	for _, tt := range tests {
		var d Date
		err := json.Unmarshal([]byte(tt.in), &d)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: err = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if d != tt.want {
			t.Errorf("%s: got %v, want %v", tt.in, d, tt.want)
		}
	}
}

func TestDate_nullableAndMarshal(t *testing.T) {
	t.Parallel()
	var v struct {
		A *Date `json:"a"`
		B *Date `json:"b"`
	}
	if err := json.Unmarshal([]byte(`{"a":null,"b":"2013-08-29T15:00:00Z"}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != nil || v.B == nil || v.B.String() != "2013-08-30" {
		t.Errorf("got %v %v", v.A, v.B)
	}
	out, _ := json.Marshal(struct {
		D Date
		Z Date
	}{NewDate(2024, 1, 2), Date{}})
	if string(out) != `{"D":"2024-01-02","Z":null}` {
		t.Errorf("marshal = %s", out)
	}
	if got := NewDate(2024, 1, 2).Time(); !got.Equal(time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Time = %v", got)
	}
	if !NewDate(2024, 1, 2).Before(NewDate(2024, 1, 3)) || NewDate(2024, 1, 3).Before(NewDate(2024, 1, 2)) {
		t.Error("Before")
	}
	if d, err := ParseDate("2024-02-29"); err != nil || d != NewDate(2024, 2, 29) {
		t.Errorf("ParseDate = %v, %v", d, err)
	}
	if (Date{}).String() != "" {
		t.Error("zero String")
	}
}
