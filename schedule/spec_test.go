package schedule

import (
	"testing"
	"time"

	"github.com/backlogsync/backlogsync/config"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// nexts returns the first n due times after from.
func nexts(s Spec, from time.Time, n int) []string {
	var out []string
	for t := from; len(out) < n; {
		t = s.Next(t)
		out = append(out, t.Format("Mon 2006-01-02 15:04 MST"))
	}
	return out
}

func TestParseSpec(t *testing.T) {
	tokyo := mustZone(t, "Asia/Tokyo")
	from := time.Date(2026, 12, 5, 9, 52, 0, 0, tokyo) // a Saturday
	tests := []struct {
		name string
		cdat string // CData TaskSchedulerInterval
		s    config.Schedule
		want []string
	}{
		{"minute", "", config.Schedule{Interval: config.Minutes, Every: time.Minute},
			[]string{"Sat 2026-12-05 09:53 JST", "Sat 2026-12-05 09:54 JST"}},
		{"15m aligned to the hour", "", config.Schedule{Interval: config.Minutes, Every: 15 * time.Minute},
			[]string{"Sat 2026-12-05 10:00 JST", "Sat 2026-12-05 10:15 JST", "Sat 2026-12-05 10:30 JST"}},
		{"15m through the start time", "", config.Schedule{Interval: config.Minutes, Every: 15 * time.Minute, Start: "09:51"},
			[]string{"Sat 2026-12-05 10:06 JST", "Sat 2026-12-05 10:21 JST"}},
		{"hourly at the start's minute", "", config.Schedule{Interval: config.Hourly, Start: "09:51"},
			[]string{"Sat 2026-12-05 10:51 JST", "Sat 2026-12-05 11:51 JST"}},
		{"hourly default :00", "", config.Schedule{Interval: config.Hourly},
			[]string{"Sat 2026-12-05 10:00 JST", "Sat 2026-12-05 11:00 JST"}},
		{"daily", "", config.Schedule{Interval: config.Daily, Start: "02:30"},
			[]string{"Sun 2026-12-06 02:30 JST", "Mon 2026-12-07 02:30 JST"}},
		{"daily later today", "", config.Schedule{Interval: config.Daily, Start: "23:00"},
			[]string{"Sat 2026-12-05 23:00 JST", "Sun 2026-12-06 23:00 JST"}},
		{"weekly default Monday", "", config.Schedule{Interval: config.Weekly, Start: "09:51"},
			[]string{"Mon 2026-12-07 09:51 JST", "Mon 2026-12-14 09:51 JST"}},
		{"weekly Sunday", "", config.Schedule{Interval: config.Weekly, Start: "06:00", Day: 7},
			[]string{"Sun 2026-12-06 06:00 JST", "Sun 2026-12-13 06:00 JST"}},
		{"monthly", "", config.Schedule{Interval: config.Monthly, Start: "01:00"},
			[]string{"Fri 2027-01-01 01:00 JST", "Mon 2027-02-01 01:00 JST"}},
		{"monthly 31st skips short months", "", config.Schedule{Interval: config.Monthly, Day: 31},
			[]string{"Thu 2026-12-31 00:00 JST", "Sun 2027-01-31 00:00 JST", "Wed 2027-03-31 00:00 JST"}},
		{"cron", "", config.Schedule{Interval: config.Cron, Cron: "*/20 9-10 * * SAT"},
			[]string{"Sat 2026-12-05 10:00 JST", "Sat 2026-12-05 10:20 JST", "Sat 2026-12-05 10:40 JST", "Sat 2026-12-12 09:00 JST"}},
		{"cron 7 is Sunday", "", config.Schedule{Interval: config.Cron, Cron: "0 8 * * 6-7"},
			[]string{"Sun 2026-12-06 08:00 JST", "Sat 2026-12-12 08:00 JST"}},
		{"cron in its own zone", "", config.Schedule{Interval: config.Cron, Cron: "0 9 * * *", TimeZone: "UTC"},
			[]string{"Sat 2026-12-05 18:00 JST", "Sun 2026-12-06 18:00 JST"}}, // 09:00 UTC
		{"7h restarts at midnight", "", config.Schedule{Interval: config.Minutes, Every: 7 * time.Hour},
			[]string{"Sat 2026-12-05 14:00 JST", "Sat 2026-12-05 21:00 JST", "Sun 2026-12-06 00:00 JST", "Sun 2026-12-06 07:00 JST"}},
		{"5h from 04:00 restarts each day", "", config.Schedule{Interval: config.Minutes, Every: 5 * time.Hour, Start: "04:00"},
			[]string{"Sat 2026-12-05 14:00 JST", "Sat 2026-12-05 19:00 JST", "Sun 2026-12-06 00:00 JST", "Sun 2026-12-06 04:00 JST", "Sun 2026-12-06 09:00 JST"}},
		// The same through CData's own spellings, parsed by config.
		{"CData Daily", "DAILY", config.Schedule{Start: "02:30"},
			[]string{"Sun 2026-12-06 02:30 JST"}},
		{"CData Minute", "minute", config.Schedule{},
			[]string{"Sat 2026-12-05 09:53 JST"}},
		{"CData 30 Minutes", "30 Minutes", config.Schedule{},
			[]string{"Sat 2026-12-05 10:00 JST", "Sat 2026-12-05 10:30 JST"}},
		{"CData cron with zone", "CRON_TZ=UTC 0 9 * * *", config.Schedule{},
			[]string{"Sat 2026-12-05 18:00 JST"}},
	}
	for _, tt := range tests {
		s := tt.s
		if tt.cdat != "" {
			p, err := config.ParseSchedule(tt.cdat)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			p.Start = s.Start
			s = p
		}
		spec, err := ParseSpec(s, tokyo)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		got := nexts(spec, from, len(tt.want))
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s: next times %q, want %q", tt.name, got, tt.want)
				break
			}
		}
	}
}

