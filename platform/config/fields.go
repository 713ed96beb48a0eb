package config

import (
	"reflect"
	"strings"
)

// field is one environment variable of a configuration struct.
type field struct {
	key    string
	value  reflect.Value
	secret bool
	sep    string
}

// fields walks v (a struct or a pointer to one) the way caarlos0/env does:
// a field with an `env` tag is a variable, an untagged struct field is a
// group whose own fields are variables (under its `envPrefix`, if any).
func fields(v reflect.Value) []field {
	return walk(v, "")
}

func walk(v reflect.Value, prefix string) []field {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	var out []field
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		key, _, _ := strings.Cut(sf.Tag.Get("env"), ",")
		switch {
		case key == "-":
		case key != "":
			sep := sf.Tag.Get("envSeparator")
			if sep == "" {
				sep = ","
			}
			out = append(out, field{
				key:    prefix + key,
				value:  v.Field(i),
				secret: sf.Tag.Get("secret") == "true",
				sep:    sep,
			})
		default:
			out = append(out, walk(v.Field(i), prefix+sf.Tag.Get("envPrefix"))...)
		}
	}
	return out
}

// Vars lists the environment variables v reads (v is a configuration
// struct or a pointer to one), in declaration order. The test that keeps
// .env.example complete uses it.
func Vars(v any) []string {
	fs := fields(reflect.ValueOf(v))
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.key
	}
	return out
}
