package backlog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/backlogsync/backlogsync"
)

// TokenFile is the JSON document a FileTokenStore keeps: the token and,
// so that a later run can refresh it without flags, the space and the OAuth
// application it was issued for (the client secret is stored too, which is
// why the file is written with mode 0600).
type TokenFile struct {
	BaseURL      string        `json:"base_url,omitempty"`
	ClientID     string        `json:"client_id,omitempty"`
	ClientSecret string        `json:"client_secret,omitempty"`
	Token        Token         `json:"token"`
	Account      *TokenAccount `json:"account,omitempty"`
}

// TokenAccount records whose token a TokenFile holds, for display.
type TokenAccount struct {
	SpaceKey  string   `json:"space_key,omitempty"`
	SpaceName string   `json:"space_name,omitempty"`
	ID        int64    `json:"id,omitempty"` // numeric user id
	UserID    string   `json:"user_id,omitempty"`
	Name      string   `json:"name,omitempty"`
	RoleType  RoleType `json:"role_type,omitempty"`
}

// String describes the file with its secrets redacted.
func (f TokenFile) String() string {
	return fmt.Sprintf("backlog.TokenFile{base %s, client %s, %s}", f.BaseURL, f.ClientID, f.Token.describe())
}

// GoString is String, so %#v does not print the secrets either.
func (f TokenFile) GoString() string { return f.String() }

// OAuthConfig returns the OAuth configuration the file was written with.
func (f *TokenFile) OAuthConfig() *OAuthConfig {
	return &OAuthConfig{BaseURL: f.BaseURL, ClientID: f.ClientID, ClientSecret: f.ClientSecret}
}

var (
	_ TokenStore = (*FileTokenStore)(nil)
	_ TokenStore = (*MemoryTokenStore)(nil)
)

// FileTokenStore is a TokenStore backed by a JSON file (see TokenFile). It
// writes atomically (a temporary file renamed over the old one) with mode
// 0600 in a directory created with mode 0700, and keeps the file's other
// members when saving a token. It is safe for concurrent use within a
// process; a process that finds its refresh token rotated by another one
// recovers through RefreshingTokenSource, which reloads the file.
type FileTokenStore struct {
	path string
	mu   sync.Mutex
}

// NewFileTokenStore returns a store for the file at path.
func NewFileTokenStore(path string) *FileTokenStore { return &FileTokenStore{path: path} }

// Path returns the file's path.
func (s *FileTokenStore) Path() string { return s.path }

// Load implements TokenStore.
func (s *FileTokenStore) Load(ctx context.Context) (*Token, error) {
	f, err := s.ReadFile()
	if err != nil {
		return nil, err
	}
	if f.Token.AccessToken == "" && f.Token.RefreshToken == "" {
		return nil, fmt.Errorf("backlog: token file %s holds no token: %w", s.path, ErrLoginRequired)
	}
	t := f.Token
	return &t, nil
}

// Save implements TokenStore: it replaces the token and keeps the rest.
func (s *FileTokenStore) Save(ctx context.Context, t *Token) error {
	if t == nil {
		return errors.New("backlog: nil token")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.readFile()
	if errors.Is(err, fs.ErrNotExist) {
		f, err = &TokenFile{}, nil
	}
	if err != nil {
		return err
	}
	f.Token = *t
	return s.writeFile(f)
}

// ReadFile returns the whole document. A missing file is an error wrapping
// fs.ErrNotExist and ErrLoginRequired.
func (s *FileTokenStore) ReadFile() (*TokenFile, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.readFile()
}

// WriteFile replaces the whole document.
func (s *FileTokenStore) WriteFile(f *TokenFile) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writeFile(f)
}

// missingFileError is a token file that does not exist.
type missingFileError struct{ path string }

func (e *missingFileError) Error() string {
	return "backlog: no token file at " + e.path + ": sign in with `backlogsync auth login` first"
}

func (e *missingFileError) Is(target error) bool {
	return target == fs.ErrNotExist || target == ErrLoginRequired
}

// As classifies the error as backlogsync.EUNAUTHORIZED: only a sign-in fixes it.
func (e *missingFileError) As(target any) bool { return asKind(target, e, backlogsync.EUNAUTHORIZED) }

func (s *FileTokenStore) readFile() (*TokenFile, error) {
	data, err := readTokenFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &missingFileError{s.path}
	}
	if err != nil {
		return nil, &backlogsync.Error{Code: backlogsync.EUNAUTHORIZED, Message: "backlog: reading the token file", Err: err}
	}
	var f TokenFile
	if err := json.Unmarshal(data, &f); err != nil {
		// Syntax errors quote at most a character; never the content.
		return nil, backlogsync.Errorf(backlogsync.EUNAUTHORIZED, "backlog: token file %s is not a backlogsync token file (%v); sign in again with `backlogsync auth login`", s.path, err)
	}
	return &f, nil
}

func (s *FileTokenStore) writeFile(f *TokenFile) error {
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("backlog: encoding the token file: %w", err)
	}
	data = append(data, '\n')
	dir := filepath.Dir(s.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("backlog: creating the token file's directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(s.path)+".*.tmp") // mode 0600
	if err != nil {
		return fmt.Errorf("backlog: writing the token file: %w", err)
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("backlog: writing the token file: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("backlog: writing the token file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("backlog: writing the token file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("backlog: writing the token file: %w", err)
	}
	if err := os.Rename(name, s.path); err != nil {
		return fmt.Errorf("backlog: writing the token file: %w", err)
	}
	ok = true
	return nil
}

// MemoryTokenStore is a TokenStore that keeps the token in memory only
// (tests, or programs that persist tokens themselves after each Save).
type MemoryTokenStore struct {
	mu  sync.Mutex
	tok *Token
}

// NewMemoryTokenStore returns a store holding t (which may be nil).
func NewMemoryTokenStore(t *Token) *MemoryTokenStore {
	s := &MemoryTokenStore{}
	if t != nil {
		c := *t
		s.tok = &c
	}
	return s
}

// Load implements TokenStore.
func (s *MemoryTokenStore) Load(context.Context) (*Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok == nil {
		return nil, fmt.Errorf("backlog: no token stored: %w", ErrLoginRequired)
	}
	c := *s.tok
	return &c, nil
}

// Save implements TokenStore.
func (s *MemoryTokenStore) Save(_ context.Context, t *Token) error {
	if t == nil {
		return errors.New("backlog: nil token")
	}
	c := *t
	s.mu.Lock()
	s.tok = &c
	s.mu.Unlock()
	return nil
}

// maxTokenFile bounds a token file (a few hundred bytes in practice), so a
// wrong path fails at once instead of being read whole.
const maxTokenFile = 1 << 20

// readTokenFile reads a token file of at most maxTokenFile bytes.
func readTokenFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxTokenFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxTokenFile {
		return nil, fmt.Errorf("%s is larger than 1 MiB, the limit of a token file: is it the right file?", path)
	}
	return data, nil
}
