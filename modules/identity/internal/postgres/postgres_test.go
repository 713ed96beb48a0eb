package postgres_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/modules/identity/internal/domain/token"
	"github.com/zebralabs/zebra/modules/identity/internal/domain/user"
	"github.com/zebralabs/zebra/modules/identity/internal/postgres"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/migrate"
)

var now = time.Date(2026, 11, 26, 10, 4, 5, 123_000_000, time.UTC)

func newDB(t *testing.T) *gorm.DB {
	t.Helper()
	return dbtest.New(t, migrate.Embedded("identity"))
}

func newUser(t *testing.T, email string, roles ...user.Role) *user.User {
	t.Helper()
	var e user.Email
	if email != "" {
		var err error
		if e, err = user.ParseEmail(email); err != nil {
			t.Fatal(err)
		}
	}
	hash := ""
	if email != "" {
		hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"
	}
	if len(roles) == 0 {
		roles = []user.Role{user.RoleMember}
	}
	u, err := user.New(user.NewParams{ID: uuid.Must(uuid.NewV7()), Email: e, DisplayName: "Ada", PasswordHash: hash, Roles: roles, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestUsersRoundTripAndUniqueEmail(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	repo := postgres.NewUsers(newDB(t))
	u := newUser(t, "ada@example.com", user.RoleMember, user.RoleAdmin)
	u.VerifyEmail(now, "x")
	if err := repo.Add(ctx, u); err != nil {
		t.Fatal(err)
	}
	got, err := repo.Get(ctx, u.ID())
	if err != nil {
		t.Fatal(err)
	}
	if got.Snapshot().Email != "ada@example.com" || !got.EmailVerified() || len(got.Roles()) != 2 ||
		got.Version() != u.Version() || !got.Snapshot().CreatedAt.Equal(now) || got.PasswordHash() != u.PasswordHash() {
		t.Fatalf("round trip: %+v", got.Snapshot())
	}
	byEmail, err := repo.ByEmail(ctx, u.Email())
	if err != nil || byEmail.ID() != u.ID() {
		t.Fatalf("ByEmail: %v", err)
	}
	if err := repo.Add(ctx, newUser(t, "ADA@example.com")); !errors.Is(err, user.ErrEmailTaken) {
		t.Fatalf("duplicate email: %v", err)
	}
	if _, err := repo.Get(ctx, uuid.New()); !errors.Is(err, user.ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
	// External users without email may be many.
	for range 2 {
		if err := repo.Add(ctx, newUser(t, "")); err != nil {
			t.Fatalf("external user without email: %v", err)
		}
	}
}

func TestUpdateChecksVersionInWhere(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	repo := postgres.NewUsers(newDB(t))
	admin := uuid.Must(uuid.NewV7())
	u := newUser(t, "ada@example.com")
	if err := repo.Add(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := repo.Update(ctx, u.ID(), []int{5}, func(*user.User) error { return nil }); !errors.Is(err, user.ErrStaleVersion) {
		t.Fatalf("stale expected version: %v", err)
	}
	// N concurrent updates with the same expected version: exactly one wins.
	const n = 8
	var wg sync.WaitGroup
	results := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := repo.Update(ctx, u.ID(), []int{1}, func(u *user.User) error {
				_, err := u.ChangeRoles([]user.Role{user.RoleAuditor}, admin, now)
				return err
			})
			results <- err
		}()
	}
	wg.Wait()
	close(results)
	ok, stale := 0, 0
	for err := range results {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, user.ErrStaleVersion):
			stale++
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if ok != 1 || stale != n-1 {
		t.Fatalf("%d succeeded, %d stale; want 1 and %d", ok, stale, n-1)
	}
	got, _ := repo.Get(ctx, u.ID())
	if got.Version() != 2 || !got.HasRole(user.RoleAuditor) {
		t.Fatalf("version %d roles %v", got.Version(), got.Roles())
	}
}

func TestExternalIdentities(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	repo := postgres.NewUsers(newDB(t))
	u := newUser(t, "")
	if err := repo.Add(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := repo.Link(ctx, "https://idp", "sub-1", u.ID()); err != nil {
		t.Fatal(err)
	}
	if err := repo.Link(ctx, "https://idp", "sub-1", u.ID()); !errors.Is(err, user.ErrExternalLinked) {
		t.Fatalf("second link: %v", err)
	}
	got, err := repo.UserByExternal(ctx, "https://idp", "sub-1")
	if err != nil || got.ID() != u.ID() || !got.Email().IsZero() {
		t.Fatalf("UserByExternal: %v", err)
	}
	if _, err := repo.UserByExternal(ctx, "https://other", "sub-1"); !errors.Is(err, user.ErrNotFound) {
		t.Fatalf("other issuer: %v", err)
	}
}

func TestRefreshFamilies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newDB(t)
	users, tokens, uow := postgres.NewUsers(db), postgres.NewTokens(db), database.NewUnitOfWork(db)
	u := newUser(t, "ada@example.com")
	if err := users.Add(ctx, u); err != nil {
		t.Fatal(err)
	}
	f, first := token.StartFamily(uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), u.ID(), now, time.Hour)
	if err := tokens.AddFamily(ctx, f, first.Token); err != nil {
		t.Fatal(err)
	}
	var next token.Issued
	err := uow.Do(ctx, func(ctx context.Context) error {
		gf, gt, err := tokens.ByHash(ctx, token.HashOf(first.Secret))
		if err != nil {
			return err
		}
		if gt.Hash != first.Token.Hash || gf.ID != f.ID || gt.UsedAt != nil {
			t.Fatalf("loaded %+v %+v", gf, gt)
		}
		next, err = gf.Rotate(gt, uuid.Must(uuid.NewV7()), now.Add(time.Minute), time.Hour)
		if err != nil {
			return err
		}
		return tokens.SaveRotation(ctx, gf, gt, next.Token)
	})
	if err != nil {
		t.Fatal(err)
	}
	_, spent, err := tokens.ByHash(ctx, token.HashOf(first.Secret))
	if err != nil || spent.UsedAt == nil {
		t.Fatalf("spent token: %+v %v", spent, err)
	}
	if _, _, err := tokens.ByHash(ctx, token.HashOf("nope")); !errors.Is(err, token.ErrInvalid) {
		t.Fatalf("unknown: %v", err)
	}
	// A second login, then revoke all.
	f2, t2 := token.StartFamily(uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), u.ID(), now, time.Hour)
	if err := tokens.AddFamily(ctx, f2, t2.Token); err != nil {
		t.Fatal(err)
	}
	n, err := tokens.RevokeAll(ctx, u.ID(), token.ReasonPasswordReset, now)
	if err != nil || n != 2 {
		t.Fatalf("RevokeAll = %d, %v", n, err)
	}
	gf, _, _ := tokens.ByHash(ctx, token.HashOf(next.Secret))
	if !gf.Revoked() || gf.RevokeReason != token.ReasonPasswordReset {
		t.Fatalf("family %+v", gf)
	}
}

// TestConcurrentRefreshIsStrict races two rotations of one token: the
// family lock makes the second see the token spent, i.e. reuse.
func TestConcurrentRefreshIsStrict(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newDB(t)
	users, tokens, uow := postgres.NewUsers(db), postgres.NewTokens(db), database.NewUnitOfWork(db)
	u := newUser(t, "ada@example.com")
	if err := users.Add(ctx, u); err != nil {
		t.Fatal(err)
	}
	f, first := token.StartFamily(uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), u.ID(), now, time.Hour)
	if err := tokens.AddFamily(ctx, f, first.Token); err != nil {
		t.Fatal(err)
	}
	locked := make(chan struct{})
	release := make(chan struct{})
	// One channel each: once the holder commits, the waiter may finish
	// before the holder has reported, so arrival order proves nothing.
	holderErr, waiterErr := make(chan error, 1), make(chan error, 1)
	rotate := func(hold bool, errs chan<- error) {
		errs <- uow.Do(ctx, func(ctx context.Context) error {
			gf, gt, err := tokens.ByHash(ctx, token.HashOf(first.Secret))
			if err != nil {
				return err
			}
			if hold {
				close(locked)
				<-release
			}
			next, err := gf.Rotate(gt, uuid.Must(uuid.NewV7()), now.Add(time.Minute), time.Hour)
			if errors.Is(err, token.ErrReused) {
				if err := tokens.SaveFamily(ctx, gf); err != nil {
					return err
				}
				return token.ErrReused
			}
			if err != nil {
				return err
			}
			return tokens.SaveRotation(ctx, gf, gt, next.Token)
		})
	}
	go rotate(true, holderErr)
	<-locked
	go rotate(false, waiterErr) // blocks on the family lock
	time.Sleep(200 * time.Millisecond)
	close(release)
	first1, second := <-holderErr, <-waiterErr
	if first1 != nil || !errors.Is(second, token.ErrReused) {
		t.Fatalf("first: %v, second: %v; want nil and reuse", first1, second)
	}
}

func TestOneTimeTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newDB(t)
	users, tokens := postgres.NewUsers(db), postgres.NewTokens(db)
	u := newUser(t, "ada@example.com")
	if err := users.Add(ctx, u); err != nil {
		t.Fatal(err)
	}
	o, secret := token.NewOneTime(uuid.Must(uuid.NewV7()), u.ID(), token.PurposeResetPassword, now, time.Hour)
	if err := tokens.AddOneTime(ctx, o); err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.OneTimeByHash(ctx, token.PurposeVerifyEmail, token.HashOf(secret)); !errors.Is(err, token.ErrInvalid) {
		t.Fatalf("wrong purpose: %v", err)
	}
	got, err := tokens.OneTimeByHash(ctx, token.PurposeResetPassword, token.HashOf(secret))
	if err != nil || got.UserID != u.ID() || !got.ExpiresAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("%+v %v", got, err)
	}
	if err := tokens.SpendAll(ctx, u.ID(), token.PurposeResetPassword, now); err != nil {
		t.Fatal(err)
	}
	got, _ = tokens.OneTimeByHash(ctx, token.PurposeResetPassword, token.HashOf(secret))
	if got.UsedAt == nil {
		t.Fatal("SpendAll did not spend")
	}
}

func TestReadModelPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newDB(t)
	users, read := postgres.NewUsers(db), postgres.NewReadModel(db)
	var ids []uuid.UUID
	for _, e := range []string{"a@x.io", "b@x.io", "c@x.io"} {
		u := newUser(t, e)
		if err := users.Add(ctx, u); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID())
	}
	page, err := read.Users(ctx, nil, 2)
	if err != nil || len(page) != 2 || page[0].ID != ids[2] || page[1].ID != ids[1] {
		t.Fatalf("first page %+v %v", page, err)
	}
	rest, err := read.Users(ctx, &page[1].ID, 2)
	if err != nil || len(rest) != 1 || rest[0].ID != ids[0] {
		t.Fatalf("second page %+v %v", rest, err)
	}
	v, err := read.User(ctx, ids[0])
	if err != nil || *v.Email != "a@x.io" || !v.Active || v.EmailVerified || v.Version != 1 || len(v.Roles) != 1 {
		t.Fatalf("view %+v %v", v, err)
	}
}

func TestDeliveries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := postgres.NewDeliveries(newDB(t))
	id := uuid.Must(uuid.NewV7())
	if done, err := d.Delivered(ctx, id); err != nil || done {
		t.Fatalf("fresh: %v %v", done, err)
	}
	for range 2 {
		if err := d.MarkDelivered(ctx, id, "verify_email", now); err != nil {
			t.Fatal(err)
		}
	}
	if done, err := d.Delivered(ctx, id); err != nil || !done {
		t.Fatalf("after: %v %v", done, err)
	}
}
