package postgres

// The word role alone, or a role's name, is fine.
const grant = "GRANT SELECT ON alpha.things TO zebra_alpha"

const (
	escape  = "SET ROLE postgres"
	reset   = "reset role"
	local   = "SET LOCAL ROLE zebra_beta"
	session = "SET SESSION AUTHORIZATION postgres"
	config  = "SELECT set_config('role', 'postgres', false)"
)
