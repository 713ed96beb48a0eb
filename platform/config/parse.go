package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Validator is implemented by configuration structs that check their own
// values after parsing (ranges, formats). Parse calls it.
type Validator interface {
	Validate() error
}

// Parse fills v, a pointer to a struct with `env:` tags, from the process
// environment, then calls v.Validate when v implements Validator. Modules
// parse their own sections with it, so adding a module never edits Config.
// A bad value comes back as an *Error naming the variable.
func Parse(v any) error {
	return ParseEnv(v, environ())
}

// ParseEnv is Parse over an explicit environment instead of the process's,
// so tests can run in parallel without touching os.Environ.
func ParseEnv(v any, environment map[string]string) error {
	var cur current
	opts := env.Options{
		Environment: environment,
		OnSet: func(key string, value any, _ bool) {
			cur.key, cur.value = key, fmt.Sprint(value)
		},
		FuncMap: parsers(v, &cur),
	}
	if err := env.ParseWithOptions(v, opts); err != nil {
		return translate(err, secretKeys(v))
	}
	if val, ok := v.(Validator); ok {
		return val.Validate()
	}
	return nil
}

// current is the variable env is setting. The library calls OnSet and then
// the field's parser for the same field, one field at a time, so a parser
// failing can name the variable and the value it was given.
type current struct {
	key, value string
}

// varError is a value that does not parse as the field's type.
type varError struct {
	key, value, reason string
}

func (e *varError) Error() string { return e.reason }

// parsers returns a parser for every scalar type v's fields use, each
// reporting failures as a varError. They replace the library's parsers so
// that messages name the variable instead of the Go field.
func parsers(v any, cur *current) map[reflect.Type]env.ParserFunc {
	out := map[reflect.Type]env.ParserFunc{}
	for _, f := range fields(reflect.ValueOf(v)) {
		t := f.value.Type()
		if t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if _, ok := reflect.New(t).Interface().(interface{ UnmarshalText([]byte) error }); ok {
			continue
		}
		out[t] = func(s string) (any, error) {
			val, reason := parseScalar(t, s)
			if reason != "" {
				return nil, &varError{key: cur.key, value: s, reason: reason}
			}
			return val.Interface(), nil
		}
	}
	return out
}

var durationType = reflect.TypeFor[time.Duration]()

// parseScalar converts s to a value of type t, or returns why it cannot.
func parseScalar(t reflect.Type, s string) (reflect.Value, string) {
	v := reflect.New(t).Elem()
	switch {
	case t == durationType:
		d, err := time.ParseDuration(s)
		if err != nil {
			return v, "not a duration"
		}
		v.SetInt(int64(d))
	case t.Kind() == reflect.String:
		v.SetString(s)
	case t.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return v, "not a boolean (true or false)"
		}
		v.SetBool(b)
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		n, err := strconv.ParseInt(s, 10, t.Bits())
		if err != nil {
			return v, "not an integer"
		}
		v.SetInt(n)
	case t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uint64:
		n, err := strconv.ParseUint(s, 10, t.Bits())
		if err != nil {
			return v, "not a non-negative integer"
		}
		v.SetUint(n)
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		n, err := strconv.ParseFloat(s, t.Bits())
		if err != nil {
			return v, "not a number"
		}
		v.SetFloat(n)
	default:
		return v, "unsupported type " + t.String()
	}
	return v, ""
}

// translate turns the library's aggregate error into an *Error with one
// problem per variable.
func translate(err error, secret map[string]bool) error {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return &Error{Problems: []Problem{{Reason: err.Error()}}}
	}
	out := &Error{}
	for _, e := range agg.Errors {
		var ve *varError
		var pe env.ParseError
		switch {
		case errors.As(e, &ve):
			out.Problems = append(out.Problems, Problem{Var: ve.key, Value: ve.value, Secret: secret[ve.key], Reason: ve.reason})
		case errors.As(e, &pe):
			if errors.As(pe.Err, &ve) {
				out.Problems = append(out.Problems, Problem{Var: ve.key, Value: ve.value, Secret: secret[ve.key], Reason: ve.reason})
				continue
			}
			out.Problems = append(out.Problems, Problem{Var: pe.Name, Reason: pe.Err.Error(), Secret: true})
		default:
			out.Problems = append(out.Problems, Problem{Reason: e.Error()})
		}
	}
	return out
}

// secretKeys lists the variables of v tagged secret:"true".
func secretKeys(v any) map[string]bool {
	out := map[string]bool{}
	for _, f := range fields(reflect.ValueOf(v)) {
		if f.secret {
			out[f.key] = true
		}
	}
	return out
}

func environ() map[string]string {
	out := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		out[k] = v
	}
	return out
}
