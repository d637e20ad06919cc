package replicate_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	bs "github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/emulator"
)

// TestE2ERunWarnings: a full refresh that reads no rows where rows were
// stored, and one that deletes most of them, are warnings recorded with
// the run in the runs table of every destination; a run without such
// problems has none.
func TestE2ERunWarnings(t *testing.T) {
	forEachDest(t, func(t *testing.T, open func(t *testing.T) bs.Destination) {
		s := newScenario(t, emulator.Size{Projects: 1, Users: 8, Issues: 3}, 11, open, false)
		ctx := context.Background()
		all := parse(t, "REPLICATE Users;")
		res, _ := s.mustRun(all, "first load")
		if len(res.Warnings) != 0 {
			t.Fatalf("first load warnings %+v; want none", res.Warnings)
		}
		var ids []int64
		if err := s.dest.Query(ctx, "Users", bs.Query{Columns: []string{"Id"}, OrderBy: []bs.Order{{Column: "Id"}}}, func(r bs.Row) error {
			ids = append(ids, r[0].(int64))
			return nil
		}); err != nil || len(ids) < 4 {
			t.Fatalf("users %v %v", ids, err)
		}
		// Keep one user of several: more than half the rows go.
		one := parse(t, "REPLICATE Users SELECT * FROM Users WHERE Id = "+itoa(ids[0])+";")
		res, _ = s.mustRun(one, "filtered to one user")
		if len(res.Warnings) != 1 || res.Warnings[0].Kind != bs.WarnRowDrop || res.Warnings[0].Table != "Users" ||
			!strings.Contains(res.Warnings[0].Message, itoa(int64(len(ids)-1))+" of the "+itoa(int64(len(ids)))) {
			t.Errorf("row drop run warnings %+v", res.Warnings)
		}
		none := parse(t, "REPLICATE Users SELECT * FROM Users WHERE Id < 0;")
		res, _ = s.mustRun(none, "filtered to no user")
		if len(res.Warnings) != 1 || res.Warnings[0].Kind != bs.WarnZeroRows || res.Warnings[0].Table != "Users" {
			t.Errorf("zero-row run warnings %+v", res.Warnings)
		}
		runs, err := s.dest.Runs(ctx, s.job, 0)
		if err != nil || len(runs) != 3 {
			t.Fatalf("runs %+v %v", runs, err)
		}
		if len(runs[2].Warnings) != 0 || len(runs[1].Warnings) != 1 || runs[1].Warnings[0].Kind != bs.WarnRowDrop ||
			len(runs[0].Warnings) != 1 || runs[0].Warnings[0] != res.Warnings[0] {
			t.Errorf("runs table warnings: %+v / %+v / %+v", runs[2].Warnings, runs[1].Warnings, runs[0].Warnings)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
