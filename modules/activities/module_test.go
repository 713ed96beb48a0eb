package activities_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/modules/activities"
	"github.com/zebralabs/zebra/modules/activities/internal/permission"
	"github.com/zebralabs/zebra/modules/activities/internal/postgres"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/background"
	"github.com/zebralabs/zebra/platform/blob"
	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/httpserver"
	"github.com/zebralabs/zebra/platform/idempotency"
	"github.com/zebralabs/zebra/platform/migrate"
	"github.com/zebralabs/zebra/platform/outbox"
	"github.com/zebralabs/zebra/platform/redistest"
	"github.com/zebralabs/zebra/platform/stream"
)

type recorder struct {
	events []auditlog.Event
	fail   error
}

func (r *recorder) Record(_ context.Context, e auditlog.Event) error {
	if r.fail != nil {
		return r.fail
	}
	r.events = append(r.events, e)
	return nil
}

type publisher struct{ events []outbox.Event }

func (p *publisher) Publish(_ context.Context, events ...outbox.Event) error {
	p.events = append(p.events, events...)
	return nil
}

// TestModuleStartsAndServesItsFacade assembles activities.Module over real
// Postgres and Redis with fakes for the audit and outbox ports (which other
// modules provide), starts and stops it, and checks what it contributes:
// its schema source, its routes and a working facade.
func TestModuleStartsAndServesItsFacade(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, postgres.SchemaSource())
	rdb, keys := redistest.New(t)
	rec, pub := &recorder{}, &publisher{}
	var (
		facade activities.Activities
		in     struct {
			fx.In
			Routes  []httpserver.Routes `group:"routes"`
			Sources []migrate.Source    `group:"schema"`
			Jobs    []background.Job    `group:"jobs"`
		}
	)
	app := fxtest.New(t,
		fx.Supply(db, rdb, keys, config.Config{}),
		fx.Provide(
			database.NewUnitOfWork,
			func() prometheus.Registerer { return prometheus.NewRegistry() },
			func() blob.Store { return blob.Disabled{} },
			zap.NewNop,
			stream.NewMetrics,
			func() auditlog.Recorder { return rec },
			func() outbox.Publisher { return pub },
			func(uow *database.UnitOfWork) *idempotency.Keys {
				return idempotency.New(idempotency.NewStore(db, 0, 0), uow)
			},
		),
		activities.Module,
		fx.Populate(&facade, &in),
	)
	app.RequireStart()
	defer app.RequireStop()

	if len(in.Routes) != 1 || len(in.Sources) != 1 || in.Sources[0].Owner != "activities" {
		t.Fatalf("routes=%d sources=%v", len(in.Routes), in.Sources)
	}
	if len(in.Jobs) != 1 || in.Jobs[0].Name() != "stream-consumer:"+keys.Key("events", "attachment")+":attachment-objects" {
		t.Fatalf("jobs = %v, want the attachment cleanup", in.Jobs)
	}
	owner := uuid.Must(uuid.NewV7())
	ctx := auth.WithPrincipal(context.Background(), auth.NewPrincipal(owner, []auth.Role{auth.RoleMember}, permission.Grants))
	if _, err := facade.Create(ctx, activities.NewActivity{Title: "Through the facade"}); err != nil {
		t.Fatalf("Create: %v", err)
	}
	if n, err := facade.CountOwn(ctx); err != nil || n != 1 {
		t.Fatalf("CountOwn = %d, %v", n, err)
	}
	if len(rec.events) != 1 || len(pub.events) != 1 {
		t.Fatalf("audit=%d outbox=%d, want 1 each", len(rec.events), len(pub.events))
	}

	// One unit of work: when the audit event cannot be written, the
	// activity is not created either.
	rec.fail = errors.New("audit store down")
	if _, err := facade.Create(ctx, activities.NewActivity{Title: "Never stored"}); !errors.Is(err, rec.fail) {
		t.Fatalf("Create with a failing recorder: %v", err)
	}
	var n int64
	if err := db.Table("activities.activities").Where("title = ?", "Never stored").Count(&n).Error; err != nil || n != 0 {
		t.Fatalf("%d activities stored without their audit event (%v)", n, err)
	}
}
