package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/modules/activities"
	"github.com/zebralabs/zebra/modules/identity"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/requestid"
)

const seedUsage = `usage: zebra seed [--password P] [--activities N]
    create demo users (admin@zebra.test, alice@zebra.test, bob@zebra.test,
    all with password P) and activities (N for each member, N/4 for the
    admin) through the same use cases as the API; running it again only
    tops up what is missing and says what already existed`

// seedUser is one demo account.
type seedUser struct {
	email, name string
	role        auth.Role
	// share of the --activities count this user gets, in quarters.
	quarters int
}

var seedUsers = []seedUser{
	{"admin@zebra.test", "Demo Admin", auth.RoleAdmin, 1},
	{"alice@zebra.test", "Alice Member", auth.RoleMember, 4},
	{"bob@zebra.test", "Bob Member", auth.RoleMember, 4},
}

// seedCommand runs `zebra seed`. It needs Postgres with the schema applied;
// it refuses to run with APP_ENV=prod.
func seedCommand(args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	password := fs.String("password", "zebra-demo-password", "password of every demo user (12..128 characters)")
	perMember := fs.Int("activities", 160, "activities per member")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || *perMember < 0 || *perMember > 100_000 {
		return &usageError{seedUsage}
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	if cfg.IsProd() {
		return fmt.Errorf("zebra seed: refusing to create demo users with APP_ENV=prod")
	}
	return withCommandDB(cfg, "seed", func(ctx context.Context, db *gorm.DB) error {
		return runSeed(ctx, cfg, db, *password, *perMember, os.Stdout)
	})
}

// runSeed is seedCommand with its inputs explicit, for tests. It goes
// through identity's and activities' facades (and so the audit recorder and
// outbox they write through) over db, without the HTTP server or
// background jobs. Seeding never reads through the cache nor dials Redis.
func runSeed(ctx context.Context, cfg config.Config, db *gorm.DB, password string, perMember int, out io.Writer) error {
	var (
		accounts identity.Accounts
		acts     activities.Activities
		policy   *auth.Policy
	)
	if err := assembleOver(cfg, db, &accounts, &acts, &policy); err != nil {
		return err
	}
	ctx = requestid.With(ctx, "seed-"+uuid.NewString())
	for _, u := range seedUsers {
		id, err := accounts.EnsureUser(ctx, u.email, password, u.name, []auth.Role{u.role})
		if err != nil {
			return fmt.Errorf("seed user %s: %w", u.email, err)
		}
		asUser := auth.WithPrincipal(ctx, policy.Bind(auth.Principal{UserID: id, Roles: []auth.Role{u.role}}))
		had, created, err := topUp(asUser, acts, perMember*u.quarters/4)
		if err != nil {
			return fmt.Errorf("seed activities of %s: %w", u.email, err)
		}
		fmt.Fprintf(out, "%-7s %-18s %s  activities: %d existed, %d created\n", u.role, u.email, id, had, created)
	}
	fmt.Fprintf(out, "every demo user logs in with the password %q\n", password)
	return nil
}

// topUp creates activities for the caller of ctx until it owns want, and
// returns how many it had and how many it created.
func topUp(ctx context.Context, acts activities.Activities, want int) (had, created int, err error) {
	had, err = acts.CountOwn(ctx)
	if err != nil {
		return 0, 0, err
	}
	for i := had; i < want; i++ {
		if _, err := acts.Create(ctx, demoActivity(i)); err != nil {
			return had, created, err
		}
		created++
	}
	return had, created, nil
}

var (
	demoVerbs    = []string{"Plan", "Review", "Write", "Test", "Ship", "Fix", "Design", "Document"}
	demoSubjects = []string{"the quarterly report", "onboarding flow", "release notes", "billing export", "search page", "team offsite", "API docs", "load test"}
	demoStatuses = []string{"planned", "in_progress", "done", "cancelled", "planned", "in_progress"}
)

// demoActivity is the i-th demo activity: varied titles and statuses, a
// description on every third.
func demoActivity(i int) activities.NewActivity {
	a := activities.NewActivity{
		Title:  fmt.Sprintf("%s %s #%d", demoVerbs[i%len(demoVerbs)], demoSubjects[(i/len(demoVerbs))%len(demoSubjects)], i+1),
		Status: demoStatuses[i%len(demoStatuses)],
	}
	if i%3 == 0 {
		d := "Seeded by `zebra seed` for demos and manual testing."
		a.Description = &d
	}
	return a
}
