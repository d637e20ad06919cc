// Package seal encrypts the secrets of stored Backlog connections (API
// keys, OAuth tokens) with AES-256-GCM under serve's secret key, for the
// web admin and the REST API alike; the state store only ever holds the
// sealed form.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
)

// EnvKey is the environment variable serve reads the key that seals
// connection secrets from: 32 bytes, base64 (openssl rand -base64 32).
const EnvKey = "BACKLOGSYNC_SECRET_KEY"

// KeyFromEnv returns the key in $BACKLOGSYNC_SECRET_KEY, nil when it is
// unset, or an error that says how to make a good one.
func KeyFromEnv() ([]byte, error) {
	v := strings.TrimSpace(os.Getenv(EnvKey))
	if v == "" {
		return nil, nil
	}
	k, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(k) != 32 {
		return nil, fmt.Errorf("%s must be 32 random bytes in base64 (make one with: openssl rand -base64 32)", EnvKey)
	}
	return k, nil
}

// Sealer encrypts connection secrets with AES-256-GCM: "v1:" then
// base64(nonce || ciphertext || tag). The connection's name is the
// additional data, so a sealed secret cannot be moved to another row
// unnoticed (renaming re-seals).
type Sealer struct{ aead cipher.AEAD }

// New returns a Sealer for a 32-byte key.
func New(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("the secret key has %d bytes; give 32 (%s)", len(key), EnvKey)
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return nil, err
	}
	return &Sealer{g}, nil
}

// Seal encrypts secret bound to ad (the connection's name).
func (s *Sealer) Seal(secret, ad string) (string, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	ct := s.aead.Seal(nonce, nonce, []byte(secret), []byte(ad))
	return "v1:" + base64.StdEncoding.EncodeToString(ct), nil
}

// ErrUnseal says a stored secret cannot be decrypted (another key, or
// tampered with).
var ErrUnseal = errors.New("the stored secret cannot be decrypted: the secret key changed? (" + EnvKey + ")")

// Open decrypts what Seal returned for the same ad.
func (s *Sealer) Open(sealed, ad string) (string, error) {
	b64, ok := strings.CutPrefix(sealed, "v1:")
	if !ok {
		return "", ErrUnseal
	}
	ct, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(ct) < s.aead.NonceSize() {
		return "", ErrUnseal
	}
	pt, err := s.aead.Open(nil, ct[:s.aead.NonceSize()], ct[s.aead.NonceSize():], []byte(ad))
	if err != nil {
		return "", ErrUnseal
	}
	return string(pt), nil
}
