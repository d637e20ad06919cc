// Package schedule runs jobs on their schedules inside serve: CData Sync's
// TaskSchedulerInterval / TaskSchedulerStartTime and the YAML schedule: key
// (see config.Schedule) become a Spec, and a Scheduler fires runs of many
// jobs on an injected Clock, skipping a run that would overlap the job's
// previous one (recorded as skipped, never queued), starting one catch-up
// run after downtime, spreading starts with a bounded jitter, retrying a
// failed run (job-level retry, distinct from the client's request-level
// retries) and starting a run at once on RunNow.
//
// The scheduler knows nothing of replication: it calls an injected RunFunc
// (serve passes one that calls replicate.Run) and reports every run,
// finished or skipped, to a Record callback.
package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/backlogsync/backlogsync/config"
)

// Spec says when a job is due: Next returns the first due time strictly
// after t. It is robfig/cron's Schedule interface, so a parsed cron
// expression is a Spec.
type Spec interface {
	Next(t time.Time) time.Time
}

// ParseSpec turns a configured schedule into a Spec, its times read in the
// schedule's time zone, or in loc when the schedule names none (nil loc is
// the server's local time). It returns nil, nil for a schedule that never
// fires (Never or unset): such a job runs only by RunNow.
//
// The intervals, as CData Sync's scheduler offers them:
//
//   - Minutes (Every): aligned to the start of the day, so 1, 5, 10, 15, 20
//     and 30 minutes fall on the hour (:00, :15, :30, :45); a start time
//     shifts the grid so that it contains the start (15 minutes from 09:51
//     is :06, :21, :36, :51). A period that does not divide a day restarts
//     each day at its first grid point (the start time modulo the period).
//     Periods are 1m to 24h.
//   - Hourly: at the start's minute past every hour (default :00).
//   - Daily: at the start time (default 00:00).
//   - Weekly: at the start time on Day (1 Monday … 7 Sunday; default Monday).
//   - Monthly: at the start time on Day of the month (default the 1st; a
//     month without that day has no run).
//   - Cron: the five-field expression, parsed by robfig/cron v3.
func ParseSpec(s config.Schedule, loc *time.Location) (Spec, error) {
	if s.TimeZone != "" {
		z, err := config.LoadZone(s.TimeZone)
		if err != nil {
			return nil, err
		}
		loc = z
	}
	if loc == nil {
		loc = time.Local
	}
	hh, mm := 0, 0
	if s.Start != "" {
		t, err := config.ParseTimeOfDay(s.Start)
		if err != nil {
			return nil, err
		}
		hh, _ = strconv.Atoi(t[:2])
		mm, _ = strconv.Atoi(t[3:])
	}
	at := func(weekday, mday int) Spec {
		return &calendar{hh: hh, mm: mm, weekday: weekday, mday: mday, loc: loc}
	}
	switch s.Interval {
	case "", config.Never:
		return nil, nil
	case config.Minutes:
		if s.Every < time.Minute || s.Every%time.Minute != 0 || s.Every > 24*time.Hour {
			return nil, fmt.Errorf("schedule period %s must be a whole number of minutes from 1m to 24h", s.Every)
		}
		start := time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute
		return &periodic{every: s.Every, offset: start % s.Every, loc: loc}, nil
	case config.Hourly:
		return config.ParseCron(fmt.Sprintf("%d * * * *", mm), loc)
	case config.Daily:
		return at(-1, 0), nil
	case config.Weekly:
		d := s.Day
		if d == 0 {
			d = 1
		}
		if d < 1 || d > 7 {
			return nil, fmt.Errorf("weekly schedule day %d: write 1 (Monday) … 7 (Sunday)", d)
		}
		return at(d%7, 0), nil
	case config.Monthly:
		d := s.Day
		if d == 0 {
			d = 1
		}
		if d < 1 || d > 31 {
			return nil, fmt.Errorf("monthly schedule day %d: write 1 … 31", d)
		}
		return at(-1, d), nil
	case config.Cron:
		if strings.TrimSpace(s.Cron) == "" {
			return nil, fmt.Errorf("cron schedule without an expression; write e.g. \"*/15 * * * *\"")
		}
		return config.ParseCron(s.Cron, loc)
	}
	return nil, fmt.Errorf("schedule interval %q is unknown; use never, minutes, hourly, daily, weekly, monthly or cron", s.Interval)
}

