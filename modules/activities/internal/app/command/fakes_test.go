package command_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/app/command"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity/activitytest"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/attachment"
	"github.com/zebralabs/zebra/modules/activities/internal/permission"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/blob"
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

// fakeAttachments is an in-memory attachment.Repository whose parents
// are the activities of the fixture's repository.
type fakeAttachments struct {
	mu       sync.Mutex
	activity *activitytest.Memory
	rows     map[uuid.UUID]attachment.State
	outTx    int
}

func (f *fakeAttachments) LockParent(ctx context.Context, id uuid.UUID) (attachment.Parent, error) {
	var parent attachment.Parent
	err := f.activity.Update(ctx, id, func(a *activity.Activity) error {
		parent = attachment.Parent{ID: a.ID(), OwnerID: a.OwnerID()}
		return nil
	})
	if errors.Is(err, activity.ErrNotFound) {
		return attachment.Parent{}, attachment.ErrNotFound
	}
	return parent, err
}

func (f *fakeAttachments) Add(ctx context.Context, a *attachment.Attachment) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !inTx(ctx) {
		f.outTx++
	}
	f.rows[a.ID()] = a.State()
	return nil
}

func (f *fakeAttachments) Update(ctx context.Context, activityID, id uuid.UUID, fn func(*attachment.Attachment) error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.rows[id]
	if !ok || s.ActivityID != activityID {
		return attachment.ErrNotFound
	}
	a := attachment.Rebuild(s)
	if err := fn(a); err != nil {
		return err
	}
	if a.Deleted() {
		delete(f.rows, id)
	} else {
		f.rows[id] = a.State()
	}
	return nil
}

func (f *fakeAttachments) DeleteAll(_ context.Context, activityID uuid.UUID) ([]*attachment.Attachment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*attachment.Attachment
	for id, s := range f.rows {
		if s.ActivityID == activityID {
			out = append(out, attachment.Rebuild(s))
			delete(f.rows, id)
		}
	}
	return out, nil
}

// fakeObjects stands in for object storage: presigning is signing, and
// stat answers what the test put in stored.
type fakeObjects struct {
	mu     sync.Mutex
	stored map[string]blob.Info
	err    error
}

func (f *fakeObjects) PresignPut(_ context.Context, key string, size int64, expiry time.Duration, opts blob.PutOptions) (blob.Presigned, error) {
	if f.err != nil {
		return blob.Presigned{}, f.err
	}
	return blob.Presigned{Method: http.MethodPut, URL: "https://storage.test/" + key, ExpiresAt: time.Now().Add(expiry),
		Headers: map[string][]string{"Content-Type": {opts.ContentType}, "Content-Length": {fmt.Sprint(size)}}}, nil
}

func (f *fakeObjects) Stat(_ context.Context, key string) (blob.Info, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return blob.Info{}, f.err
	}
	info, ok := f.stored[key]
	if !ok {
		return blob.Info{}, blob.ErrNotFound
	}
	return info, nil
}

type fixture struct {
	attachments *fakeAttachments
	objects     *fakeObjects
	repo        *activitytest.Memory
	uow         *fakeUoW
	audit       *fakeAudit
	outbox      *fakeOutbox
	deps        command.Deps
	now         time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{
		repo: activitytest.NewMemory(), uow: &fakeUoW{}, audit: &fakeAudit{}, outbox: &fakeOutbox{},
		now: time.Date(2026, 11, 26, 10, 4, 5, 123456789, time.UTC),
	}
	f.attachments = &fakeAttachments{activity: f.repo, rows: map[uuid.UUID]attachment.State{}}
	f.objects = &fakeObjects{stored: map[string]blob.Info{}}
	f.deps = command.Deps{
		UoW: f.uow, Activities: f.repo, Attachments: f.attachments, Objects: f.objects,
		Limits: command.Limits{MaxBytes: 1000, URLTTL: 15 * time.Minute}, Audit: f.audit, Outbox: f.outbox,
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
