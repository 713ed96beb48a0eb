package idempotency

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/zebralabs/zebra/platform/database"
)

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

// record is a row of platform.idempotency_keys as Claim reads it, with
// its age judged by the database's clock, the one that wrote it.
type record struct {
	Fingerprint     string
	State           string
	ResponseStatus  *int
	ResponseHeaders []byte
	ResponseBody    []byte
	Expired         bool `gorm:"->"`
	Abandoned       bool `gorm:"->"`
}

// TableName implements gorm's tabler (schema/platform.hcl).
func (record) TableName() string { return "platform.idempotency_keys" }

// Claim tries to own (scope, key) for a request with fingerprint fp. The
// "started" row is inserted in a statement of its own, outside any unit
// of work and committed at once, so that concurrent duplicates see it
// while the request runs; exactly one of them inserts it.
func (s *Store) Claim(ctx context.Context, scope, key, fp string) (Outcome, Response, error) {
	db := s.db.WithContext(ctx)
	for range 3 {
		res := db.Model(&record{}).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "scope"}, {Name: "key"}}, DoNothing: true}).Create(map[string]any{
			"scope": scope, "key": key, "fingerprint": fp, "state": "started", "locked_at": gorm.Expr("now()"),
		})
		if res.Error != nil {
			return 0, Response{}, database.Translate(fmt.Errorf("insert idempotency key: %w", res.Error))
		}
		if res.RowsAffected == 1 {
			return Claimed, Response{}, nil
		}
		var r record
		err := db.Model(&record{}).
			Select("fingerprint, state, response_status, response_headers, response_body, "+
				"created_at < now() - make_interval(secs => ?) AS expired, locked_at < now() - make_interval(secs => ?) AS abandoned",
				s.retention.Seconds(), s.lease.Seconds()).
			Where("scope = ? AND key = ?", scope, key).Take(&r).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			continue // deleted between the two statements: insert again
		}
		if err != nil {
			return 0, Response{}, database.Translate(fmt.Errorf("read idempotency key: %w", err))
		}
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
// request took it over first (a compare-and-set on locked_at).
func (s *Store) takeOver(ctx context.Context, scope, key string) (bool, error) {
	res := s.db.WithContext(ctx).Model(&record{}).
		Where("scope = ? AND key = ? AND state = 'started' AND locked_at < now() - make_interval(secs => ?)", scope, key, s.lease.Seconds()).
		Update("locked_at", gorm.Expr("now()"))
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
	res := database.Conn(ctx, s.db).Model(&record{}).
		Where("scope = ? AND key = ? AND state = 'started'", scope, key).
		Updates(map[string]any{
			"state": "completed", "completed_at": gorm.Expr("now()"),
			"response_status": r.Status, "response_headers": string(headers), "response_body": r.Body,
		})
	if res.Error != nil {
		return database.Translate(fmt.Errorf("complete idempotency key: %w", res.Error))
	}
	if res.RowsAffected != 1 {
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
	db := s.db.WithContext(ctx)
	expired := db.Model(&record{}).Select("ctid").
		Where("created_at < now() - make_interval(secs => ?)", s.retention.Seconds()).Limit(batch)
	res := db.Where("ctid IN (?)", expired).Delete(&record{})
	if res.Error != nil {
		return 0, database.Translate(fmt.Errorf("delete expired idempotency keys: %w", res.Error))
	}
	return res.RowsAffected, nil
}

func (s *Store) delete(ctx context.Context, scope, key, cond string, args ...any) error {
	err := s.db.WithContext(ctx).Where("scope = ? AND key = ?", scope, key).Where(cond, args...).Delete(&record{}).Error
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
