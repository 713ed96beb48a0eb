// Package maintenance is the service's read-only maintenance mode: one
// flag in Redis, under REDIS_PREFIX, that every replica sharing that
// keyspace reads. While it is on, the HTTP server refuses every mutation
// with 503 maintenance and Retry-After (httpserver.ReadOnlyMode), reads go
// on, and GET /readyz reports "maintenance":"on" while staying ready. An
// operator turns it on and off with `zebra maintenance on|off` or
// PUT /v1/admin/maintenance (Permission, granted to admins); both go
// through Service, which records every change as an audit-log event with who,
// when and why.
//
// The flag is read from Redis on every mutation, never cached: a GET costs
// about as much as the rate limiter's own round trip, which every request
// already pays, and it makes the switch exact: once `on` has returned, no
// replica admits another mutation (those already admitted finish, within
// HTTP_REQUEST_TIMEOUT). Reads never look at the flag. See
// docs/reliability.md, "Maintenance mode".
package maintenance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform/redisdb"
	"github.com/zebralabs/zebra/platform/timestamp"
)

// State is the mode as stored: whether mutations are refused, the
// Retry-After their refusal sends, and the last change (who, when, why).
type State struct {
	Enabled    bool
	RetryAfter time.Duration
	Reason     string
	// ChangedBy is the actor of the last change (a user id, or cli:<name>
	// for the command line); empty when the mode was never set.
	ChangedBy string
	// ChangedAt is when; zero when the mode was never set.
	ChangedAt time.Time
}

// Document is State on the wire: the value stored in Redis, the body of
// GET and PUT /v1/admin/maintenance, and what `zebra maintenance` prints.
type Document struct {
	Enabled           bool    `json:"enabled" doc:"true: every mutation (POST, PUT, PATCH, DELETE) but this endpoint answers 503 maintenance; reads work."`
	RetryAfterSeconds int     `json:"retryAfterSeconds" doc:"The Retry-After (seconds) refused mutations carry; 0 when off."`
	Reason            string  `json:"reason" doc:"Why the mode was last changed, as the operator wrote it."`
	ChangedBy         *string `json:"changedBy" nullable:"true" doc:"Who changed it last: a user id, or cli:<name> for zebra maintenance; null if never set."`
	ChangedAt         *string `json:"changedAt" nullable:"true" format:"date-time" doc:"When it was changed last (RFC 3339, UTC, milliseconds); null if never set."`
}

// Document returns s on the wire.
func (s State) Document() Document {
	d := Document{Enabled: s.Enabled, RetryAfterSeconds: int(s.RetryAfter / time.Second), Reason: s.Reason}
	if s.ChangedBy != "" {
		by := s.ChangedBy
		d.ChangedBy = &by
	}
	if !s.ChangedAt.IsZero() {
		at := timestamp.Format(s.ChangedAt)
		d.ChangedAt = &at
	}
	return d
}

// state parses a stored document.
func (d Document) state() (State, error) {
	s := State{Enabled: d.Enabled, RetryAfter: time.Duration(d.RetryAfterSeconds) * time.Second, Reason: d.Reason}
	if d.ChangedBy != nil {
		s.ChangedBy = *d.ChangedBy
	}
	if d.ChangedAt != nil {
		at, err := time.Parse(time.RFC3339Nano, *d.ChangedAt)
		if err != nil {
			return State{}, fmt.Errorf("changedAt: %w", err)
		}
		s.ChangedAt = at.UTC()
	}
	return s, nil
}

// ErrUnreadable wraps every failure to read the flag from Redis.
var ErrUnreadable = errors.New("maintenance flag unreadable")

// Switch reads and writes the flag in Redis. It implements
// httpserver.ReadOnlyMode, and is safe for concurrent use.
type Switch struct {
	rdb     redis.Cmdable
	key     string
	log     *zap.Logger
	timeout time.Duration
	backoff time.Duration

	// downUntil is the UnixNano until which Redis is presumed down after a
	// failure, so that an outage costs one timeout per backoff period on
	// the request path instead of one per mutation.
	downUntil atomic.Int64
	// last is the state last read or written: what the request path
	// answers from while Redis cannot.
	last    atomic.Pointer[State]
	failing atomic.Bool
}

// Request-path bounds of a flag read, as the rate limiter's: a slow Redis
// delays a mutation by at most hotTimeout, and after a failure the flag is
// not read again for hotBackoff.
const (
	hotTimeout = 250 * time.Millisecond
	hotBackoff = time.Second
)

