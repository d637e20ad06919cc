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
	st := s.store
	st.mu.RLock()
	defer st.mu.RUnlock()
	var keep func(*notification) bool
	if sender != nil {
		keep = func(n *notification) bool { return n.SenderID == *sender }
	}
	page := pageByID(st.notifByUser[c.u.ID], func(n *notification) int64 { return n.ID }, cur, keep)
	return c.ok(renderAll(page, st.renderNotification))
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
	st := s.store
	st.mu.RLock()
	defer st.mu.RUnlock()
	n := 0
	for _, x := range st.notifByUser[c.u.ID] {
		if (read == nil || x.AlreadyRead == *read) && (resRead == nil || x.ResourceAlreadyRead == *resRead) {
			n++
		}
	}
	return c.ok(counted(n))
}

// resetNotifications serves POST /notifications/markAsRead: every unread
// notification of the caller becomes read; the answer counts them.
func (s *Server) resetNotifications(c *call) error {
	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	n := 0
	for _, x := range st.notifByUser[c.u.ID] {
		if !x.AlreadyRead {
			x.AlreadyRead = true
			n++
		}
	}
	return c.ok(counted(n))
}

// readNotification serves POST /notifications/:id/markAsRead (204).
func (s *Server) readNotification(c *call) error {
	id, err := strconv.ParseInt(c.path("notificationId"), 10, 64)
	if err != nil {
		return notFound("notification")
	}
	st := s.store
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, x := range st.notifByUser[c.u.ID] {
		if x.ID == id {
			x.AlreadyRead = true
			return c.noContent()
		}
	}
	return notFound("notification")
}
