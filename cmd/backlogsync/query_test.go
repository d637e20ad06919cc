package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateQuery = flag.Bool("update-query", false, "rewrite testdata/query/*.golden from the query output")

// formatSQL exercises every kind of value: text with a comma, quotes and a
// line break, NULL and the empty string, a boolean, a date, a timestamp, a
// real, and a duplicated column name.
const formatSQL = `SELECT i.IssueKey, p.Archived, substr(i.Summary, 1, 12) AS Summary, i.DueDate, i.EstimatedHours, i.Updated,
       NULL AS Missing, '' AS Empty, 'a,"b"' || char(10) || 'c' AS Quoted, '課題' AS Wide, i.Id, p.Id
FROM Issues i JOIN Projects p ON p.Id = i.ProjectId
ORDER BY i.Id LIMIT 3`

// TestQueryFormats checks each output format against a golden file.
func TestQueryFormats(t *testing.T) {
	isolateAccountEnv(t)
	srv, base := startAuthEmulator(t, nil)
	key := srv.Users()[0].APIKey
	for _, format := range []string{"table", "csv", "json", "jsonl"} {
		t.Run(format, func(t *testing.T) {
			code, out, errOut := runCLI(t, "query", "--url", base, "--api-key", key, "--format", format, formatSQL)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			path := filepath.Join("testdata", "query", format+".golden")
			if *updateQuery {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./cmd/backlogsync -run TestQueryFormats -update-query)", err)
			}
			if out != string(want) {
				t.Errorf("output differs from %s:\n%s\nwant:\n%s", path, out, want)
			}
			if strings.Contains(out+errOut, key) {
				t.Error("the API key was printed")
			}
		})
	}
	// Not a terminal and no --format: CSV.
	_, out, _ := runCLI(t, "query", "--url", base, "--api-key", key, formatSQL)
	if want, _ := os.ReadFile(filepath.Join("testdata", "query", "csv.golden")); out != string(want) {
		t.Errorf("default format off a terminal is not CSV:\n%s", out)
	}
}

// TestQueryExplain checks that --explain prints the calls and sends no
// request, even with credentials at hand.
func TestQueryExplain(t *testing.T) {
	isolateAccountEnv(t)
	srv, base := startAuthEmulator(t, nil)
	srv.ClearRequests()
	sql := "SELECT i.IssueKey, count(c.Id) FROM Issues i JOIN IssueComments c ON c.IssueId = i.Id WHERE i.ProjectId = 12 AND i.StatusId IN (1, 2) AND i.Updated >= '2025-01-01' GROUP BY 1"
	code, out, errOut := runCLI(t, "query", "--explain", "--url", base, "--api-key", srv.Users()[0].APIKey, sql)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"1. Issues\n", "ProjectId = 12", "StatusId IN (1, 2)", "Updated >= '2025-01-01T00:00:00Z'",
		"GET /api/v2/issues    search  fixed, paged",
		"2. IssueComments", "IssueId IN (the Id values of the Issues rows, if at most 100)",
		"GET /api/v2/issues/:issueIdOrKey/comments  read    one per parent row",
		"no request was sent",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explain lacks %q:\n%s", want, out)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("--explain sent %d requests", n)
	}
	// No credentials are needed to explain.
	if code, _, errOut := runCLI(t, "query", "--explain", sql); code != exitOK {
		t.Errorf("explain without an account: exit %d: %s", code, errOut)
	}
}

// TestQueryErrors checks exit codes and messages: 2 for bad SQL and flags
// (before any request), 4 for rejected credentials, never the key.
func TestQueryErrors(t *testing.T) {
	isolateAccountEnv(t)
	srv, base := startAuthEmulator(t, nil)
	key := srv.Users()[0].APIKey
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown column", []string{"--url", base, "--api-key", key, "SELECT StatusNmae FROM Issues"}, exitUsage,
			"backlogsync query: 1:8: no column StatusNmae in Issues; did you mean StatusName?\n    SELECT StatusNmae FROM Issues\n           ^\n"},
		{"unknown table", []string{"--url", base, "--api-key", key, "SELECT *\n  FROM Isues"}, exitUsage,
			"backlogsync query: 2:8: no table Isues; did you mean Issues?\n      FROM Isues\n           ^\n"},
		{"syntax", []string{"--url", base, "--api-key", key, "SELECT * FORM Issues"}, exitUsage, "1:10: syntax error near FORM"},
		{"no query", []string{"--url", base, "--api-key", key}, exitUsage, "give the query"},
		{"two arguments", []string{"SELECT 1", "--format", "csv"}, exitUsage, "give the query as one argument"},
		{"bad format", []string{"--format", "xml", "SELECT 1"}, exitUsage, "--format xml: use table, csv, json or jsonl"},
		{"no credentials", []string{"--url", base, "SELECT * FROM Projects"}, exitUsage, "no credentials"},
		{"wrong key", []string{"--url", base, "--api-key", "wrong" + key, "SELECT * FROM Projects"}, exitAuth, "the API key was rejected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.ClearRequests()
			code, out, errOut := runCLI(t, append([]string{"query"}, tt.args...)...)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d and %q", code, errOut, tt.code, tt.want)
			}
			if strings.Contains(out+errOut, key) {
				t.Error("the API key was printed")
			}
			if tt.code == exitUsage && len(srv.Requests()) != 0 {
				t.Errorf("a bad statement sent %d requests", len(srv.Requests()))
			}
		})
	}
}

// A query that never ends stops at --max-time, one with too many rows at
// --max-rows; both are usage errors that name the flag to change.
func TestQueryLimits(t *testing.T) {
	isolateAccountEnv(t)
	srv, base := startAuthEmulator(t, nil)
	const endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--max-time", "300ms", endless + "SELECT count(*) FROM c"}, "--max-time"},
		{[]string{"--max-rows", "10", endless + "SELECT x FROM c"}, "--max-rows"},
	} {
		args := append([]string{"query", "--url", base, "--api-key", srv.AdminAPIKey()}, tc.args...)
		code, _, errOut := runCLI(t, args...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, want %d naming %s:\n%s", tc.args, code, exitUsage, tc.want, errOut)
		}
	}
}
