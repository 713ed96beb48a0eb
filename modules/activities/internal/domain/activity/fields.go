package activity

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of docs/api.md, in characters (Unicode code points).
const (
	MaxTitleLen       = 200
	MaxDescriptionLen = 5000
)

// CheckFields returns every rule that title and description break, joined
// (each a *ValidationError), or nil. A nil title (absent from a change) or
// description (none) is not checked. New and Change report the same; the
// HTTP adapter asks before the command runs, so that one answer names
// every invalid field together with the schema's errors (docs/api.md).
func CheckFields(title, description *string) error {
	var titleErr error
	if title != nil {
		_, titleErr = normalizeTitle(*title)
	}
	return errors.Join(titleErr, checkDescription(description))
}

// normalizeTitle trims surrounding white space and checks the title rules:
// 1..MaxTitleLen characters after trimming, no control characters.
func normalizeTitle(title string) (string, error) {
	if !utf8.ValidString(title) {
		return "", &ValidationError{Field: "title", Message: "must be valid UTF-8"}
	}
	t := strings.TrimSpace(title)
	switch n := utf8.RuneCountInString(t); {
	case n == 0:
		return "", &ValidationError{Field: "title", Message: "must not be empty"}
	case n > MaxTitleLen:
		return "", &ValidationError{Field: "title", Message: "must be at most 200 characters"}
	}
	if strings.IndexFunc(t, unicode.IsControl) >= 0 {
		return "", &ValidationError{Field: "title", Message: "must not contain control characters"}
	}
	return t, nil
}

// checkDescription checks the description rules: absent (nil) or at most
// MaxDescriptionLen characters. Line breaks are welcome in a description.
func checkDescription(d *string) error {
	if d == nil {
		return nil
	}
	if !utf8.ValidString(*d) {
		return &ValidationError{Field: "description", Message: "must be valid UTF-8"}
	}
	if utf8.RuneCountInString(*d) > MaxDescriptionLen {
		return &ValidationError{Field: "description", Message: "must be at most 5000 characters"}
	}
	return nil
}
