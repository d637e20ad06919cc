package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/backlogsync/backlogsync/catalog"
)

func TestRunTables(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   []string // substrings, in order
		stderr   string
		noStdout bool
	}{
		{name: "list", args: nil, code: exitOK, stdout: []string{"TABLE", "PARENT", "DESCRIPTION", "\nSpace ", "\nIssues ", "The issues of every project", "\nIssueComments ", "Issues "}},
		{name: "describe", args: []string{"Issues"}, code: exitOK, stdout: []string{
			"Issues: The issues of every project", "Primary key:", "Account, Id", "Parent:", "-",
			"Columns:", "Account", "TEXT", "key", "StatusId", "BIGINT", "yes", "DueDate", "DATE", "EstimatedHours", "DOUBLE", "Updated", "TIMESTAMP",
			"API calls:", "GET /api/v2/issues", "search",
			"Pushdown:", "ProjectId", "= IN", "projectId[]", "Updated", ">=", "updatedSince / updatedUntil", "widened",
			"Change detection: cursor on Updated", "signals: activity types 1, 2, 3, 14, 35, 47", "deletes: activity types 4"}},
		{name: "alias and case", args: []string{"issuesharedfiles"}, code: exitOK, stdout: []string{"IssueLinkedSharedFiles:", "Also known as:", "IssueSharedFiles"}},
		{name: "markdown page", args: []string{"--markdown", "Issues"}, code: exitOK, stdout: []string{"# Issues\n", "## Columns", "## Pushdown", "## Change detection"}},
		{name: "markdown index", args: []string{"--markdown"}, code: exitOK, stdout: []string{"# Tables\n", "## Domo reports"}},
		{name: "unknown", args: []string{"Isues"}, code: exitUsage, stderr: `unknown table "Isues": did you mean "Issues"?`, noStdout: true},
		{name: "unknown far", args: []string{"qqqqqqqqqqqq"}, code: exitUsage, stderr: "run 'backlogsync tables' for the list", noStdout: true},
		{name: "two names", args: []string{"Issues", "Users"}, code: exitUsage, stderr: "at most one table name", noStdout: true},
		{name: "bad flag", args: []string{"--nope"}, code: exitUsage, stderr: "flag provided but not defined", noStdout: true},
		{name: "help", args: []string{"-h"}, code: exitOK, stderr: "Usage: backlogsync tables", noStdout: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), append([]string{"tables"}, tt.args...), nil, &out, &errb)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.code, errb.String())
			}
			rest := out.String()
			for _, s := range tt.stdout {
				i := strings.Index(rest, s)
				if i < 0 {
					t.Fatalf("stdout lacks %q (in order):\n%s", s, out.String())
				}
				rest = rest[i+len(s):]
			}
			if tt.noStdout && out.Len() != 0 {
				t.Errorf("stdout not empty: %s", out.String())
			}
			if !strings.Contains(errb.String(), tt.stderr) {
				t.Errorf("stderr %q lacks %q", errb.String(), tt.stderr)
			}
		})
	}
}

// TestRunTables_everyTable describes every table without error, and the
// list has one line per table.
func TestRunTables_everyTable(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"tables"}, nil, &out, &out); code != exitOK {
		t.Fatal(out.String())
	}
	if got, want := strings.Count(out.String(), "\n"), len(catalog.Tables())+1; got != want {
		t.Errorf("%d lines, want %d", got, want)
	}
	for _, tab := range catalog.Tables() {
		out.Reset()
		if code := run(context.Background(), []string{"tables", tab.Name}, nil, &out, &out); code != exitOK {
			t.Errorf("tables %s: exit %d: %s", tab.Name, code, out.String())
		}
		for _, c := range tab.Columns {
			if !strings.Contains(out.String(), "  "+c.Name+" ") {
				t.Errorf("tables %s does not list column %s", tab.Name, c.Name)
			}
		}
	}
}
