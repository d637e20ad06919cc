package jobsql

import (
	"reflect"
	"testing"
	"time"
)

// TestSettings checks the typed effect of every option on Settings.
func TestSettings(t *testing.T) {
	date := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		with string
		set  func(*Settings)
	}{
		{"DropTable", func(s *Settings) { s.DropTable = true }},
		{"DropTable=False", func(s *Settings) {}},
		{"TruncateTable=true", func(s *Settings) { s.TruncateTable = true }},
		{"TruncateTableData='True'", func(s *Settings) { s.TruncateTable = true }},
		{"AlterSchema=False", func(s *Settings) { s.AlterSchema = false }},
		{"AutoTruncateStrings", func(s *Settings) { s.AutoTruncateStrings = true }},
		{"ContinueOnError=TRUE", func(s *Settings) { s.ContinueOnError = true }},
		{"SkipDeleted=True", func(s *Settings) { s.SkipDeleted = true }},
		{"UseGmtDateTime=False", func(s *Settings) { s.UseGmtDateTime = false }},
		{"BatchSize=1", func(s *Settings) { s.BatchSize = 1 }},
		{"BatchSize='1000000'", func(s *Settings) { s.BatchSize = 1_000_000 }},
		{"CommandTimeout=90", func(s *Settings) { s.CommandTimeout = 90 * time.Second }},
		{"Verbosity=1", func(s *Settings) { s.Verbosity = 1 }},
		{"ReplicateInterval=1", func(s *Settings) { s.ReplicateInterval = 1 }},
		{"ReplicateIntervalUnit=minute", func(s *Settings) { s.ReplicateIntervalUnit = UnitMinutes }},
		{"ReplicateIntervalUnit='HOURS'", func(s *Settings) { s.ReplicateIntervalUnit = UnitHours }},
		{"ReplicateIntervalUnit=Day", func(s *Settings) { s.ReplicateIntervalUnit = UnitDays }},
		{"ReplicateIntervalUnit=week", func(s *Settings) { s.ReplicateIntervalUnit = UnitWeeks }},
		{"ReplicateIntervalUnit=months", func(s *Settings) { s.ReplicateIntervalUnit = UnitMonths }},
		{"ReplicateIntervalUnit=year", func(s *Settings) { s.ReplicateIntervalUnit = UnitYears }},
		{"ReplicateStartDate='2024-02-29'", func(s *Settings) { s.ReplicateStartDate = date("2024-02-29T00:00:00Z") }},
		{"ReplicateStartDate='2024-02-29 13:14:15'", func(s *Settings) { s.ReplicateStartDate = date("2024-02-29T13:14:15Z") }},
		{"ReplicateStartDate='2024-02-29T13:14'", func(s *Settings) { s.ReplicateStartDate = date("2024-02-29T13:14:00Z") }},
		{"ReplicateStartDate='2024-03-01T01:00:00+09:00'", func(s *Settings) { s.ReplicateStartDate = date("2024-02-29T16:00:00Z") }},
		{"ReplicateStartDate=42", func(s *Settings) { s.ReplicateStartID = 42 }},
		{"IncrementalCheckColumns='Updated'", func(s *Settings) { s.IncrementalCheckColumns = []string{"Updated"} }},
		{"IncrementalCheckColumns=\"Updated\"", func(s *Settings) { s.IncrementalCheckColumns = []string{"Updated"} }},
		{"IncrementalCheckColumns=' Updated , [Id] ,\"x y\"'", func(s *Settings) { s.IncrementalCheckColumns = []string{"Updated", "Id", "x y"} }},
		{"TableNamePrefix=PROD_", func(s *Settings) { s.TableNamePrefix = "PROD_" }},
		{"Table_Name_Prefix='p '", func(s *Settings) { s.TableNamePrefix = "p " }},
		{"CacheSchema='prod'", func(s *Settings) { s.CacheSchema = "prod" }},
		{"Destination_Schema=[prod]", func(s *Settings) { s.CacheSchema = "prod" }},
		{"OtherCacheOptions='a=1;b=2'", func(s *Settings) { s.OtherCacheOptions = "a=1;b=2" }},
		{"UpdateMode=Append", func(s *Settings) { s.UpdateMode = ModeAppend }},
		{"UpdateMode='replace'", func(s *Settings) { s.UpdateMode = ModeReplace }},
		{"UpdateMode=MERGE", func(s *Settings) { s.UpdateMode = ModeMerge }},
	}
	for _, tt := range tests {
		stmts, err := Parse("", "REPLICATE T WITH "+tt.with)
		if err != nil {
			t.Errorf("WITH %s: %v", tt.with, err)
			continue
		}
		want := DefaultSettings()
		tt.set(&want)
		if got := stmts[0].(*Replicate).Settings; !reflect.DeepEqual(got, want) {
			t.Errorf("WITH %s:\n got %+v\nwant %+v", tt.with, got, want)
		}
		checkRoundTrip(t, stmts)
	}
}

