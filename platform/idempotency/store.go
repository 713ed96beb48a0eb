package idempotency

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/zebralabs/zebra/platform/database"
)

// table is where outcomes live (schema/platform.hcl).
const table = "platform.idempotency_keys"

// Response is a recorded outcome, replayed for later requests with the
// same key.
type Response struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    []byte            `json:"-"`
}

// Outcome is what Store.Claim found for a key.
type Outcome int

const (
	// Claimed: the caller owns the key and must complete or release it.
	Claimed Outcome = iota
	// InFlight: another request with the key is running.
	InFlight
	// Reused: the key was used for a different request.
	Reused
	// Completed: the outcome is recorded; replay it.
	Completed
)

// Store keeps idempotency records in PostgreSQL.
type Store struct {
	db        *gorm.DB
	retention time.Duration
	lease     time.Duration
}

// NewStore returns a store over db. Records older than retention count as
// absent; a started record whose request has run longer than lease is
// considered abandoned (a crashed replica) and may be taken over.
func NewStore(db *gorm.DB, retention, lease time.Duration) *Store {
	return &Store{db: db, retention: retention, lease: lease}
}

type record struct {
	Fingerprint     string
	State           string
	Expired         bool
	Abandoned       bool
	ResponseStatus  *int
	ResponseHeaders []byte
	ResponseBody    []byte
}

// Claim tries to own (scope, key) for a request with fingerprint fp. The
// "started" row is inserted in a statement of its own, committed at once,
// so that concurrent duplicates see it while the request runs.
func (s *Store) Claim(ctx context.Context, scope, key, fp string) (Outcome, Response, error) {
	db := s.db.WithContext(ctx)
	for range 3 {
		// A direct statement (database.Exec), like Complete's: both run
		// on every request with a key.
		inserted, err := database.Exec(ctx, s.db, `INSERT INTO `+table+` (scope, key, fingerprint, state, locked_at, created_at)
			VALUES ($1, $2, $3, 'started', now(), now()) ON CONFLICT (scope, key) DO NOTHING`, scope, key, fp)
		if err != nil {
			return 0, Response{}, database.Translate(fmt.Errorf("insert idempotency key: %w", err))
		}
		if inserted == 1 {
			return Claimed, Response{}, nil
		}
		var rows []record
		err = db.Raw(`SELECT fingerprint, state, response_status, response_headers, response_body,
				created_at < now() - make_interval(secs => ?) AS expired,
				locked_at < now() - make_interval(secs => ?) AS abandoned
			FROM `+table+` WHERE scope = ? AND key = ?`, s.retention.Seconds(), s.lease.Seconds(), scope, key).
			Scan(&rows).Error
		if err != nil {
			return 0, Response{}, database.Translate(fmt.Errorf("read idempotency key: %w", err))
		}
		if len(rows) == 0 {
			continue // deleted between the two statements: insert again
		}
		r := rows[0]
		switch {
		case r.Expired:
			if err := s.delete(ctx, scope, key, "created_at < now() - make_interval(secs => ?)", s.retention.Seconds()); err != nil {
				return 0, Response{}, err
			}
			continue
		case r.Fingerprint != fp:
			return Reused, Response{}, nil
		case r.State == "completed":
			resp, err := r.response()
			return Completed, resp, err
		case r.Abandoned:
			taken, err := s.takeOver(ctx, scope, key)
			if err != nil || taken {
				return Claimed, Response{}, err
			}
			return InFlight, Response{}, nil
		default:
			return InFlight, Response{}, nil
		}
	}
	return InFlight, Response{}, nil
}

// takeOver claims a started record whose lease ran out, unless another
// request took it over first.
func (s *Store) takeOver(ctx context.Context, scope, key string) (bool, error) {
	res := s.db.WithContext(ctx).Exec(`UPDATE `+table+` SET locked_at = now()
		WHERE scope = ? AND key = ? AND state = 'started' AND locked_at < now() - make_interval(secs => ?)`,
		scope, key, s.lease.Seconds())
	if res.Error != nil {
		return false, database.Translate(fmt.Errorf("take over idempotency key: %w", res.Error))
	}
	return res.RowsAffected == 1, nil
}

// Complete records the outcome of the claimed (scope, key). Called with
// the unit of work's context, it commits or rolls back with the request's
// side effects.
func (s *Store) Complete(ctx context.Context, scope, key string, r Response) error {
	headers, err := json.Marshal(r.Headers)
	if err != nil {
		return fmt.Errorf("encode response headers: %w", err)
	}
	n, err := database.Exec(ctx, s.db, `UPDATE `+table+` SET state = 'completed', completed_at = now(),
			response_status = $1, response_headers = $2, response_body = $3
		WHERE scope = $4 AND key = $5 AND state = 'started'`, r.Status, string(headers), r.Body, scope, key)
	if err != nil {
		return database.Translate(fmt.Errorf("complete idempotency key: %w", err))
	}
	if n != 1 {
		return errors.New("complete idempotency key: the claim was lost")
	}
	return nil
}

// Release deletes the claimed, uncompleted (scope, key), so that a retry
// with the same key runs again (after a 5xx, a 429 or a panic).
func (s *Store) Release(ctx context.Context, scope, key string) error {
	return s.delete(ctx, scope, key, "state = 'started'")
}

// DeleteExpired deletes up to batch records older than the retention and
// returns how many it deleted.
func (s *Store) DeleteExpired(ctx context.Context, batch int) (int64, error) {
	res := s.db.WithContext(ctx).Exec(`DELETE FROM `+table+` WHERE ctid IN (
		SELECT ctid FROM `+table+` WHERE created_at < now() - make_interval(secs => ?) LIMIT ?)`,
		s.retention.Seconds(), batch)
	if res.Error != nil {
		return 0, database.Translate(fmt.Errorf("delete expired idempotency keys: %w", res.Error))
	}
	return res.RowsAffected, nil
}

func (s *Store) delete(ctx context.Context, scope, key, cond string, args ...any) error {
	args = append([]any{scope, key}, args...)
	err := s.db.WithContext(ctx).Exec(`DELETE FROM `+table+` WHERE scope = ? AND key = ? AND `+cond, args...).Error
	if err != nil {
		return database.Translate(fmt.Errorf("delete idempotency key: %w", err))
	}
	return nil
}

func (r record) response() (Response, error) {
	resp := Response{Body: r.ResponseBody}
	if r.ResponseStatus != nil {
		resp.Status = *r.ResponseStatus
	}
	if len(r.ResponseHeaders) > 0 {
		if err := json.Unmarshal(r.ResponseHeaders, &resp.Headers); err != nil {
			return Response{}, fmt.Errorf("decode recorded headers: %w", err)
		}
	}
	return resp, nil
}