func TestParseSpecNever(t *testing.T) {
	for _, s := range []config.Schedule{{}, {Interval: config.Never}, {Interval: config.Never, Start: "09:51"}} {
		spec, err := ParseSpec(s, nil)
		if spec != nil || err != nil {
			t.Errorf("ParseSpec(%+v) = %v, %v; want nil, nil", s, spec, err)
		}
	}
}

func TestParseSpecErrors(t *testing.T) {
	for _, tt := range []struct {
		s    config.Schedule
		want string
	}{
		{config.Schedule{Interval: config.Minutes, Every: 30 * time.Second}, "schedule period 30s must be a whole number of minutes from 1m to 24h"},
		{config.Schedule{Interval: config.Minutes, Every: 48 * time.Hour}, "schedule period 48h0m0s must be a whole number of minutes from 1m to 24h"},
		{config.Schedule{Interval: config.Cron, Cron: "0 9 * *"}, `cron "0 9 * *": expected exactly 5 fields, found 4: [0 9 * *]; write five fields: minute hour day-of-month month day-of-week, e.g. "*/15 * * * *"`},
		{config.Schedule{Interval: config.Daily, TimeZone: "Mars/Olympus"}, `"Mars/Olympus" is not a time zone; write an IANA name such as Asia/Tokyo, Europe/Berlin or UTC`},
		{config.Schedule{Interval: config.Weekly, Day: 8}, "weekly schedule day 8: write 1 (Monday) … 7 (Sunday)"},
		{config.Schedule{Interval: "fortnightly"}, `schedule interval "fortnightly" is unknown; use never, minutes, hourly, daily, weekly, monthly or cron`},
	} {
		if _, err := ParseSpec(tt.s, time.UTC); err == nil || err.Error() != tt.want {
			t.Errorf("ParseSpec(%+v) error = %v\nwant %s", tt.s, err, tt.want)
		}
	}
}

