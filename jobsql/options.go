package jobsql

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/backlogsync/backlogsync/internal/fuzzy"
)

// Settings is the effective configuration of one REPLICATE statement: its
// WITH options applied over DefaultSettings.
type Settings struct {
	// DropTable drops and recreates the destination table on each run.
	DropTable bool
	// TruncateTable deletes every destination row before each run (a full
	// refresh). Also spelled TruncateTableData.
	TruncateTable bool
	// AlterSchema adds new source columns and widens column types. Default
	// true; with False a schema change fails the run.
	AlterSchema bool
	// AutoTruncateStrings cuts strings that overflow their destination
	// column instead of failing.
	AutoTruncateStrings bool
	// ContinueOnError keeps running the job's remaining statements when
	// this one fails.
	ContinueOnError bool
	// SkipDeleted turns off the capture of deleted rows.
	SkipDeleted bool
	// CommentRecheckDays makes incremental runs of the comment tables
	// (IssueComments and the tables below it) read again every comment of
	// the issues updated in the last N days, so that comment edits and
	// deletions (which Backlog records in no activity and which do not
	// move the Updated) reach the replica. 0 (the default): not
	// read again; CHECKCACHE … WITH REPAIR finds them.
	CommentRecheckDays int
	// UseGmtDateTime stores times in UTC. Default true (backlogsync always
	// stores UTC; False is accepted for CData files but has no effect).
	UseGmtDateTime bool
	// BatchSize is the number of rows written per batch; 0 lets the
	// engine choose. The Issues family writes a page (or a group of pages
	// of a first load) of all its tables at once whatever it says.
	BatchSize int
	// CommandTimeout is the time limit of one destination command; 0 means
	// none.
	CommandTimeout time.Duration
	// ReplicateStartDate is where the initial load starts (midnight UTC for
	// a yyyy-MM-dd date); zero means from the beginning.
	ReplicateStartDate time.Time
	// ReplicateStartID is the integer form of ReplicateStartDate, for
	// tables whose incremental check column is an id; 0 means unset.
	ReplicateStartID int64
	// ReplicateInterval and ReplicateIntervalUnit size the windows of the
	// initial load (default 180 days).
	ReplicateInterval     int
	ReplicateIntervalUnit IntervalUnit
	// IncrementalCheckColumns overrides the columns that incremental runs
	// advance on (nil means the table's own cursor column).
	IncrementalCheckColumns []string
	// TableNamePrefix is prepended to the destination table name (also
	// spelled Table_Name_Prefix).
	TableNamePrefix string
	// CacheSchema is the destination schema (also spelled
	// Destination_Schema); "" means the Dest schema or the default one.
	CacheSchema string
	// Verbosity is the log level: 1 Error, 2 Info (default), 3 Transfer,
	// 4 Verbose.
	Verbosity int
	// OtherCacheOptions is CData's free-form extra options string, kept
	// for the destination.
	OtherCacheOptions string
	// UpdateMode is how each run changes the destination table: Merge
	// (the default: upsert by key, delete what the source no longer has),
	// Replace (the table ends up exactly the rows this run read, in one
	// transaction) or Append (each run adds a snapshot of the selected
	// rows stamped with the run's time). See docs/replication.md.
	UpdateMode UpdateMode
}

// UpdateMode is the value of the UpdateMode option (Domo's names).
type UpdateMode string

// Update modes, as written in UpdateMode (any letter case is accepted).
const (
	ModeMerge   UpdateMode = "Merge"
	ModeReplace UpdateMode = "Replace"
	ModeAppend  UpdateMode = "Append"
)

// updateModes lists the update modes in the order shown in messages.
var updateModes = []UpdateMode{ModeMerge, ModeReplace, ModeAppend}

// modeSynonyms are other products' names for the update modes, suggested
// instead of the nearest spelling.
var modeSynonyms = map[string]string{"upsert": "Merge", "incremental": "Merge", "overwrite": "Replace",
	"truncate": "Replace", "full": "Replace", "snapshot": "Append", "history": "Append"}

