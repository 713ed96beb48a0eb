package baseline

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// activity is zebra's wire shape of an activity.
type activity struct {
	ID          string  `json:"id"`
	Title       string  `json:"title"`
	Description *string `json:"description"`
	Status      string  `json:"status"`
	OwnerID     string  `json:"ownerId"`
	CreatedAt   string  `json:"createdAt"`
	UpdatedAt   string  `json:"updatedAt"`
	CreatedBy   string  `json:"createdBy"`
	UpdatedBy   string  `json:"updatedBy"`
	Version     int     `json:"version"`
}

// row is an activities row as scanned.
type row struct {
	ID          uuid.UUID
	Title       string
	Description *string
	Status      string
	OwnerID     uuid.UUID
	CreatedAt   time.Time
	UpdatedAt   time.Time
	CreatedBy   uuid.UUID
	UpdatedBy   uuid.UUID
	Version     int
}

const columns = "id, title, description, status, owner_id, created_at, updated_at, created_by, updated_by, version"

func (r *row) scan(s pgx.Row) error {
	return s.Scan(&r.ID, &r.Title, &r.Description, &r.Status, &r.OwnerID, &r.CreatedAt, &r.UpdatedAt,
		&r.CreatedBy, &r.UpdatedBy, &r.Version)
}

func (r *row) wire() activity {
	return activity{
		ID: r.ID.String(), Title: r.Title, Description: r.Description, Status: r.Status, OwnerID: r.OwnerID.String(),
		CreatedAt: stamp(r.CreatedAt), UpdatedAt: stamp(r.UpdatedAt), CreatedBy: r.CreatedBy.String(),
		UpdatedBy: r.UpdatedBy.String(), Version: r.Version,
	}
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

type callerKey struct{}

// guard verifies the bearer token and takes a rate-limit token (one Redis
// round trip), then runs next with the caller's id in the context.
func (s *Server) guard(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			fail(w, http.StatusUnauthorized, "unauthorized")
			return
		}
		var claims jwt.RegisteredClaims
		if _, err := s.parser.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return s.cfg.PublicKey, nil }); err != nil {
			fail(w, http.StatusUnauthorized, "unauthorized")
			return
		}
		user, err := uuid.Parse(claims.Subject)
		if err != nil {
			fail(w, http.StatusUnauthorized, "unauthorized")
			return
		}
		res, err := s.bucket.EvalSha(r.Context(), s.rdb, []string{s.cfg.RedisPrefix + "baseline:rl:user:" + claims.Subject},
			1_000_000_000, 60_000, 1_000_000_000, 1).Int64Slice()
		if err == nil && len(res) > 0 && res[0] == 0 {
			fail(w, http.StatusTooManyRequests, "rate_limited")
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, user)))
	}
}

func caller(r *http.Request) uuid.UUID { return r.Context().Value(callerKey{}).(uuid.UUID) }

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		fail(w, http.StatusNotFound, "not_found")
		return
	}
	var a row
	err = a.scan(s.db.QueryRow(r.Context(), "SELECT "+columns+" FROM "+Schema+".activities WHERE id = $1 AND deleted_at IS NULL", id))
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && a.OwnerID != caller(r)) {
		fail(w, http.StatusNotFound, "not_found")
		return
	}
	if err != nil {
		fail(w, http.StatusInternalServerError, "internal")
		return
	}
	w.Header().Set("ETag", `"`+strconv.Itoa(a.Version)+`"`)
	reply(w, http.StatusOK, a.wire())
}

type page struct {
	Items      []activity `json:"items"`
	NextCursor *string    `json:"nextCursor"`
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	limit := 20
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			fail(w, http.StatusUnprocessableEntity, "validation_failed")
			return
		}
		limit = n
	}
	owner := caller(r)
	sql := "SELECT " + columns + " FROM " + Schema + ".activities WHERE deleted_at IS NULL AND owner_id = $1"
	args := []any{owner, limit + 1}
	if c := r.URL.Query().Get("cursor"); c != "" {
		before, ok := s.decodeCursor(owner, c)
		if !ok {
			fail(w, http.StatusBadRequest, "invalid_cursor")
			return
		}
		sql += " AND id < $3"
		args = append(args, before)
	}
	rows, err := s.db.Query(r.Context(), sql+" ORDER BY id DESC LIMIT $2", args...)
	if err != nil {
		fail(w, http.StatusInternalServerError, "internal")
		return
	}
	defer rows.Close()
	out := page{Items: make([]activity, 0, limit+1)}
	var last uuid.UUID
	for rows.Next() {
		var a row
		if err := a.scan(rows); err != nil {
			fail(w, http.StatusInternalServerError, "internal")
			return
		}
		out.Items = append(out.Items, a.wire())
		if len(out.Items) <= limit {
			last = a.ID
		}
	}
	if rows.Err() != nil {
		fail(w, http.StatusInternalServerError, "internal")
		return
	}
	if len(out.Items) > limit {
		out.Items = out.Items[:limit]
		next := s.encodeCursor(owner, last)
		out.NextCursor = &next
	}
	reply(w, http.StatusOK, out)
}

// encodeCursor signs the position with HMAC-SHA-256, bound to the caller's
// list, as zebra's cursors are.
func (s *Server) encodeCursor(owner, id uuid.UUID) string {
	p := base64.RawURLEncoding.EncodeToString(id[:])
	return p + "." + base64.RawURLEncoding.EncodeToString(s.sign(owner, p))
}

func (s *Server) decodeCursor(owner uuid.UUID, c string) (uuid.UUID, bool) {
	p, sig, ok := strings.Cut(c, ".")
	if !ok {
		return uuid.Nil, false
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.sign(owner, p)) {
		return uuid.Nil, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return uuid.Nil, false
	}
	id, err := uuid.FromBytes(raw)
	return id, err == nil
}

func (s *Server) sign(owner uuid.UUID, payload string) []byte {
	m := hmac.New(sha256.New, s.cfg.CursorSecret)
	m.Write([]byte("activities?owner=" + owner.String()))
	m.Write([]byte{0})
	m.Write([]byte(payload))
	return m.Sum(nil)[:16]
}

// readJSON checks the content type and reads a body of at most 1 MiB.
func readJSON(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		fail(w, http.StatusUnsupportedMediaType, "unsupported_media_type")
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		fail(w, http.StatusRequestEntityTooLarge, "payload_too_large")
		return nil, false
	}
	return body, true
}

func reply(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"code":"internal"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func fail(w http.ResponseWriter, status int, code string) {
	reply(w, status, map[string]any{"code": code, "message": code, "details": map[string]any{}})
}
