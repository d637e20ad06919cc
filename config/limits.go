package config

import (
	"fmt"
	"io"
	"os"
)

// Size limits of the files a configuration names, far above any real one:
// a file beyond them is refused before it is parsed, so a wrong path (a
// log, a database, /dev/zero) fails at once instead of exhausting memory.
const (
	// MaxConfigBytes bounds a YAML or CData XML configuration file.
	MaxConfigBytes = 4 << 20
	// MaxStatementsBytes bounds a statements file (-f, statements_file).
	MaxStatementsBytes = 8 << 20
	// MaxSecretBytes bounds a secret file (file:/path references).
	MaxSecretBytes = 64 << 10
)

// ReadFileLimit reads the file name, what it holds being described by
// what ("configuration", "statements"…), and refuses it when it is larger
// than limit bytes without reading more than limit+1 of them.
func ReadFileLimit(name string, limit int64, what string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	return checkSize(name, b, limit, what)
}

// checkSize refuses b, read from name, when it holds more than limit bytes.
func checkSize(name string, b []byte, limit int64, what string) ([]byte, error) {
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %s, the limit of a %s file: is it the right file?", name, sizeText(limit), what)
	}
	return b, nil
}

func sizeText(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}
