// Package cli holds the command-line helpers the programs under cmd/ share:
// flag parsing that turns the flag package's errors into messages naming the
// fix, flag listings in --name form, usage errors and shell quoting.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/backlogsync/backlogsync"
)

// UsageError is a bad command line: the program prints Msg and exits 2.
type UsageError struct {
	// Msg names the problem and the fix, e.g. "--issues 0: give a number of
	// issues from 1 to 10000000".
	Msg string
}

func (e *UsageError) Error() string { return e.Msg }

// As classifies a usage error as backlogsync.EINVALID, so that the
// programs' one mapping from error kinds to exit codes gives 2 for it.
func (e *UsageError) As(target any) bool {
	t, ok := target.(**backlogsync.Error)
	if ok {
		*t = &backlogsync.Error{Code: backlogsync.EINVALID, Message: e.Msg}
	}
	return ok
}

// Usagef returns a *UsageError with the formatted message.
func Usagef(format string, args ...any) error {
	return &UsageError{fmt.Sprintf(format, args...)}
}

// PrintFlags writes the flags of fs in --name form, single-letter ones as -c
// (as they are written on a command line), each with its usage and default.
func PrintFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if len(f.Name) == 1 {
			line = "  -" + f.Name
		}
		if name != "" {
			line += " " + name
		}
		fmt.Fprintln(w, line)
		def := ""
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			def = " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(w, "        %s%s\n", usage, def)
	})
}

// ParseFlagSet parses args with fs (quietly) and turns the flag package's
// errors into *UsageError messages in --name form that say what value is
// wanted; -h and --help return flag.ErrHelp. A positional argument is a
// usage error: the commands that use it take only flags.
func ParseFlagSet(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		msg := err.Error()
		msg = strings.Replace(msg, "flag provided but not defined: -", "unknown flag --", 1)
		msg = strings.Replace(msg, "for flag -", "for flag --", 1)
		if m := flagNameRE.FindStringSubmatch(err.Error()); m != nil {
			if f := fs.Lookup(m[1]); f != nil {
				switch fmt.Sprintf("%T", f.Value) {
				case "*flag.intValue", "*flag.int64Value":
					msg = fmt.Sprintf("--%s: want a whole number, e.g. --%s %s", f.Name, f.Name, f.DefValue)
				case "*flag.durationValue":
					msg = fmt.Sprintf("--%s: want a duration such as 60s or 5s", f.Name)
				case "*flag.boolValue":
					msg = fmt.Sprintf("--%s: want true or false (--%s alone means true)", f.Name, f.Name)
				}
			}
		}
		return &UsageError{msg}
	}
	if fs.NArg() > 0 {
		return Usagef("unexpected argument %q: this command takes only flags", fs.Arg(0))
	}
	return nil
}

var (
	flagNameRE  = regexp.MustCompile(`invalid (?:boolean )?value ".*" for (?:flag )?-([a-z-]+):`)
	shellSafeRE = regexp.MustCompile(`^[A-Za-z0-9_./:-]+$`)
)

// ShellQuote quotes s for a POSIX shell when it needs quoting, so that
// printed commands work when pasted.
func ShellQuote(s string) string {
	if shellSafeRE.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
