package cli

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"
	"time"
)

func TestParseFlagSet(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--n", "x"}, "--n: want a whole number, e.g. --n 3"},
		{[]string{"--d", "5"}, "--d: want a duration such as 60s or 5s"},
		{[]string{"--b=maybe"}, "--b: want true or false (--b alone means true)"},
		{[]string{"--nope"}, "unknown flag --nope"},
		{[]string{"extra"}, `unexpected argument "extra": this command takes only flags`},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.Int("n", 3, "")
		fs.Duration("d", time.Second, "")
		fs.Bool("b", false, "")
		err := ParseFlagSet(fs, tc.args)
		var ue *UsageError
		if !errors.As(err, &ue) || ue.Msg != tc.want {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	if err := ParseFlagSet(fs, []string{"-h"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
}

func TestPrintFlags(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.String("c", "", "config `file`")
	fs.Int("issues", 10, "number of issues")
	var b bytes.Buffer
	PrintFlags(&b, fs)
	want := "  -c file\n        config file\n  --issues int\n        number of issues (default 10)\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"demo.db":     "demo.db",
		"/tmp/a b.db": "'/tmp/a b.db'",
		"it's":        `'it'\''s'`,
	} {
		if got := ShellQuote(in); got != want {
			t.Errorf("ShellQuote(%q) = %s, want %s", in, got, want)
		}
	}
	if !strings.HasPrefix(Usagef("x %d", 1).Error(), "x 1") {
		t.Error("Usagef")
	}
}
