package web

import "github.com/backlogsync/backlogsync/internal/seal"

// EnvSecretKey is the environment variable serve reads the key that seals
// connection secrets from: 32 bytes, base64 (openssl rand -base64 32).
const EnvSecretKey = seal.EnvKey

// SecretKeyFromEnv returns the key in $BACKLOGSYNC_SECRET_KEY, nil when it
// is unset, or an error that says how to make a good one.
func SecretKeyFromEnv() ([]byte, error) { return seal.KeyFromEnv() }
