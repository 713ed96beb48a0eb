package user_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/identity/internal/domain/user"
)

var now = time.Date(2026, 11, 26, 10, 4, 5, 123_000_000, time.UTC)

func mustEmail(t *testing.T, s string) user.Email {
	t.Helper()
	e, err := user.ParseEmail(s)
	if err != nil {
		t.Fatalf("ParseEmail(%q): %v", s, err)
	}
	return e
}

func newUser(t *testing.T, roles ...user.Role) *user.User {
	t.Helper()
	u, err := user.New(user.NewParams{
		ID: uuid.Must(uuid.NewV7()), Email: mustEmail(t, "Ada@Example.com"), PasswordHash: "h",
		Roles: roles, Now: now,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return u
}

func TestParseEmail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"  Ada@Example.COM ", "ada@example.com", true},
		{"a.b+tag@sub.example.org", "a.b+tag@sub.example.org", true},
		{"", "", false},
		{"no-at-sign", "", false},
		{"Ada <ada@example.com>", "", false},
		{"a@b@c", "", false},
		{"ada@example.com, bob@example.com", "", false},
		{"@example.com", "", false},
		{strings.Repeat("a", 250) + "@x.io", "", false},
		// Internationalised addresses are welcome.
		{"Jörg@Bücher.de", "jörg@bücher.de", true},
		{"用户@例子.广告", "用户@例子.广告", true},
		{"θσεις@παράδειγμα.ελ", "θσεις@παράδειγμα.ελ", true},
		{"ada@bücher.de", "ada@bücher.de", true},
		// Characters that do not show make look-alikes of other accounts.
		{"ada@exa\u200bmple.com", "", false},
		{"ada@example.com\u200b", "", false},
		{"a\u200dda@example.com", "", false},
		{"\u202eada@example.com", "", false},
		{"ada@exam\u00adple.com", "", false},
		{"\ufeffada@example.com", "", false},
		{"ada\u2060@example.com", "", false},
		{"ada@example\u180e.com", "", false},
		{"ad\ufe0fa@example.com", "", false},
		{"ad\u3164a@example.com", "", false},
		{"ada\u00a0x@example.com", "", false},
		{"ada\u2028@example.com", "", false},
		{"ad\ue000a@example.com", "", false},
		{"ad\u0001a@example.com", "", false},
		{"ad\u0000a@example.com", "", false},
		{"ad\u0085a@example.com", "", false},
		{"ad\U000e0041a@example.com", "", false},
	}
	if _, err := user.ParseEmail("ada @example.com"); err == nil || errors.Is(err, user.ErrHiddenCharacters) {
		t.Errorf("an ASCII space is visible, just not part of an address: %v", err)
	}
	for _, tt := range tests {
		got, err := user.ParseEmail(tt.in)
		if (err == nil) != tt.ok || got.String() != tt.want {
			t.Errorf("ParseEmail(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && !errors.Is(err, user.ErrInvalidEmail) {
			t.Errorf("ParseEmail(%q) = %v, want an ErrInvalidEmail", tt.in, err)
		}
	}
}

func TestValidatePassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		pw   string
		ok   bool
	}{
		{"too short", "elevenchars", false},
		{"twelve", "twelve-chars", true},
		{"multibyte counts characters", strings.Repeat("é", 12), true},
		{"max", strings.Repeat("x", 128), true},
		{"too long", strings.Repeat("x", 129), false},
		{"invalid utf8", "\xff\xfe" + strings.Repeat("x", 12), false},
	}
	for _, tt := range tests {
		err := user.ValidatePassword(tt.pw)
		if (err == nil) != tt.ok {
			t.Errorf("%s: ValidatePassword = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestNewNormalizesAndStartsAtVersionOne(t *testing.T) {
	t.Parallel()
	u, err := user.New(user.NewParams{
		ID: uuid.Must(uuid.NewV7()), Email: mustEmail(t, "x@y.io"), DisplayName: "  Ada  ",
		Roles: []user.Role{user.RoleAdmin, user.RoleMember, user.RoleMember}, Now: now,
	})
	if err != nil {
		t.Fatal(err)
	}
	s := u.Snapshot()
	if s.Version != 1 || *s.DisplayName != "Ada" || len(s.Roles) != 2 || s.Roles[0] != user.RoleMember || s.Roles[1] != user.RoleAdmin {
		t.Fatalf("unexpected snapshot %+v", s)
	}
	if !u.Active() || u.EmailVerified() || s.CreatedBy != u.ID().String() {
		t.Fatalf("new user must be active, unverified and created by itself: %+v", s)
	}
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	id := uuid.Must(uuid.NewV7())
	tests := []struct {
		name string
		p    user.NewParams
	}{
		{"no roles", user.NewParams{ID: id, Email: mustEmail(t, "a@b.io"), Now: now}},
		{"bad role", user.NewParams{ID: id, Email: mustEmail(t, "a@b.io"), Roles: []user.Role{"root"}, Now: now}},
		{"control char in name", user.NewParams{ID: id, Email: mustEmail(t, "a@b.io"), DisplayName: "a\x00b", Roles: []user.Role{user.RoleMember}, Now: now}},
		{"long name", user.NewParams{ID: id, Email: mustEmail(t, "a@b.io"), DisplayName: strings.Repeat("n", 101), Roles: []user.Role{user.RoleMember}, Now: now}},
		{"password without email", user.NewParams{ID: id, PasswordHash: "h", Roles: []user.Role{user.RoleMember}, Now: now}},
	}
	for _, tt := range tests {
		if _, err := user.New(tt.p); err == nil {
			t.Errorf("%s: New succeeded", tt.name)
		}
	}
}

func TestChangeRoles(t *testing.T) {
	t.Parallel()
	admin := newUser(t, user.RoleAdmin)
	u := newUser(t, user.RoleMember)

	changed, err := u.ChangeRoles([]user.Role{user.RoleAuditor, user.RoleMember}, admin.ID(), now.Add(time.Minute))
	if err != nil || !changed || u.Version() != 2 {
		t.Fatalf("ChangeRoles = %v, %v, version %d", changed, err, u.Version())
	}
	changed, err = u.ChangeRoles([]user.Role{user.RoleMember, user.RoleAuditor}, admin.ID(), now)
	if err != nil || changed || u.Version() != 2 {
		t.Fatalf("same set must not bump the version: %v, %v, %d", changed, err, u.Version())
	}
	if _, err := u.ChangeRoles(nil, admin.ID(), now); !errors.Is(err, user.ErrNoRoles) {
		t.Fatalf("empty roles: %v", err)
	}
	var invalid user.InvalidRoleError
	if _, err := u.ChangeRoles([]user.Role{"superuser"}, admin.ID(), now); !errors.As(err, &invalid) {
		t.Fatalf("unknown role: %v", err)
	}
	if _, err := admin.ChangeRoles([]user.Role{user.RoleMember}, admin.ID(), now); !errors.Is(err, user.ErrSelfDemotion) {
		t.Fatalf("self demotion: %v", err)
	}
}

func TestDeactivate(t *testing.T) {
	t.Parallel()
	admin := newUser(t, user.RoleAdmin)
	u := newUser(t, user.RoleMember)
	if _, err := admin.Deactivate(admin.ID(), now); !errors.Is(err, user.ErrSelfDeactivate) {
		t.Fatalf("self deactivation: %v", err)
	}
	changed, err := u.Deactivate(admin.ID(), now)
	if err != nil || !changed || u.Active() || u.Version() != 2 {
		t.Fatalf("Deactivate = %v, %v; active %v version %d", changed, err, u.Active(), u.Version())
	}
	changed, err = u.Deactivate(admin.ID(), now)
	if err != nil || changed || u.Version() != 2 {
		t.Fatalf("second Deactivate must be a no-op: %v %v %d", changed, err, u.Version())
	}
	if err := u.SetPassword("new", now, "x"); !errors.Is(err, user.ErrInactive) {
		t.Fatalf("SetPassword on inactive user: %v", err)
	}
}

func TestVerifyEmailAndGrantRoles(t *testing.T) {
	t.Parallel()
	u := newUser(t, user.RoleMember)
	if !u.VerifyEmail(now, "x") || u.VerifyEmail(now, "x") || !u.EmailVerified() || u.Version() != 2 {
		t.Fatalf("VerifyEmail must change once: verified %v version %d", u.EmailVerified(), u.Version())
	}
	changed, err := u.GrantRoles([]user.Role{user.RoleAdmin}, now, "system")
	if err != nil || !changed || !u.HasRole(user.RoleAdmin) || !u.HasRole(user.RoleMember) {
		t.Fatalf("GrantRoles: %v %v %v", changed, err, u.Roles())
	}
	changed, _ = u.GrantRoles([]user.Role{user.RoleAdmin}, now, "system")
	if changed {
		t.Fatal("granting held roles must be a no-op")
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	t.Parallel()
	u := newUser(t, user.RoleMember, user.RoleAuditor)
	u.VerifyEmail(now, "x")
	back, err := user.FromSnapshot(u.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if back.Email() != u.Email() || back.Version() != u.Version() || !back.EmailVerified() || len(back.Roles()) != 2 {
		t.Fatalf("round trip lost state: %+v vs %+v", back.Snapshot(), u.Snapshot())
	}
}

// TestStoredLookAlikeStaysLoadable: an account created before the
// character rule existed is rebuilt as stored, so reading users never
// fails on it; only new addresses are held to the rule.
func TestStoredLookAlikeStaysLoadable(t *testing.T) {
	t.Parallel()
	s := newUser(t, user.RoleMember).Snapshot()
	s.Email = "ada@exa\u200bmple.com"
	u, err := user.FromSnapshot(s)
	if err != nil || u.Email().String() != s.Email {
		t.Fatalf("FromSnapshot = %v, %v", u, err)
	}
}
