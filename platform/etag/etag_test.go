package etag_test

import (
	"slices"
	"testing"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/etag"
)

// TestIfMatchIsRFC9110StrongComparison: a weak tag never matches, a list
// matches when any strong tag does, "*" counts as missing (docs/api.md), and a
// header that is not a list of entity tags is precondition_failed.
func TestIfMatchIsRFC9110StrongComparison(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header string
		want   etag.Match
		code   apperr.Code
	}{
		{`"1"`, etag.Match{1}, ""},
		{` "7" `, etag.Match{7}, ""},
		{`"2", "3"`, etag.Match{2, 3}, ""},
		{`"2","3"`, etag.Match{2, 3}, ""},
		{`W/"1", "3"`, etag.Match{3}, ""},
		{`"x", "3"`, etag.Match{3}, ""},
		{`, "4" ,`, etag.Match{4}, ""},
		{"", nil, apperr.CodePreconditionRequired},
		{"*", nil, apperr.CodePreconditionRequired},
		{` * `, nil, apperr.CodePreconditionRequired},
		{`W/"1"`, nil, apperr.CodePreconditionFailed},
		{`W/"1", W/"2"`, nil, apperr.CodePreconditionFailed},
		{`"01"`, nil, apperr.CodePreconditionFailed},
		{`"0"`, nil, apperr.CodePreconditionFailed},
		{`"-1"`, nil, apperr.CodePreconditionFailed},
		{`"abc"`, nil, apperr.CodePreconditionFailed},
		{`1`, nil, apperr.CodePreconditionFailed},
		{`"1`, nil, apperr.CodePreconditionFailed},
		{`"1" "2"`, nil, apperr.CodePreconditionFailed},
		{`"1", *`, nil, apperr.CodePreconditionFailed},
		{`w/"1"`, nil, apperr.CodePreconditionFailed},
		{`"1 2"`, nil, apperr.CodePreconditionFailed},
		{",", nil, apperr.CodePreconditionFailed},
		{`"99999999999999999999"`, nil, apperr.CodePreconditionFailed},
	}
	for _, tt := range tests {
		got, err := etag.IfMatch(tt.header)
		if tt.code != "" {
			if apperr.CodeOf(err) != tt.code || got != nil {
				t.Errorf("IfMatch(%q) = %v, %v; want %s", tt.header, got, err, tt.code)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("IfMatch(%q) = %v, %v; want %v", tt.header, got, err, tt.want)
		}
	}
}

// TestMatchAllows: a list is satisfied by any of its versions.
func TestMatchAllows(t *testing.T) {
	t.Parallel()
	m, err := etag.IfMatch(`"2", "3"`)
	if err != nil {
		t.Fatal(err)
	}
	for v, want := range map[int]bool{1: false, 2: true, 3: true, 4: false} {
		if m.Allows(v) != want {
			t.Errorf("Allows(%d) = %v, want %v", v, !want, want)
		}
	}
}

// TestPreconditionRequiredInventsNoVersion: the 428 tells the client to
// send the ETag it read, never a made-up example version.
func TestPreconditionRequiredInventsNoVersion(t *testing.T) {
	t.Parallel()
	_, err := etag.IfMatch("")
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.CodePreconditionRequired {
		t.Fatalf("IfMatch(\"\") = %v", err)
	}
	for _, c := range `"0123456789` {
		if slices.Contains([]rune(e.Message), c) {
			t.Fatalf("the message suggests a version: %q", e.Message)
		}
	}
}

// TestNoneMatchIsWeak: If-None-Match compares weakly and matches "*".
func TestNoneMatchIsWeak(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header string
		want   bool
	}{
		{`"3"`, true},
		{`W/"3"`, true},
		{`"1", W/"3"`, true},
		{"*", true},
		{`"4"`, false},
		{`"03"`, false},
		{`3`, false},
		{"", false},
	}
	for _, tt := range tests {
		if got := etag.NoneMatch(tt.header, 3); got != tt.want {
			t.Errorf("NoneMatch(%q, 3) = %v, want %v", tt.header, got, tt.want)
		}
	}
}