// Daylight saving time: a daily 02:30 run in New York on the spring-forward
// day (02:30 does not exist) and the fall-back day (it exists twice) runs
// once a day, never twice, and the grid of a periodic schedule stays on the
// quarter hours.
func TestParseSpecDST(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	daily, err := ParseSpec(config.Schedule{Interval: config.Daily, Start: "02:30"}, ny)
	if err != nil {
		t.Fatal(err)
	}
	got := nexts(daily, time.Date(2026, 3, 7, 12, 0, 0, 0, ny), 3)
	for i, g := range got {
		day := []string{"Sun 2026-03-08", "Mon 2026-03-09", "Tue 2026-03-10"}[i]
		if g[:14] != day {
			t.Errorf("daily 02:30 over spring-forward: %q, want one run on each of Mar 8, 9, 10", got)
			break
		}
	}
	if got[0] != "Sun 2026-03-08 03:30 EDT" {
		t.Errorf("on spring-forward day 02:30 does not exist; the run is at %s, want 03:30 EDT", got[0])
	}
	early, _ := ParseSpec(config.Schedule{Interval: config.Daily, Start: "01:30"}, ny)
	got = nexts(early, time.Date(2026, 10, 31, 12, 0, 0, 0, ny), 2)
	if got[0] != "Sun 2026-11-01 01:30 EDT" || got[1] != "Mon 2026-11-02 01:30 EST" {
		t.Errorf("daily 01:30 over fall-back (01:30 exists twice on Nov 1): %q, want the first 01:30 (EDT) once, then Nov 2", got)
	}
	// Asked between the two 01:30s, the next run is the next day's.
	second := time.Date(2026, 11, 1, 5, 45, 0, 0, time.UTC) // 01:45 EDT … then 01:30 EST comes at 06:30 UTC
	if n := early.Next(second); n.Format("2006-01-02 15:04 MST") != "2026-11-02 01:30 EST" {
		t.Errorf("after the first 01:30 the next run is %s, want Nov 2 (not the second 01:30)", n.Format("2006-01-02 15:04 MST"))
	}
	q, _ := ParseSpec(config.Schedule{Interval: config.Minutes, Every: 15 * time.Minute}, ny)
	for t0, i := time.Date(2026, 3, 8, 0, 50, 0, 0, ny), 0; i < 12; i++ {
		t0 = q.Next(t0)
		if t0.Minute()%15 != 0 {
			t.Fatalf("15m grid left the quarter hours at %s", t0)
		}
	}
}

func TestJobFromConfig(t *testing.T) {
	j := config.Job{Name: "nightly", Schedule: config.Schedule{Interval: config.Daily, Start: "02:00", NoCatchUp: true,
		Retry: config.Retry{Count: 2, Backoff: time.Minute}}}
	last := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	got, err := JobFromConfig(j, Defaults{Location: time.UTC, Jitter: time.Minute}, last)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "nightly" || got.CatchUp || got.Jitter != time.Minute || got.Retry.Count != 2 || !got.LastRun.Equal(last) ||
		!got.Spec.Next(last).Equal(time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC)) {
		t.Errorf("JobFromConfig = %+v", got)
	}
	j.Schedule.Jitter = 5 * time.Second
	if got, _ := JobFromConfig(j, Defaults{Jitter: time.Minute}, last); got.Jitter != 5*time.Second {
		t.Errorf("the job's jitter %s should override the default", got.Jitter)
	}
	j.Schedule = config.Schedule{Interval: config.Cron, Cron: "61 * * * *"}
	if _, err := JobFromConfig(j, Defaults{}, last); err == nil {
		t.Error("a bad cron expression should fail")
	}
}

// Before the day's first grid point, the previous day's grid decides.
func TestPeriodicBeforeAnchor(t *testing.T) {
	p, _ := ParseSpec(config.Schedule{Interval: config.Minutes, Every: 5 * time.Hour, Start: "04:00"}, time.UTC)
	for from, want := range map[string]string{
		"2026-12-06 00:30": "2026-12-06 04:00", // after 00:00 (the previous day's 19:00 + 5h), before the anchor
		"2026-12-05 23:59": "2026-12-06 00:00",
		"2026-12-06 00:00": "2026-12-06 04:00",
		"2026-12-06 03:59": "2026-12-06 04:00",
		"2026-12-06 04:00": "2026-12-06 09:00",
	} {
		f, _ := time.Parse("2006-01-02 15:04", from)
		if got := p.Next(f).Format("2006-01-02 15:04"); got != want {
			t.Errorf("Next(%s) = %s, want %s", from, got, want)
		}
	}
	q, _ := ParseSpec(config.Schedule{Interval: config.Minutes, Every: 15 * time.Minute, Start: "09:51"}, time.UTC)
	f, _ := time.Parse("2006-01-02 15:04", "2026-12-06 00:03")
	if got := q.Next(f).Format("15:04"); got != "00:06" {
		t.Errorf("15m grid through 09:51 at 00:03: next %s, want 00:06", got)
	}
}
