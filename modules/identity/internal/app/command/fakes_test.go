package command_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/identity/internal/app/command"
	"github.com/zebralabs/zebra/modules/identity/internal/domain/token"
	"github.com/zebralabs/zebra/modules/identity/internal/domain/user"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/outbox"
)

// store is an in-memory implementation of every repository port. Its unit
// of work serialises commands and rolls back on error by restoring a copy,
// which is what the tests rely on from a real transaction.
type store struct {
	mu       sync.Mutex
	users    map[uuid.UUID]user.Snapshot
	families map[uuid.UUID]token.Family
	refresh  map[token.Hash]token.Refresh
	onetime  map[token.Hash]token.OneTime
	external map[string]uuid.UUID
	audit    []auditlog.Event
	events   []outbox.Event
}

func newStore() *store {
	return &store{
		users: map[uuid.UUID]user.Snapshot{}, families: map[uuid.UUID]token.Family{},
		refresh: map[token.Hash]token.Refresh{}, onetime: map[token.Hash]token.OneTime{},
		external: map[string]uuid.UUID{},
	}
}

type txKey struct{}

func (s *store) Do(ctx context.Context, fn func(context.Context) error) error {
	if ctx.Value(txKey{}) != nil {
		return fn(ctx)
	}
	s.mu.Lock()
	backup := s.copy()
	s.mu.Unlock()
	err := fn(context.WithValue(ctx, txKey{}, true))
	if err != nil {
		s.mu.Lock()
		s.restore(backup)
		s.mu.Unlock()
	}
	return err
}

func (s *store) copy() *store {
	c := newStore()
	for k, v := range s.users {
		c.users[k] = v
	}
	for k, v := range s.families {
		c.families[k] = v
	}
	for k, v := range s.refresh {
		c.refresh[k] = v
	}
	for k, v := range s.onetime {
		c.onetime[k] = v
	}
	for k, v := range s.external {
		c.external[k] = v
	}
	c.audit = append(c.audit, s.audit...)
	c.events = append(c.events, s.events...)
	return c
}

func (s *store) restore(c *store) {
	s.users, s.families, s.refresh, s.onetime, s.external = c.users, c.families, c.refresh, c.onetime, c.external
	s.audit, s.events = c.audit, c.events
}

// user.Repository

func (s *store) Add(_ context.Context, u *user.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := u.Snapshot()
	for _, o := range s.users {
		if snap.Email != "" && o.Email == snap.Email {
			return user.ErrEmailTaken
		}
	}
	s.users[snap.ID] = snap
	return nil
}

func (s *store) Get(_ context.Context, id uuid.UUID) (*user.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap, ok := s.users[id]
	if !ok {
		return nil, user.ErrNotFound
	}
	return user.FromSnapshot(snap)
}

func (s *store) ByEmail(_ context.Context, e user.Email) (*user.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, snap := range s.users {
		if snap.Email == e.String() {
			return user.FromSnapshot(snap)
		}
	}
	return nil, user.ErrNotFound
}

func (s *store) Update(ctx context.Context, id uuid.UUID, accepted []int, fn func(*user.User) error) (*user.User, error) {
	u, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if accepted != nil && !slices.Contains(accepted, u.Version()) {
		return nil, user.ErrStaleVersion
	}
	if err := fn(u); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.users[id] = u.Snapshot()
	s.mu.Unlock()
	return u, nil
}

// user.ExternalIdentities

func (s *store) UserByExternal(ctx context.Context, iss, sub string) (*user.User, error) {
	s.mu.Lock()
	id, ok := s.external[iss+"|"+sub]
	s.mu.Unlock()
	if !ok {
		return nil, user.ErrNotFound
	}
	return s.Get(ctx, id)
}

func (s *store) Link(_ context.Context, iss, sub string, id uuid.UUID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.external[iss+"|"+sub]; ok {
		return user.ErrExternalLinked
	}
	s.external[iss+"|"+sub] = id
	return nil
}

// token.RefreshRepository

func (s *store) AddFamily(_ context.Context, f *token.Family, first *token.Refresh) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.families[f.ID] = *f
	s.refresh[first.Hash] = *first
	return nil
}

