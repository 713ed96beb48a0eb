package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/test/internal/zebratest"
)

// TestStartupFailures: a bad value or an unreachable dependency stops the
// binary with exit 1 and one line on stderr that says what to do.
func TestStartupFailures(t *testing.T) {
	t.Parallel()
	closed := zebratest.FreeAddr(t)
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"bad value", []string{"HTTP_REQUEST_TIMEOUT=abc"},
			`config: HTTP_REQUEST_TIMEOUT="abc": not a duration`},
		{"prod with the development cursor secret", []string{"APP_ENV=prod"},
			"config: CURSOR_SECRET: the development default, or anything shorter than 32 characters, is refused when APP_ENV=prod"},
		{"postgres unreachable", []string{"DATABASE_URL=postgres://postgres:pw@" + closed + "/zebra?sslmode=disable"},
			fmt.Sprintf("cannot reach PostgreSQL at postgres://postgres@%s/zebra (is it running? try: make up)", closed)},
		{"redis unreachable", []string{"DATABASE_URL=" + dbtest.EmptyURL(t), "REDIS_URL=redis://" + closed + "/0"},
			fmt.Sprintf("cannot reach Redis at redis://%s/0 (is it running? try: make up)", closed)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := append([]string{"HTTP_ADDR=" + zebratest.FreeAddr(t), "LOG_LEVEL=warn"}, tt.env...)
			code, _, stderr := zebratest.Run(t, env, "serve")
			if code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			if stderr != tt.want+"\n" {
				t.Errorf("stderr:\n%s\nwant exactly:\n%s", stderr, tt.want)
			}
		})
	}
}

func TestVersionIsStamped(t *testing.T) {
	t.Parallel()
	code, stdout, _ := zebratest.Run(t, nil, "version")
	if code != 0 || !strings.HasPrefix(stdout, "zebra "+zebratest.Version+" (") {
		t.Errorf("exit %d, stdout %q", code, stdout)
	}
}

func TestConfigRedactsSecrets(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := zebratest.Run(t, []string{
		"DATABASE_URL=postgres://app:db-pass-123@db.internal:5432/zebra",
		"CURSOR_SECRET=cursor-secret-456",
		"REDIS_URL=redis://:redis-pass-789@cache:6379/0",
	}, "config")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, secret := range []string{"db-pass-123", "cursor-secret-456", "redis-pass-789"} {
		if strings.Contains(stdout, secret) {
			t.Errorf("zebra config printed %q", secret)
		}
	}
	for _, line := range []string{"DATABASE_URL=postgres://app:xxxxx@db.internal:5432/zebra", "CURSOR_SECRET=[redacted]", "HTTP_ADDR="} {
		if !strings.Contains(stdout, line) {
			t.Errorf("zebra config lacks %q:\n%s", line, stdout)
		}
	}
}