// NewSwitch returns the switch of keyspace ks (the key <REDIS_PREFIX>maintenance)
// over rdb. It does no I/O; log may be nil.
func NewSwitch(rdb redis.Cmdable, ks redisdb.Keyspace, log *zap.Logger) *Switch {
	if log == nil {
		log = zap.NewNop()
	}
	return &Switch{rdb: rdb, key: ks.Key("maintenance"), log: log, timeout: hotTimeout, backoff: hotBackoff}
}

// Key is the Redis key of the flag.
func (s *Switch) Key() string { return s.key }

// State reads the flag from Redis: the zero State (off) when it was never
// set, an error wrapping ErrUnreadable when Redis does not answer or the
// value does not parse.
func (s *Switch) State(ctx context.Context) (State, error) {
	raw, err := s.rdb.Get(ctx, s.key).Bytes()
	var st State
	switch {
	case errors.Is(err, redis.Nil):
	case err != nil:
		return State{}, fmt.Errorf("%w: read %s: %w", ErrUnreadable, s.key, err)
	default:
		var d Document
		if err := json.Unmarshal(raw, &d); err != nil {
			return State{}, fmt.Errorf("%w: %s holds %q: %w", ErrUnreadable, s.key, raw, err)
		}
		if st, err = d.state(); err != nil {
			return State{}, fmt.Errorf("%w: %s: %w", ErrUnreadable, s.key, err)
		}
	}
	s.remember(st)
	return st, nil
}

// Current is the state for the request path: read from Redis within a
// short timeout, or, when Redis does not answer (or failed less than a
// second ago), the last state this process read or wrote, off if none.
// An outage therefore neither opens writes that were closed nor closes
// writes that were open. The first failure and the recovery are logged.
func (s *Switch) Current(ctx context.Context) State {
	if until := s.downUntil.Load(); until != 0 && time.Now().UnixNano() < until {
		return s.lastKnown()
	}
	tctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	st, err := s.State(tctx)
	if err != nil {
		if ctx.Err() == nil { // Redis failed, not the caller
			s.downUntil.Store(time.Now().Add(s.backoff).UnixNano())
			if s.failing.CompareAndSwap(false, true) {
				s.log.Error("maintenance flag unreadable: answering from the last state read", zap.Bool("readOnly", s.lastKnown().Enabled), zap.Error(err))
			}
		}
		return s.lastKnown()
	}
	s.downUntil.Store(0)
	if s.failing.CompareAndSwap(true, false) {
		s.log.Info("maintenance flag readable again")
	}
	return st
}

// ReadOnly implements httpserver.ReadOnlyMode from Current.
func (s *Switch) ReadOnly(ctx context.Context) (bool, time.Duration) {
	st := s.Current(ctx)
	return st.Enabled, st.RetryAfter
}

// Enabled reports whether the mode is on, from Current: what GET /readyz
// reports.
func (s *Switch) Enabled(ctx context.Context) bool { return s.Current(ctx).Enabled }

// store writes st; the key never expires (a mode an operator turned on
// stays on until one turns it off).
func (s *Switch) store(ctx context.Context, st State) error {
	b, err := json.Marshal(st.Document())
	if err != nil {
		return err
	}
	if err := s.rdb.Set(ctx, s.key, b, 0).Err(); err != nil {
		return fmt.Errorf("write %s: %w", s.key, err)
	}
	s.remember(st)
	return nil
}

// remember keeps st as the last known state and logs when this process
// sees the mode change, so every replica's log says when it began and
// stopped refusing mutations.
func (s *Switch) remember(st State) {
	prev := s.last.Swap(&st)
	if prev != nil && prev.Enabled == st.Enabled || prev == nil && !st.Enabled {
		return
	}
	if st.Enabled {
		s.log.Warn("read-only maintenance mode is on: mutations answer 503 maintenance",
			zap.String("reason", st.Reason), zap.String("changedBy", st.ChangedBy), zap.Duration("retryAfter", st.RetryAfter))
		return
	}
	s.log.Info("read-only maintenance mode is off: mutations are accepted again", zap.String("changedBy", st.ChangedBy))
}

func (s *Switch) lastKnown() State {
	if st := s.last.Load(); st != nil {
		return *st
	}
	return State{}
}
