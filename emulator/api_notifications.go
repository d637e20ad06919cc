package emulator

import (
	"strconv"
)

// Notifications: GET /notifications, /notifications/count, POST
// /notifications/markAsRead and /notifications/:id/markAsRead. Each user
// sees only the notifications they received.

// routesNotifications registers the notification routes.
func (s *Server) routesNotifications() {
	s.handle("GET /api/v2/notifications", s.getNotifications)
	s.handle("GET /api/v2/notifications/count", s.countNotifications)
	s.handle("POST /api/v2/notifications/markAsRead", s.resetNotifications)
	s.handle("POST /api/v2/notifications/{notificationId}/markAsRead", s.readNotification)
}

// getNotifications serves GET /notifications (id cursor, senderId filter).
func (s *Server) getNotifications(c *call) error {
	cur, e := c.idCursor()
	if e != nil {
		return e
	}
	sender, e := c.q.optInt64("senderId")
	if e != nil {
		return e
	}
	var keep func(*notification) bool
	if sender != nil {
		keep = func(n *notification) bool { return n.SenderID == *sender }
	}
	return reading(c, c.caller, func(st *store, u *user) []*jsonNotification {
		page := pageByID(st.notifByUser[u.ID], func(n *notification) int64 { return n.ID }, cur, keep)
		return renderAll(page, st.renderNotification)
	})
}

// countNotifications serves GET /notifications/count.
func (s *Server) countNotifications(c *call) error {
	read, e := c.q.optBool("alreadyRead")
	if e != nil {
		return e
	}
	resRead, e := c.q.optBool("resourceAlreadyRead")
	if e != nil {
		return e
	}
	return reading(c, c.caller, func(st *store, u *user) map[string]int {
		n := 0
		for _, x := range st.notifByUser[u.ID] {
			if (read == nil || x.AlreadyRead == *read) && (resRead == nil || x.ResourceAlreadyRead == *resRead) {
				n++
			}
		}
		return counted(n)
	})
}

// resetNotifications serves POST /notifications/markAsRead: every unread
// notification of the caller becomes read; the answer counts them.
func (s *Server) resetNotifications(c *call) error {
	return writing(c, c.caller, func(st *store, u *user) (any, error) {
		n := 0
		for _, x := range st.notifByUser[u.ID] {
			if !x.AlreadyRead {
				x.AlreadyRead = true
				n++
			}
		}
		return counted(n), nil
	})
}

// readNotification serves POST /notifications/:id/markAsRead (204).
func (s *Server) readNotification(c *call) error {
	return writing(c, c.pathNotification, func(_ *store, n *notification) (any, error) {
		n.AlreadyRead = true
		return nil, nil
	})
}

// pathNotification resolves the path's notification among the caller's own
// (anyone else's is 404).
func (c *call) pathNotification() (*notification, error) {
	id, err := strconv.ParseInt(c.path("notificationId"), 10, 64)
	if err != nil {
		return nil, notFound("notification")
	}
	for _, x := range c.s.store.notifByUser[c.u.ID] {
		if x.ID == id {
			return x, nil
		}
	}
	return nil, notFound("notification")
}
