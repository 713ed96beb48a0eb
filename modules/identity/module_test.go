package identity_test

import (
	"context"
	"sync"
	"testing"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/zebralabs/zebra/modules/identity"
	"github.com/zebralabs/zebra/platform"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/migrate"
	"github.com/zebralabs/zebra/platform/redistest"
)

// recorder stands in for the audit module, which identity does not import.
type recorder struct {
	mu     sync.Mutex
	events []auditlog.Event
}

func (r *recorder) Record(_ context.Context, e auditlog.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	return nil
}

// TestModuleStartsAndStops assembles identity on the real platform, starts
// and stops it, and uses the public Accounts and auth.Verifier it provides.
func TestModuleStartsAndStops(t *testing.T) {
	dbURL := dbtest.URL(t, migrate.Embedded("identity"))
	rcfg := redistest.Config(t)
	for k, v := range map[string]string{
		"APP_ENV": "test", "HTTP_ADDR": "127.0.0.1:0", "DATABASE_URL": dbURL,
		"REDIS_URL": rcfg.URL, "REDIS_PREFIX": rcfg.Prefix, "ARGON2_MEMORY_KIB": "8192", "ARGON2_ITERATIONS": "1",
	} {
		t.Setenv(k, v)
	}
	rec := &recorder{}
	var (
		accounts identity.Accounts
		verifier auth.Verifier
	)
	app := fxtest.New(t,
		fx.NopLogger,
		platform.Module,
		fx.Provide(auditlog.AsRecorder(func() auditlog.Recorder { return rec })),
		identity.Module,
		fx.Populate(&accounts, &verifier),
	)
	app.RequireStart()
	defer app.RequireStop()

	ctx := context.Background()
	id, err := accounts.EnsureUser(ctx, "Boot@Example.com", "bootstrap password", "Boot", []auth.Role{auth.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	again, err := accounts.EnsureUser(ctx, "boot@example.com", "another password!", "", []auth.Role{auth.RoleAdmin})
	if err != nil || again != id {
		t.Fatalf("EnsureUser is not idempotent: %v %v", again, err)
	}
	if _, err := verifier.Verify(ctx, "not-a-token"); err == nil {
		t.Fatal("verifier accepted garbage")
	}
	if len(rec.events) != 1 || rec.events[0].Action != "user.created" {
		t.Fatalf("audit %+v", rec.events)
	}
}
