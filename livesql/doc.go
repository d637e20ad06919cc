// Package livesql runs SQL over the live Backlog API (backlogsync query):
// a statement is parsed with SQLite's lexical rules and checked against the
// table catalog (lex.go, parse.go), planned so that the predicates the API
// can answer are pushed into its parameters and join keys are passed on as
// IN lists (plan.go), then the tables it reads are fetched into an
// in-memory SQLite database where the original statement runs (live.go).
//
// The table definitions and their fetchers are package catalog's; this
// package only reads them.
package livesql