func (s *store) ByHash(_ context.Context, h token.Hash) (*token.Family, *token.Refresh, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.refresh[h]
	if !ok {
		return nil, nil, token.ErrInvalid
	}
	f := s.families[t.FamilyID]
	return &f, &t, nil
}

func (s *store) SaveRotation(_ context.Context, f *token.Family, spent, next *token.Refresh) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.families[f.ID] = *f
	s.refresh[spent.Hash] = *spent
	if next != nil {
		s.refresh[next.Hash] = *next
	}
	return nil
}

func (s *store) SaveFamily(_ context.Context, f *token.Family) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.families[f.ID] = *f
	return nil
}

func (s *store) RevokeAll(_ context.Context, userID uuid.UUID, reason string, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, f := range s.families {
		if f.UserID == userID && f.Revoke(reason, now) {
			s.families[id] = f
			n++
		}
	}
	return n, nil
}

// token.OneTimeRepository

func (s *store) AddOneTime(_ context.Context, t *token.OneTime) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onetime[t.Hash] = *t
	return nil
}

func (s *store) OneTimeByHash(_ context.Context, p token.Purpose, h token.Hash) (*token.OneTime, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.onetime[h]
	if !ok || t.Purpose != p {
		return nil, token.ErrInvalid
	}
	return &t, nil
}

func (s *store) SaveOneTime(_ context.Context, t *token.OneTime) error {
	return s.AddOneTime(context.Background(), t)
}

func (s *store) SpendAll(_ context.Context, userID uuid.UUID, p token.Purpose, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for h, t := range s.onetime {
		if t.UserID == userID && t.Purpose == p && t.UsedAt == nil {
			u := now
			t.UsedAt = &u
			s.onetime[h] = t
		}
	}
	return nil
}

// auditlog.Recorder and outbox.Publisher

func (s *store) Record(_ context.Context, e auditlog.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.audit = append(s.audit, e)
	return nil
}

type publisher struct{ s *store }

func (p publisher) Publish(_ context.Context, events ...outbox.Event) error {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	p.s.events = append(p.s.events, events...)
	return nil
}

func (s *store) actions() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.audit))
	for i, e := range s.audit {
		out[i] = e.Action
	}
	return out
}

// hasher is a cheap, transparent stand-in for argon2id.
type hasher struct {
	mu    sync.Mutex
	burns int
}

func (*hasher) Hash(pw string) (string, error) { return "hashed:" + pw, nil }
func (*hasher) Verify(pw, enc string) (bool, error) {
	return enc != "" && enc == "hashed:"+pw, nil
}
func (h *hasher) Burn(string) { h.mu.Lock(); h.burns++; h.mu.Unlock() }

// tokens issues recognisable fake access tokens.
type tokens struct{}

func (tokens) Issue(id uuid.UUID, roles []string) (string, time.Duration, error) {
	return "access:" + id.String() + ":" + strings.Join(roles, ","), 15 * time.Minute, nil
}

// throttle locks after max failures per account.
type throttle struct {
	mu       sync.Mutex
	max      int
	failures map[string]int
}

func (t *throttle) Blocked(_ context.Context, account, _ string) (time.Duration, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.failures[account] >= t.max {
		return time.Minute, nil
	}
	return 0, nil
}

func (t *throttle) Failed(_ context.Context, account, _ string) ([]command.Lockout, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failures[account]++
	if t.failures[account] == t.max {
		return []command.Lockout{{Scope: "account", For: time.Minute}}, nil
	}
	return nil, nil
}

func (t *throttle) Succeeded(_ context.Context, account string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.failures, account)
	return nil
}

type fixture struct {
	s    *store
	h    *hasher
	th   *throttle
	now  time.Time
	deps command.Deps
}

func newFixture() *fixture {
	f := &fixture{s: newStore(), h: &hasher{}, th: &throttle{max: 3, failures: map[string]int{}},
		now: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}
	f.deps = command.Deps{
		UoW: f.s, Users: f.s, External: f.s, Refresh: f.s, OneTime: f.s,
		Hasher: f.h, Tokens: tokens{}, Throttle: f.th, Audit: f.s, Outbox: publisher{f.s},
		Policy: command.Policy{RefreshTTL: 24 * time.Hour, VerificationTTL: time.Hour, PasswordResetTTL: time.Hour},
		Now:    func() time.Time { return f.now },
	}
	return f
}
