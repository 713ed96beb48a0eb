# ecs: services roll back failed deployments and scale; the app container
# runs as a non-root user on a read-only root filesystem.
package main

deny contains finding("ecs", b.pos, sprintf("ECS service %s: deployment_circuit_breaker (with rollback) is required", [name])) if {
	some m in input.modules
	some name, b in resources(m, "aws_ecs_service")
	not b.blocks.deployment_circuit_breaker
}

deny contains finding("ecs", b.pos, sprintf("ECS service %s: no aws_appautoscaling_target scales it", [name])) if {
	some m in input.modules
	some name, b in resources(m, "aws_ecs_service")
	not scaled(m, name)
}

scaled(m, service) if {
	some t in resources(m, "aws_appautoscaling_target")
	refers_to(t, "resource_id", sprintf("aws_ecs_service.%s", [service]))
}

# container_values are the objects anywhere in the evaluated values of the
# module's blocks: the container definitions are built from locals or
# literals.
container_values(m) := [v |
	walk(object.remove(m, {"calls", "references"}), [_, v])
	is_object(v)
]

read_only(m) if {
	some v in container_values(m)
	v.readonlyRootFilesystem == true
}

non_root(m) if {
	some v in container_values(m)
	is_string(v.user)
	not v.user in {"", "root", "0"}
	not startswith(v.user, "0:")
}

deny contains finding("ecs", b.pos, sprintf("task definition %s: the app container must set readonlyRootFilesystem = true", [name])) if {
	some m in input.modules
	some name, b in resources(m, "aws_ecs_task_definition")
	not read_only(m)
}

deny contains finding("ecs", b.pos, sprintf("task definition %s: the app container must set a non-root user", [name])) if {
	some m in input.modules
	some name, b in resources(m, "aws_ecs_task_definition")
	not non_root(m)
}

# Object storage: a service that may use the app bucket (s3_bucket_arn)
# is told where it is (S3_ENDPOINT, S3_BUCKET, S3_REGION), and no service
# gets static AWS or S3 keys, in its environment or its secrets: the task
# role's temporary credentials are the only ones. Checked on the values
# each environment passes down its stack.

# call_env_names are the variable names an attribute of a module call
# gives the container; merge(a, b) appears as the list of its arguments.
call_env_names(call, attr) := {k | some k, _ in call.attrs[attr].value} if is_object(call.attrs[attr].value)

call_env_names(call, attr) := {k |
	some o in call.attrs[attr].value
	is_object(o)
	some k, _ in o
} if is_array(call.attrs[attr].value)

static_credential(name) if regex.match(`^(AWS|S3)_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)$`, name)

deny contains finding("ecs", call.pos, msg) if {
	some [env, call, kind] in env_calls
	kind == "ecs_service"
	some attr in ["environment", "secret_arns"]
	some name in call_env_names(call, attr)
	static_credential(name)
	msg := sprintf("%s: ECS service %s gets %s in its %s: use the task role's credentials", [env, call.name, name, attr])
}

deny contains finding("ecs", call.pos, msg) if {
	some [env, call, kind] in env_calls
	kind == "ecs_service"
	present(call, "s3_bucket_arn")
	names := call_env_names(call, "environment")
	some name in ["S3_ENDPOINT", "S3_BUCKET", "S3_REGION"]
	not name in names
	msg := sprintf("%s: ECS service %s may use the app bucket (s3_bucket_arn) but its environment has no %s", [env, call.name, name])
}
