// Package etag implements docs/api.md's optimistic concurrency headers for
// versioned resources: ETag is the quoted version, PATCH/PUT/DELETE must
// send If-Match (428 when missing or "*"), and one that matches no current
// version is 412.
//
// Comparison follows RFC 9110 §13.1.1: If-Match uses the strong
// comparison, so a weak tag (W/"3") never matches, and a list ("2", "3")
// matches when any of its tags does. If-None-Match uses the weak
// comparison.
package etag

import (
	"slices"
	"strconv"
	"strings"

	"github.com/zebralabs/zebra/platform/apperr"
)

// Format returns the ETag of a version: "<version>" with the quotes.
func Format(version int) string { return `"` + strconv.Itoa(version) + `"` }

// Match is a parsed If-Match header: the versions whose ETags it lists as
// strong tags.
type Match []int

// Allows reports whether a resource at version satisfies the header.
func (m Match) Allows(version int) bool { return slices.Contains(m, version) }

// IfMatch parses an If-Match header into the versions the client accepts.
//
// Missing or "*" is precondition_required: "*" would defeat the check
// (docs/api.md). A header that is not a list of entity tags, or whose tags are
// all weak or not ETags this service issues, cannot match any version:
// precondition_failed, before anything is read.
func IfMatch(header string) (Match, error) {
	h := strings.TrimSpace(header)
	if h == "" || h == "*" {
		return nil, apperr.PreconditionRequired("send If-Match with the ETag of the resource as you last read it (the ETag header of a GET)")
	}
	tags, ok := parseList(h)
	if !ok {
		return nil, apperr.PreconditionFailed("If-Match is not a list of entity tags")
	}
	var m Match
	for _, t := range tags {
		if v, ok := versionOf(t); ok && !t.weak {
			m = append(m, v)
		}
	}
	if len(m) == 0 {
		return nil, Stale()
	}
	return m, nil
}

// NoneMatch reports whether an If-None-Match header matches version, in
// which case a GET answers 304 Not Modified. The comparison is weak, and
// a header that does not parse matches nothing (the GET answers in full).
func NoneMatch(header string, version int) bool {
	h := strings.TrimSpace(header)
	if h == "*" {
		return true
	}
	tags, ok := parseList(h)
	if !ok {
		return false
	}
	want := strconv.Itoa(version)
	for _, t := range tags {
		if t.opaque == want {
			return true
		}
	}
	return false
}

// Stale is the error for a version that changed since the client read it.
func Stale() error {
	return apperr.PreconditionFailed("the resource changed since you read it; fetch it again")
}

// tag is one entity-tag of a list: its opaque-tag without the quotes.
type tag struct {
	weak   bool
	opaque string
}

// versionOf returns the version a tag names when it is exactly one of
// ours (strong comparison is octet equality, so "01" names nothing).
func versionOf(t tag) (int, bool) {
	v, err := strconv.Atoi(t.opaque)
	if err != nil || v < 1 || strconv.Itoa(v) != t.opaque {
		return 0, false
	}
	return v, true
}

// parseList parses RFC 9110's #entity-tag: entity-tags separated by
// commas and optional white space, empty elements allowed, where
//
//	entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE
//	etagc      = %x21 / %x23-7E / obs-text
func parseList(s string) ([]tag, bool) {
	var tags []tag
	for i := 0; i < len(s); {
		switch s[i] {
		case ' ', '\t', ',':
			i++
			continue
		}
		var t tag
		if strings.HasPrefix(s[i:], "W/") {
			t.weak = true
			i += 2
		}
		if i >= len(s) || s[i] != '"' {
			return nil, false
		}
		end := strings.IndexByte(s[i+1:], '"')
		if end < 0 {
			return nil, false
		}
		t.opaque = s[i+1 : i+1+end]
		for j := 0; j < len(t.opaque); j++ {
			if c := t.opaque[j]; c < 0x21 || c == 0x7f {
				return nil, false
			}
		}
		i += end + 2
		tags = append(tags, t)
		// After a tag: white space, then a comma or the end.
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i < len(s) && s[i] != ',' {
			return nil, false
		}
	}
	return tags, len(tags) > 0
}
