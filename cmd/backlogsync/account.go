package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/backlogsync/backlogsync/backlog"
	"github.com/backlogsync/backlogsync/config"
)

// Environment variables that name a Backlog account.
const (
	envURL          = "BACKLOG_URL"
	envAPIKey       = "BACKLOG_API_KEY"
	envTokenFile    = "BACKLOG_TOKEN_FILE"
	envClientID     = "BACKLOG_CLIENT_ID"
	envClientSecret = "BACKLOG_CLIENT_SECRET"
)

// accountFlags name a Backlog account: the space URL and either an API key
// or an OAuth token file. Every command that talks to Backlog takes them.
type accountFlags struct {
	url       string
	apiKey    string
	tokenFile string
	config    string  // -c/--config: YAML or CData XML configuration file
	account   string  // --account: which account of the configuration file
	maxShare  float64 // rate-limit share from the configuration file (0 = all)
	// concurrency and pacing: --concurrency and --pacing, or the
	// configuration file's rate_limit (0 and "": the client's defaults).
	concurrency int
	// concurrencySet: --concurrency was given, so 0 is the user's (and
	// refused), not the unset default.
	concurrencySet bool
	pacing         string
	oauth          *config.OAuth // the configuration file's OAuth block, when the account uses OAuth
}

// register declares --url, --api-key and --token-file on fs.
func (a *accountFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&a.url, "url", "", "the space's `URL`, e.g. https://example.backlog.com (default $"+envURL+")")
	fs.StringVar(&a.apiKey, "api-key", "", "API `key` (default $"+envAPIKey+"; prefer the variable: flags are visible to other users of the machine)")
	fs.StringVar(&a.tokenFile, "token-file", "", "OAuth token `file` written by 'backlogsync auth login' (default $"+envTokenFile+", or the login's default file for --url)")
	fs.StringVar(&a.config, "c", "", "configuration `file` (YAML, or CData Sync XML) to take the account from")
	fs.StringVar(&a.config, "config", "", "same as -c")
	fs.StringVar(&a.config, "g", "", "same as -c (CData Sync's flag for its XML configuration)")
	fs.StringVar(&a.account, "account", "", "`name` of the account in the configuration file (needed when it has several)")
	fs.Func("concurrency", fmt.Sprintf("`requests` to Backlog in flight at once, 1 to %d (default rate_limit.concurrency of the configuration file, else %d)", backlog.MaxConcurrency, backlog.DefaultConcurrency), func(v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("give a whole number from 1 to %d", backlog.MaxConcurrency)
		}
		a.concurrency, a.concurrencySet = n, true
		return nil
	})
	fs.StringVar(&a.pacing, "pacing", "", "how each rate-limit window's budget is spent: `window` (at once, then wait for the reset) or even (spread over the window) (default rate_limit.pacing of the configuration file, else window)")
}