func TestDefaultSettings(t *testing.T) {
	stmts, err := Parse("", "REPLICATE Issues")
	if err != nil {
		t.Fatal(err)
	}
	s := stmts[0].(*Replicate).Settings
	want := Settings{AlterSchema: true, UseGmtDateTime: true, ReplicateInterval: 180, ReplicateIntervalUnit: UnitDays, Verbosity: 2, UpdateMode: ModeMerge}
	if !reflect.DeepEqual(s, want) || !reflect.DeepEqual(DefaultSettings(), want) {
		t.Errorf("defaults = %+v, want %+v", s, want)
	}
}

// TestOptionCanonical checks the written form of options: canonical name,
// normalized value, quoting by type.
func TestOptionCanonical(t *testing.T) {
	tests := []struct{ with, want string }{
		{"droptable", "DropTable=True"},
		{"DROPTABLE='FALSE'", "DropTable=False"},
		{"batchsize='0100'", "BatchSize=100"},
		{"replicateintervalunit='Week'", "ReplicateIntervalUnit=weeks"},
		{"ReplicateStartDate='2024-01-02 00:00:00'", "ReplicateStartDate='2024-01-02'"},
		{"ReplicateStartDate='2024-01-02 03:04:05.5'", "ReplicateStartDate='2024-01-02T03:04:05.5Z'"},
		{"ReplicateStartDate='007'", "ReplicateStartDate=7"},
		{"IncrementalCheckColumns=' a ,b'", "IncrementalCheckColumns='a,b'"},
		{"TableNamePrefix=\"it's\"", "TableNamePrefix='it''s'"},
		{"TruncateTableData", "TruncateTable=True"},
	}
	for _, tt := range tests {
		stmts, err := Parse("", "REPLICATE T WITH "+tt.with)
		if err != nil {
			t.Errorf("WITH %s: %v", tt.with, err)
			continue
		}
		if got := stmts[0].(*Replicate).Options[0].String(); got != tt.want {
			t.Errorf("WITH %s: option prints %s, want %s", tt.with, got, tt.want)
		}
		checkRoundTrip(t, stmts)
	}
}

