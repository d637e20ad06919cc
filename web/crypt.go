package web

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

// EnvSecretKey is the environment variable serve reads the key that seals
// connection secrets from: 32 bytes, base64 (openssl rand -base64 32).
const EnvSecretKey = "BACKLOGSYNC_SECRET_KEY"

// SecretKeyFromEnv returns the key in $BACKLOGSYNC_SECRET_KEY, nil when it
// is unset, or an error that says how to make a good one.
func SecretKeyFromEnv() ([]byte, error) {
	v := strings.TrimSpace(os.Getenv(EnvSecretKey))
	if v == "" {
		return nil, nil
	}
	k, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(k) != 32 {
		return nil, fmt.Errorf("%s must be 32 random bytes in base64 (make one with: openssl rand -base64 32)", EnvSecretKey)
	}
	return k, nil
}

// sealer encrypts connection secrets with AES-256-GCM: "v1:" then
// base64(nonce || ciphertext || tag). The connection's name is the
// additional data, so a sealed secret cannot be moved to another row
// unnoticed... except by renaming, which re-seals.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("web: the secret key has %d bytes; give 32 (%s)", len(key), EnvSecretKey)
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return nil, err
	}
	return &sealer{g}, nil
}

func (s *sealer) seal(secret, ad string) (string, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	ct := s.aead.Seal(nonce, nonce, []byte(secret), []byte(ad))
	return "v1:" + base64.StdEncoding.EncodeToString(ct), nil
}

var errUnseal = errors.New("the stored secret cannot be decrypted: the secret key changed? (" + EnvSecretKey + ")")

func (s *sealer) open(sealed, ad string) (string, error) {
	b64, ok := strings.CutPrefix(sealed, "v1:")
	if !ok {
		return "", errUnseal
	}
	ct, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(ct) < s.aead.NonceSize() {
		return "", errUnseal
	}
	pt, err := s.aead.Open(nil, ct[:s.aead.NonceSize()], ct[s.aead.NonceSize():], []byte(ad))
	if err != nil {
		return "", errUnseal
	}
	return string(pt), nil
}
