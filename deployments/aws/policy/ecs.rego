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
