// Package backlog is a client for the Nulab Backlog API v2, modelled on
// google/go-github: a Client with one service per API area, options
// structs, a Response carrying rate-limit state, and typed errors.
//
//	client, err := backlog.NewClient("https://example.backlog.com",
//		backlog.WithAPIKey(os.Getenv("BACKLOG_API_KEY")))
//	me, _, err := client.Users.GetMyself(ctx)
//
// # Authentication
//
// WithAPIKey sends the key in the Backlog-API-Key header; WithAPIKeyInQuery
// switches to the apiKey query parameter for servers that predate the
// header. WithTokenSource sends OAuth 2.0 bearer tokens. Credentials are
// added at send time and only for the API's own host, so redirects elsewhere
// never carry them, and the API key, tokens, client secrets and OAuth codes
// are redacted (REDACTED) from every error, log line and printed URL
// (RedactURL).
//
// OAuthConfig runs Backlog's OAuth 2.0 authorization-code flow (AuthCodeURL,
// Exchange, Refresh). Its TokenSource method returns a RefreshingTokenSource
// for WithTokenSource: it refreshes the access token shortly before expiry
// and once when the server answers 401 invalid_token, one refresh at a time
// however many goroutines wait, and saves each rotated refresh token to a
// TokenStore (FileTokenStore writes a 0600 file). Errors that only a new
// sign-in fixes match ErrLoginRequired.
//
// # Errors
//
// Every non-2xx answer becomes exactly one of *AuthError (401: says whether
// the API key was rejected or the OAuth token expired or is invalid, and what
// to do), *RateLimitError (429 or code 13, with the reset time) or
// *ErrorResponse (Backlog's error entries with their codes; see HasCode and
// CodeNoResource for deletion detection). Use errors.As.
//
// # Pagination
//
// Backlog has three list styles. Offset+count lists (issues, teams, pull
// requests, documents) take ListOptions; their Iter methods stop after a
// short page. Id-cursor lists (activities, comments, wiki history,
// notifications) take CursorOptions; their Iter methods move MaxID (desc) or
// MinID (asc) to the last id seen and drop repeated ids, because whether the
// bounds are inclusive is undocumented. Shared files are listed one
// directory at a time in pages of up to 1000; Files.Walk descends the tree.
// Iterators yield (item, nil) pairs and at most one final (nil, err).
//
// # Types
//
// Ids are int64 (document ids are hex strings), nullable members are
// pointers, timestamps are time.Time in UTC, and calendar dates are Date
// (see its documentation for how Backlog's midnight timestamps are read).
// Issue, Comment, Project, User, Wiki, PullRequest, Document and Activity
// keep JSON members they do not know in Extra. Custom-field values and
// activity content are kept raw and decoded on demand by typed accessors.
//
// # Rate limits
//
// Backlog limits requests per user and minute in four classes (read,
// update, search, icon). Every Response carries the Rate reported for the
// request's class; Client.LastRate remembers the latest per class and
// RateLimit.Get asks for all four.
//
// Every request passes through a Governor (DefaultGovernor unless
// WithGovernor says otherwise): one budget per base URL, user and class,
// shared by all goroutines and Clients of the process. It learns the budget
// from the X-RateLimit-* headers (Client.PrimeRateLimits reads GET
// /rateLimit), spends a window's budget as the work comes and then waits
// for its reset (PaceWindow) or spreads it evenly over the window
// (PaceEven, WithPacing), keeps a share of every window for humans
// (WithMaxShare), waits for X-RateLimit-Reset after a 429, and has up to
// DefaultConcurrency requests per user in flight at once (WithConcurrency,
// GovernorConfig.Concurrency). Governor.Stats and Client.Stats count
// requests, 429s, retries and waiting time per class.
//
// # Retries
//
// GET and HEAD requests, and writes whose context is marked with RetrySafe,
// are retried after 5xx answers, timeouts, connection resets and truncated
// bodies, with exponential back-off and full jitter (RetryPolicy, default 5
// attempts); Do reads a body completely before decoding it so that a cut
// body is retried too. 4xx answers other than 429 are never retried. When
// more than one attempt was made the error is a *RetryError that says how
// many and why, wrapping the last attempt's error.
package backlog
