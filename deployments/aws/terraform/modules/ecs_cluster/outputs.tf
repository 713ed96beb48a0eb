output "cluster_arn" {
  description = "ECS cluster ARN."
  value       = aws_ecs_cluster.this.arn
}

output "cluster_name" {
  description = "ECS cluster name."
  value       = aws_ecs_cluster.this.name
}

output "repository_url" {
  description = "ECR repository URL of the zebra image."
  value       = aws_ecr_repository.zebra.repository_url
}

output "repository_arn" {
  description = "ECR repository ARN (the execution roles may pull from it only)."
  value       = aws_ecr_repository.zebra.arn
}
