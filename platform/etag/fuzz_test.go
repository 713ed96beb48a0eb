package etag_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/etag"
)

// FuzzIfMatch feeds arbitrary If-Match headers: IfMatch never panics,
// fails only with precondition_required (missing or "*") or
// precondition_failed, and accepts only positive versions whose strong
// ETag the header contains.
func FuzzIfMatch(f *testing.F) {
	for _, s := range []string{"", "*", ` * `, `"1"`, `W/"2"`, `"0"`, `"-1"`, `"abc"`, `"1", "2"`, `"99999999999999999999"`, "\x00", `"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		m, err := etag.IfMatch(header)
		trimmed := strings.TrimSpace(header)
		if err != nil {
			code := apperr.CodeOf(err)
			wantRequired := trimmed == "" || trimmed == "*"
			if wantRequired && code != apperr.CodePreconditionRequired {
				t.Fatalf("IfMatch(%q) = %v, want precondition_required", header, err)
			}
			if !wantRequired && code != apperr.CodePreconditionFailed {
				t.Fatalf("IfMatch(%q) = %v, want precondition_failed", header, err)
			}
			return
		}
		if len(m) == 0 {
			t.Fatalf("IfMatch(%q) accepted no version without an error", header)
		}
		for _, v := range m {
			if v < 1 || !strings.Contains(header, etag.Format(v)) || strings.Contains(header, "W/"+etag.Format(v)) && strings.Count(header, etag.Format(v)) == 1 {
				t.Fatalf("IfMatch(%q) accepted version %d", header, v)
			}
		}
		if trimmed == "" || trimmed == "*" {
			t.Fatalf("IfMatch(%q) accepted a missing precondition", header)
		}
	})
}

// FuzzFormatRoundTrip checks that every ETag we issue is accepted back as
// the same version by If-Match and matched by If-None-Match.
func FuzzFormatRoundTrip(f *testing.F) {
	for _, v := range []int{1, 2, 10, 1 << 30} {
		f.Add(v, 0)
	}
	f.Fuzz(func(t *testing.T, version, other int) {
		if version < 1 {
			return // versions start at 1
		}
		tag := etag.Format(version)
		if tag != `"`+strconv.Itoa(version)+`"` {
			t.Fatalf("Format(%d) = %s", version, tag)
		}
		got, err := etag.IfMatch(tag)
		if err != nil || len(got) != 1 || !got.Allows(version) {
			t.Fatalf("IfMatch(Format(%d)) = %d, %v", version, got, err)
		}
		if !etag.NoneMatch(tag, version) || !etag.NoneMatch(`"x", `+tag, version) {
			t.Fatalf("NoneMatch(%s, %d) = false", tag, version)
		}
		if other != version && etag.NoneMatch(etag.Format(other), version) {
			t.Fatalf("NoneMatch(%s, %d) = true", etag.Format(other), version)
		}
	})
}

// FuzzNoneMatch feeds arbitrary If-None-Match headers: it never panics,
// matches only a header that names the current ETag or *, and always
// matches the current ETag sent alone, weak or strong.
func FuzzNoneMatch(f *testing.F) {
	for _, s := range []string{"", "*", `"3"`, `W/"3"`, `"1", "3"`, `"33"`, "\x00,,,"} {
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, header string, version int) {
		current := etag.Format(version)
		if etag.NoneMatch(header, version) && !strings.Contains(header, current) && !strings.Contains(header, "*") {
			t.Fatalf("NoneMatch(%q, %d) matched without %s or *", header, version, current)
		}
		for _, h := range []string{current, "W/" + current, " " + current + " "} {
			if !etag.NoneMatch(h, version) {
				t.Fatalf("NoneMatch(%q, %d) = false", h, version)
			}
		}
	})
}
