package replicate

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/backlogsync/backlogsync"
)

// wikiContent returns the stored content of wiki page id.
func (e *env) wikiContent(t *testing.T, id int64) string {
	t.Helper()
	var out string
	err := e.dest.Query(context.Background(), "WikiPages", backlogsync.Query{Columns: []string{"Content"},
		Filter: backlogsync.Cmp{Column: "Id", Op: backlogsync.OpEq, Value: id}}, func(r backlogsync.Row) error {
		out, _ = r[0].(string)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestWikiTwoEditsInOneSecond is issue 13 item 5: a wiki page edited, read
// by a run, and edited again in the same second keeps its Updated; the
// next run must still store the second edit (the activity feed names the
// page), and a run without any change reads no page in full.
func TestWikiTwoEditsInOneSecond(t *testing.T) {
	ctx := context.Background()
	e, clk := newClockEnv(t, 33)
	stmts := parse(t, "REPLICATE WikiPages; REPLICATE WikiPageTags; REPLICATE WikiPageHistory;")
	if _, err := e.eng.Run(ctx, stmts); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := e.dest.Query(ctx, "WikiPages", backlogsync.Query{Columns: []string{"Id"}, Limit: 1}, func(r backlogsync.Row) error {
		id, _ = r[0].(int64)
		return nil
	}); err != nil || id == 0 {
		t.Fatalf("no wiki page stored: %v", err)
	}
	clk.add(time.Hour)
	edit := func(content string) {
		e.send(t, "PATCH", fmt.Sprintf("wikis/%d", id), url.Values{"content": {content}})
	}
	edit("first edit")
	if _, err := e.eng.Run(ctx, stmts); err != nil {
		t.Fatal(err)
	}
	if got := e.wikiContent(t, id); got != "first edit" {
		t.Fatalf("after the first edit: %q", got)
	}
	edit("second edit, same second") // the clock has not moved
	if _, err := e.eng.Run(ctx, stmts); err != nil {
		t.Fatal(err)
	}
	if got := e.wikiContent(t, id); got != "second edit, same second" {
		t.Errorf("after a second edit in the same second: stored %q", got)
	}
	e.checkEqualTables(t, "WikiPages", "WikiPageTags", "WikiPageHistory")
	// Nothing changed: no page is read in full.
	clk.add(time.Minute)
	n := countPaths(e, func() {
		if _, err := e.eng.Run(ctx, stmts); err != nil {
			t.Fatal(err)
		}
	})
	if n["other"] > 2 {
		t.Errorf("a run without changes made %v requests", n)
	}
}
