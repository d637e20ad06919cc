package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // zone names resolve the same on every machine (Windows, scratch containers)

	"github.com/robfig/cron/v3"
)

// cronParser reads standard five-field expressions (minute hour
// day-of-month month day-of-week) with names (JAN, MON) and ? in the day
// fields; descriptors such as @daily are accepted too.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseCron parses a five-field cron expression with robfig/cron v3 and
// returns its schedule in loc (nil means time.Local). A 7 in the day-of-week
// field is Sunday, as in Vixie cron.
func ParseCron(expr string, loc *time.Location) (cron.Schedule, error) {
	f := strings.Fields(expr)
	if len(f) == 5 {
		f[4] = sundaySeven(f[4])
	}
	s, err := cronParser.Parse(strings.Join(f, " "))
	if err != nil {
		return nil, fmt.Errorf("cron %q: %v; write five fields: minute hour day-of-month month day-of-week, e.g. \"*/15 * * * *\"", expr, err)
	}
	if loc == nil {
		loc = time.Local
	}
	if spec, ok := s.(*cron.SpecSchedule); ok {
		spec.Location = loc
	}
	return s, nil
}

// sundaySeven rewrites 7 (Sunday) in a day-of-week field to 0, which is
// what robfig/cron knows: "7" → "0", "5-7" → "5-6,0".
func sundaySeven(field string) string {
	parts := strings.Split(field, ",")
	for i, p := range parts {
		rng, _, hasStep := strings.Cut(p, "/")
		if hasStep {
			continue // "*/7", "1-7/2": leave to the parser
		}
		switch a, b, ok := strings.Cut(rng, "-"); {
		case !ok && rng == "7":
			parts[i] = "0"
		case ok && b == "7":
			if a == "7" {
				parts[i] = "0"
			} else if n, err := strconv.Atoi(a); err == nil && n < 7 {
				parts[i] = a + "-6,0"
			}
		}
	}
	return strings.Join(parts, ",")
}

// LoadZone resolves an IANA time zone name ("" is the server's local time).
func LoadZone(name string) (*time.Location, error) {
	if name == "" || strings.EqualFold(name, "local") {
		return time.Local, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%q is not a time zone; write an IANA name such as Asia/Tokyo, Europe/Berlin or UTC", name)
	}
	return loc, nil
}
