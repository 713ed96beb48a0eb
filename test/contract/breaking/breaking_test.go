package breaking

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheck runs the real oasdiff on fixture pairs: the check must pass
// additive changes and a break that comes with a new version prefix, and
// catch every other break.
func TestCheck(t *testing.T) {
	tests := []struct {
		revision string
		breaking bool
		mention  string
	}{
		{"base.json", false, "/v1: no breaking change"},
		{"additive.json", false, "/v1: no breaking change"},
		{"removed-field.json", true, "name"},
		{"new-required-param.json", true, "owner"},
		{"v2-replaces-v1.json", false, "/v1 is gone, replaced by /v2"},
		{"v1-dropped.json", true, "no newer version replaces it"},
		{"v2-beside-broken-v1.json", true, "breaking changes in /v1"},
		{"unversioned-broken.json", true, "breaking changes in routes outside /vN"},
	}
	for _, tt := range tests {
		t.Run(tt.revision, func(t *testing.T) {
			t.Parallel()
			var out strings.Builder
			err := Check(context.Background(), filepath.Join("testdata", "base.json"), filepath.Join("testdata", tt.revision), &out)
			if err != nil && !errors.Is(err, ErrBreaking) {
				t.Fatalf("Check: %v\n%s", err, out.String())
			}
			if got := errors.Is(err, ErrBreaking); got != tt.breaking {
				t.Errorf("breaking = %v, want %v; report:\n%s", got, tt.breaking, out.String())
			}
			if !strings.Contains(out.String(), tt.mention) {
				t.Errorf("report does not mention %q:\n%s", tt.mention, out.String())
			}
		})
	}
}
