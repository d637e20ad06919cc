package backlog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
)

// issuePage builds a page of n issues from the fixture with distinct ids.
func issuePage(b *testing.B, n int) []byte {
	one := readFixture(b, "issue.json")
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i := 0; i < n; i++ {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(bytes.Replace(one, []byte(`"id": 1,`), []byte(fmt.Sprintf(`"id": %d,`, i+1)), 1))
	}
	buf.WriteByte(']')
	return buf.Bytes()
}

// BenchmarkDecodeIssuePage decodes a 100-issue page (what one GET /issues
// returns) into typed Issues: "typed" as the client does (Client.Do),
// "unmarshal" through json.Unmarshal and the types' UnmarshalJSON methods,
// "encoding-json" with the fast path off (the decoding before it existed),
// and a generic decode as the baseline.
func BenchmarkDecodeIssuePage(b *testing.B) {
	data := issuePage(b, 100)
	b.Run("typed", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			var page []*Issue
			if err := decodeJSON(data, &page); err != nil || len(page) != 100 {
				b.Fatal(err)
			}
		}
	})
	// json.Unmarshal with the types' fast UnmarshalJSON, then without it.
	for _, mode := range []struct {
		name string
		off  bool
	}{{"unmarshal", false}, {"encoding-json", true}} {
		b.Run(mode.name, func(b *testing.B) {
			fastOff.Store(mode.off)
			defer fastOff.Store(false)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				var page []*Issue
				if err := json.Unmarshal(data, &page); err != nil || len(page) != 100 {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("generic-map", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			var page []map[string]any
			if err := json.Unmarshal(data, &page); err != nil {
				b.Fatal(err)
			}
		}
	})
}
