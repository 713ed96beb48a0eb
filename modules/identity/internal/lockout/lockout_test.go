package lockout_test

import (
	"context"
	"testing"
	"time"

	"github.com/zebralabs/zebra/modules/identity/internal/lockout"
	"github.com/zebralabs/zebra/platform/redistest"
)

func TestAccountLockout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb, keys := redistest.New(t)
	th := lockout.New(rdb, keys, lockout.Limits{MaxPerAccount: 3, MaxPerIP: 100, Lockout: time.Minute})

	for i := 1; i <= 3; i++ {
		if wait, err := th.Blocked(ctx, "ada@example.com", "192.0.2.1"); err != nil || wait != 0 {
			t.Fatalf("attempt %d blocked %v %v", i, wait, err)
		}
		locks, err := th.Failed(ctx, "ada@example.com", "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		if (i == 3) != (len(locks) == 1) {
			t.Fatalf("failure %d started locks %+v", i, locks)
		}
	}
	wait, err := th.Blocked(ctx, "ada@example.com", "198.51.100.7")
	if err != nil || wait <= 50*time.Second || wait > time.Minute {
		t.Fatalf("locked account from another IP: wait %v, %v", wait, err)
	}
	if wait, _ := th.Blocked(ctx, "bob@example.com", "192.0.2.1"); wait != 0 {
		t.Fatalf("another account from the same IP is not locked: %v", wait)
	}
	if err := th.Succeeded(ctx, "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	if wait, _ := th.Blocked(ctx, "ada@example.com", "192.0.2.1"); wait != 0 {
		t.Fatalf("cleared account still locked: %v", wait)
	}
}

func TestIPLockoutSpansAccounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb, keys := redistest.New(t)
	th := lockout.New(rdb, keys, lockout.Limits{MaxPerAccount: 100, MaxPerIP: 2, Lockout: time.Minute})
	_, _ = th.Failed(ctx, "a@example.com", "192.0.2.9")
	locks, _ := th.Failed(ctx, "b@example.com", "192.0.2.9")
	if len(locks) != 1 || locks[0].Scope != "ip" {
		t.Fatalf("locks %+v", locks)
	}
	if wait, _ := th.Blocked(ctx, "c@example.com", "192.0.2.9"); wait == 0 {
		t.Fatal("IP not locked")
	}
	if wait, _ := th.Blocked(ctx, "c@example.com", "192.0.2.10"); wait != 0 {
		t.Fatal("other IP locked")
	}
}

func TestWindowExpires(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb, keys := redistest.New(t)
	th := lockout.New(rdb, keys, lockout.Limits{MaxPerAccount: 1, MaxPerIP: 10, Lockout: 300 * time.Millisecond})
	_, _ = th.Failed(ctx, "ada@example.com", "")
	if wait, _ := th.Blocked(ctx, "ada@example.com", ""); wait == 0 {
		t.Fatal("not locked")
	}
	time.Sleep(400 * time.Millisecond)
	if wait, _ := th.Blocked(ctx, "ada@example.com", ""); wait != 0 {
		t.Fatalf("still locked after the lockout: %v", wait)
	}
}
