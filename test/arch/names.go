package arch

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// RuleNoContextInPlatform is the rule every Mention breaks.
const RuleNoContextInPlatform = "the platform holds mechanisms only: it names no context, nor a context's route, permission or table"

// Mention is one place in the platform's production code that names a
// context: its name (or singular) as a word of an identifier, a string or
// a comment, which also catches its tables (schema-qualified by the
// context's name) and most permissions; one of its routes; or one of its
// permissions.
type Mention struct {
	// File is relative to the checked root, with forward slashes.
	File    string
	Line    int
	Context string
	// Text is the word, route or permission found.
	Text string
}

func (m Mention) String() string {
	return fmt.Sprintf("%s:%d names the %s context (%q): %s", m.File, m.Line, m.Context, m.Text, RuleNoContextInPlatform)
}

// allowedPhrases are phrases, by file, that hold a context's name with another
// meaning; they are cut from the text before it is checked.
var allowedPhrases = map[string][]string{
	// Atlas HCL's identity block of a column, and Postgres' identity
	// columns.
	"platform/migrate/lint.go":  {"identity"},
	"platform/dbtest/models.go": {"nor identity, nor", "is identity or generated"},
}

// boundedContext is a bounded context as the platform must not know it.
type boundedContext struct {
	name        string
	words       []string // lower case
	routes      []string // route prefixes, e.g. /v1/things
	permissions []string
}

// CheckPlatform discovers the contexts under root/modules (every directory
// with a go.mod: its name, the routes its code declares, its
// auth.Permission constants) and reports every mention of one in the
// production Go files under root/platform, sorted. Nothing is listed by
// hand, so a new module is covered as soon as it exists.
func CheckPlatform(root string) ([]Mention, error) {
	contexts, err := discoverContexts(root)
	if err != nil {
		return nil, err
	}
	var out []Mention
	fset := token.NewFileSet()
	err = walkGo(filepath.Join(root, "platform"), func(path string) error {
		if strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return fmt.Errorf("parse %s: %w", rel, err)
		}
		report := func(pos token.Pos, text string, camel bool) {
			for _, c := range contexts {
				for _, found := range c.find(cut(text, allowedPhrases[rel]), camel) {
					out = append(out, Mention{File: rel, Line: fset.Position(pos).Line, Context: c.name, Text: found})
				}
			}
		}
		for _, cg := range f.Comments {
			for _, c := range cg.List {
				report(c.Pos(), c.Text, false)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Ident:
				report(n.Pos(), n.Name, true)
			case *ast.BasicLit:
				if n.Kind == token.STRING {
					if s, err := strconv.Unquote(n.Value); err == nil {
						report(n.Pos(), s, false)
					}
				}
			}
			return true
		})
		return nil
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		if out[i].Line != out[j].Line {
			return out[i].Line < out[j].Line
		}
		return out[i].Text < out[j].Text
	})
	return out, err
}

// wordRE splits text into words; '_' and '-' join (pg_stat_activity and
// audit-log are one word each).
var wordRE = regexp.MustCompile(`[A-Za-z0-9_-]+`)

// cut removes every phrase from text.
func cut(text string, phrases []string) string {
	for _, p := range phrases {
		text = strings.ReplaceAll(text, p, " ")
	}
	return text
}

// find returns what of c text names: its words, routes and permissions.
// camel splits identifiers at case changes as well (ManageOwnThings).
func (c boundedContext) find(text string, camel bool) []string {
	var found []string
	for _, w := range wordRE.FindAllString(text, -1) {
		parts := []string{w}
		if camel {
			parts = camelWords(w)
		}
		for _, p := range parts {
			lp := strings.ToLower(p)
			if contains(c.words, lp) {
				found = append(found, p)
			}
		}
	}
	for _, r := range c.routes {
		if hasRoute(text, r) {
			found = append(found, r)
		}
	}
	for _, p := range c.permissions {
		if strings.Contains(text, p) {
			found = append(found, p)
		}
	}
	return found
}

// hasRoute reports whether text holds route as a path: followed by its
// end, a '/', '?', quote or space, not by more of a segment.
func hasRoute(text, route string) bool {
	for i := strings.Index(text, route); i >= 0; {
		end := i + len(route)
		if end == len(text) || !isWordByte(text[end]) {
			return true
		}
		next := strings.Index(text[end:], route)
		if next < 0 {
			return false
		}
		i = end + next
	}
	return false
}

func isWordByte(b byte) bool {
	return b == '_' || b == '-' || b == '.' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

// camelWords splits an identifier at lower-to-upper changes:
// ManageOwnThings -> Manage, Own, Things.
func camelWords(ident string) []string {
	var words []string
	start := 0
	runes := []rune(ident)
	for i := 1; i < len(runes); i++ {
		if unicode.IsUpper(runes[i]) && !unicode.IsUpper(runes[i-1]) {
			words = append(words, string(runes[start:i]))
			start = i
		}
	}
	return append(words, string(runes[start:]))
}

// discoverContexts reads every module under root/modules.
func discoverContexts(root string) ([]boundedContext, error) {
	dirs, err := os.ReadDir(filepath.Join(root, "modules"))
	if err != nil {
		return nil, err
	}
	var out []boundedContext
	for _, d := range dirs {
		dir := filepath.Join(root, "modules", d.Name())
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); !d.IsDir() || err != nil {
			continue
		}
		c := boundedContext{name: d.Name(), words: []string{strings.ToLower(d.Name())}}
		if s := singular(c.words[0]); s != c.words[0] {
			c.words = append(c.words, s)
		}
		if err := c.readCode(dir); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// singular is the naive singular of an English plural: activities ->
// activity, notes -> note.
func singular(name string) string {
	switch {
	case strings.HasSuffix(name, "ies"):
		return strings.TrimSuffix(name, "ies") + "y"
	case strings.HasSuffix(name, "s") && !strings.HasSuffix(name, "ss"):
		return strings.TrimSuffix(name, "s")
	}
	return name
}

// routeRE is a string literal that looks like an HTTP route:
// /seg/seg..., at least two segments.
var routeRE = regexp.MustCompile(`^/[A-Za-z0-9._~-]+/[A-Za-z0-9._~{}/-]*$`)

// readCode collects the routes (string literals that look like one, cut
// before the first parameter) and the auth.Permission constants of the
// module's production code.
func (c *boundedContext) readCode(dir string) error {
	fset := token.NewFileSet()
	return walkGo(dir, func(path string) error {
		if strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return fmt.Errorf("parse %s: %w", path, err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				if s, err := strconv.Unquote(n.Value); err == nil && n.Kind == token.STRING && routeRE.MatchString(s) {
					route, _, _ := strings.Cut(s, "{")
					if route = strings.TrimSuffix(route, "/"); strings.Count(route, "/") >= 2 && !contains(c.routes, route) {
						c.routes = append(c.routes, route)
					}
				}
			case *ast.ValueSpec:
				if !isPermissionType(n.Type) {
					return true
				}
				for _, v := range n.Values {
					if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						if s, err := strconv.Unquote(lit.Value); err == nil {
							c.permissions = append(c.permissions, s)
						}
					}
				}
			}
			return true
		})
		return nil
	})
}

// isPermissionType reports whether t is auth.Permission.
func isPermissionType(t ast.Expr) bool {
	sel, ok := t.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	return ok && x.Name == "auth" && sel.Sel.Name == "Permission"
}

// walkGo calls fn with every .go file under dir, skipping what Check
// skips.
func walkGo(dir string, fn func(path string) error) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != dir && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		return fn(path)
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
