package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/backlogsync/backlogsync/store"
)

type tokensData struct {
	Tokens  []tokenView
	New     string // the token just created, shown once
	NewName string
}

type tokenView struct {
	store.Token
	Active bool
}

// tokensPage lists the user's own tokens.
func (a *app) tokensPage(w http.ResponseWriter, r *http.Request, se *store.Session) {
	a.renderTokens(w, r, se, http.StatusOK, tokensData{}, a.takeFlash(w, r), "")
}

func (a *app) renderTokens(w http.ResponseWriter, r *http.Request, se *store.Session, status int, d tokensData, flash, errMsg string) {
	ts, err := a.o.Store.Tokens(r.Context(), se.User.Email)
	if err != nil {
		a.internal(w, r, se, "list your tokens", err)
		return
	}
	now := time.Now()
	for _, t := range ts {
		d.Tokens = append(d.Tokens, tokenView{Token: t, Active: t.Active(now)})
	}
	p := newPage(se, "Tokens", "tokens")
	p.Flash, p.Error, p.Data = flash, errMsg, d
	a.render(w, status, "tokens", p)
}

// createToken creates a token of the signed-in user and shows it once.
// The page is not cached (no-store), and the token is not in any URL.
func (a *app) createToken(w http.ResponseWriter, r *http.Request, se *store.Session) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	if len(name) > 100 {
		a.renderTokens(w, r, se, http.StatusBadRequest, tokensData{}, "", "The token name is too long; give at most 100 characters.")
		return
	}
	exp := strings.TrimSpace(r.PostFormValue("expires"))
	if exp == "" {
		exp = "90d"
	}
	ttl, err := store.ParseTTL(exp)
	if err != nil {
		a.renderTokens(w, r, se, http.StatusBadRequest, tokensData{}, "", a.message("parse the expiry", err))
		return
	}
	tok, t, err := a.o.Store.CreateToken(r.Context(), se.User.Email, name, ttl)
	if err != nil {
		a.renderTokens(w, r, se, http.StatusBadRequest, tokensData{}, "", a.message("create the token", err))
		return
	}
	a.renderTokens(w, r, se, http.StatusOK, tokensData{New: tok, NewName: t.Name}, "", "")
}

// revokeToken revokes one of the signed-in user's own tokens.
func (a *app) revokeToken(w http.ResponseWriter, r *http.Request, se *store.Session) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		a.fail(w, r, se, http.StatusNotFound, "No such token.")
		return
	}
	ts, err := a.o.Store.Tokens(r.Context(), se.User.Email)
	if err != nil {
		a.internal(w, r, se, "list your tokens", err)
		return
	}
	for _, t := range ts {
		if t.ID == id {
			if _, err := a.o.Store.RevokeToken(r.Context(), strconv.FormatInt(id, 10)); err != nil {
				a.internal(w, r, se, "revoke the token", err)
				return
			}
			a.redirect(w, r, "/tokens", "Token "+t.Name+" ("+t.Prefix+") revoked: it no longer signs in.")
			return
		}
	}
	// Another user's token is treated as unknown.
	a.fail(w, r, se, http.StatusNotFound, "No such token among yours.")
}
