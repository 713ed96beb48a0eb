// Package promql pulls the metric selectors out of PromQL expressions, so
// the deployment tests can check that every metric a dashboard or an alert
// reads is one the service really exports.
//
// It is a tokenizer, not a full parser: it knows enough of the grammar
// (functions, aggregations with by/without, vector matching, offsets,
// strings, label matchers, ranges and Grafana's $variables) to tell a metric
// name from everything else. The syntax itself is checked by promtool in
// `make lint`.
package promql

import (
	"fmt"
	"sort"
	"strings"
)

// Selector is one vector selector of an expression: the metric name and the
// label names its matchers use.
type Selector struct {
	Metric string
	Labels []string
}

// aggregations are the operators that may be followed by by/without before
// their parenthesised argument.
var aggregations = map[string]bool{
	"sum": true, "min": true, "max": true, "avg": true, "group": true,
	"stddev": true, "stdvar": true, "count": true, "count_values": true,
	"bottomk": true, "topk": true, "quantile": true, "limitk": true,
	"limit_ratio": true,
}

// keywords never name a metric.
var keywords = map[string]bool{
	"by": true, "without": true, "on": true, "ignoring": true,
	"group_left": true, "group_right": true, "bool": true,
	"and": true, "or": true, "unless": true, "atan2": true,
	"offset": true, "inf": true, "nan": true,
}

// labelListKeywords are followed by a parenthesised list of label names.
var labelListKeywords = map[string]bool{
	"by": true, "without": true, "on": true, "ignoring": true,
	"group_left": true, "group_right": true,
}

type kind int

const (
	tIdent kind = iota
	tNumber
	tString
	tLBrace
	tRBrace
	tLParen
	tRParen
	tLBracket
	tRBracket
	tOp
	tComma
)

type token struct {
	kind kind
	text string
	pos  int
}

// Selectors returns the vector selectors of expr, in order of appearance.
func Selectors(expr string) ([]Selector, error) {
	toks, err := lex(expr)
	if err != nil {
		return nil, err
	}
	if err := balanced(toks); err != nil {
		return nil, err
	}
	var out []Selector
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t.kind {
		case tLBracket:
			// Range or subquery duration ([5m], [$__rate_interval], [1h:5m]).
			j, err := skipTo(toks, i, tRBracket)
			if err != nil {
				return nil, err
			}
			i = j
		case tLBrace:
			// A selector without a metric name: {__name__="x", ...}.
			labels, name, j, err := matchers(toks, i)
			if err != nil {
				return nil, err
			}
			if name == "" {
				return nil, fmt.Errorf("selector at %d has neither a metric name nor __name__", t.pos)
			}
			out = append(out, Selector{Metric: name, Labels: labels})
			i = j
		case tIdent:
			low := strings.ToLower(t.text)
			next := peek(toks, i+1)
			switch {
			case labelListKeywords[low]:
				if next != nil && next.kind == tLParen {
					j, err := skipTo(toks, i+1, tRParen)
					if err != nil {
						return nil, err
					}
					i = j
				}
			case low == "offset":
				// offset 5m / offset -1h: the duration lexes as a number
				// (and an operator for the sign); both are skipped below.
			case keywords[low]:
			case next != nil && next.kind == tLParen:
				// A function call or an aggregation: the argument list
				// is scanned by the loop.
			case aggregations[low] && next != nil && next.kind == tIdent &&
				(strings.EqualFold(next.text, "by") || strings.EqualFold(next.text, "without")):
			default:
				sel := Selector{Metric: t.text}
				if next != nil && next.kind == tLBrace {
					labels, name, j, err := matchers(toks, i+1)
					if err != nil {
						return nil, err
					}
					if name != "" && name != t.text {
						return nil, fmt.Errorf("selector %s also matches __name__=%q", t.text, name)
					}
					sel.Labels = labels
					i = j
				}
				out = append(out, sel)
			}
		}
	}
	return out, nil
}

// Metrics returns the distinct metric names of expr, sorted.
func Metrics(expr string) ([]string, error) {
	sels, err := Selectors(expr)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var names []string
	for _, s := range sels {
		if !seen[s.Metric] {
			seen[s.Metric] = true
			names = append(names, s.Metric)
		}
	}
	sort.Strings(names)
	return names, nil
}

