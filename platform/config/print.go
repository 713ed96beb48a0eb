package config

import (
	"cmp"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
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

// Print writes each section as `KEY=value` lines under a `# name` header,
// in the format of .env.example: fields tagged secret:"true" show
// Redacted (or nothing when unset, so an operator can tell), and a URL
// shows with only its password masked.
func Print(w io.Writer, sections ...Section) error {
	var b strings.Builder
	for i, s := range sections {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "# %s\n", s.Name)
		for _, f := range fields(s.Value) {
			fmt.Fprintf(&b, "%s=%s\n", f.key, f.shown())
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// field is one environment variable of a configuration struct.
type field struct {
	key   string // the variable, envPrefix included
	path  string // the Go field path below the struct, e.g. HTTP.Addr
	value reflect.Value
	tag   reflect.StructTag
}

// fields lists the variables of v (a configuration struct or a pointer to
// one) in declaration order, walking nested structs the way env does.
// env has no API that pairs a variable with its field's value.
func fields(v any) []field {
	return walk(reflect.Indirect(reflect.ValueOf(v)), "", "")
}

func walk(v reflect.Value, prefix, path string) []field {
	var out []field
	for i := range v.NumField() {
		sf := v.Type().Field(i)
		key, _, _ := strings.Cut(sf.Tag.Get("env"), ",")
		switch {
		case !sf.IsExported() || key == "-":
		case key != "":
			out = append(out, field{key: prefix + key, path: path + sf.Name, value: v.Field(i), tag: sf.Tag})
		case sf.Type.Kind() == reflect.Struct:
			out = append(out, walk(v.Field(i), prefix+sf.Tag.Get("envPrefix"), path+sf.Name+".")...)
		}
	}
	return out
}

func (f field) secret() bool { return f.tag.Get("secret") == "true" }

// text is the field's value as it would be written in the environment.
func (f field) text() string {
	if f.value.Kind() == reflect.Map { // name:value pairs, sorted by name
		parts := make([]string, 0, f.value.Len())
		for it := f.value.MapRange(); it.Next(); {
			parts = append(parts, fmt.Sprintf("%v:%v", it.Key().Interface(), it.Value().Interface()))
		}
		slices.Sort(parts)
		return strings.Join(parts, ",")
	}
	if f.value.Kind() != reflect.Slice {
		return fmt.Sprint(f.value.Interface())
	}
	parts := make([]string, f.value.Len())
	for i := range parts {
		parts[i] = fmt.Sprint(f.value.Index(i).Interface())
	}
	return strings.Join(parts, cmp.Or(f.tag.Get("envSeparator"), ","))
}

// shown is text with secrets masked.
func (f field) shown() string {
	if s := f.text(); !f.secret() || s == "" {
		return RedactURL(s)
	}
	return Redacted
}

var secretParam = regexp.MustCompile(`(?i)\b(\w*(?:password|secret|token)\w*)=('[^']*'|[^&\s]+)`)

// RedactURL masks the password of a URL (postgres://u:xxxxx@h/db, as
// url.URL.Redacted does) and the value of any password-, secret- or
// token-named parameter, in a URL or a key=value DSN. Anything else,
// a URL without a password included, is returned unchanged. Use it
// whenever a connection string reaches a log line or an error message.
func RedactURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		if _, has := u.User.Password(); has {
			s = u.Redacted()
		}
	}
	return secretParam.ReplaceAllString(s, "${1}=xxxxx")
}
