package maintenance

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/timestamp"
)

// The limits of a change.
const (
	// DefaultRetryAfter is the Retry-After of a mode turned on without one.
	DefaultRetryAfter = 5 * time.Minute
	// MaxRetryAfter bounds Retry-After: a client told to wait longer would
	// rather give up.
	MaxRetryAfter = 24 * time.Hour
	// MaxReasonLen bounds the reason, in characters.
	MaxReasonLen = 500
)

// The audit-log actions of a change, on the entity type EntityType whose
// id is the flag's Redis key (which names the deployment's keyspace).
const (
	ActionEnabled  = "maintenance.enabled"
	ActionDisabled = "maintenance.disabled"
	EntityType     = "maintenance_mode"
)

// Change is what an operator asks for.
type Change struct {
	Enabled bool
	// RetryAfter is sent with every refused mutation: the operator's
	// estimate of the window. Zero means DefaultRetryAfter; whole seconds
	// from 1 s to MaxRetryAfter. Ignored when turning the mode off.
	RetryAfter time.Duration
	// Reason is required to turn the mode on (what the window is for) and
	// optional to turn it off; up to MaxReasonLen characters of text.
	Reason string
}

// Transactor is the unit of work as Service needs it (*database.UnitOfWork).
type Transactor interface {
	Do(ctx context.Context, fn func(ctx context.Context) error) error
}

// Service changes the mode and records each change as an audit-log event; the
// admin endpoint and `zebra maintenance` both go through it.
type Service struct {
	sw  *Switch
	tx  Transactor
	rec auditlog.Recorder
	log *zap.Logger
	now func() time.Time
}

// NewService returns the service over sw, recording through rec in tx's
// transactions. log may be nil; now is the clock (nil: time.Now).
func NewService(sw *Switch, tx Transactor, rec auditlog.Recorder, log *zap.Logger, now func() time.Time) *Service {
	if log == nil {
		log = zap.NewNop()
	}
	return &Service{sw: sw, tx: tx, rec: rec, log: log, now: now}
}

// State reads the mode from Redis; 503 unavailable when Redis does not
// answer.
func (s *Service) State(ctx context.Context) (State, error) {
	st, err := s.sw.State(ctx)
	if err != nil {
		return State{}, apperr.Unavailable(err)
	}
	return st, nil
}

// Set applies c on behalf of actor (a principal's Actor(), or cli:<name>)
// and returns the new state. The audit-log event (before, after, reason)
// and the flag are written together: the flag just before the transaction
// that holds the event commits, so that a flag Redis refuses rolls the
// event back, and put back as it was if that commit fails, so neither a
// change without its record nor a record of a change that did not happen
// is left behind. Inside a caller's unit of work (the idempotent PUT),
// Set joins it and the flag is written just before that one commits; a
// failure of that COMMIT itself (after every statement succeeded) leaves
// the flag written and answers 5xx, and the retry records the change. Setting the mode to what
// it already is records a change all the same (a new reason or
// Retry-After is one). Invalid input is 422 validation_failed naming the
// field; Redis unreachable is 503 unavailable.
func (s *Service) Set(ctx context.Context, actor string, c Change) (State, error) {
	if strings.TrimSpace(actor) == "" {
		return State{}, errNoActor
	}
	if err := c.validate(); err != nil {
		return State{}, err
	}
	prev, err := s.sw.State(ctx)
	if err != nil {
		return State{}, apperr.Unavailable(err)
	}
	next := State{Enabled: c.Enabled, Reason: strings.TrimSpace(c.Reason), ChangedBy: actor, ChangedAt: timestamp.Now(s.now)}
	action := ActionDisabled
	if c.Enabled {
		action = ActionEnabled
		next.RetryAfter = c.RetryAfter
		if next.RetryAfter == 0 {
			next.RetryAfter = DefaultRetryAfter
		}
	}
	stored := false
	err = s.tx.Do(ctx, func(ctx context.Context) error {
		if err := s.rec.Record(ctx, auditlog.Event{
			OccurredAt: next.ChangedAt,
			Actor:      actor,
			Action:     action,
			EntityType: EntityType,
			EntityID:   s.sw.Key(),
			Before:     prev.Document(),
			After:      next.Document(),
			Metadata:   map[string]any{"reason": next.Reason},
		}); err != nil {
			return err
		}
		// The flag is written last, after the recorder's own before-commit
		// work (the event's append), right before the COMMIT.
		if err := database.BeforeCommit(ctx, func(ctx context.Context) error {
			if err := s.sw.store(ctx, next); err != nil {
				return apperr.Unavailable(err)
			}
			stored = true
			return nil
		}); err != nil {
			return err
		}
		database.AfterCommit(ctx, func(context.Context) {
			s.log.Info("maintenance mode changed", zap.String("action", action), zap.String("actor", actor),
				zap.String("reason", next.Reason), zap.Duration("retryAfter", next.RetryAfter))
		})
		return nil
	})
	if err != nil {
		if stored {
			s.restore(prev, err)
		}
		return State{}, err
	}
	return next, nil
}

// restore puts prev back after the change's record failed to commit.
func (s *Service) restore(prev State, cause error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.sw.store(ctx, prev); err != nil {
		s.log.Error("maintenance mode: the change was not recorded and could not be undone; set it again",
			zap.NamedError("recordError", cause), zap.Error(err))
	}
}

// validate reports every invalid field of c in one 422.
func (c Change) validate() error {
	var fields []apperr.FieldError
	reason := strings.TrimSpace(c.Reason)
	switch {
	case c.Enabled && reason == "":
		fields = append(fields, apperr.FieldError{Field: "reason", Message: "is required to turn maintenance mode on: say what the window is for"})
	case utf8.RuneCountInString(reason) > MaxReasonLen:
		fields = append(fields, apperr.FieldError{Field: "reason", Message: "must be at most 500 characters"})
	case !utf8.ValidString(reason) || strings.IndexFunc(reason, unicode.IsControl) >= 0:
		fields = append(fields, apperr.FieldError{Field: "reason", Message: "must be text without control characters"})
	}
	if c.Enabled && (c.RetryAfter < 0 || c.RetryAfter > MaxRetryAfter || c.RetryAfter%time.Second != 0) {
		fields = append(fields, apperr.FieldError{Field: "retryAfterSeconds", Message: "must be whole seconds from 1 to 86400"})
	}
	if len(fields) > 0 {
		return apperr.Validation(fields...)
	}
	return nil
}

// errNoActor guards against a change nobody would be accountable for.
var errNoActor = errors.New("maintenance: a change needs an actor")