// ParseUpdateMode returns the mode named s (any letter case), or an error
// message naming the accepted values and the nearest one (for config
// files, which validate the option without a statement).
func ParseUpdateMode(s string) (UpdateMode, error) {
	names := make([]string, len(updateModes))
	for i, m := range updateModes {
		if strings.EqualFold(s, string(m)) {
			return m, nil
		}
		names[i] = string(m)
	}
	msg := fmt.Sprintf("%s is not an update mode: write Merge, Replace or Append", quoteString(s))
	n, ok := modeSynonyms[strings.ToLower(s)]
	if !ok {
		n = suggest(s, names)
	}
	if n != "" {
		msg = fmt.Sprintf("%s is not an update mode: did you mean %s? (Merge, Replace or Append)", quoteString(s), n)
	}
	return "", fmt.Errorf("%s", msg)
}

// DefaultSettings returns the settings of a REPLICATE without WITH.
func DefaultSettings() Settings {
	return Settings{
		AlterSchema:           true,
		UseGmtDateTime:        true,
		ReplicateInterval:     180,
		ReplicateIntervalUnit: UnitDays,
		Verbosity:             2,
		UpdateMode:            ModeMerge,
	}
}

// IntervalUnit is the unit of ReplicateInterval.
type IntervalUnit string

// Interval units, as written in ReplicateIntervalUnit (singular forms and
// any letter case are accepted too).
const (
	UnitMinutes IntervalUnit = "minutes"
	UnitHours   IntervalUnit = "hours"
	UnitDays    IntervalUnit = "days"
	UnitWeeks   IntervalUnit = "weeks"
	UnitMonths  IntervalUnit = "months"
	UnitYears   IntervalUnit = "years"
)

var units = []IntervalUnit{UnitMinutes, UnitHours, UnitDays, UnitWeeks, UnitMonths, UnitYears}

// Add returns t plus n units. Months and years follow time.AddDate.
func (u IntervalUnit) Add(t time.Time, n int) time.Time {
	switch u {
	case UnitMinutes:
		return t.Add(time.Duration(n) * time.Minute)
	case UnitHours:
		return t.Add(time.Duration(n) * time.Hour)
	case UnitWeeks:
		return t.AddDate(0, 0, 7*n)
	case UnitMonths:
		return t.AddDate(0, n, 0)
	case UnitYears:
		return t.AddDate(n, 0, 0)
	}
	return t.AddDate(0, 0, n)
}

// optKind is the type of an option's value.
type optKind int

const (
	kindBool    optKind = iota + 1
	kindInt             // decimal integer within [min, max]
	kindStart           // date/date-time string or integer id
	kindUnit            // interval unit
	kindString          // non-empty string
	kindColumns         // comma-separated column names
	kindMode            // update mode
)

// optSpec describes one WITH option.
type optSpec struct {
	name     string // canonical spelling
	kind     optKind
	min, max int64 // kindInt bounds
	apply    func(s *Settings, v optValue)
}

// optValue is an option's parsed value.
type optValue struct {
	b    bool
	n    int64
	t    time.Time
	s    string
	cols []string
	unit IntervalUnit
	mode UpdateMode
}

