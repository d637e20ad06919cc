package emulator

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// The user shapes, each in one place: the User object embedded everywhere
// (renderUser, and userJSON, its cached bytes), the keyword-search user and
// the lighter user of document comments.

type jsonLightUser struct {
	ID          int64   `json:"id"`
	UserID      string  `json:"userId"`
	UniqueID    *string `json:"uniqueId"`
	Name        string  `json:"name"`
	MailAddress string  `json:"mailAddress"`
	RoleType    int     `json:"roleType"`
	Lang        *string `json:"lang"`
	Icon        string  `json:"icon"`
}

// renderLightUser renders the lighter user shape of document comments.
func (st *store) renderLightUser(id int64) *jsonLightUser {
	u := st.users[id]
	if u == nil {
		return nil
	}
	j := &jsonLightUser{ID: u.ID, UserID: u.UserID, Name: u.Name, MailAddress: u.MailAddress,
		RoleType: u.RoleType, Icon: fmt.Sprintf("icons/default/%02d.png", u.ID%20+1)}
	if u.NulabID != "" {
		if full := st.renderUser(id); full != nil && full.NulabAccount != nil {
			uid := full.NulabAccount.UniqueID
			j.UniqueID = &uid
		}
	}
	if u.Lang != "" {
		l := u.Lang
		j.Lang = &l
	}
	return j
}

// jsonNulabAccount is a user's Nulab account. Backlog's examples show
// iconUrl in some responses and not in others; every user here carries the
// one full shape, wherever it is embedded.
type jsonNulabAccount struct {
	NulabID  string `json:"nulabId"`
	Name     string `json:"name"`
	UniqueID string `json:"uniqueId"`
	IconURL  string `json:"iconUrl"`
}

type jsonUser struct {
	ID            int64             `json:"id"`
	UserID        string            `json:"userId"`
	Name          string            `json:"name"`
	RoleType      int               `json:"roleType"`
	Lang          *string           `json:"lang"`
	NulabAccount  *jsonNulabAccount `json:"nulabAccount"`
	MailAddress   string            `json:"mailAddress"`
	LastLoginTime *ts               `json:"lastLoginTime"`
}

// renderUser renders a User; a missing user (deleted) renders as null.
func (s *store) renderUser(id int64) *jsonUser {
	u := s.users[id]
	if u == nil {
		return nil
	}
	j := &jsonUser{ID: u.ID, UserID: u.UserID, Name: u.Name, RoleType: u.RoleType,
		MailAddress: u.MailAddress, LastLoginTime: tsz(u.LastLoginTime)}
	if u.Lang != "" {
		l := u.Lang
		j.Lang = &l
	}
	if u.NulabID != "" {
		j.NulabAccount = &jsonNulabAccount{NulabID: u.NulabID, Name: u.Name, UniqueID: u.NulabID + "-" + strconv.FormatInt(u.ID, 36),
			IconURL: "https://apps.nulab.com/u/" + u.NulabID + "/icon"}
	}
	return j
}

// jsonKeywordUser is the User of document responses: the same shape plus
// keyword, the text Backlog's document search matches users by
// (entities.md "User").
type jsonKeywordUser struct {
	*jsonUser
	Keyword string `json:"keyword"`
}

// renderKeywordUser renders the user of a document response (null when
// missing).
func (s *store) renderKeywordUser(id int64) *jsonKeywordUser {
	j := s.renderUser(id)
	if j == nil {
		return nil
	}
	return &jsonKeywordUser{jsonUser: j, Keyword: j.Name + " " + j.UserID}
}

// renderUserp renders a nullable user reference.
func (s *store) renderUserp(id *int64) *jsonUser {
	if id == nil {
		return nil
	}
	return s.renderUser(*id)
}

// renderUsers renders users by id.
func (s *store) renderUsers(ids []int64) []*jsonUser {
	out := make([]*jsonUser, 0, len(ids))
	for _, id := range ids {
		if u := s.liveUser(id); u != nil {
			out = append(out, s.renderUser(id))
		}
	}
	return out
}

// userJSON returns the rendered User JSON, cached per user and epoch; "null"
// for an unknown user.
func (s *store) userJSON(id int64) []byte {
	u := s.users[id]
	if u == nil {
		return []byte("null")
	}
	ep := s.epoch.Load()
	if c := u.json.Load(); c != nil && c.epoch == ep {
		return c.data
	}
	data, err := json.Marshal(s.renderUser(id))
	if err != nil {
		panic(err) // plain values only
	}
	u.json.Store(&renderCache{epoch: ep, data: data})
	return data
}
