package arch

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// RuleStayInRole is the rule every RoleEscape breaks.
const RuleStayInRole = "a module's statements run as its own database role (docs/adr/0007-module-database-roles.md): " +
	"no code may change role, and no function may run with its definer's privileges"

// RoleEscape is a place where a module's code, or a schema's idempotent
// SQL, would let a statement run with privileges other than its module
// role's: SET ROLE or RESET ROLE, SET SESSION AUTHORIZATION, set_config of
// role, or a SECURITY DEFINER function (which runs as the user that
// applied the schema, the owner of everything).
type RoleEscape struct {
	// File is relative to the checked root, with forward slashes.
	File string
	Line int
	Text string
}

func (e RoleEscape) String() string {
	return fmt.Sprintf("%s:%d: %q: %s", e.File, e.Line, e.Text, RuleStayInRole)
}

var roleEscape = regexp.MustCompile(`(?i)\b(re)?set\s+((local|session)\s+)?role\b|\bsession\s+authorization\b|` +
	`\bset_config\s*\(\s*'role'|\bsecurity\s+definer\b`)

// CheckRoles reports every RoleEscape in the production Go files under
// root/modules and the SQL files under root/schema, in file order. Tests
// are not checked: they may act as any role to prove what a role cannot
// do.
func CheckRoles(root string) ([]RoleEscape, error) {
	var out []RoleEscape
	for _, dir := range []string{"modules", "schema"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return err
			case d.IsDir() && skipDir(d.Name()):
				return filepath.SkipDir
			case d.IsDir(), strings.HasSuffix(path, "_test.go"),
				!strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, ".sql"):
				return nil
			}
			found, err := scanRoles(root, path)
			out = append(out, found...)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func scanRoles(root, path string) ([]RoleEscape, error) {
	rel, err := filepath.Rel(root, path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []RoleEscape
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		if m := roleEscape.FindString(sc.Text()); m != "" {
			out = append(out, RoleEscape{File: filepath.ToSlash(rel), Line: n, Text: m})
		}
	}
	return out, sc.Err()
}
