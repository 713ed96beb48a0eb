package idempotency_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/idempotency"
)

// FuzzParseKey feeds arbitrary Idempotency-Key headers: ParseKey never
// panics, refuses only with invalid_idempotency_key, and accepts only what
// docs/api.md allows (1..255 characters of printable UTF-8), the same key
// whether sent bare or as a quoted structured-field string.
func FuzzParseKey(f *testing.F) {
	for _, s := range []string{"", "abc", `"abc"`, `""`, `"`, " k ", strings.Repeat("k", 256), "a\x00b", "a\r\nb", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		k, err := idempotency.ParseKey(header)
		if err != nil {
			if apperr.CodeOf(err) != apperr.CodeInvalidIdempotencyKey {
				t.Fatalf("ParseKey(%q) = %v, want invalid_idempotency_key", header, err)
			}
			return
		}
		n := utf8.RuneCountInString(k)
		if n < 1 || n > idempotency.MaxKeyLen || !utf8.ValidString(k) {
			t.Fatalf("ParseKey(%q) accepted %q (%d characters)", header, k, n)
		}
		if strings.ContainsFunc(k, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			t.Fatalf("ParseKey(%q) accepted control characters: %q", header, k)
		}
		if !strings.Contains(header, k) {
			t.Fatalf("ParseKey(%q) = %q, not taken from the header", header, k)
		}
		if again, err := idempotency.ParseKey(`"` + k + `"`); err != nil || again != k {
			t.Fatalf("quoted %q gives %q, %v; bare gives %q", k, again, err, k)
		}
	})
}
