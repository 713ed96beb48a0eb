package activity

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of docs/api.md, in characters (Unicode code points).
const (
	MaxTitleLen       = 200
	MaxDescriptionLen = 5000
)

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
