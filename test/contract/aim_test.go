package contract

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"pgregory.net/rapid"
)

// This file points drawn requests at the world (aim) before they are sent.

// drawPrincipal draws who a request is sent as (by name, so that rapid's
// log of draws shows no token).
func (w *world) drawPrincipal(t *rapid.T) *principal {
	all := []*principal{w.member, w.other, w.admin, w.auditor}
	return all[rapid.IntRange(0, len(all)-1).Draw(t, "principal (member, other, admin, auditor)")]
}

// aim points a drawn request at the world: a principal and its token,
// real ids (mostly), the current ETag (mostly), cursors the service
// issued, credentials and refresh tokens that work, and now and then an
// Idempotency-Key used before. The document's schemas still hold: aim
// only picks values they accept.
//
// A request that is going to be broken (breaking) is sent as the admin, who
// may do everything, at a resource that exists, so that its answer depends
// on the breakage alone and not on permissions or ids.
func (w *world) aim(t *rapid.T, r *Request, breaking bool) {
	op := r.Op
	switch {
	case op.Secured() && breaking:
		r.Token, r.Principal = w.admin.token, w.admin.name
	case op.Secured() || rapid.IntRange(0, 9).Draw(t, "token on a public route?") == 0:
		p := w.drawPrincipal(t)
		r.Token, r.Principal = p.token, p.name
	}
	switch {
	case strings.HasPrefix(op.Path, "/v1/users/{id}"):
		w.aimUser(t, r, breaking)
	case strings.Contains(op.Path, "/{id}"):
		w.aimResource(t, r, op.Path[:strings.Index(op.Path, "/{id}")], breaking)
		if strings.Contains(op.Path, "{attachmentId}") {
			w.aimAttachment(t, r, breaking)
		}
	}
	if p := op.Param("query", "ownerId"); p != nil && r.Query.Has("ownerId") && rapid.IntRange(0, 9).Draw(t, "real owner?") < 7 {
		r.Query.Set("ownerId", rapid.SampledFrom(w.users).Draw(t, "ownerId"))
	}
	if r.Query.Has("cursor") || op.Param("query", "cursor") != nil {
		switch seen := w.cursors[op.ID]; {
		case len(seen) > 0 && rapid.IntRange(0, 9).Draw(t, "issued cursor?") < 7:
			r.Query.Set("cursor", rapid.SampledFrom(seen).Draw(t, "cursor"))
		case rapid.IntRange(0, 9).Draw(t, "keep a made-up cursor?") < 8:
			r.Query.Del("cursor")
		}
	}
	if r.HasBody {
		w.aimBody(t, r)
	}
}

// aimKey settles the request's Idempotency-Key once its principal and
// breakage are known. An intact request reuses a key of its scope one time
// in five (a replay, or idempotency_key_reused); any other key that
// happens to have been used already in that scope (short keys collide) is
// made unique, so that a broken request is judged on its breakage alone.
func (w *world) aimKey(t *rapid.T, r *Request, m *Mutation) {
	if r.Op.Param("header", "Idempotency-Key") == nil || (m != nil && strings.EqualFold(m.Target, "Idempotency-Key")) {
		return
	}
	scope := w.keyScope(r)
	if keys := w.keys[scope]; m == nil && len(keys) > 0 && rapid.IntRange(0, 4).Draw(t, "reuse a key?") == 0 {
		r.Header.Set("Idempotency-Key", keys[rapid.IntRange(max(0, len(keys)-5), len(keys)-1).Draw(t, "used key")])
		return
	}
	// `""` is a key of two characters for the schema and an empty one for
	// the service, which strips the quotes (the document says so): 400.
	key := r.Header.Get("Idempotency-Key")
	if key == "" || (normalizeKey(key) != "" && !w.used[scope+"\x00"+normalizeKey(key)]) {
		return
	}
	for {
		w.fresh++
		suffix := strconv.Itoa(w.fresh)
		candidate := suffix
		if len(key) > len(suffix) {
			candidate = key[:len(key)-len(suffix)] + suffix
		}
		if !w.used[scope+"\x00"+normalizeKey(candidate)] {
			r.Header.Set("Idempotency-Key", candidate)
			return
		}
	}
}

// keyScope is who the service scopes a key to: the user of a valid token,
// else the client IP, which every anonymous request of the suite shares.
func (w *world) keyScope(r *Request) string {
	for _, p := range []*principal{w.member, w.other, w.admin, w.auditor} {
		if r.Token != "" && r.Token == p.token {
			return p.name
		}
	}
	return "anonymous"
}

// normalizeKey strips one pair of surrounding double quotes, as the service
// does (docs/api.md, Decided questions).
func normalizeKey(key string) string {
	if len(key) >= 2 && key[0] == '"' && key[len(key)-1] == '"' {
		return key[1 : len(key)-1]
	}
	return key
}