// configAccount returns the account named by --account (or the only one)
// of the configuration file given with -c/-g, as flags: its URL and either
// its API key or, for OAuth, its token store. Flags win over environment
// variables, which win over the configuration file; the credentials (API key
// or token file) are taken as a unit from the first of these that gives any.
// Credentials of the chosen account that the configuration file cannot
// resolve (an unset ${NAME}) are an error, unless flags or the environment
// give credentials; other accounts' are not looked at.
func configAccount(f accountFlags) (accountFlags, error) {
	if f.config == "" {
		if f.account != "" {
			return accountFlags{}, usagef("--account %s: give the configuration file with -c", f.account)
		}
		return accountFlags{}, nil
	}
	// Only the chosen account's credentials must resolve (checked below,
	// with the message Load gives).
	cfg, err := config.Load(f.config, config.Options{DeferAccountSecrets: true})
	if err != nil {
		return accountFlags{}, err
	}
	var acct *config.Account
	switch {
	case f.account != "":
		a, ok := cfg.Account(f.account)
		if !ok {
			return accountFlags{}, usagef("--account %s: no such account in %s; it defines: %s", f.account, f.config, accountNames(cfg))
		}
		acct = a
	case len(cfg.Accounts) == 1:
		acct = &cfg.Accounts[0]
	case len(cfg.Accounts) == 0:
		return accountFlags{}, usagef("%s defines no account", f.config)
	default:
		return accountFlags{}, usagef("%s defines several accounts (%s): choose one with --account", f.config, accountNames(cfg))
	}
	if err := acct.AuthErr(); err != nil && !f.credentialsElsewhere() {
		return accountFlags{}, err
	}
	out := accountFlags{url: acct.URL, maxShare: acct.MaxShare, concurrency: acct.Concurrency, pacing: acct.Pacing}
	switch acct.Auth.Scheme {
	case config.AuthAPIKey:
		out.apiKey = acct.Auth.APIKey.Reveal()
	case config.AuthOAuth:
		out.oauth = acct.Auth.OAuth
		if o := out.oauth; o != nil {
			out.tokenFile = o.TokenStore
		}
		if out.tokenFile == "" && !hasConfigToken(out.oauth) {
			return accountFlags{}, usagef("account %s in %s uses OAuth but names no token store: add token_store (OAuthSettingsLocation in CData XML) written by 'backlogsync auth login --token-file'", acct.Name, f.config)
		}
	}
	return out, nil
}

// credentialsElsewhere reports whether the flags or the environment give
// credentials, which win over the configuration file's (resolveAccount):
// then the file's need not resolve.
func (f accountFlags) credentialsElsewhere() bool {
	return f.apiKey != "" || f.tokenFile != "" || os.Getenv(envAPIKey) != "" || os.Getenv(envTokenFile) != ""
}

// hasConfigToken reports whether a configuration's OAuth block carries a
// token of its own (access_token or refresh_token).
func hasConfigToken(o *config.OAuth) bool {
	return o != nil && (o.AccessToken.Reveal() != "" || o.RefreshToken.Reveal() != "")
}

// accountNames lists a configuration's account names.
func accountNames(cfg *config.Config) string {
	names := make([]string, 0, len(cfg.Accounts))
	for _, a := range cfg.Accounts {
		names = append(names, a.Name)
	}
	return strings.Join(names, ", ")
}

// account is a resolved Backlog account.
type account struct {
	baseURL   *url.URL
	apiKey    string
	tokenFile string             // OAuth when set
	file      *backlog.TokenFile // the token file's content
	source    string             // where the credentials came from, for messages
	maxShare  float64            // share of the rate-limit budget to use (0 = all)
	// concurrency (0: the client's default) and pacing (set: pacingSet) of
	// the requests, from the flags or the configuration file.
	concurrency int
	pacing      backlog.Pacing
	pacingSet   bool
	// oauth is the configuration file's OAuth block: its client_id and
	// client_secret are used to refresh tokens (they win over the token
	// file's), its access_token and refresh_token seed a token store that
	// holds no token yet (or, without token_store, a store in memory).
	oauth *config.OAuth
}

// describe says how the account authenticates, without secrets.
func (a *account) describe() string {
	if a.tokenFile != "" {
		return "the OAuth token in " + a.tokenFile
	}
	if hasConfigToken(a.oauth) {
		return "the OAuth token in the configuration file"
	}
	return "the API key from " + a.source
}