// optionSpecs lists the WITH options in the order shown in messages.
var optionSpecs = []optSpec{
	{name: "AlterSchema", kind: kindBool, apply: func(s *Settings, v optValue) { s.AlterSchema = v.b }},
	{name: "AutoTruncateStrings", kind: kindBool, apply: func(s *Settings, v optValue) { s.AutoTruncateStrings = v.b }},
	{name: "BatchSize", kind: kindInt, min: 1, max: 1_000_000, apply: func(s *Settings, v optValue) { s.BatchSize = int(v.n) }},
	{name: "CacheSchema", kind: kindString, apply: func(s *Settings, v optValue) { s.CacheSchema = v.s }},
	{name: "CommandTimeout", kind: kindInt, min: 0, max: 86400, apply: func(s *Settings, v optValue) {
		s.CommandTimeout = time.Duration(v.n) * time.Second
	}},
	{name: "CommentRecheckDays", kind: kindInt, min: 0, max: 3650, apply: func(s *Settings, v optValue) { s.CommentRecheckDays = int(v.n) }},
	{name: "ContinueOnError", kind: kindBool, apply: func(s *Settings, v optValue) { s.ContinueOnError = v.b }},
	{name: "DropTable", kind: kindBool, apply: func(s *Settings, v optValue) { s.DropTable = v.b }},
	{name: "IncrementalCheckColumns", kind: kindColumns, apply: func(s *Settings, v optValue) { s.IncrementalCheckColumns = v.cols }},
	{name: "OtherCacheOptions", kind: kindString, apply: func(s *Settings, v optValue) { s.OtherCacheOptions = v.s }},
	{name: "ReplicateInterval", kind: kindInt, min: 1, max: 100_000, apply: func(s *Settings, v optValue) { s.ReplicateInterval = int(v.n) }},
	{name: "ReplicateIntervalUnit", kind: kindUnit, apply: func(s *Settings, v optValue) { s.ReplicateIntervalUnit = v.unit }},
	{name: "ReplicateStartDate", kind: kindStart, apply: func(s *Settings, v optValue) {
		s.ReplicateStartDate, s.ReplicateStartID = v.t, v.n
	}},
	{name: "SkipDeleted", kind: kindBool, apply: func(s *Settings, v optValue) { s.SkipDeleted = v.b }},
	{name: "TableNamePrefix", kind: kindString, apply: func(s *Settings, v optValue) { s.TableNamePrefix = v.s }},
	{name: "TruncateTable", kind: kindBool, apply: func(s *Settings, v optValue) { s.TruncateTable = v.b }},
	{name: "UpdateMode", kind: kindMode, apply: func(s *Settings, v optValue) { s.UpdateMode = v.mode }},
	{name: "UseGmtDateTime", kind: kindBool, apply: func(s *Settings, v optValue) { s.UseGmtDateTime = v.b }},
	{name: "Verbosity", kind: kindInt, min: 1, max: 4, apply: func(s *Settings, v optValue) { s.Verbosity = int(v.n) }},
}

// optionAliases maps other CData spellings to canonical names.
var optionAliases = map[string]string{
	"truncatetabledata":  "TruncateTable",
	"table_name_prefix":  "TableNamePrefix",
	"destination_schema": "CacheSchema",
}

// notStatementOptions are CData names that are valid elsewhere, with where
// they belong.
var notStatementOptions = map[string]string{
	"prejob": "job", "postjob": "job", "scheduled": "job", "scheduledcron": "job",
	"sendemailnotification": "job", "emailerroronly": "job", "notifyemailto": "job",
	"notifyemailsubject": "job", "notifywindowsevent": "job", "enable_parallel_processing": "job",
	"worker_pool": "job", "replicateall": "job",
	"repair": "CHECKCACHE",
}

// optionsByName indexes optionSpecs by lower-case canonical name.
var optionsByName = func() map[string]*optSpec {
	m := make(map[string]*optSpec, len(optionSpecs))
	for i := range optionSpecs {
		m[strings.ToLower(optionSpecs[i].name)] = &optionSpecs[i]
	}
	return m
}()

// lookupOption finds the spec for a written option name, or returns the
// error message for an unknown one.
func lookupOption(name string) (*optSpec, string) {
	key := strings.ToLower(name)
	if a, ok := optionAliases[key]; ok {
		key = strings.ToLower(a)
	}
	if spec, ok := optionsByName[key]; ok {
		return spec, ""
	}
	switch where := notStatementOptions[key]; where {
	case "job":
		return nil, fmt.Sprintf("%s is a job setting, not a REPLICATE option: set it in the job configuration", name)
	case "CHECKCACHE":
		return nil, fmt.Sprintf("WITH %s belongs to CHECKCACHE, not REPLICATE", strings.ToUpper(name))
	}
	cands := make([]string, 0, len(optionSpecs)+len(optionAliases))
	for _, s := range optionSpecs {
		cands = append(cands, s.name)
	}
	if s := suggest(name, cands); s != "" {
		return nil, fmt.Sprintf("unknown option %s: did you mean %s?", name, s)
	}
	return nil, fmt.Sprintf("unknown option %s: valid options are %s", name, strings.Join(cands, ", "))
}

