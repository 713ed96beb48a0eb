package postgres

import (
	"github.com/zebralabs/zebra/platform/migrate"
)

// Source is the audit context's part of the desired schema:
// schema/audit.hcl and the append-only triggers of schema/audit.sql, with
// what the database roles may do. The audit role reads and appends events
// and chain positions, moves the chain head and drains the queue; it owns
// the queue, which its chainer vacuums. Every module's role may append
// events in its own transaction (Store.Append joins the caller's unit of
// work), which the trigger queues for the chainer, and read none.
func Source() migrate.Source {
	s := migrate.Embedded("audit")
	s.Own = []migrate.Grant{
		{Table: "events", Privileges: "SELECT, INSERT"},
		{Table: "chain", Privileges: "SELECT, INSERT"},
		{Table: "chain_head", Privileges: "SELECT, UPDATE"},
		{Table: "unchained", Privileges: "SELECT, INSERT, DELETE"},
	}
	s.Shared = []migrate.Grant{
		{Table: "events", Privileges: "INSERT"},
		{Table: "unchained", Privileges: "INSERT"},
	}
	s.Maintains = []string{"unchained"}
	return s
}
