package baseline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

type createBody struct {
	Title       string  `json:"title"`
	Description *string `json:"description"`
}

type patchBody struct {
	Title *string `json:"title"`
}

// decodeStrict decodes a JSON object refusing unknown fields, as zebra does.
func decodeStrict(body []byte, v any) bool {
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	return d.Decode(v) == nil
}

func validTitle(t string) bool {
	t = strings.TrimSpace(t)
	return t != "" && utf8.RuneCountInString(t) <= 200
}

// create claims the Idempotency-Key in a statement of its own, then inserts
// the activity, its audit event and its outbox event and completes the key
// in one transaction: zebra's statements (the audit event queued for
// chaining, as zebra's store writes it), without zebra's background work.
func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	body, ok := readJSON(w, r)
	if !ok {
		return
	}
	user := caller(r)
	key := r.Header.Get("Idempotency-Key")
	scope := "user:" + user.String()
	fp := sha256.Sum256([]byte(r.Method + " " + r.URL.RequestURI() + "\n" + string(body)))
	if key != "" {
		tag, err := s.db.Exec(r.Context(), `INSERT INTO `+Schema+`.idempotency_keys (scope, key, fingerprint, state, locked_at, created_at)
			VALUES ($1, $2, $3, 'started', now(), now()) ON CONFLICT (scope, key) DO NOTHING`, scope, key, hex.EncodeToString(fp[:]))
		if err != nil {
			fail(w, http.StatusInternalServerError, "internal")
			return
		}
		if tag.RowsAffected() != 1 {
			fail(w, http.StatusConflict, "idempotency_key_in_use")
			return
		}
	}
	var in createBody
	if !decodeStrict(body, &in) || !validTitle(in.Title) {
		fail(w, http.StatusUnprocessableEntity, "validation_failed")
		return
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	a := row{
		ID: uuid.Must(uuid.NewV7()), Title: strings.TrimSpace(in.Title), Description: in.Description, Status: "planned",
		OwnerID: user, CreatedAt: now, UpdatedAt: now, CreatedBy: user, UpdatedBy: user, Version: 1,
	}
	out := a.wire()
	resp, _ := json.Marshal(out)
	err := pgx.BeginFunc(r.Context(), s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(r.Context(), `INSERT INTO `+Schema+`.activities (`+columns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			a.ID, a.Title, a.Description, a.Status, a.OwnerID, a.CreatedAt, a.UpdatedAt, a.CreatedBy, a.UpdatedBy, a.Version); err != nil {
			return err
		}
		if err := s.journal(r.Context(), tx, user, "activity.created", nil, &out); err != nil {
			return err
		}
		if key == "" {
			return nil
		}
		headers := `{"Location":"/v1/activities/` + out.ID + `","ETag":"\"1\""}`
		_, err := tx.Exec(r.Context(), `UPDATE `+Schema+`.idempotency_keys SET state = 'completed', completed_at = now(),
			response_status = 201, response_headers = $1, response_body = $2 WHERE scope = $3 AND key = $4 AND state = 'started'`,
			headers, resp, scope, key)
		return err
	})
	if err != nil {
		fail(w, http.StatusInternalServerError, "internal")
		return
	}
	w.Header().Set("Location", "/v1/activities/"+out.ID)
	w.Header().Set("ETag", `"1"`)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(resp)
}

// patch reads the row, checks owner and If-Match, and in one transaction
// updates it where the version is still the one read, and writes its audit
// and outbox events.
func (s *Server) patch(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		fail(w, http.StatusNotFound, "not_found")
		return
	}
	match, err := strconv.Atoi(strings.Trim(r.Header.Get("If-Match"), `"`))
	if err != nil {
		fail(w, http.StatusPreconditionRequired, "precondition_required")
		return
	}
	body, ok := readJSON(w, r)
	if !ok {
		return
	}
	var in patchBody
	if !decodeStrict(body, &in) || (in.Title != nil && !validTitle(*in.Title)) {
		fail(w, http.StatusUnprocessableEntity, "validation_failed")
		return
	}
	user := caller(r)
	status := http.StatusOK
	var out activity
	err = pgx.BeginFunc(r.Context(), s.db, func(tx pgx.Tx) error {
		var a row
		err := a.scan(tx.QueryRow(r.Context(), "SELECT "+columns+" FROM "+Schema+".activities WHERE id = $1 AND deleted_at IS NULL", id))
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && a.OwnerID != user) {
			status = http.StatusNotFound
			return nil
		}
		if err != nil {
			return err
		}
		if a.Version != match {
			status = http.StatusPreconditionFailed
			return nil
		}
		before := a.wire()
		if in.Title != nil {
			a.Title = strings.TrimSpace(*in.Title)
		}
		a.UpdatedAt, a.UpdatedBy, a.Version = time.Now().UTC().Truncate(time.Millisecond), user, a.Version+1
		tag, err := tx.Exec(r.Context(), `UPDATE `+Schema+`.activities SET title = $1, updated_at = $2, updated_by = $3, version = $4
			WHERE id = $5 AND version = $6`, a.Title, a.UpdatedAt, a.UpdatedBy, a.Version, id, match)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			status = http.StatusPreconditionFailed
			return nil
		}
		out = a.wire()
		return s.journal(r.Context(), tx, user, "activity.updated", &before, &out)
	})
	switch {
	case err != nil:
		fail(w, http.StatusInternalServerError, "internal")
	case status == http.StatusOK:
		w.Header().Set("ETag", `"`+strconv.Itoa(out.Version)+`"`)
		reply(w, http.StatusOK, out)
	default:
		fail(w, status, http.StatusText(status))
	}
}

// journal inserts the audit event (queued for chaining, as zebra's audit
// store writes it in the command's transaction) and the outbox event of a
// change.
func (s *Server) journal(ctx context.Context, tx pgx.Tx, user uuid.UUID, action string, before, after *activity) error {
	beforeJSON, afterJSON := jsonOrNil(before), jsonOrNil(after)
	metadata := `{"events":["` + action + `"]}`
	if _, err := tx.Exec(ctx, `WITH ins AS (INSERT INTO `+Schema+`.audit_events (id, occurred_at, actor, action, entity_type,
		entity_id, request_id, before, after, metadata) VALUES ($1, now(), $2, $3, 'activity', $4, '', $5, $6, $7) RETURNING id)
		INSERT INTO `+Schema+`.audit_unchained (event_id) SELECT id FROM ins`,
		uuid.Must(uuid.NewV7()), user.String(), action, after.ID, nullText(beforeJSON), nullText(afterJSON), metadata); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO `+Schema+`.outbox (id, aggregate_type, aggregate_id, event_type, payload, request_id)
		VALUES ($1, 'activity', $2, $3, $4, '')`, uuid.Must(uuid.NewV7()), after.ID, action, `{"activity":`+string(afterJSON)+`}`)
	return err
}

func jsonOrNil(a *activity) []byte {
	if a == nil {
		return nil
	}
	b, _ := json.Marshal(a)
	return b
}

func nullText(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}
