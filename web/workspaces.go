package web

import (
	"net/http"
	"slices"

	"github.com/backlogsync/backlogsync/store"
)

type workspacesData struct {
	Workspaces   []wsView
	Destinations []string
	Destination  string   // chosen for the new workspace
	Tables       []string // of Destination, to pick from
	TablesError  string
	Users        []store.User
}

// workspacesPage lists the workspaces and offers to create one over a
// destination's replicated tables (?destination=NAME lists them).
func (a *app) workspacesPage(w http.ResponseWriter, r *http.Request, se *store.Session) {
	a.renderWorkspaces(w, r, se, http.StatusOK, r.URL.Query().Get("destination"), a.takeFlash(w, r), "")
}

func (a *app) renderWorkspaces(w http.ResponseWriter, r *http.Request, se *store.Session, status int, dest, flash, errMsg string) {
	ctx, cancel := ctxTimeout(r.Context())
	defer cancel()
	ws, err := a.o.Store.Workspaces(ctx)
	if err != nil {
		a.internal(w, r, se, "list workspaces", err)
		return
	}
	us, err := a.o.Store.Users(ctx)
	if err != nil {
		a.internal(w, r, se, "list users", err)
		return
	}
	d := workspacesData{Destinations: a.o.Destinations, Users: us}
	for _, x := range ws {
		d.Workspaces = append(d.Workspaces, a.view(x))
	}
	if dest == "" && len(a.o.Destinations) == 1 {
		dest = a.o.Destinations[0]
	}
	if dest != "" {
		if !slices.Contains(a.o.Destinations, dest) {
			d.TablesError = "There is no destination " + dest + " in the config."
		} else if tables, err := a.tables(r, dest); err != nil {
			d.TablesError = "The tables of " + dest + " cannot be listed: " + a.message("list the tables", err)
		} else {
			d.Destination, d.Tables = dest, tables
		}
	}
	p := newPage(se, "Workspaces", "workspaces")
	p.Flash, p.Error, p.Data = flash, errMsg, d
	a.render(w, status, "workspaces", p)
}

// tables lists what is replicated in a destination.
func (a *app) tables(r *http.Request, dest string) ([]string, error) {
	ctx, cancel := ctxTimeout(r.Context())
	defer cancel()
	d, err := a.o.Server.Destination(ctx, dest)
	if err != nil {
		return nil, err
	}
	ts, err := d.Tables(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(ts))
	for _, t := range ts {
		names = append(names, t.Name)
	}
	slices.Sort(names)
	return names, nil
}

// addWorkspace creates a workspace over the picked tables.
func (a *app) addWorkspace(w http.ResponseWriter, r *http.Request, se *store.Session) {
	if err := r.ParseForm(); err != nil {
		a.fail(w, r, se, http.StatusBadRequest, "The form could not be read.")
		return
	}
	name, dest := r.PostFormValue("name"), r.PostFormValue("destination")
	if !slices.Contains(a.o.Destinations, dest) {
		a.renderWorkspaces(w, r, se, http.StatusBadRequest, "", "", "Pick a destination of the config.")
		return
	}
	var tables []string
	if r.PostFormValue("all") != "on" {
		tables = r.PostForm["table"]
		if len(tables) == 0 {
			a.renderWorkspaces(w, r, se, http.StatusBadRequest, dest, "", "Pick at least one table, or tick “All tables, now and later”.")
			return
		}
		existing, err := a.tables(r, dest)
		if err != nil {
			a.renderWorkspaces(w, r, se, http.StatusBadRequest, dest, "", a.message("list the tables", err))
			return
		}
		for _, t := range tables {
			if !slices.Contains(existing, t) {
				a.renderWorkspaces(w, r, se, http.StatusBadRequest, dest, "", "Destination "+dest+" has no table "+t+".")
				return
			}
		}
	}
	if _, err := a.o.Store.AddWorkspace(r.Context(), name, dest, tables); err != nil {
		a.renderWorkspaces(w, r, se, http.StatusBadRequest, dest, "", a.message("create the workspace", err))
		return
	}
	a.redirect(w, r, "/admin/workspaces", "Workspace "+name+" created. Grant users below; its OData URL is in the table.")
}

// grant lets a user read a workspace.
func (a *app) grant(w http.ResponseWriter, r *http.Request, se *store.Session) {
	name := r.PathValue("name")
	email := r.PostFormValue("email")
	if err := a.o.Store.Grant(r.Context(), name, email); err != nil {
		a.renderWorkspaces(w, r, se, http.StatusBadRequest, "", "", a.message("grant the workspace", err))
		return
	}
	a.redirect(w, r, "/admin/workspaces", email+" may now read workspace "+name+".")
}

// deleteWorkspace removes a workspace (its grants too; the data stays in
// the destination).
func (a *app) deleteWorkspace(w http.ResponseWriter, r *http.Request, se *store.Session) {
	name := r.PathValue("name")
	if err := a.o.Store.RemoveWorkspace(r.Context(), name); err != nil {
		a.renderWorkspaces(w, r, se, http.StatusBadRequest, "", "", a.message("delete the workspace", err))
		return
	}
	a.redirect(w, r, "/admin/workspaces", "Workspace "+name+" deleted (the replicated data stays).")
}
