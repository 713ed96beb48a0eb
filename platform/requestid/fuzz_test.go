package requestid_test

import (
	"regexp"
	"testing"

	"github.com/zebralabs/zebra/platform/requestid"
)

var contract = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

// FuzzOrNew feeds arbitrary inbound X-Request-Id values: the id kept is
// always one docs/api.md allows (so nothing a client sends can inject a header,
// a log field or a quote into an error body), a valid one is kept as is,
// and an invalid one is replaced.
func FuzzOrNew(f *testing.F) {
	for _, s := range []string{"", "abc", "a.b_c-D9", "with space", "x\r\nSet-Cookie: a=b", "\x00", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, inbound string) {
		got := requestid.OrNew(inbound)
		if !contract.MatchString(got) || !requestid.Valid(got) {
			t.Fatalf("OrNew(%q) = %q, outside the contract", inbound, got)
		}
		if requestid.Valid(inbound) != contract.MatchString(inbound) {
			t.Fatalf("Valid(%q) = %v, contract says %v", inbound, requestid.Valid(inbound), contract.MatchString(inbound))
		}
		if contract.MatchString(inbound) && got != inbound {
			t.Fatalf("valid id %q replaced by %q", inbound, got)
		}
		if !contract.MatchString(inbound) && got == inbound {
			t.Fatalf("invalid id %q kept", inbound)
		}
	})
}
