package migrate

import (
	"fmt"
	"strings"

	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"
)

// DestructiveError is returned by Apply when the plan would lose data and
// Options.AllowDestructive is false. Nothing has been changed.
type DestructiveError struct {
	// Changes describes each destructive statement.
	Changes []string
}

// Error lists the destructive changes and how to allow them.
func (e *DestructiveError) Error() string {
	return fmt.Sprintf("refusing %d destructive schema change(s) (re-run with --allow-destructive "+
		"once the data is safe to lose): %s", len(e.Changes), strings.Join(e.Changes, "; "))
}

// destructive describes the data a planned change may lose, or returns ""
// when it loses none. Dropping a schema, a table or a column loses their
// rows; changing a column's type rewrites every value through a cast that
// may truncate it (varchar(n), numeric scale, timestamp precision), unless
// it only widens the type.
func destructive(c schema.Change) string {
	var reasons []string
	switch c := c.(type) {
	case *schema.DropSchema:
		reasons = append(reasons, fmt.Sprintf("drop schema %q and everything in it", c.S.Name))
	case *schema.DropTable:
		reasons = append(reasons, fmt.Sprintf("drop table %s", tableName(c.T)))
	case *schema.ModifyTable:
		for _, tc := range c.Changes {
			if r := columnLoss(c.T, tc); r != "" {
				reasons = append(reasons, r)
			}
		}
	}
	return strings.Join(reasons, "; ")
}

func columnLoss(t *schema.Table, c schema.Change) string {
	switch c := c.(type) {
	case *schema.DropColumn:
		return fmt.Sprintf("drop column %s.%q", tableName(t), c.C.Name)
	case *schema.ModifyColumn:
		if c.Change.Is(schema.ChangeType) && !widens(c.From.Type.Type, c.To.Type.Type) {
			return fmt.Sprintf("change type of column %s.%q from %s to %s (values are cast and may be truncated)",
				tableName(t), c.From.Name, typeName(c.From.Type.Type), typeName(c.To.Type.Type))
		}
	}
	return ""
}

// widens reports whether every value of from fits in to unchanged:
// varchar(n) to a longer varchar or to text, a smaller integer to a larger.
func widens(from, to schema.Type) bool {
	switch f := from.(type) {
	case *schema.StringType:
		t, ok := to.(*schema.StringType)
		if !ok || !isVarchar(f.T) {
			return false
		}
		switch {
		case t.T == postgres.TypeText:
			return true
		case isVarchar(t.T):
			return f.Size > 0 && t.Size >= f.Size || t.Size == 0
		}
	case *schema.IntegerType:
		t, ok := to.(*schema.IntegerType)
		return ok && intRank(t.T) >= intRank(f.T) && intRank(f.T) > 0
	}
	return false
}

func isVarchar(t string) bool {
	return t == postgres.TypeVarChar || t == postgres.TypeCharVar
}

func intRank(t string) int {
	switch t {
	case postgres.TypeSmallInt, "int2":
		return 1
	case postgres.TypeInteger, postgres.TypeInt, "int4":
		return 2
	case postgres.TypeBigInt, "int8":
		return 3
	}
	return 0
}

func typeName(t schema.Type) string {
	if s, err := postgres.FormatType(t); err == nil {
		return s
	}
	return fmt.Sprintf("%T", t)
}

func tableName(t *schema.Table) string {
	if t.Schema != nil {
		return fmt.Sprintf("%q.%q", t.Schema.Name, t.Name)
	}
	return fmt.Sprintf("%q", t.Name)
}
