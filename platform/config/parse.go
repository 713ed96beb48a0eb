package config

import (
	"errors"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Validator is implemented by configuration structs that check what their
// `validate` tags cannot (values that depend on each other, parsed keys).
// Parse calls it after the tags' checks and reports the problems of both;
// Validate returns an *Error naming the variables.
type Validator interface {
	Validate() error
}

// Parse fills v, a pointer to a struct with `env:` tags, from the process
// environment, then checks its `validate` tags and calls v.Validate when
// v implements Validator. Modules parse their own sections with it, so
// adding a module never edits Config. A bad value comes back as an *Error
// naming the variable.
func Parse(v any) error {
	return ParseEnv(v, env.ToMap(os.Environ()))
}

// ParseEnv is Parse over an explicit environment instead of the process's,
// so tests can run in parallel without touching os.Environ.
func ParseEnv(v any, environment map[string]string) error {
	var key string // the variable env is setting: OnSet runs just before its parser
	err := env.ParseWithOptions(v, env.Options{
		Environment: environment,
		OnSet:       func(k string, _ any, _ bool) { key = k },
		FuncMap:     parsers(&key),
	})
	fs := fields(v)
	if err != nil {
		return parseProblems(err, fs).err()
	}
	ps := tagProblems(v, fs)
	if val, ok := v.(Validator); ok {
		ps = append(ps, problemsOf(val.Validate())...)
	}
	return ps.err()
}

// problemsOf returns the Problems of err: an *Error's, or one per line of
// any other error.
func problemsOf(err error) problems {
	var ce *Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ce):
		return ce.Problems
	}
	var ps problems
	for _, line := range strings.Split(err.Error(), "\n") {
		ps = append(ps, ProblemError{Reason: line})
	}
	return ps
}

// parsers wrap the parsers of the types configuration uses, only so that a
// failure names the variable and says what was expected: env's ParseError
// names the Go field (as it does for a type not listed here).
func parsers(key *string) map[reflect.Type]env.ParserFunc {
	wrap := func(reason string, parse func(string) (any, error)) env.ParserFunc {
		return func(s string) (any, error) {
			v, err := parse(s)
			if err != nil {
				return nil, ProblemError{Var: *key, Value: s, Reason: reason}
			}
			return v, nil
		}
	}
	return map[reflect.Type]env.ParserFunc{
		reflect.TypeFor[time.Duration]():  wrap("not a duration", func(s string) (any, error) { return time.ParseDuration(s) }),
		reflect.TypeFor[bool]():           wrap("not a boolean (true or false)", func(s string) (any, error) { return strconv.ParseBool(s) }),
		reflect.TypeFor[int]():            wrap("not an integer", func(s string) (any, error) { return strconv.Atoi(s) }),
		reflect.TypeFor[int64]():          wrap("not an integer", func(s string) (any, error) { return strconv.ParseInt(s, 10, 64) }),
		reflect.TypeFor[float64]():        wrap("not a number", func(s string) (any, error) { return strconv.ParseFloat(s, 64) }),
		reflect.TypeFor[map[string]int](): wrap("not a list of name:n pairs with n > 0 (orders:2,billing:4)", parseCounts),
		reflect.TypeFor[uint8](): wrap("not an integer from 0 to 255", func(s string) (any, error) {
			n, err := strconv.ParseUint(s, 10, 8)
			return uint8(n), err
		}),
		reflect.TypeFor[uint32](): wrap("not an integer from 0 to 4294967295", func(s string) (any, error) {
			n, err := strconv.ParseUint(s, 10, 32)
			return uint32(n), err
		}),
	}
}

// parseCounts parses "name:n,name:n" with every n > 0.
func parseCounts(s string) (any, error) {
	counts := map[string]int{}
	for _, pair := range strings.Split(s, ",") {
		name, n, ok := strings.Cut(strings.TrimSpace(pair), ":")
		v, err := strconv.Atoi(n)
		if !ok || name == "" || err != nil || v <= 0 {
			return nil, errors.New("bad pair")
		}
		counts[name] = v
	}
	return counts, nil
}

// parseProblems turns env's aggregate error into one ProblemError per variable.
func parseProblems(err error, fs []field) problems {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return problems{{Reason: err.Error()}}
	}
	var ps problems
	for _, e := range agg.Errors {
		var (
			pe    env.ParseError
			p     ProblemError
			unset env.VarIsNotSetError
			empty env.EmptyVarError
		)
		switch {
		case errors.As(e, &pe) && errors.As(pe.Err, &p):
		case errors.As(e, &unset):
			p = ProblemError{Var: unset.Key, Reason: "must be set"}
		case errors.As(e, &empty):
			p = ProblemError{Var: empty.Key, Reason: "must not be empty"}
		default:
			p = ProblemError{Reason: e.Error()}
		}
		for _, f := range fs {
			p.Secret = p.Secret || f.key == p.Var && f.secret()
		}
		ps = append(ps, p)
	}
	return ps
}
