package migrate

import (
	"go.uber.org/fx"

	"github.com/zebralabs/zebra/schema"
)

// PlatformOwner is the Postgres schema of the platform's own tables
// (outbox, idempotency records, ...).
const PlatformOwner = "platform"

// PlatformSource is the platform's part of the desired schema:
// schema/platform.hcl and schema/platform.sql, embedded in the binary.
// Every database the service runs against needs it, whichever modules are
// plugged in. Its tables are the platform's, used by its own pool (the
// login user); every module's role may add outbox events and record the
// outcome of its idempotent requests in its own transaction, and read no
// other module's recorded responses.
func PlatformSource() Source {
	s := Embedded(PlatformOwner)
	s.Shared = []Grant{
		{Table: "outbox", Privileges: "INSERT"},
		{Table: "idempotency_keys", Privileges: "SELECT (scope, key, state), " +
			"UPDATE (state, completed_at, response_status, response_headers, response_body)"},
	}
	return s
}

// Embedded is owner's part of the desired schema as the binary embeds it:
// schema/<owner>.hcl and, when there is one, schema/<owner>.sql. Each
// module contributes Embedded("<its name>") with AsSource.
func Embedded(owner string) Source {
	return Source{Owner: owner, HCL: schema.HCL(owner), PostSQL: schema.PostSQL(owner)}
}

// Module contributes the platform's source to the "schema" group, beside
// the sources of the bounded-context modules. platform.Module includes it;
// a binary that assembles the platform by hand must include it once.
var Module = fx.Module("migrate",
	fx.Provide(AsSource(PlatformSource)),
)
