package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/backlogsync/backlogsync"
	"github.com/backlogsync/backlogsync/store"
)

type signinData struct {
	Email string
	Next  string
}

// safeNext keeps a post-sign-in target on this site (a path, not
// //host or a scheme).
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.HasPrefix(next, "/signin") {
		return "/"
	}
	return next
}

// signinPage shows the sign-in form with a fresh double-submit CSRF token.
func (a *app) signinPage(w http.ResponseWriter, r *http.Request) {
	if se := a.session(r); se != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	a.renderSignin(w, r, http.StatusOK, "", "", r.URL.Query().Get("next"))
}

func (a *app) renderSignin(w http.ResponseWriter, r *http.Request, status int, msg, email, next string) {
	// Keep the token of an earlier rendering (another tab, or a request
	// of the browser's own such as /favicon.ico redirected here), so that
	// an open form stays valid.
	var tok string
	if c, err := r.Cookie(preCSRFCookie); err == nil && len(c.Value) == 43 {
		tok = c.Value
	} else {
		b := make([]byte, 32)
		rand.Read(b)
		tok = base64.RawURLEncoding.EncodeToString(b)
	}
	http.SetCookie(w, a.cookie(preCSRFCookie, tok, 3600))
	w.Header().Set("Cache-Control", "no-store")
	p := &page{Title: "Sign in", CSRF: tok, Error: msg, Data: signinData{Email: email, Next: safeNext(next)}}
	a.render(w, status, "signin", p)
}

// signin checks the e-mail and password and starts a session.
func (a *app) signin(w http.ResponseWriter, r *http.Request) {
	email, next := r.PostFormValue("email"), r.PostFormValue("next")
	c, err := r.Cookie(preCSRFCookie)
	if err != nil || c.Value == "" || !sameOrigin(r) ||
		subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) != 1 {
		a.renderSignin(w, r, http.StatusForbidden, "The sign-in form has expired or was not sent from this site (CSRF check failed). Try again.", email, next)
		return
	}
	if wait := a.o.Server.SignInWait(r); wait > 0 {
		secs := int((wait + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		a.renderSignin(w, r, http.StatusTooManyRequests, "Too many failed sign-ins from your address. Wait "+strconv.Itoa(secs)+" s and try again.", email, next)
		return
	}
	u, err := a.o.Store.CheckPassword(r.Context(), email, r.PostFormValue("password"))
	if err != nil {
		if backlogsync.ErrorCode(err) != backlogsync.EUNAUTHORIZED {
			a.log.Error("web: sign-in", "err", err)
			a.renderSignin(w, r, http.StatusInternalServerError, "The server could not check the password; see its log.", email, next)
			return
		}
		a.o.Server.SignInFailed(r)
		a.renderSignin(w, r, http.StatusUnauthorized, "Wrong e-mail or password. An admin sets passwords with: backlogsync users passwd EMAIL", email, next)
		return
	}
	a.o.Server.SignInSucceeded(r)
	id, _, err := a.o.Store.CreateSession(r.Context(), u.ID, a.o.SessionTTL)
	if err != nil {
		a.log.Error("web: create session", "err", err)
		a.renderSignin(w, r, http.StatusInternalServerError, "The server could not start a session; see its log.", email, next)
		return
	}
	http.SetCookie(w, a.cookie(sessionCookie, id, int(a.o.SessionTTL/time.Second)))
	http.SetCookie(w, a.cookie(preCSRFCookie, "", -1))
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

// signout ends the session, even when the request's context ends first
// (the browser closed right after the click): the cookie stays in the
// browser, and a session left alive would let whoever opens it next in.
func (a *app) signout(w http.ResponseWriter, r *http.Request, se *store.Session) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 30*time.Second)
		defer cancel()
		if err := a.o.Store.DeleteSession(ctx, c.Value); err != nil {
			a.internal(w, r, se, "end the session", err)
			return
		}
	}
	http.SetCookie(w, a.cookie(sessionCookie, "", -1))
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}
