package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/config"
)

// "backlogsync state show": the checkpoints and runs of the selected jobs.

// jsonState is the JSON form of "state show".
type jsonState struct {
	Destinations []jsonDest `json:"destinations"`
}

type jsonDest struct {
	Name        string           `json:"name"`
	Type        config.DestType  `json:"type"`
	Missing     string           `json:"missing,omitempty"`
	Checkpoints []jsonCheckpoint `json:"checkpoints"`
	Runs        []jsonRun        `json:"runs"`
}

type jsonCheckpoint struct {
	Scope   string          `json:"scope"`
	Job     string          `json:"job"`
	Account string          `json:"account"`
	Table   string          `json:"table"`
	Key     string          `json:"key"`
	Value   json.RawMessage `json:"value"` // the cursor as JSON (a string when it is not JSON)
}

type jsonRun struct {
	ID       int64                    `json:"id"`
	Job      string                   `json:"job"`
	Account  string                   `json:"account"`
	Started  time.Time                `json:"started"`
	Finished *time.Time               `json:"finished,omitempty"`
	Status   backlogsync.RunStatus    `json:"status"`
	Error    string                   `json:"error,omitempty"`
	Requests backlogsync.Requests     `json:"requests"`
	Waits429 int64                    `json:"waits429"`
	WaitTime string                   `json:"waitTime"`
	Tables   []backlogsync.RunTable   `json:"tables"`
	Warnings []backlogsync.RunWarning `json:"warnings,omitempty"`
}

// showState prints the checkpoints and last runs.
func showState(st *state, f stateFlags, stdout, stderr io.Writer) int {
	defer st.close()
	if f.format == "json" {
		var js jsonState
		for _, d := range st.dests {
			jd := jsonDest{Name: d.dest.Name, Type: d.dest.Type, Missing: d.missing,
				Checkpoints: []jsonCheckpoint{}, Runs: []jsonRun{}}
			for _, cp := range d.checkpoints {
				sc, _ := backlogsync.ParseScope(cp.Scope)
				v := json.RawMessage(cp.Value)
				if !json.Valid(v) {
					v, _ = json.Marshal(cp.Value)
				}
				jd.Checkpoints = append(jd.Checkpoints, jsonCheckpoint{cp.Scope, sc.Job, sc.Account, sc.Table, cp.Key, v})
			}
			for _, r := range st.lastRuns(f, d.runs) {
				jr := jsonRun{ID: r.ID, Job: r.Job, Account: r.Account, Started: r.Started, Status: r.Status, Error: r.Error,
					Requests: r.Requests, Waits429: r.Waits429, WaitTime: r.WaitTime.String(), Tables: r.Tables, Warnings: r.Warnings}
				if !r.Finished.IsZero() {
					fin := r.Finished
					jr.Finished = &fin
				}
				if jr.Tables == nil {
					jr.Tables = []backlogsync.RunTable{}
				}
				jd.Runs = append(jd.Runs, jr)
			}
			js.Destinations = append(js.Destinations, jd)
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(js); err != nil {
			fmt.Fprintf(stderr, "backlogsync state show: %v\n", err)
			return exitError
		}
		return exitOK
	}
	var b bytes.Buffer
	for i, d := range st.dests {
		if i > 0 {
			fmt.Fprintln(&b)
		}
		fmt.Fprintf(&b, "Destination %s (%s)\n", d.dest.Name, d.dest.Type)
		if d.missing != "" {
			fmt.Fprintf(&b, "  %s\n", d.missing)
			continue
		}
		if len(d.checkpoints) == 0 {
			fmt.Fprintln(&b, "  No checkpoints: the next run loads every table from scratch.")
		} else {
			fmt.Fprintln(&b, "  Checkpoints:")
			tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "    SCOPE (JOB/ACCOUNT/TABLE)\tKEY\tCURSOR")
			for _, cp := range d.checkpoints {
				fmt.Fprintf(tw, "    %s\t%s\t%s\n", cp.Scope, cp.Key, readableCursor(cp.Value))
			}
			tw.Flush()
		}
		runs := st.lastRuns(f, d.runs)
		if f.runs == 0 {
			continue
		}
		if len(runs) == 0 {
			fmt.Fprintln(&b, "  No runs recorded.")
			continue
		}
		fmt.Fprintf(&b, "  Last runs (newest first, at most %d per job and account):\n", f.runs)
		for _, r := range runs {
			writeRun(&b, r)
		}
	}
	_, _ = stdout.Write(b.Bytes())
	return exitOK
}

// writeRun prints one run and its tables.
func writeRun(w io.Writer, r backlogsync.Run) {
	end := "still running (or killed)"
	if !r.Finished.IsZero() {
		end = r.Finished.Format(time.DateTime) + " (" + r.Finished.Sub(r.Started).String() + ")"
	}
	fmt.Fprintf(w, "    run %d  job %s  account %s  %s\n", r.ID, r.Job, r.Account, strings.ToUpper(string(r.Status)))
	fmt.Fprintf(w, "      started %s UTC, finished %s\n", r.Started.Format(time.DateTime), end)
	q := r.Requests
	fmt.Fprintf(w, "      requests: read %d, search %d, update %d, icon %d; 429 waits: %d (%s)\n",
		q.Read, q.Search, q.Update, q.Icon, r.Waits429, r.WaitTime)
	if r.Error != "" {
		fmt.Fprintf(w, "      error: %s\n", r.Error)
	}
	for _, wr := range r.Warnings {
		fmt.Fprintf(w, "      warning (%s): %s\n", wr.Kind, wr.Message)
	}
	if len(r.Tables) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "      TABLE\tINSERTED\tUPDATED\tDELETED\t")
	for _, t := range r.Tables {
		fmt.Fprintf(tw, "      %s\t%d\t%d\t%d\t\n", t.Table, t.Inserted, t.Updated, t.Deleted)
	}
	tw.Flush()
}

// readableCursor renders a JSON cursor as "key=value …" (keys sorted;
// nested values as compact JSON); other values as they are.
func readableCursor(v string) string {
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(v))
	d.UseNumber()
	if err := d.Decode(&m); err != nil || m == nil {
		var c bytes.Buffer
		if json.Compact(&c, []byte(v)) == nil {
			return c.String()
		}
		return v
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		var s string
		switch x := m[k].(type) {
		case string:
			s = x
			if strings.ContainsAny(s, " \t") || s == "" {
				s = fmt.Sprintf("%q", s)
			}
		case json.Number:
			s = x.String()
		default:
			b, _ := json.Marshal(x)
			s = string(b)
		}
		parts[i] = k + "=" + s
	}
	return strings.Join(parts, " ")
}