// aimResource points the request at a resource the suite created in
// collection, mostly the caller's own.
func (w *world) aimResource(t *rapid.T, r *Request, collection string, real bool) {
	if w.recipes[collection] != nil {
		w.aimed[collection] = true
	}
	if !real && rapid.IntRange(0, 9).Draw(t, "real resource?") >= 8 {
		return
	}
	owner := r.Principal
	if len(w.created[collection][owner]) == 0 || rapid.IntRange(0, 4).Draw(t, "someone else's?") == 0 {
		owner = rapid.SampledFrom([]string{"member", "other", "admin"}).Draw(t, "owner")
	}
	ids := w.created[collection][owner]
	if len(ids) == 0 {
		return
	}
	id := rapid.SampledFrom(ids).Draw(t, "id")
	r.Path["id"] = id
	w.aimETag(t, r, collection+"/"+id, real)
}

// aimAttachment points the request at an attachment the suite added (and
// uploaded), mostly one of the caller's, with its activity.
func (w *world) aimAttachment(t *rapid.T, r *Request, real bool) {
	if !real && rapid.IntRange(0, 9).Draw(t, "real attachment?") >= 8 {
		return
	}
	var mine []attachmentRef
	for _, a := range w.attachments {
		if a.owner == r.Principal || r.Principal == "admin" || rapid.IntRange(0, 9).Draw(t, "someone else's attachment?") == 0 {
			mine = append(mine, a)
		}
	}
	if len(mine) == 0 {
		return
	}
	a := rapid.SampledFrom(mine).Draw(t, "attachment")
	r.Path["id"], r.Path["attachmentId"] = a.activity, a.id
	w.aimETag(t, r, "/v1/activities/"+a.activity+"/attachments/"+a.id, real)
}

func (w *world) aimUser(t *rapid.T, r *Request, real bool) {
	if !real && rapid.IntRange(0, 9).Draw(t, "real user?") >= 8 {
		return
	}
	id := rapid.SampledFrom(w.users).Draw(t, "user")
	if r.Op.Method != http.MethodGet {
		id = w.victims[rapid.IntRange(0, len(w.victims)-1).Draw(t, "victim")].id
	}
	r.Path["id"] = id
	w.aimETag(t, r, "/v1/users/"+id, real)
}

// aimETag sends the resource's current ETag in If-Match (or
// If-None-Match), read as the admin, most of the time.
func (w *world) aimETag(t *rapid.T, r *Request, path string, always bool) {
	name := "If-Match"
	if r.Op.Param("header", name) == nil {
		name = "If-None-Match"
		if r.Op.Param("header", name) == nil {
			return
		}
	}
	if !always && rapid.IntRange(0, 9).Draw(t, "current ETag?") >= 8 {
		return
	}
	status, h, _, err := w.do(http.MethodGet, path, w.admin.token, nil, nil)
	if err != nil || status != http.StatusOK {
		return
	}
	r.Header.Set(name, h.Get("ETag"))
}

func (w *world) aimBody(t *rapid.T, r *Request) {
	body, ok := r.Body.(map[string]any)
	if !ok {
		return
	}
	switch r.Op.ID {
	case "log-in":
		if rapid.IntRange(0, 9).Draw(t, "real account?") < 7 {
			body["email"] = w.login.email
			if rapid.IntRange(0, 9).Draw(t, "right password?") < 8 {
				body["password"] = w.login.password
			}
		}
	case "refresh-tokens", "log-out":
		if rapid.IntRange(0, 9).Draw(t, "live refresh token?") < 7 {
			status, _, b, err := w.do(http.MethodPost, "/v1/auth/login", "", nil, map[string]any{"email": w.login.email, "password": w.login.password})
			if err == nil && status == http.StatusOK {
				var tokens struct{ RefreshToken string }
				if json.Unmarshal(b, &tokens) == nil {
					body["refreshToken"] = tokens.RefreshToken
				}
			}
		}
	case "sign-up":
		if rapid.IntRange(0, 9).Draw(t, "known email?") < 2 {
			body["email"] = w.login.email
		}
	case "request-password-reset":
		if rapid.IntRange(0, 9).Draw(t, "known email?") < 3 {
			body["email"] = w.reset.email
		}
	case "verify-email", "confirm-password-reset":
		// The one-time token of a mail the sink received.
		path := map[string]string{"verify-email": "/verify-email", "confirm-password-reset": "/reset-password"}[r.Op.ID]
		if rapid.IntRange(0, 9).Draw(t, "mailed token?") < 7 {
			if token := w.mail.newest(path); token != "" {
				body["token"] = token
			}
		}
	case "add-attachment":
		// The document cannot say what a media type or a file name is, nor
		// the configured size limit: real ones, mostly.
		if rapid.IntRange(0, 9).Draw(t, "real file?") < 7 {
			body["filename"] = "contract-" + strconv.Itoa(rapid.IntRange(0, 999).Draw(t, "file")) + ".txt"
			body["contentType"] = rapid.SampledFrom([]string{"text/plain", "application/pdf", "image/png"}).Draw(t, "contentType")
			body["size"] = rapid.IntRange(1, 64).Draw(t, "size")
		}
	case "change-user-roles":
		if _, ok := body["roles"].([]any); ok && rapid.IntRange(0, 9).Draw(t, "real roles?") < 7 {
			roles := rapid.SliceOfNDistinct(rapid.SampledFrom([]string{"member", "auditor", "admin"}), 1, 3, rapid.ID[string]).Draw(t, "roles")
			list := make([]any, len(roles))
			for i, role := range roles {
				list[i] = role
			}
			body["roles"] = list
		}
	}
}
