output "alb_dns_name" {
  description = "ALB DNS name."
  value       = module.alb.dns_name
}

output "api_url" {
  description = "Public URL of the API."
  value       = "https://${var.api_domain}"
}

output "ecr_repository_url" {
  description = "Push the image here (by digest) before a plan."
  value       = module.ecs_cluster.repository_url
}

output "cluster_name" {
  description = "ECS cluster."
  value       = module.ecs_cluster.cluster_name
}

output "api_service_name" {
  description = "ECS service of the API."
  value       = module.api.service_name
}

output "worker_service_name" {
  description = "ECS service of the worker."
  value       = module.worker.service_name
}

output "api_task_definition_arn" {
  description = "Task definition for one-off commands (`schema apply`)."
  value       = module.api.task_definition_arn
}

output "private_subnet_ids" {
  description = "Subnets for one-off tasks."
  value       = module.network.private_subnet_ids
}

output "api_security_group_id" {
  description = "Security group for one-off tasks (reaches Postgres and Redis)."
  value       = module.api.security_group_id
}

output "rds_address" {
  description = "Postgres host."
  value       = module.rds_postgres.address
}

output "rds_master_secret_arn" {
  description = "Master password secret (operators only)."
  value       = module.rds_postgres.master_user_secret_arn
}

output "secret_arns" {
  description = "Secrets to fill with `aws secretsmanager put-secret-value`."
  value       = module.secrets.secret_arns
}

output "prometheus_endpoint" {
  description = "Amazon Managed Prometheus query endpoint (Grafana datasource)."
  value       = module.otel.workspace_endpoint
}

output "alerts_topic_arn" {
  description = "SNS topic of the alerts."
  value       = module.otel.alerts_topic_arn
}

output "app_bucket" {
  description = "Name of the app bucket (S3_BUCKET of the services): the destination of the runbook's object storage sync."
  value       = module.app_bucket.id
}

output "app_bucket_region" {
  description = "Region of the app bucket (S3_REGION of the services)."
  value       = module.app_bucket.region
}
