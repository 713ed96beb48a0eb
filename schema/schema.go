// Package schema embeds the declarative database schema: one Atlas HCL file
// per owner, each owner's tables in a Postgres schema of its own name, plus
// an optional <owner>.sql of idempotent statements HCL cannot express.
// The files are the reviewed desired state; the zebra binary applies them.
package schema

import (
	"embed"
	"fmt"
)

//go:embed *.hcl *.sql
var files embed.FS

// HCL returns the Atlas HCL file of owner.
func HCL(owner string) []byte { return must(owner + ".hcl") }

// PostSQL returns the idempotent SQL of owner, or nil when it has none.
func PostSQL(owner string) []byte {
	b, err := files.ReadFile(owner + ".sql")
	if err != nil {
		return nil
	}
	return b
}

func must(name string) []byte {
	b, err := files.ReadFile(name)
	if err != nil {
		panic(fmt.Sprintf("schema: %s is not embedded", name))
	}
	return b
}
