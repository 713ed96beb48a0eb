package config

import (
	"fmt"
	"io"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"time"
)

// Redacted replaces a secret value in printed configuration.
const Redacted = "[redacted]"

// Section is one named part of the effective configuration. The platform's
// Config is the section "platform"; modules add theirs to the "config"
// value group (see Provide and AsSection) so `zebra config` prints them.
type Section struct {
	Name  string
	Value any
}

// Entry is one printed variable.
type Entry struct {
	Key, Value string
}

// Entries lists the variables of a configuration struct with their
// effective values as text: secret:"true" fields show Redacted (or
// nothing when unset, so an operator can tell), and any value that is a
// URL or DSN carrying a password shows it masked.
func Entries(v any) []Entry {
	fs := fields(reflect.ValueOf(v))
	out := make([]Entry, len(fs))
	for i, f := range fs {
		out[i] = Entry{Key: f.key, Value: render(f)}
	}
	return out
}

// Print writes each section as `KEY=value` lines under a `# name` header,
// in the format of .env.example, secrets redacted.
func Print(w io.Writer, sections ...Section) error {
	for i, s := range sections {
		if i > 0 {
			if _, err := fmt.Fprintln(w); err != nil {
				return err
			}
		}
		if _, err := fmt.Fprintf(w, "# %s\n", s.Name); err != nil {
			return err
		}
		for _, e := range Entries(s.Value) {
			if _, err := fmt.Fprintf(w, "%s=%s\n", e.Key, e.Value); err != nil {
				return err
			}
		}
	}
	return nil
}

func render(f field) string {
	s := format(f.value, f.sep)
	if f.secret && s != "" {
		return Redacted
	}
	return RedactURL(s)
}

func format(v reflect.Value, sep string) string {
	if v.Type() == durationType {
		return time.Duration(v.Int()).String()
	}
	if v.Kind() == reflect.Slice {
		parts := make([]string, v.Len())
		for i := range v.Len() {
			parts[i] = format(v.Index(i), sep)
		}
		return strings.Join(parts, sep)
	}
	if s, ok := v.Interface().(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprint(v.Interface())
}

var dsnPassword = regexp.MustCompile(`(?i)\b(password|sslpassword)=('[^']*'|\S+)`)

// RedactURL masks the password of a URL (postgres://u:xxxxx@h/db) and any
// password-like query parameter or key=value DSN setting. Anything else is
// returned unchanged. Use it whenever a connection string reaches a log
// line or an error message.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return dsnPassword.ReplaceAllString(s, "${1}=xxxxx")
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	changed := false
	for k := range q {
		lk := strings.ToLower(k)
		if strings.Contains(lk, "password") || strings.Contains(lk, "secret") || strings.Contains(lk, "token") {
			q.Set(k, "xxxxx")
			changed = true
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	return u.String()
}
