package config

import (
	"fmt"
	"strings"
)

// Error reports bad configuration: one ProblemError per variable, printed
// one per line, so an operator sees every mistake at once and each line
// names the variable to fix.
type Error struct {
	Problems []ProblemError
}

// Error prints one line per problem.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// ProblemError is one bad variable. It is an error of its own so that a
// value parser can return it for the one value it rejects; Error gathers
// them all.
type ProblemError struct {
	// Var is the environment variable, e.g. HTTP_REQUEST_TIMEOUT.
	Var string
	// Value is what it was set to; not printed when Secret.
	Value  string
	Secret bool
	// Reason says what is wrong, e.g. "not a duration".
	Reason string
}

// Error renders the problem as `config: VAR="value": reason`.
func (p ProblemError) Error() string {
	switch {
	case p.Var == "":
		return "config: " + p.Reason
	case p.Secret:
		return fmt.Sprintf("config: %s: %s", p.Var, p.Reason)
	default:
		return fmt.Sprintf("config: %s=%q: %s", p.Var, p.Value, p.Reason)
	}
}

// problems collects the ProblemErrors of one section.
type problems []ProblemError

func (ps problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	return &Error{Problems: ps}
}