// balanced checks that parentheses, brackets and braces nest properly.
func balanced(toks []token) error {
	pairs := map[kind]kind{tRParen: tLParen, tRBracket: tLBracket, tRBrace: tLBrace}
	var stack []token
	for _, t := range toks {
		switch t.kind {
		case tLParen, tLBracket, tLBrace:
			stack = append(stack, t)
		case tRParen, tRBracket, tRBrace:
			if len(stack) == 0 || stack[len(stack)-1].kind != pairs[t.kind] {
				return fmt.Errorf("unexpected %q at %d", t.text, t.pos)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		return fmt.Errorf("unclosed %q at %d", stack[len(stack)-1].text, stack[len(stack)-1].pos)
	}
	return nil
}

func peek(toks []token, i int) *token {
	if i < len(toks) {
		return &toks[i]
	}
	return nil
}

// skipTo returns the index of the token of kind closing that balances the
// opening token at i.
func skipTo(toks []token, i int, closing kind) (int, error) {
	open := toks[i].kind
	depth := 0
	for j := i; j < len(toks); j++ {
		switch toks[j].kind {
		case open:
			depth++
		case closing:
			depth--
			if depth == 0 {
				return j, nil
			}
		}
	}
	return 0, fmt.Errorf("unbalanced %q at %d", toks[i].text, toks[i].pos)
}

// matchers reads the label matchers of the brace block opening at i and
// returns the label names (sorted, without __name__), the __name__ value if
// one was given with =, and the index of the closing brace.
func matchers(toks []token, i int) ([]string, string, int, error) {
	var labels []string
	name := ""
	j := i + 1
	for j < len(toks) && toks[j].kind != tRBrace {
		if toks[j].kind == tComma {
			j++
			continue
		}
		// label op "value"   or, since Prometheus 3, "quoted.name" alone.
		if toks[j].kind != tIdent && toks[j].kind != tString {
			return nil, "", 0, fmt.Errorf("expected a label name at %d, got %q", toks[j].pos, toks[j].text)
		}
		label := unquote(toks[j])
		if j+2 < len(toks) && toks[j+1].kind == tOp && toks[j+2].kind == tString {
			if label == "__name__" {
				if toks[j+1].text == "=" {
					name = unquote(toks[j+2])
				}
			} else {
				labels = append(labels, label)
			}
			j += 3
			continue
		}
		if toks[j].kind == tString {
			name = label
			j++
			continue
		}
		return nil, "", 0, fmt.Errorf("malformed matcher for %q at %d", label, toks[j].pos)
	}
	if j >= len(toks) {
		return nil, "", 0, fmt.Errorf("unclosed { at %d", toks[i].pos)
	}
	sort.Strings(labels)
	return labels, name, j, nil
}

func unquote(t token) string {
	if t.kind != tString {
		return t.text
	}
	s := t.text[1 : len(t.text)-1]
	if t.text[0] == '`' {
		return s
	}
	return strings.NewReplacer(`\"`, `"`, `\'`, `'`, `\\`, `\`).Replace(s)
}

func isIdentStart(c byte) bool {
	return c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentChar(c byte) bool {
	return isIdentStart(c) || (c >= '0' && c <= '9')
}

func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '#':
			// Comment to the end of the line.
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '"' || c == '\'' || c == '`':
			j := i + 1
			for j < len(s) && s[j] != c {
				if s[j] == '\\' && c != '`' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated string at %d", i)
			}
			toks = append(toks, token{tString, s[i : j+1], i})
			i = j + 1
		case c == '$':
			// A Grafana variable ($job, ${job}, $__rate_interval): a value,
			// never a metric.
			j := i + 1
			if j < len(s) && s[j] == '{' {
				for j < len(s) && s[j] != '}' {
					j++
				}
				j++
			} else {
				for j < len(s) && isIdentChar(s[j]) {
					j++
				}
			}
			toks = append(toks, token{tNumber, s[i:j], i})
			i = j
		case (c >= '0' && c <= '9') || (c == '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9'):
			// Numbers and durations: 0.95, 1e3, 0x1f, 5m, 1h30m.
			j := i
			for j < len(s) && (isIdentChar(s[j]) || s[j] == '.') {
				j++
			}
			toks = append(toks, token{tNumber, s[i:j], i})
			i = j
		case isIdentStart(c):
			j := i
			for j < len(s) && isIdentChar(s[j]) {
				j++
			}
			toks = append(toks, token{tIdent, s[i:j], i})
			i = j
		case c == '{':
			toks = append(toks, token{tLBrace, "{", i})
			i++
		case c == '}':
			toks = append(toks, token{tRBrace, "}", i})
			i++
		case c == '(':
			toks = append(toks, token{tLParen, "(", i})
			i++
		case c == ')':
			toks = append(toks, token{tRParen, ")", i})
			i++
		case c == '[':
			toks = append(toks, token{tLBracket, "[", i})
			i++
		case c == ']':
			toks = append(toks, token{tRBracket, "]", i})
			i++
		case c == ',':
			toks = append(toks, token{tComma, ",", i})
			i++
		case strings.IndexByte("=!~<>+-*/%^@:", c) >= 0:
			j := i + 1
			for j < len(s) && strings.IndexByte("=~", s[j]) >= 0 {
				j++
			}
			toks = append(toks, token{tOp, s[i:j], i})
			i = j
		default:
			return nil, fmt.Errorf("unexpected %q at %d", c, i)
		}
	}
	return toks, nil
}
