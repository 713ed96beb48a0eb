package command_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/app/command"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity/activitytest"
	"github.com/zebralabs/zebra/modules/activities/internal/permission"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/outbox"
)

type txKey struct{}

// fakeUoW marks the context so fakes can check they ran inside it.
type fakeUoW struct{ calls int }

func (u *fakeUoW) Do(ctx context.Context, fn func(context.Context) error) error {
	u.calls++
	return fn(context.WithValue(ctx, txKey{}, true))
}

func inTx(ctx context.Context) bool { v, _ := ctx.Value(txKey{}).(bool); return v }

type fakeAudit struct {
	mu     sync.Mutex
	events []auditlog.Event
	outTx  int
}

func (f *fakeAudit) Record(ctx context.Context, e auditlog.Event) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !inTx(ctx) {
		f.outTx++
	}
	f.events = append(f.events, e)
	return nil
}

type fakeOutbox struct {
	mu     sync.Mutex
	events []outbox.Event
	outTx  int
}

func (f *fakeOutbox) Publish(ctx context.Context, events ...outbox.Event) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !inTx(ctx) {
		f.outTx++
	}
	f.events = append(f.events, events...)
	return nil
}

func (f *fakeOutbox) types() []string {
	var ts []string
	for _, e := range f.events {
		ts = append(ts, e.Type)
	}
	return ts
}

type fixture struct {
	repo   *activitytest.Memory
	uow    *fakeUoW
	audit  *fakeAudit
	outbox *fakeOutbox
	deps   command.Deps
	now    time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{
		repo: activitytest.NewMemory(), uow: &fakeUoW{}, audit: &fakeAudit{}, outbox: &fakeOutbox{},
		now: time.Date(2026, 11, 26, 10, 4, 5, 123456789, time.UTC),
	}
	f.deps = command.Deps{
		UoW: f.uow, Activities: f.repo, Audit: f.audit, Outbox: f.outbox,
		Now: func() time.Time { return f.now },
	}
	return f
}

var (
	alice   = auth.NewPrincipal(uuid.Must(uuid.NewV7()), []auth.Role{auth.RoleMember}, permission.Grants)
	bob     = auth.NewPrincipal(uuid.Must(uuid.NewV7()), []auth.Role{auth.RoleMember}, permission.Grants)
	admin   = auth.NewPrincipal(uuid.Must(uuid.NewV7()), []auth.Role{auth.RoleAdmin}, permission.Grants)
	auditor = auth.NewPrincipal(uuid.Must(uuid.NewV7()), []auth.Role{auth.RoleAuditor}, permission.Grants)
)

func as(p auth.Principal) context.Context { return auth.WithPrincipal(context.Background(), p) }

// create makes an activity owned by p and forgets the events it wrote.
func (f *fixture) create(t *testing.T, p auth.Principal) uuid.UUID {
	t.Helper()
	v, err := command.NewCreateActivityHandler(f.deps).Handle(as(p), command.CreateActivity{Title: "Walk"})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	f.audit.events, f.outbox.events = nil, nil
	return v.ID
}

func ptr[T any](v T) *T { return &v }
