// Package emulator is a faithful emulator of the Nulab Backlog API v2.
//
// A Server is an http.Handler serving /api/v2/... with Backlog's paths,
// parameters, JSON shapes, pagination, errors, rate-limit headers and 429s,
// OAuth 2.0 endpoints and activity feed, over a space generated
// deterministically from a seed. Tests use it in-process through Client();
// the "backlogsync emulator" command serves it over HTTP or HTTPS.
//
// Administration routes live under the reserved prefix /_emulator/ (reset,
// reseed, fault injection, rate-limit settings, request log); see admin.go.
//
// Behaviours Backlog does not document are fixed here and listed in
// Options: minId/maxId bounds are exclusive unless InclusiveIDBounds is set;
// the default issue sort is "updated" descending; free-plan limits are an
// assumption (FreeLimits).
//
// # Where things live
//
// The package is one Go package whose files are named by layer; the prefix
// of a file says which layer it belongs to, and layout_test.go keeps it so.
// A request flows server.go → http_* → api_<area> → store_* (under the
// store's lock) → render_* → JSON.
//
//	server.go     Options, New, Server.ServeHTTP, Client: the public surface.
//	store*.go     the space in memory: the model (store_model.go), its indexes
//	              (store.go), the mutations of every area (store_<area>.go),
//	              who may see and change what (store_access.go) and the change
//	              feed — activities and notifications (store_activity.go,
//	              store_notifications.go). No HTTP: mutations take the actor and
//	              the time from their caller and return *apiError for bad input.
//	gen*.go       the generator: a seeded space of a given Size (gen.go plans
//	              it in gen_plan.go, writes it through the store's own mutations
//	              in gen_author.go, gen_events.go, gen_extras.go from the text
//	              of gen_corpus.go and gen_content.go) and churn (gen_churn.go).
//	              No HTTP.
//	render*.go    every JSON shape Backlog returns, each built in one place:
//	              users (render_user.go), the issue (render_issue.go, written
//	              as bytes by render_jsonw.go), embedded entities (render.go),
//	              content areas (render_content.go), feeds (render_feed.go),
//	              space-level shapes (render_meta.go). No HTTP.
//	http_*.go     request plumbing shared by every handler: the route table
//	              (http_routes.go), authentication (http_auth.go), parameters
//	              (http_params.go), paging (http_paging.go), Backlog's errors
//	              (http_errors.go), the handler kit (http_kit.go), TLS.
//	api_*.go      the handlers, one file per API area, named after the path:
//	              /issues → api_issues.go, /wikis → api_wikis.go, stars,
//	              watchings, webhooks, git, documents, … Each file registers its
//	              own routes (routes<Area>). Where Backlog repeats itself across
//	              areas one implementation serves all of them, driven by a
//	              table of the differences: attachments of issues, wiki pages,
//	              pull requests and documents (api_attachments.go), shared-file
//	              links of issues and wiki pages (api_files.go), stars
//	              (store_stars.go).
//	admin*.go     the emulator's own layer, not Backlog's: /_emulator/ routes
//	              (admin.go), fault injection (admin_faults.go), rate limits
//	              (admin_ratelimit.go), the request log (admin_reqlog.go),
//	              churn (admin_churn.go) and the web UI's issue move
//	              (admin_move.go; the mutation is store_issues_move.go).
//
// Tests sit beside the file they test (api_issues_test.go); fill_test.go
// walks every endpoint of a generated space and fails on a documented
// field left empty; conformance_node_test.go drives the official backlog-js
// client against the emulator.
package emulator
