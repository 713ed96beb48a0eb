# prod: backups of 7+ days in every environment; in production the
# database and the ALB have deletion protection and the database is
# Multi-AZ. Checked on the values each environment passes down its stack.
package main

env_calls contains [m.dir, call, base(str(call, "source"))] if {
	some m in input.modules
	is_env(m)
	some call in m.calls
}

deny contains finding("prod", call.pos, sprintf("%s: backup_retention_days must be at least 7", [env])) if {
	some [env, call, kind] in env_calls
	kind == "rds_postgres"
	call.attrs.backup_retention_days
	not at_least(call, "backup_retention_days", 7)
}

deny contains finding("prod", call.pos, sprintf("envs/prod: the database needs %s = true", [attr])) if {
	some [env, call, kind] in env_calls
	[env, kind] == ["envs/prod", "rds_postgres"]
	some attr in ["deletion_protection", "multi_az"]
	not is_true(call, attr)
}

deny contains finding("prod", call.pos, "envs/prod: the ALB needs deletion_protection = true") if {
	some [env, call, kind] in env_calls
	[env, kind] == ["envs/prod", "alb"]
	not is_true(call, "deletion_protection")
}
