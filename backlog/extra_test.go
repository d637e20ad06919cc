package backlog

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestObjectMembers(t *testing.T) {
	t.Parallel()
	in := ` { "a" : 1, "b\"c":"x,}]", "d":{"e":[1,{"f":"}"}]}, "g":[], "h":null, "i":true , "j":-1.5e3 } `
	var keys []string
	raws := map[string]string{}
	if err := objectMembers([]byte(in), func(k, raw []byte) {
		keys = append(keys, string(k))
		raws[string(k)] = string(raw)
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{"a", `b"c`, "d", "g", "h", "i", "j"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("keys = %q, want %q", keys, want)
	}
	if raws["d"] != `{"e":[1,{"f":"}"}]}` || raws[`b"c`] != `"x,}]"` || raws["j"] != "-1.5e3" {
		t.Errorf("raws = %q", raws)
	}
	for _, bad := range []string{``, `[]`, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":"x`, `{"a":[1}`, `{"a":1 "b":2}`} {
		_ = objectMembers([]byte(bad), func(_, _ []byte) {}) // must not panic or loop
	}
	if err := objectMembers([]byte(`{}`), func(_, _ []byte) { t.Error("member in {}") }); err != nil {
		t.Error(err)
	}
}

func TestDecodeWithExtra(t *testing.T) {
	t.Parallel()
	var u User
	in := `{"id":5,"name":"n","NAME":"upper","roleType":2,"nested":{"x":[1,2]},"k\u00e9y":"v","userId":null}`
	if err := json.Unmarshal([]byte(in), &u); err != nil {
		t.Fatal(err)
	}
	want := Extra{"nested": json.RawMessage(`{"x":[1,2]}`), "kéy": json.RawMessage(`"v"`)}
	if !reflect.DeepEqual(u.Extra, want) {
		t.Errorf("Extra = %s, want %s", u.Extra, want)
	}
	if u.ID != 5 || u.UserID != nil {
		t.Errorf("user = %+v", u)
	}
	// Known-only input leaves Extra nil; decoding again resets it.
	if err := json.Unmarshal([]byte(`{"id":6}`), &u); err != nil {
		t.Fatal(err)
	}
	if u.Extra != nil {
		t.Errorf("Extra = %v, want nil", u.Extra)
	}
	// null is a no-op; a wrong type is an error.
	if err := json.Unmarshal([]byte(`null`), &u); err != nil || u.ID != 6 {
		t.Errorf("null: %v %+v", err, u)
	}
	if err := json.Unmarshal([]byte(`{"id":"x"}`), &u); err == nil {
		t.Error("string id accepted")
	}
	// Extra values do not alias the input buffer.
	buf := []byte(`{"id":1,"z":"abc"}`)
	var u2 User
	if err := json.Unmarshal(buf, &u2); err != nil {
		t.Fatal(err)
	}
	copy(buf, "XXXXXXXXXXXXXXXXXX")
	if string(u2.Extra["z"]) != `"abc"` {
		t.Errorf("Extra aliases input: %s", u2.Extra["z"])
	}
}

func TestFieldsOf(t *testing.T) {
	t.Parallel()
	type inner struct {
		X int `json:"x"`
	}
	type outer struct {
		inner
		A     int `json:"a,omitempty"`
		B     int
		C     int `json:"-"`
		c     int
		Extra Extra `json:"-"`
	}
	_ = outer{}.c
	got := fieldsOf[outer]()
	want := fieldSet{"x": {}, "a": {}, "b": {}, "B": {}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fieldsOf = %v, want %v", got, want)
	}
}
