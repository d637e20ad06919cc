package web

import (
	"net/http"

	"github.com/backlogsync/backlogsync/store"
)

// usersPage lists the users (admins).
func (a *app) usersPage(w http.ResponseWriter, r *http.Request, se *store.Session) {
	a.renderUsers(w, r, se, http.StatusOK, a.takeFlash(w, r), "")
}

func (a *app) renderUsers(w http.ResponseWriter, r *http.Request, se *store.Session, status int, flash, errMsg string) {
	us, err := a.o.Store.Users(r.Context())
	if err != nil {
		a.internal(w, r, se, "list users", err)
		return
	}
	p := newPage(se, "Users", "users")
	p.Flash, p.Error, p.Data = flash, errMsg, us
	a.render(w, status, "users", p)
}

// addUser adds a user, optionally an admin, optionally with a password.
func (a *app) addUser(w http.ResponseWriter, r *http.Request, se *store.Session) {
	ctx := r.Context()
	email, pw := r.PostFormValue("email"), r.PostFormValue("password")
	if pw != "" {
		if err := store.CheckPasswordRules(pw); err != nil {
			a.renderUsers(w, r, se, http.StatusBadRequest, "", a.message("add the user", err))
			return
		}
	}
	u, err := a.o.Store.AddUser(ctx, email, r.PostFormValue("admin") == "on")
	if err != nil {
		a.renderUsers(w, r, se, http.StatusBadRequest, "", a.message("add the user", err))
		return
	}
	msg := "Added " + u.Email + "."
	if pw != "" {
		if err := a.o.Store.SetPassword(ctx, u.Email, pw); err != nil {
			a.renderUsers(w, r, se, http.StatusBadRequest, "", a.message("set the password", err))
			return
		}
		msg += " They can sign in with the password you gave."
	} else {
		msg += " Set a password with: backlogsync users passwd " + u.Email
	}
	a.redirect(w, r, "/admin/users", msg)
}

// setAdmin makes a user an admin or not. An admin cannot demote
// themselves (so that at least the one doing it stays admin).
func (a *app) setAdmin(w http.ResponseWriter, r *http.Request, se *store.Session) {
	email := r.PathValue("email")
	admin := r.PostFormValue("admin") == "true"
	if !admin && email == se.User.Email {
		a.renderUsers(w, r, se, http.StatusBadRequest, "", "You cannot remove your own admin role; ask another admin.")
		return
	}
	if err := a.o.Store.SetAdmin(r.Context(), email, admin); err != nil {
		a.renderUsers(w, r, se, http.StatusBadRequest, "", a.message("change the role", err))
		return
	}
	role := "an ordinary user"
	if admin {
		role = "an admin"
	}
	a.redirect(w, r, "/admin/users", email+" is now "+role+".")
}
