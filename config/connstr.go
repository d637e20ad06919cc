package config

import (
	"fmt"
	"strings"
)

// Property is one key=value pair, kept in the order it was written.
type Property struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// ConnString is a parsed ADO.NET / CData style connection string:
// ";"-separated key=value pairs. Keys are matched case-insensitively and
// ignoring spaces ("Data Source", "datasource" and "DATA SOURCE" are one key);
// the order of the pairs and the spelling of the keys are kept.
type ConnString []Property

// ParseConnString parses s with the syntax of ADO.NET's
// DbConnectionStringBuilder, which CData's drivers and CData Sync's XML
// config use:
//
//   - pairs are separated by ";"; empty pairs (";;", a trailing ";") are skipped;
//   - white space around keys and values is trimmed;
//   - a value may be quoted with ' or "; inside the quotes ";" and "=" are
//     literal and the quote character is written twice to stand for itself
//     ('it”s', "say ""hi""");
//   - in a key, "==" stands for a literal "=";
//   - a key given twice keeps its last value (as ADO.NET does).
//
// Errors give the byte offset and the key, never the value, which may be a
// password or an API key.
func ParseConnString(s string) (ConnString, error) {
	var out ConnString
	i := 0
	n := len(s)
	for i < n {
		// Skip separators and white space before a key.
		for i < n && (s[i] == ';' || isSpace(s[i])) {
			i++
		}
		if i >= n {
			break
		}
		start := i
		var key strings.Builder
		for {
			if i >= n || s[i] == ';' {
				return nil, fmt.Errorf("connection string: the text at offset %d is not key=value (a value containing ';' must be quoted with ' or \")", start)
			}
			if s[i] == '=' {
				if i+1 < n && s[i+1] == '=' {
					key.WriteByte('=')
					i += 2
					continue
				}
				break
			}
			key.WriteByte(s[i])
			i++
		}
		k := strings.TrimSpace(key.String())
		if k == "" {
			return nil, fmt.Errorf("connection string: empty key at offset %d", start)
		}
		i++ // '='
		for i < n && isSpace(s[i]) {
			i++
		}
		var val string
		if i < n && (s[i] == '\'' || s[i] == '"') {
			q := s[i]
			qpos := i
			i++
			var b strings.Builder
			closed := false
			for i < n {
				if s[i] == q {
					if i+1 < n && s[i+1] == q {
						b.WriteByte(q)
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				b.WriteByte(s[i])
				i++
			}
			if !closed {
				return nil, fmt.Errorf("connection string: the value of %s (quoted with %c at offset %d) has no closing quote", k, q, qpos)
			}
			for i < n && isSpace(s[i]) {
				i++
			}
			if i < n && s[i] != ';' {
				return nil, fmt.Errorf("connection string: unexpected text after the quoted value of %s at offset %d; separate pairs with ';'", k, i)
			}
			val = b.String()
		} else {
			j := strings.IndexByte(s[i:], ';')
			if j < 0 {
				j = n - i
			}
			val = strings.TrimSpace(s[i : i+j])
			i += j
		}
		out = out.with(k, val)
	}
	return out, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// normKey folds a connection-string key for comparison: lower case, no
// spaces, no underscores.
func normKey(k string) string {
	var b strings.Builder
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c == ' ' || c == '_' || c == '\t':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

// with returns c with key set to value, replacing an earlier pair of the same
// key in place.
func (c ConnString) with(key, value string) ConnString {
	nk := normKey(key)
	for i := range c {
		if normKey(c[i].Key) == nk {
			c[i] = Property{Key: key, Value: value}
			return c
		}
	}
	return append(c, Property{Key: key, Value: value})
}

// Get returns the value of the first of keys that is present (keys are
// synonyms, compared case-insensitively and ignoring spaces and underscores).
func (c ConnString) Get(keys ...string) (string, bool) {
	for _, k := range keys {
		nk := normKey(k)
		for _, p := range c {
			if normKey(p.Key) == nk {
				return p.Value, true
			}
		}
	}
	return "", false
}

// String renders c back into connection-string syntax, quoting values that
// need it. It does not mask secrets; use Redacted for anything shown.
func (c ConnString) String() string { return c.render(false) }

// Redacted is String with the values of secret keys (passwords, API keys,
// client secrets, tokens) replaced by "****".
func (c ConnString) Redacted() string { return c.render(true) }

func (c ConnString) render(redact bool) string {
	var b strings.Builder
	for i, p := range c {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(strings.ReplaceAll(p.Key, "=", "=="))
		b.WriteByte('=')
		v := p.Value
		if redact && isSecretKey(p.Key) && v != "" {
			v = mask
		}
		b.WriteString(quoteConnValue(v))
	}
	return b.String()
}

// quoteConnValue quotes v when it would not survive ParseConnString as is.
func quoteConnValue(v string) string {
	if v == "" {
		return v
	}
	need := strings.ContainsAny(v, ";'\"") || isSpace(v[0]) || isSpace(v[len(v)-1])
	if !need {
		return v
	}
	if !strings.Contains(v, "\"") {
		return `"` + v + `"`
	}
	return "'" + strings.ReplaceAll(v, "'", "''") + "'"
}

// isSecretKey reports whether a connection-string key holds a credential.
func isSecretKey(k string) bool {
	switch nk := normKey(k); nk {
	case "password", "pwd", "apikey", "oauthclientsecret", "oauthaccesstoken",
		"oauthrefreshtoken", "oauthverifier", "proxypassword", "firewallpassword", "token", "accesstoken", "refreshtoken":
		return true
	default:
		return strings.Contains(nk, "password") || strings.Contains(nk, "secret")
	}
}