// calendar fires at hh:mm on every day, on one weekday (0 Sunday … 6), or
// on one day of the month. Unlike a cron expression it does not lose a day
// to daylight saving time: on the day 02:30 does not exist the run is at
// 03:30 (the same instant time.Date normalizes to), and on the day it exists
// twice the run is at the first.
type calendar struct {
	hh, mm  int
	weekday int // -1: any
	mday    int // 0: any
	loc     *time.Location
}

// Next returns the first matching time strictly after t.
func (c *calendar) Next(t time.Time) time.Time {
	lt := t.In(c.loc)
	for d := 0; d < 4*366; d++ {
		date := time.Date(lt.Year(), lt.Month(), lt.Day()+d, 12, 0, 0, 0, c.loc)
		if c.weekday >= 0 && int(date.Weekday()) != c.weekday || c.mday > 0 && date.Day() != c.mday {
			continue
		}
		if cand := c.on(date); cand.After(t) {
			return cand
		}
	}
	return time.Time{}
}

// on returns hh:mm on date's day: in a daylight-saving gap the instant
// the clock shows after it (02:30 → 03:30), in an overlap the first one.
func (c *calendar) on(date time.Time) time.Time {
	cand := time.Date(date.Year(), date.Month(), date.Day(), c.hh, c.mm, 0, 0, c.loc)
	if diff := (c.hh*60 + c.mm) - (cand.Hour()*60 + cand.Minute()); diff != 0 && cand.Day() == date.Day() {
		return cand.Add(time.Duration(diff) * time.Minute) // the gap: Go chose the offset before it
	}
	for _, back := range []time.Duration{time.Hour, 30 * time.Minute} {
		if alt := cand.Add(-back); alt.Hour() == c.hh && alt.Minute() == c.mm {
			return alt // the overlap: Go chose the second occurrence
		}
	}
	return cand
}

// periodic fires every `every`, on a grid that starts `offset` after each
// midnight in loc.
type periodic struct {
	every, offset time.Duration
	loc           *time.Location
}

// Next returns the first grid point strictly after t.
func (p *periodic) Next(t time.Time) time.Time {
	lt := t.In(p.loc)
	day := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, p.loc)
	anchor := day.Add(p.offset)
	if !lt.Before(anchor) {
		k := lt.Sub(anchor)/p.every + 1
		cand := anchor.Add(k * p.every)
		nextDay := time.Date(lt.Year(), lt.Month(), lt.Day()+1, 0, 0, 0, 0, p.loc).Add(p.offset)
		if cand.Before(nextDay) {
			return cand
		}
		return nextDay
	}
	// Before today's anchor: the grid of the previous day may still have a
	// point between t and the anchor.
	prev := time.Date(lt.Year(), lt.Month(), lt.Day()-1, 0, 0, 0, 0, p.loc).Add(p.offset)
	k := lt.Sub(prev)/p.every + 1
	if cand := prev.Add(k * p.every); cand.Before(anchor) {
		return cand
	}
	return anchor
}

// Every returns a Spec due every d, on the grid of multiples of d since
// the Unix epoch (every process computes the same due times). Serve uses
// it only for tests of several processes (service.Options.TestEvery):
// configured schedules are at least a minute apart.
func Every(d time.Duration) Spec { return every(d) }

type every time.Duration

// Next returns the first multiple of the period strictly after t.
func (e every) Next(t time.Time) time.Time {
	d := time.Duration(e)
	if d <= 0 {
		return time.Time{}
	}
	ms := t.UnixMilli()
	p := d.Milliseconds()
	return time.UnixMilli((ms/p + 1) * p).In(t.Location())
}

// Defaults are serve-wide settings a job's schedule may leave unset.
type Defaults struct {
	// Location is the zone of schedules that name none (nil: time.Local).
	Location *time.Location
	// Jitter is used when a schedule sets none.
	Jitter time.Duration
}

// JobFromConfig builds a scheduler Job from a configured job. lastRun is
// when the job's previous run started (zero if it never ran).
func JobFromConfig(j config.Job, d Defaults, lastRun time.Time) (Job, error) {
	spec, err := ParseSpec(j.Schedule, d.Location)
	if err != nil {
		return Job{}, fmt.Errorf("job %s: schedule: %w", j.Name, err)
	}
	jitter := j.Schedule.Jitter
	if jitter == 0 {
		jitter = d.Jitter
	}
	return Job{
		Name:    j.Name,
		Spec:    spec,
		Jitter:  jitter,
		CatchUp: !j.Schedule.NoCatchUp,
		LastRun: lastRun,
		Retry:   j.Schedule.Retry,
	}, nil
}