// resolveAccount combines flags, environment and configuration file.
// Its errors are usage errors (exit 2) except for unreadable token files.
func resolveAccount(f accountFlags) (*account, error) {
	if f.apiKey != "" && f.tokenFile != "" {
		return nil, usagef("give either --api-key or --token-file, not both")
	}
	if (f.concurrencySet || f.concurrency != 0) && (f.concurrency < 1 || f.concurrency > backlog.MaxConcurrency) {
		return nil, usagef("--concurrency %d: give a number from 1 (one request at a time) to %d", f.concurrency, backlog.MaxConcurrency)
	}
	if f.pacing != "" {
		if _, err := backlog.ParsePacing(f.pacing); err != nil {
			return nil, usagef("--%v", err)
		}
	}
	cfg, err := configAccount(f)
	if err != nil {
		return nil, err
	}
	a := &account{maxShare: cfg.maxShare, concurrency: cmp.Or(f.concurrency, cfg.concurrency)}
	if p := cmp.Or(f.pacing, cfg.pacing); p != "" {
		a.pacing, _ = backlog.ParsePacing(p) // checked above, or by config
		a.pacingSet = true
	}
	if !f.credentialsElsewhere() {
		a.oauth = cfg.oauth
	}
	rawURL, urlSource := f.url, "--url"
	if rawURL == "" {
		rawURL, urlSource = os.Getenv(envURL), envURL
	}
	if rawURL == "" {
		rawURL, urlSource = cfg.url, "the configuration file"
	}
	if rawURL != "" {
		if _, err := backlog.ParseBaseURL(rawURL); err != nil {
			return nil, baseURLError(urlSource, rawURL, err)
		}
	}
	switch {
	case f.apiKey != "":
		a.apiKey, a.source = f.apiKey, "--api-key"
	case f.tokenFile != "":
		a.tokenFile, a.source = f.tokenFile, "--token-file"
	case os.Getenv(envAPIKey) != "":
		a.apiKey, a.source = os.Getenv(envAPIKey), envAPIKey
	case os.Getenv(envTokenFile) != "":
		a.tokenFile, a.source = os.Getenv(envTokenFile), envTokenFile
	case cfg.apiKey != "":
		a.apiKey, a.source = cfg.apiKey, "the configuration file"
	case cfg.tokenFile != "":
		a.tokenFile, a.source = cfg.tokenFile, "the configuration file"
	case hasConfigToken(a.oauth):
		a.source = "the configuration file's oauth block"
	case rawURL != "":
		// An earlier "backlogsync auth login --url" for this space?
		if u, err := backlog.ParseBaseURL(rawURL); err == nil {
			if p, err := defaultTokenFile(u); err == nil {
				if _, err := os.Stat(p); err == nil {
					a.tokenFile, a.source = p, "the default token file"
				}
			}
		}
	}
	if a.apiKey == "" && a.tokenFile == "" && !hasConfigToken(a.oauth) {
		return nil, usagef("no credentials: give --api-key (or set %s), or sign in with 'backlogsync auth login' and give --token-file", envAPIKey)
	}
	if a.tokenFile != "" {
		tf, err := backlog.NewFileTokenStore(a.tokenFile).ReadFile()
		if errors.Is(err, fs.ErrNotExist) && hasConfigToken(a.oauth) {
			tf, err = &backlog.TokenFile{}, nil // seeded from the configuration in client
		}
		if err != nil {
			return nil, err
		}
		if tf.Token.AccessToken == "" && tf.Token.RefreshToken == "" && !hasConfigToken(a.oauth) {
			return nil, fmt.Errorf("the token file %s holds no OAuth token (is it one 'backlogsync auth login' wrote?): %w", a.tokenFile, backlog.ErrLoginRequired)
		}
		a.file = tf
		if rawURL == "" {
			rawURL, urlSource = tf.BaseURL, "the token file"
		}
	}
	if rawURL == "" {
		return nil, usagef("no space URL: give --url (or set %s), e.g. --url https://example.backlog.com", envURL)
	}
	u, err := backlog.ParseBaseURL(rawURL)
	if err != nil {
		return nil, baseURLError(urlSource, rawURL, err)
	}
	a.baseURL = u
	if a.file != nil && a.file.BaseURL != "" {
		if fu, err := backlog.ParseBaseURL(a.file.BaseURL); err == nil && fu.String() != u.String() {
			return nil, usagef("the token file %s was issued for %s, not %s: sign in to this space with 'backlogsync auth login --url %s'",
				a.tokenFile, fu, u, u)
		}
	}
	return a, nil
}

