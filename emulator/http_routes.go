package emulator

import "net/http"

// routes registers every route. Each API area registers its own routes in its
// own file (api_space.go, api_users.go, api_issues.go, …).
func (s *Server) routes() {
	s.routesSpace()
	s.routesUsers()
	s.routesTeams()
	s.routesProjects()
	s.routesIssues()
	s.routesComments()
	s.routesActivities()
	s.routesWikis()
	s.routesFiles()
	s.routesDocuments()
	s.routesGit()
	s.routesStars()
	s.routesWatchings()
	s.routesNotifications()
	s.routesRateLimit()
	s.routesOAuth()
	s.routesAdmin()
	// Anything else under /api/v2/ is Backlog's 404, after authentication
	// (a wrong key is reported as such whatever the path).
	s.mux.HandleFunc("/api/v2/", func(w http.ResponseWriter, r *http.Request) {
		rec := w.(*statusRecorder)
		if _, err := s.authenticate(w, r); err != nil {
			if err != errAuthWritten {
				s.writeError(w, err.(*apiError))
			}
		} else {
			s.writeError(w, errorf(CodeNoResource, "No such API: %s %s.", r.Method, r.URL.Path))
		}
		s.reqlog.add(r, rec.status, -1, s.now())
	})
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, errorf(CodeNoResource, "No such resource: %s. The Backlog API lives under /api/v2/.", r.URL.Path))
		s.reqlog.add(r, http.StatusNotFound, -1, s.now())
	})
}