// ApplyDefault applies a job-level option (a configuration file's
// jobs[].options) to r as if its WITH held name=value, unless its WITH
// already sets that option: a statement's own options win. known is false
// (and nothing is applied) for a name that is no REPLICATE option; err
// says why value does not fit the option. The option is added to
// r.Options at the statement's position; the slice is copied, not shared.
func (r *Replicate) ApplyDefault(name, value string) (known bool, err error) {
	spec, v, canon, err := parseDefault(name, value)
	if spec == nil {
		return false, nil
	}
	for _, o := range r.Options {
		if o.Name == spec.name {
			return true, nil // the statement's own value wins, even over a bad default
		}
	}
	if err != nil {
		return true, err
	}
	spec.apply(&r.Settings, v)
	r.Options = append(r.Options[:len(r.Options):len(r.Options)], Option{Pos: r.Pos, Name: spec.name, Value: canon})
	return true, nil
}

// CheckDefault validates a job-level option as ApplyDefault applies it,
// without a statement (for configuration files and a job's check): the
// option's canonical name, known false (and canon the name as written)
// for a name that is no REPLICATE option, and err saying why value does
// not fit the option.
func CheckDefault(name, value string) (canon string, known bool, err error) {
	spec, _, _, err := parseDefault(name, value)
	if spec == nil {
		return name, false, nil
	}
	return spec.name, true, err
}

// parseDefault looks a job-level option up by name (WITH or snake-case
// spelling) and parses its value, for ApplyDefault and CheckDefault: spec
// is nil for a name that is no REPLICATE option; v and canon are the
// parsed and canonical value; err says why value does not fit the option.
func parseDefault(name, value string) (spec *optSpec, v optValue, canon string, err error) {
	spec = jobOption(name)
	if spec == nil {
		return nil, v, "", nil
	}
	v, canon, msg := parseOptionValue(spec, jobValue(spec, value), true)
	if msg != "" {
		return spec, v, "", errors.New(msg)
	}
	return spec, v, canon, nil
}

// jobValue reads a job-level option's value as configuration files write
// booleans elsewhere (yes/no, on/off, 1/0, any case, spaces around); a
// statement's WITH keeps CData's True and False.
func jobValue(spec *optSpec, value string) string {
	if spec.kind != kindBool {
		return value
	}
	b, ok := ParseConfigBool(value)
	switch {
	case !ok:
		return value
	case b:
		return "True"
	}
	return "False"
}

// ParseConfigBool reads a boolean as configuration files write it: true,
// yes, on or 1 and false, no, off or 0, in any case, with spaces around;
// ok is false for anything else. Job-level options and the configuration
// file's own booleans (config) share it, so both accept the same words.
func ParseConfigBool(s string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "on", "1":
		return true, true
	case "false", "no", "off", "0":
		return false, true
	}
	return false, false
}

// OptionNames lists the canonical names of the REPLICATE options, in
// the order of messages (for suggestions).
func OptionNames() []string {
	out := make([]string, len(optionSpecs))
	for i, s := range optionSpecs {
		out[i] = s.name
	}
	return out
}

// jobOption finds the spec of a job-level option, written as in a WITH or
// in snake case (update_mode) as configuration files spell keys; nil for
// no REPLICATE option.
func jobOption(name string) *optSpec {
	spec, _ := lookupOption(name)
	if spec == nil {
		spec, _ = lookupOption(strings.ReplaceAll(name, "_", ""))
	}
	return spec
}