// baseURLError is the usage error for a space URL that ParseBaseURL
// refused (err), from source. A URL carrying credentials or a query gets
// the command line's fix (the library's names a Go option), with the
// secrets redacted.
func baseURLError(source, rawURL string, err error) error {
	u, perr := url.Parse(strings.TrimSpace(rawURL))
	if perr != nil || (u.User == nil && u.RawQuery == "" && u.Fragment == "") || u.Host == "" {
		return usagef("%s: %s", source, strings.TrimPrefix(err.Error(), "backlog: "))
	}
	path := cmp.Or(u.EscapedPath(), "/")
	return usagef("%s: %q must be the space's address alone, without user info, a query or a fragment: write %s://%s%s and give the API key with --api-key or %s (or sign in with 'backlogsync auth login')",
		source, backlog.RedactURL(u), u.Scheme, u.Host, path, envAPIKey)
}

// client returns a client for the account sending through hc, with extra
// options. For OAuth accounts it also returns the refreshing token source
// (nil otherwise).
func (a *account) client(ctx context.Context, hc *http.Client, extra ...backlog.Option) (*backlog.Client, *backlog.RefreshingTokenSource, error) {
	opts := append([]backlog.Option{backlog.WithHTTPClient(hc)}, extra...)
	if a.maxShare > 0 && a.maxShare < 1 {
		opts = append(opts, backlog.WithMaxShare(a.maxShare))
	}
	if a.concurrency > 0 {
		opts = append(opts, backlog.WithConcurrency(a.concurrency))
	}
	if a.pacingSet {
		opts = append(opts, backlog.WithPacing(a.pacing))
	}
	var ts *backlog.RefreshingTokenSource
	if a.tokenFile != "" || hasConfigToken(a.oauth) {
		cfg, store, err := a.tokenStore(ctx)
		if err != nil {
			return nil, nil, err
		}
		cfg.BaseURL, cfg.HTTPClient = a.baseURL.String(), hc
		ts, err = cfg.TokenSource(ctx, store, 0)
		if err != nil {
			return nil, nil, err
		}
		opts = append(opts, backlog.WithTokenSource(ts))
	} else {
		opts = append(opts, backlog.WithAPIKey(a.apiKey))
	}
	c, err := backlog.NewClient(a.baseURL.String(), opts...)
	return c, ts, err
}

// tokenStore returns the OAuth client registration and the token store of
// an OAuth account: the token file (seeded with the configuration's tokens
// when it holds none yet), or a store in memory holding the configuration's
// tokens when no token file is named. The configuration's client_id and
// client_secret win over the token file's.
func (a *account) tokenStore(ctx context.Context) (*backlog.OAuthConfig, backlog.TokenStore, error) {
	file := a.file
	if file == nil {
		file = &backlog.TokenFile{}
	}
	cfg := file.OAuthConfig()
	var seed *backlog.Token
	if o := a.oauth; o != nil {
		if o.ClientID != "" {
			cfg.ClientID = o.ClientID
		}
		if s := o.ClientSecret.Reveal(); s != "" {
			cfg.ClientSecret = s
		}
		if hasConfigToken(o) {
			seed = &backlog.Token{AccessToken: o.AccessToken.Reveal(), RefreshToken: o.RefreshToken.Reveal()}
		}
	}
	if a.tokenFile == "" {
		return cfg, backlog.NewMemoryTokenStore(seed), nil
	}
	store := backlog.NewFileTokenStore(a.tokenFile)
	if seed != nil && file.Token.AccessToken == "" && file.Token.RefreshToken == "" {
		if err := store.Save(ctx, seed); err != nil {
			return nil, nil, err
		}
	}
	return cfg, store, nil
}

// defaultTokenFile is where "auth login" saves the token of a space unless
// --token-file says otherwise: <user config dir>/backlogsync/oauth/<host>.json.
func defaultTokenFile(base *url.URL) (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no default token file (%v): give --token-file", err)
	}
	name := base.Host + strings.TrimSuffix(base.Path, "/")
	name = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-':
			return r
		}
		return '_'
	}, name)
	return filepath.Join(dir, "backlogsync", "oauth", name+".json"), nil
}
