# The stack's outputs, under the names the runbooks' `terraform output` use
# (described in ../../modules/stack/outputs.tf).

output "alb_dns_name" { value = module.stack.alb_dns_name }
output "api_url" { value = module.stack.api_url }
output "ecr_repository_url" { value = module.stack.ecr_repository_url }
output "cluster_name" { value = module.stack.cluster_name }
output "api_service_name" { value = module.stack.api_service_name }
output "worker_service_name" { value = module.stack.worker_service_name }
output "api_task_definition_arn" { value = module.stack.api_task_definition_arn }
output "private_subnet_ids" { value = module.stack.private_subnet_ids }
output "api_security_group_id" { value = module.stack.api_security_group_id }
output "rds_address" { value = module.stack.rds_address }
output "rds_master_secret_arn" { value = module.stack.rds_master_secret_arn }
output "secret_arns" { value = module.stack.secret_arns }
output "prometheus_endpoint" { value = module.stack.prometheus_endpoint }
output "alerts_topic_arn" { value = module.stack.alerts_topic_arn }
output "app_bucket" { value = module.stack.app_bucket }
output "app_bucket_region" { value = module.stack.app_bucket_region }