func TestSuggest(t *testing.T) {
	names := make([]string, len(optionSpecs))
	for i, s := range optionSpecs {
		names[i] = s.name
	}
	tests := []struct{ in, want string }{
		{"TrunateTable", "TruncateTable"},
		{"truncatetable", "TruncateTable"},
		{"DropTables", "DropTable"},
		{"Batch", "BatchSize"},
		{"ReplicateStart", "ReplicateStartDate"},
		{"ReplicateIntervalUnits", "ReplicateIntervalUnit"},
		{"SkipDelete", "SkipDeleted"},
		{"Verbose", "Verbosity"},
		{"x", ""},
		{"Schedule", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.in, names); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIntervalUnitAdd(t *testing.T) {
	base := time.Date(2024, 1, 31, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		u    IntervalUnit
		n    int
		want time.Time
	}{
		{UnitMinutes, 90, time.Date(2024, 1, 31, 11, 30, 0, 0, time.UTC)},
		{UnitHours, 15, time.Date(2024, 2, 1, 1, 0, 0, 0, time.UTC)},
		{UnitDays, 180, time.Date(2024, 7, 29, 10, 0, 0, 0, time.UTC)},
		{UnitWeeks, 2, time.Date(2024, 2, 14, 10, 0, 0, 0, time.UTC)},
		{UnitMonths, 1, time.Date(2024, 3, 2, 10, 0, 0, 0, time.UTC)}, // AddDate normalizes Feb 31
		{UnitYears, -1, time.Date(2023, 1, 31, 10, 0, 0, 0, time.UTC)},
		{"", 1, time.Date(2024, 2, 1, 10, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		if got := tt.u.Add(base, tt.n); !got.Equal(tt.want) {
			t.Errorf("%q.Add(%d) = %v, want %v", tt.u, tt.n, got, tt.want)
		}
	}
}

func TestParseUpdateMode(t *testing.T) {
	for in, want := range map[string]string{
		"append": "Append", "Replace": "Replace", "MERGE": "Merge",
		"Apend":     `'Apend' is not an update mode: did you mean Append? (Merge, Replace or Append)`,
		"upsert":    `'upsert' is not an update mode: did you mean Merge? (Merge, Replace or Append)`,
		"overwrite": `'overwrite' is not an update mode: did you mean Replace? (Merge, Replace or Append)`,
		"zz":        `'zz' is not an update mode: write Merge, Replace or Append`,
	} {
		m, err := ParseUpdateMode(in)
		got := string(m)
		if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("ParseUpdateMode(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCheckDefault: a job-level option (a configuration file's key, in
// WITH or snake-case spelling) is checked as ApplyDefault applies it,
// with the option's canonical name, and a name that is no option is
// unknown, not an error.
func TestCheckDefault(t *testing.T) {
	tests := []struct {
		name, value, canon string
		known              bool
		err                string
	}{
		{"droptable", "True", "DropTable", true, ""},
		{"Batch_Size", "1000", "BatchSize", true, ""},
		{"BatchSize", "0", "BatchSize", true, "option BatchSize takes an integer from 1 to 1000000, found '0'"},
		{"AlterSchema", "yes", "AlterSchema", true, ""}, // the config file's other booleans are spelled so too
		{"drop_table", " Off ", "DropTable", true, ""},
		{"DropTable", "0", "DropTable", true, ""},
		{"AlterSchema", "maybe", "AlterSchema", true, "option AlterSchema takes True or False, found 'maybe'"},
		{"TruncateTableData", "true", "TruncateTable", true, ""},
		{"table_name_prefix", "bl_", "TableNamePrefix", true, ""},
		{"ReplicateIntervalUnit", "day", "ReplicateIntervalUnit", true, ""},
		{"ReplicateIntervalUnit", "fortnights", "ReplicateIntervalUnit", true, "option ReplicateIntervalUnit takes minutes, hours, days, weeks, months or years, found 'fortnights'"},
		{"ReplicateStartDate", "2020-01-31", "ReplicateStartDate", true, ""},
		{"ReplicateStartDate", "1000", "ReplicateStartDate", true, ""},
		{"IncrementalCheckColumns", "Updated", "IncrementalCheckColumns", true, ""},
		{"update_mode", "append", "UpdateMode", true, ""},
		{"FancyNewOption", "x", "FancyNewOption", false, ""},
		{"PreJob", "x", "PreJob", false, ""},
	}
	for _, tt := range tests {
		canon, known, err := CheckDefault(tt.name, tt.value)
		if canon != tt.canon || known != tt.known || (err == nil) != (tt.err == "") || err != nil && err.Error() != tt.err {
			t.Errorf("CheckDefault(%q, %q) = %q, %v, %v; want %q, %v, %q", tt.name, tt.value, canon, known, err, tt.canon, tt.known, tt.err)
		}
		// ApplyDefault on a statement without WITH agrees.
		if applied, aerr := (&Replicate{}).ApplyDefault(tt.name, tt.value); applied != known || (aerr == nil) != (err == nil) {
			t.Errorf("ApplyDefault(%q, %q) = %v, %v; CheckDefault said %v, %v", tt.name, tt.value, applied, aerr, known, err)
		}
	}
}

// TestApplyDefaultBooleanSpellings: a job-level boolean written as the
// configuration file's other booleans are (yes/no, on/off, 1/0) applies
// that value; a statement's own WITH still wins.
func TestApplyDefaultBooleanSpellings(t *testing.T) {
	for value, want := range map[string]bool{"yes": true, "On": true, "1": true, "no": false, "OFF": false, "0": false} {
		r := &Replicate{}
		r.Settings.DropTable = !want
		if known, err := r.ApplyDefault("drop_table", value); !known || err != nil || r.Settings.DropTable != want {
			t.Errorf("drop_table: %s → DropTable %v (%v, %v); want %v", value, r.Settings.DropTable, known, err, want)
		}
	}
	r := &Replicate{Options: []Option{{Name: "DropTable", Value: "False"}}}
	if _, err := r.ApplyDefault("DropTable", "yes"); err != nil || r.Settings.DropTable {
		t.Errorf("a statement's WITH DropTable=False was overridden by the job's yes (%v)", err)
	}
}

// TestApplyDefaultStatementWins: a job-level option the statement's WITH
// already sets is not applied nor even checked (CheckDefault does that),
// and the statement's options are left as they were; an option the WITH
// does not set is added after them.
func TestApplyDefaultStatementWins(t *testing.T) {
	r := &Replicate{Options: []Option{{Name: "BatchSize", Value: "10"}}}
	r.Settings.BatchSize = 10
	if known, err := r.ApplyDefault("batch_size", "0"); !known || err != nil || r.Settings.BatchSize != 10 || len(r.Options) != 1 {
		t.Errorf("ApplyDefault(batch_size, 0) over WITH BatchSize=10 = %v, %v; BatchSize %d, options %v", known, err, r.Settings.BatchSize, r.Options)
	}
	if _, _, err := CheckDefault("batch_size", "0"); err == nil {
		t.Error("CheckDefault(batch_size, 0) = nil error")
	}
	if known, err := r.ApplyDefault("drop_table", "0"); !known || err != nil || len(r.Options) != 2 {
		t.Errorf("ApplyDefault(drop_table, 0) = %v, %v; options %v", known, err, r.Options)
	}
	if got := r.Options[len(r.Options)-1]; got.Name != "DropTable" || got.Value != "False" {
		t.Errorf("added option = %+v, want DropTable=False", got)
	}
}

// TestParseConfigBool: the words configuration files write for booleans,
// in any case and with spaces around; anything else is not a boolean.
func TestParseConfigBool(t *testing.T) {
	for s, want := range map[string]bool{"true": true, " YES ": true, "On": true, "1": true,
		"False": false, "no": false, "OFF ": false, "0": false} {
		if got, ok := ParseConfigBool(s); !ok || got != want {
			t.Errorf("ParseConfigBool(%q) = %v, %v; want %v, true", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "maybe", "y", "2", "truthy"} {
		if _, ok := ParseConfigBool(s); ok {
			t.Errorf("ParseConfigBool(%q) ok; want not a boolean", s)
		}
	}
}
