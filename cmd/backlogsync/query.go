package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/livesql"
)

// runQuery implements "backlogsync query [flags] SQL": live SQL over the
// Backlog API. The tables the statement reads are fetched into an in-memory
// SQLite database, with the predicates the API can answer pushed into its
// parameters, and the statement runs there unchanged.
func runQuery(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var af accountFlags
	fs := flag.NewFlagSet("query", flag.ContinueOnError)
	af.register(fs)
	format := fs.String("format", "", "output `format`: table, csv, json or jsonl (default table on a terminal, csv otherwise)")
	explain := fs.Bool("explain", false, "print the API calls the query would make, with their rate-limit class, and send none")
	timeout := fs.Duration("timeout", 60*time.Second, "`time` to wait for each answer")
	maxTime := fs.Duration("max-time", defaultQueryMaxTime, "stop the whole query after this `time` (API reads and SQL)")
	maxRows := fs.Int("max-rows", defaultQueryMaxRows, "stop with an error when the result has more than `n` rows (0: no cap)")
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		queryUsage(stdout, fs)
		return exitOK
	case err != nil:
		err = parseFlagSet(fs, args) // the same failure, worded for --flags
	case fs.NArg() == 0:
		err = usagef(`give the query, e.g. backlogsync query "SELECT IssueKey, Summary FROM Issues WHERE ProjectId = 12"`)
	case fs.NArg() > 1:
		err = usagef("give the query as one argument (quote it); flags go before it: unexpected %q", fs.Arg(1))
	case *format != "" && *format != "table" && *format != "csv" && *format != "json" && *format != "jsonl":
		err = usagef("--format %s: use table, csv, json or jsonl", *format)
	case *timeout <= 0:
		err = usagef("--timeout %v: give a positive duration such as 60s", *timeout)
	case *maxTime <= 0:
		err = usagef("--max-time %v: give a positive duration such as 5m", *maxTime)
	case *maxRows < 0:
		err = usagef("--max-rows %d: give 0 (no cap) or more", *maxRows)
	}
	if err != nil {
		return reportUsage("query", err, stderr)
	}
	text := fs.Arg(0)
	if text == "-" {
		b, err := io.ReadAll(stdin)
		if err != nil {
			fmt.Fprintf(stderr, "backlogsync query: reading the query from standard input: %v\n", err)
			return exitError
		}
		text = string(b)
	}

	lq, err := livesql.PrepareLive(ctx, text)
	if err != nil {
		return reportQueryError(err, stderr)
	}
	defer lq.Close()
	lq.MaxRows = *maxRows
	ctx, cancel := context.WithTimeout(ctx, *maxTime)
	defer cancel()
	if *explain {
		livesql.Explain(stdout, lq.Plans)
		return exitOK
	}

	acct, err := resolveAccount(af)
	if err != nil {
		var ue *usageError
		if errors.As(err, &ue) {
			return reportUsage("query", err, stderr)
		}
		fmt.Fprintf(stderr, "backlogsync query: %s\n", strings.TrimPrefix(err.Error(), "backlog: "))
		if backlogsync.ErrorCode(err) == backlogsync.EINVALID { // the configuration file's, as check and replicate
			return exitUsage
		}
		return exitAuth
	}
	c, ts, err := acct.client(ctx, &http.Client{Timeout: *timeout})
	var res *livesql.Result
	if err == nil {
		res, err = lq.Run(ctx, c, af.account)
	}
	if ts != nil {
		if serr := ts.SaveErr(); serr != nil {
			fmt.Fprintf(stderr, "backlogsync query: warning: %s\n", strings.TrimPrefix(serr.Error(), "backlog: "))
		}
	}
	if err != nil {
		if livesql.IsSQLError(err) || backlogsync.ErrorCode(err) == backlogsync.EINVALID {
			return reportQueryError(err, stderr)
		}
		msg, code := explainFailure(err, acct, *timeout)
		fmt.Fprintf(stderr, "backlogsync query: %s\n", strings.TrimPrefix(msg, "livesql: "))
		return code
	}
	f := *format
	if f == "" {
		f = "csv"
		if isTerminal(stdout) {
			f = "table"
		}
	}
	if err := writeResult(stdout, f, res); err != nil {
		fmt.Fprintf(stderr, "backlogsync query: writing the result: %v\n", err)
		return exitError
	}
	return exitOK
}

func queryUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintln(w, `Usage: backlogsync query [flags] "SELECT …"`)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Runs SQL over the live Backlog API. The tables of 'backlogsync tables' are read through")
	fmt.Fprintln(w, "the API into an in-memory SQLite database and the query runs there, so joins, aggregates,")
	fmt.Fprintln(w, "functions, ORDER BY and LIMIT all work. Top-level WHERE predicates the API can answer")
	fmt.Fprintln(w, "(ids with = or IN, Created/Updated date ranges, …) become API parameters; the rest are")
	fmt.Fprintln(w, "evaluated locally, so results are exact. Dates and times are ISO text ('2025-01-01',")
	fmt.Fprintln(w, "'2025-01-01T09:00:00Z', UTC). Give - to read the query from standard input.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Exit codes: 0 done, 1 API or network failure, 2 bad flags or bad SQL, 4 credentials rejected.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Flags:")
	printFlags(w, fs)
}

// The default limits of a query: --max-time and --max-rows.
const (
	defaultQueryMaxTime = 5 * time.Minute
	defaultQueryMaxRows = 1_000_000
)

// reportQueryError prints an error in the statement with its position and
// a caret, and returns exit code 2.
func reportQueryError(err error, stderr io.Writer) int {
	var se *livesql.SQLError
	if errors.As(err, &se) {
		fmt.Fprintf(stderr, "backlogsync query: %s", se.Detail())
		if se.Line == 0 {
			fmt.Fprintln(stderr)
		}
		return exitUsage
	}
	if backlogsync.ErrorCode(err) == backlogsync.EINVALID {
		fmt.Fprintf(stderr, "backlogsync query: %s\n", backlogsync.ErrorMessage(err))
		return exitUsage
	}
	fmt.Fprintf(stderr, "backlogsync query: %v\n", err)
	return exitError
}

// writeResult writes res in the given format.
func writeResult(w io.Writer, format string, res *livesql.Result) error {
	switch format {
	case "table":
		return writeTable(w, res)
	case "csv":
		return writeCSV(w, res)
	case "json", "jsonl":
		return writeJSON(w, res, format == "jsonl")
	}
	return fmt.Errorf("unknown format %q", format)
}

// cellText renders a value as text: NULL is "", booleans true/false,
// floats in the shortest exact form, blobs as hex.
func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case []byte:
		return "x'" + hex.EncodeToString(x) + "'"
	}
	return fmt.Sprint(v)
}

