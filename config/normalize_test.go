package config

import (
	"fmt"
	"testing"
	"time"
)

func TestParseSchedule(t *testing.T) {
	tests := []struct {
		in   string
		want Schedule
	}{
		{"Never", Schedule{Interval: Never}},
		{"", Schedule{Interval: Never}},
		{"Minute", Schedule{Interval: Minutes, Every: time.Minute}},
		{"Hourly", Schedule{Interval: Hourly}},
		{"daily", Schedule{Interval: Daily}},
		{"WEEKLY", Schedule{Interval: Weekly}},
		{"Monthly", Schedule{Interval: Monthly}},
		{"Every Hour", Schedule{Interval: Hourly}},
		{"15 Minutes", Schedule{Interval: Minutes, Every: 15 * time.Minute}},
		{"Every 30 Minutes", Schedule{Interval: Minutes, Every: 30 * time.Minute}},
		{"5min", Schedule{Interval: Minutes, Every: 5 * time.Minute}},
		{"2 hours", Schedule{Interval: Minutes, Every: 2 * time.Hour}},
		{"15m", Schedule{Interval: Minutes, Every: 15 * time.Minute}},
		{"1h30m", Schedule{Interval: Minutes, Every: 90 * time.Minute}},
		{"*/15 * * * *", Schedule{Interval: Cron, Cron: "*/15 * * * *"}},
		{"0  9 * * MON-FRI", Schedule{Interval: Cron, Cron: "0 9 * * MON-FRI"}},
		{"30 2 1,15 jan-jun ?", Schedule{Interval: Cron, Cron: "30 2 1,15 jan-jun ?"}},
		{"CRON_TZ=Asia/Tokyo 0 9 * * *", Schedule{Interval: Cron, Cron: "0 9 * * *", TimeZone: "Asia/Tokyo"}},
		{"0 8 * * 5-7", Schedule{Interval: Cron, Cron: "0 8 * * 5-7"}},
		{"@daily", Schedule{Interval: Cron, Cron: "@daily"}},
		{"@every 2h", Schedule{Interval: Cron, Cron: "@every 2h"}},
	}
	for _, tt := range tests {
		got, err := ParseSchedule(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseSchedule(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	errs := []struct{ in, want string }{
		{"Sometimes", `"Sometimes" is not a schedule; write Never, Hourly, Daily, Weekly, Monthly, "15 Minutes" (or 15m), or a cron expression such as "*/15 * * * *"`},
		{"30s", `"30s": a schedule period must be a whole number of minutes, at least 1m`},
		{"90s", `"90s": a schedule period must be a whole number of minutes, at least 1m`},
		{"0 Minutes", `"0 Minutes": the period must be at least 1`},
		{"48 hours", `"48 hours": a schedule period is at most 24h; for longer ones write Weekly, Monthly or a cron expression such as "0 2 */2 * *"`},
		{"@every 10s", `"@every 10s": a schedule period must be at least 1m`},
		{"25h", `"25h": a schedule period is at most 24h; for longer ones write Weekly, Monthly or a cron expression such as "0 2 */2 * *"`},
		{"60 24 * * *", `cron "60 24 * * *": minute field "60": "60" is not 0..59`},
		{"0 24 * * *", `cron "0 24 * * *": hour field "24": "24" is not 0..23`},
		{"0 0 0 * *", `cron "0 0 0 * *": day of month field "0": "0" is not 1..31`},
		{"0 0 * 13 *", `cron "0 0 * 13 *": month field "13": "13" is not 1..12`},
		{"0 0 * * 8", `cron "0 0 * * 8": day of week field "8": "8" is not 0..7`},
		{"*/0 * * * *", `cron "*/0 * * * *": minute field "*/0": step "0" must be 1..59`},
		{"5-1 * * * *", `cron "5-1 * * * *": minute field "5-1": range 5-1 is backwards`},
		{"1,,2 * * * *", `cron "1,,2 * * * *": minute field "1,,2": empty list item`},
		{"? * * * *", `cron "? * * * *": minute field "?": "?" is not 0..59`},
		{"CRON_TZ=Mars/Base 0 9 * * *", `cron "CRON_TZ=Mars/Base 0 9 * * *": "Mars/Base" is not a time zone; write an IANA name such as Asia/Tokyo, Europe/Berlin or UTC`},
		{"@fortnightly", `"@fortnightly" is not a schedule; write Never, Hourly, Daily, Weekly, Monthly, "15 Minutes" (or 15m), or a cron expression such as "*/15 * * * *"`},
	}
	for _, tt := range errs {
		_, err := ParseSchedule(tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseSchedule(%q) error = %v\nwant %s", tt.in, err, tt.want)
		}
	}
}

func TestParseTimeOfDay(t *testing.T) {
	for in, want := range map[string]string{"09:51": "09:51", "9:51": "09:51", "23:59:00": "23:59", "9:05 pm": "21:05", " 00:00 ": "00:00"} {
		if got, err := ParseTimeOfDay(in); err != nil || got != want {
			t.Errorf("ParseTimeOfDay(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"24:00", "9.51", "noon", "09:60"} {
		_, err := ParseTimeOfDay(in)
		if want := `"` + in + `" is not a time of day; write HH:MM, e.g. 09:51`; err == nil || err.Error() != want {
			t.Errorf("ParseTimeOfDay(%q) error = %v", in, err)
		}
	}
}

func TestNormalizeSpaceURL(t *testing.T) {
	ok := map[string]string{
		"https://example.backlog.com":        "https://example.backlog.com",
		"https://Example.Backlog.com/":       "https://example.backlog.com",
		"https://example.backlog.jp/api/v2":  "https://example.backlog.jp",
		"https://example.backlog.jp/api/v2/": "https://example.backlog.jp",
		"example.backlogtool.com":            "https://example.backlogtool.com",
		"http://localhost:8080":              "http://localhost:8080",
		"http://127.0.0.1:9/":                "http://127.0.0.1:9",
		"http://[::1]:9":                     "http://[::1]:9",
		"https://backlog.corp.example/sub/":  "https://backlog.corp.example/sub",
	}
	for in, want := range ok {
		if got, err := NormalizeSpaceURL(in); err != nil || got != want {
			t.Errorf("NormalizeSpaceURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := map[string]string{
		"":                                   "missing; write the space's address, e.g. https://example.backlog.com",
		"http://example.backlog.com":         "uses plain http, allowed only for loopback hosts (the emulator); write https://example.backlog.com",
		"https://u:KEYx@example.backlog.com": "must not contain a user, a query or a fragment; give the API key separately (APIKey= / api_key:)",
		"https://example.backlog.com/?apiKey=KEYx": "must not contain a user, a query or a fragment; give the API key separately (APIKey= / api_key:)",
		"ftp://example.backlog.com":                `scheme "ftp" is not http(s); write https://example.backlog.com`,
		"https://":                                 "has no host; write e.g. https://example.backlog.com",
		"https://exa mple.com":                     "not a valid URL; write e.g. https://example.backlog.com",
	}
	for in, want := range bad {
		_, err := NormalizeSpaceURL(in)
		if err == nil || err.Error() != want {
			t.Errorf("NormalizeSpaceURL(%q) error = %v\nwant %s", in, err, want)
		}
	}
}

func TestSpaceKey(t *testing.T) {
	for in, want := range map[string]string{
		"https://example.backlog.com": "example", "https://a-b.backlog.jp": "a-b", "https://x.backlogtool.com": "x",
		"http://127.0.0.1:8080": "", "https://backlog.com": "",
	} {
		if got := spaceKey(in); got != want {
			t.Errorf("spaceKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseMaxShare(t *testing.T) {
	for in, want := range map[string]float64{"1": 1, "0.25": 0.25, "50%": 0.5, "100 %": 1, " 0.1 ": 0.1} {
		if got, err := ParseMaxShare(in); err != nil || got != want {
			t.Errorf("ParseMaxShare(%q) = %v, %v", in, got, err)
		}
	}
	for in, want := range map[string]string{
		"0":    "0 is out of range; the share must be more than 0 and at most 1 (100%)",
		"1.5":  "1.5 is out of range; the share must be more than 0 and at most 1 (100%)",
		"150%": "150% is out of range; the share must be more than 0 and at most 1 (100%)",
		"-1":   "-1 is out of range; the share must be more than 0 and at most 1 (100%)",
		"half": `"half" is not a number; write a share between 0 and 1 (0.5) or a percentage (50%)`,
		"NaN":  "NaN is out of range; the share must be more than 0 and at most 1 (100%)",
	} {
		if _, err := ParseMaxShare(in); err == nil || err.Error() != want {
			t.Errorf("ParseMaxShare(%q) error = %v\nwant %s", in, err, want)
		}
	}
}

// The number forms (the REST API's max_share and concurrency) follow the
// rules of the text forms, with the same messages.
func TestCheckMaxShareAndConcurrency(t *testing.T) {
	for f, want := range map[float64]string{
		0.5: "", 1: "", 0: "0 is out of range; the share must be more than 0 and at most 1 (100%)",
		1.25: "1.25 is out of range; the share must be more than 0 and at most 1 (100%)",
		-0.5: "-0.5 is out of range; the share must be more than 0 and at most 1 (100%)",
	} {
		err := CheckMaxShare(f)
		if got := fmt.Sprint(err); (want == "" && err != nil) || (want != "" && got != want) {
			t.Errorf("CheckMaxShare(%v) = %v, want %q", f, err, want)
		}
	}
	for in, want := range map[string]int{"1": 1, " 16 ": 16, "4": 4} {
		if got, err := ParseConcurrency(in); err != nil || got != want {
			t.Errorf("ParseConcurrency(%q) = %d, %v", in, got, err)
		}
	}
	const outOfRange = " is out of range; write a number from 1 (one request at a time, for accounts shared with people) to 16 (default 4)"
	for in, want := range map[string]string{
		"0": "0" + outOfRange, "17": "17" + outOfRange, "-2": "-2" + outOfRange,
		"two": `"two" is not a whole number; write how many requests may be in flight at once, from 1 (one at a time) to 16 (default 4)`,
	} {
		if n, err := ParseConcurrency(in); err == nil || err.Error() != want || n != 0 {
			t.Errorf("ParseConcurrency(%q) = %d, %v\nwant %s", in, n, err, want)
		}
	}
	for n, want := range map[int]string{0: "0" + outOfRange, 17: "17" + outOfRange} {
		if err := CheckConcurrency(n); err == nil || err.Error() != want {
			t.Errorf("CheckConcurrency(%d) = %v", n, err)
		}
	}
	if err := CheckConcurrency(1); err != nil {
		t.Errorf("CheckConcurrency(1) = %v", err)
	}
	if p, err := ParsePacing(" Even "); err != nil || p != "even" {
		t.Errorf("ParsePacing(Even) = %q, %v", p, err)
	}
}

func TestSuggest(t *testing.T) {
	if got := suggest("acounts", []string{"accounts", "jobs"}); got != ` (did you mean "accounts"?)` {
		t.Errorf("suggest = %q", got)
	}
	if got := suggest("zzzzzz", []string{"accounts", "jobs"}); got != "" {
		t.Errorf("suggest = %q", got)
	}
}