// parseOptionValue validates a written value (raw is the unquoted text;
// given is false for a bare option name) and returns it parsed plus its
// canonical text, or an error message naming the accepted values.
func parseOptionValue(spec *optSpec, raw string, given bool) (optValue, string, string) {
	var v optValue
	bad := func(accepted string) (optValue, string, string) {
		if !given {
			return v, "", fmt.Sprintf("option %s needs a value: %s=%s", spec.name, spec.name, accepted)
		}
		return v, "", fmt.Sprintf("option %s takes %s, found %s", spec.name, accepted, quoteString(raw))
	}
	if !given && spec.kind != kindBool {
		return bad(exampleValue(spec))
	}
	switch spec.kind {
	case kindBool:
		switch {
		case !given || strings.EqualFold(raw, "true"):
			v.b = true
			return v, "True", ""
		case strings.EqualFold(raw, "false"):
			return v, "False", ""
		}
		return bad("True or False")
	case kindInt:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < spec.min || n > spec.max || strings.HasPrefix(raw, "+") {
			return bad(fmt.Sprintf("an integer from %d to %d", spec.min, spec.max))
		}
		v.n = n
		return v, strconv.FormatInt(n, 10), ""
	case kindStart:
		if n, err := strconv.ParseInt(raw, 10, 64); err == nil && n >= 0 && !strings.HasPrefix(raw, "+") {
			v.n = n
			return v, strconv.FormatInt(n, 10), ""
		}
		t, ok := parseDate(raw)
		if !ok || t.Year() < 1 || t.Year() > 9999 {
			return bad("a date 'yyyy-MM-dd' (or 'yyyy-MM-dd HH:mm:ss', or an integer id)")
		}
		v.t = t
		return v, formatDate(t), ""
	case kindUnit:
		for _, u := range units {
			if strings.EqualFold(raw, string(u)) || strings.EqualFold(raw, strings.TrimSuffix(string(u), "s")) {
				v.unit = u
				return v, string(u), ""
			}
		}
		return bad("minutes, hours, days, weeks, months or years")
	case kindMode:
		m, err := ParseUpdateMode(raw)
		if err != nil {
			return v, "", fmt.Sprintf("option %s: %v", spec.name, err)
		}
		v.mode = m
		return v, string(m), ""
	case kindString:
		if strings.TrimSpace(raw) == "" || strings.IndexFunc(raw, unicode.IsControl) >= 0 {
			return bad("a non-empty string without control characters")
		}
		v.s = raw
		return v, raw, ""
	case kindColumns:
		seen := map[string]bool{}
		for _, c := range strings.Split(raw, ",") {
			c = strings.TrimSpace(c)
			if len(c) >= 2 && (c[0] == '[' && c[len(c)-1] == ']' || c[0] == '"' && c[len(c)-1] == '"') {
				c = c[1 : len(c)-1]
			}
			if c == "" || strings.IndexFunc(c, unicode.IsControl) >= 0 || strings.ContainsAny(c, ",[]\"") {
				return bad("a comma-separated list of column names, e.g. 'Updated' or 'Updated,Created'")
			}
			if seen[strings.ToLower(c)] {
				return v, "", fmt.Sprintf("option %s lists column %s twice", spec.name, c)
			}
			seen[strings.ToLower(c)] = true
			v.cols = append(v.cols, c)
		}
		return v, strings.Join(v.cols, ","), ""
	}
	return bad("a value")
}

func exampleValue(spec *optSpec) string {
	switch spec.kind {
	case kindInt:
		return strconv.FormatInt(max(spec.min, 1), 10)
	case kindStart:
		return "'2024-01-01'"
	case kindUnit:
		return "days"
	case kindColumns:
		return "'Updated'"
	case kindMode:
		return "Append"
	}
	return "'…'"
}

// formatDate prints a date as yyyy-MM-dd when it is midnight, else as an
// RFC 3339 UTC time.
func formatDate(t time.Time) string {
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format(time.DateOnly)
	}
	return t.Format(time.RFC3339Nano)
}

// suggest returns the candidate closest to name (case-insensitive
// Levenshtein distance, or a prefix of at least 4 letters), or "" when none
// is close enough.
func suggest(name string, cands []string) string { return fuzzy.Nearest(name, cands) }