// writeCSV writes RFC 4180 CSV with a header. NULL is an empty field, an
// empty string a quoted "" so the two stay apart.
func writeCSV(w io.Writer, res *livesql.Result) error {
	var b strings.Builder
	field := func(i int, s string, null bool) {
		if i > 0 {
			b.WriteByte(',')
		}
		switch {
		case null:
		case s == "" || strings.ContainsAny(s, ",\"\r\n") || strings.TrimSpace(s) != s:
			b.WriteString(`"` + strings.ReplaceAll(s, `"`, `""`) + `"`)
		default:
			b.WriteString(s)
		}
	}
	for i, c := range res.Columns {
		field(i, c.Name, false)
	}
	b.WriteString("\n")
	for _, r := range res.Rows {
		for i, v := range r {
			field(i, cellText(v), v == nil)
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// jsonNames returns the column names made unique as SQLite does for
// CREATE TABLE AS (Id, Id:1, …), for JSON object keys.
func jsonNames(cols []livesql.ResultColumn) []string {
	seen := map[string]bool{}
	out := make([]string, len(cols))
	for i, c := range cols {
		name := c.Name
		for n := 1; seen[strings.ToLower(name)]; n++ {
			name = c.Name + ":" + strconv.Itoa(n)
		}
		seen[strings.ToLower(name)] = true
		out[i] = name
	}
	return out
}

// writeJSON writes an array of objects (one per line) or, for jsonl, one
// object per line; keys in column order, NULL as null.
func writeJSON(w io.Writer, res *livesql.Result, lines bool) error {
	names := jsonNames(res.Columns)
	keys := make([]string, len(names))
	for i, n := range names {
		k, _ := json.Marshal(n)
		keys[i] = string(k)
	}
	var b strings.Builder
	if !lines {
		b.WriteString("[")
	}
	for ri, r := range res.Rows {
		if !lines {
			if ri > 0 {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		b.WriteString("{")
		for i, v := range r {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(keys[i] + ":")
			switch x := v.(type) {
			case nil:
				b.WriteString("null")
			case int64, bool:
				b.WriteString(cellText(x))
			case float64:
				if math.IsInf(x, 0) || math.IsNaN(x) {
					b.WriteString("null")
				} else {
					b.WriteString(cellText(x))
				}
			default:
				s, _ := json.Marshal(cellText(x))
				b.WriteString(string(s))
			}
		}
		b.WriteString("}")
		if lines {
			b.WriteString("\n")
		}
	}
	if !lines {
		if len(res.Rows) > 0 {
			b.WriteString("\n")
		}
		b.WriteString("]\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// maxCell bounds the width of a cell of the aligned table.
const maxCell = 60

// writeTable writes an aligned table for a terminal: NULL as NULL (an
// empty string stays empty), numbers right-aligned, line breaks shown as ↵,
// long values cut at 60 columns, and a row count.
func writeTable(w io.Writer, res *livesql.Result) error {
	n := len(res.Columns)
	cells := make([][]string, 0, len(res.Rows)+1)
	right := make([]bool, n)
	head := make([]string, n)
	for i, c := range res.Columns {
		head[i] = c.Name
	}
	cells = append(cells, head)
	for _, r := range res.Rows {
		row := make([]string, n)
		for i, v := range r {
			switch v.(type) {
			case nil:
				row[i] = "NULL"
			case int64, float64:
				right[i] = true
				row[i] = cellText(v)
			default:
				s := strings.NewReplacer("\r\n", "↵", "\n", "↵", "\r", "↵", "\t", " ").Replace(cellText(v))
				row[i] = cut(s, maxCell)
			}
		}
		cells = append(cells, row)
	}
	width := make([]int, n)
	for _, row := range cells {
		for i, s := range row {
			width[i] = max(width[i], cellWidth(s))
		}
	}
	var b strings.Builder
	line := func(row []string) {
		for i, s := range row {
			if i > 0 {
				b.WriteString(" | ")
			}
			pad := strings.Repeat(" ", width[i]-cellWidth(s))
			if right[i] {
				b.WriteString(pad + s)
			} else if i < n-1 {
				b.WriteString(s + pad)
			} else {
				b.WriteString(s)
			}
		}
		b.WriteString("\n")
	}
	line(cells[0])
	for i := range n {
		if i > 0 {
			b.WriteString("-+-")
		}
		b.WriteString(strings.Repeat("-", width[i]))
	}
	b.WriteString("\n")
	for _, row := range cells[1:] {
		line(row)
	}
	switch len(res.Rows) {
	case 1:
		b.WriteString("(1 row)\n")
	default:
		fmt.Fprintf(&b, "(%d rows)\n", len(res.Rows))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// cut shortens s to at most n terminal cells, ending in … when cut.
func cut(s string, n int) string {
	if cellWidth(s) <= n {
		return s
	}
	var b strings.Builder
	w := 0
	for _, r := range s {
		rw := runeWidth(r)
		if w+rw > n-1 {
			break
		}
		b.WriteRune(r)
		w += rw
	}
	return b.String() + "…"
}

// cellWidth is the number of terminal cells s takes.
func cellWidth(s string) int {
	if isASCII(s) {
		return len(s)
	}
	w := 0
	for _, r := range s {
		w += runeWidth(r)
	}
	return w
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// runeWidth is 2 for East Asian wide and fullwidth characters (Japanese
// text is common in Backlog), else 1.
func runeWidth(r rune) int {
	if r >= 0x1100 && r <= 0x115F || r >= 0x2E80 && r <= 0x303E || r >= 0x3041 && r <= 0x33FF ||
		r >= 0x3400 && r <= 0x4DBF || r >= 0x4E00 && r <= 0x9FFF || r >= 0xA000 && r <= 0xA4CF ||
		r >= 0xAC00 && r <= 0xD7A3 || r >= 0xF900 && r <= 0xFAFF || r >= 0xFE30 && r <= 0xFE4F ||
		r >= 0xFF00 && r <= 0xFF60 || r >= 0xFFE0 && r <= 0xFFE6 || r >= 0x20000 && r <= 0x3FFFD {
		return 2
	}
	return 1
}
