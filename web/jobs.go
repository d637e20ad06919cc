package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/backlogsync/backlogsync/jobsql"
	"github.com/backlogsync/backlogsync/store"
)

// maxStatements bounds the statement text the checker reads.
const maxStatements = 256 << 10

type stmtError struct {
	Line, Col int
	Msg       string
	Snippet   string
}

type jobsData struct {
	Jobs       []Job
	Statements string
	Checked    bool
	Count      int
	Errors     []stmtError
}

// jobsPage lists the config's jobs and offers the statement checker.
func (a *app) jobsPage(w http.ResponseWriter, r *http.Request, se *store.Session) {
	p := newPage(se, "Jobs", "jobs")
	p.Data = jobsData{Jobs: a.o.Jobs}
	a.render(w, http.StatusOK, "jobs", p)
}

// checkStatements parses the statements with jobsql and shows each error
// at its line and column.
func (a *app) checkStatements(w http.ResponseWriter, r *http.Request, se *store.Session) {
	src := r.PostFormValue("statements")
	d := jobsData{Jobs: a.o.Jobs, Statements: src, Checked: true}
	status := http.StatusOK
	if len(src) > maxStatements {
		d.Errors = []stmtError{{Msg: "the statements are longer than " + strconv.Itoa(maxStatements>>10) + " KiB"}}
		status = http.StatusBadRequest
	} else {
		stmts, err := jobsql.Parse("", src)
		d.Count = len(stmts)
		if err != nil {
			status = http.StatusBadRequest
			var list jobsql.ErrorList
			var one *jobsql.Error
			switch {
			case errors.As(err, &list):
				for _, e := range list {
					d.Errors = append(d.Errors, stmtError{Line: e.Line, Col: e.Col, Msg: e.Msg, Snippet: e.Snippet()})
				}
			case errors.As(err, &one):
				d.Errors = append(d.Errors, stmtError{Line: one.Line, Col: one.Col, Msg: one.Msg, Snippet: one.Snippet()})
			default:
				d.Errors = append(d.Errors, stmtError{Msg: err.Error()})
			}
		}
	}
	p := newPage(se, "Jobs", "jobs")
	p.Data = d
	a.render(w, status, "jobs", p)
}
