// Package etag implements docs/api.md's optimistic concurrency headers for
// versioned resources: ETag is the quoted version, PATCH/PUT/DELETE must
// send If-Match (428 when missing or "*"), and a stale one is 412.
package etag

import (
	"strconv"
	"strings"

	"github.com/zebralabs/zebra/platform/apperr"
)

// Format returns the ETag of a version: "<version>" with the quotes.
func Format(version int) string { return `"` + strconv.Itoa(version) + `"` }

// IfMatch parses an If-Match header into the version the client expects.
// Missing or "*" is precondition_required; anything that is not one of our
// ETags cannot match any version, so it is precondition_failed.
func IfMatch(header string) (int, error) {
	h := strings.TrimSpace(header)
	if h == "" || h == "*" {
		return 0, apperr.PreconditionRequired(`send If-Match with the resource's ETag, e.g. If-Match: "3"`)
	}
	h = strings.TrimPrefix(h, "W/")
	v, err := strconv.Atoi(strings.Trim(h, `"`))
	if err != nil || v < 1 {
		return 0, apperr.PreconditionFailed("If-Match does not match the current version")
	}
	return v, nil
}

// NoneMatch reports whether an If-None-Match header matches version, in
// which case a GET answers 304 Not Modified.
func NoneMatch(header string, version int) bool {
	want := Format(version)
	for _, part := range strings.Split(header, ",") {
		p := strings.TrimPrefix(strings.TrimSpace(part), "W/")
		if p == want || p == "*" {
			return true
		}
	}
	return false
}

// Stale is the error for a version that changed since the client read it.
func Stale() error {
	return apperr.PreconditionFailed("the resource changed since you read it; fetch it again")
}
