variable "name" {
  description = "Service name, e.g. zebra-prod-api."
  type        = string
}

variable "cluster_arn" {
  description = "ECS cluster ARN."
  type        = string
}

variable "cluster_name" {
  description = "ECS cluster name (autoscaling resource id)."
  type        = string
}

variable "image" {
  description = "Image reference, by digest: <repository_url>@sha256:..."
  type        = string
}

variable "command" {
  description = "Arguments to the image ENTRYPOINT /zebra: [\"serve\"] or [\"worker\"]."
  type        = list(string)
}

variable "cpu" {
  description = "Task CPU units."
  type        = number
  default     = 512
}

variable "memory" {
  description = "Task memory (MiB)."
  type        = number
  default     = 1024
}

variable "cpu_architecture" {
  description = "ARM64 (Graviton) or X86_64; the image is built for both."
  type        = string
  default     = "ARM64"
}

variable "desired_count" {
  description = "Initial task count; autoscaling owns it afterwards."
  type        = number
  default     = 2
}

variable "min_capacity" {
  description = "Autoscaling minimum."
  type        = number
  default     = 2
}

variable "max_capacity" {
  description = "Autoscaling maximum (mind Postgres max_connections: max_capacity x the connections of a task, its platform and module pools; docs/adr/0007-module-database-roles.md)."
  type        = number
  default     = 10
}

variable "cpu_target_percent" {
  description = "Target average CPU for target tracking."
  type        = number
  default     = 60
}

variable "requests_per_target" {
  description = "Target ALB requests per task per minute; null disables request-count scaling."
  type        = number
  default     = null
}

variable "vpc_id" {
  description = "VPC of the tasks."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the tasks (no public IPs)."
  type        = list(string)
}

variable "container_port" {
  description = "HTTP_ADDR port."
  type        = number
  default     = 8080
}

variable "load_balancer" {
  description = "ALB attachment for the API; null for the worker (no ingress at all)."
  type = object({
    target_group_arn        = string
    target_group_arn_suffix = string
    alb_arn_suffix          = string
    security_group_id       = string
  })
  default = null
}

variable "environment" {
  description = "Non-secret environment variables of the app container."
  type        = map(string)
  default     = {}
}

variable "secret_arns" {
  description = "Secret environment variables: name => Secrets Manager ARN. The execution role may read these and nothing else."
  type        = map(string)
  default     = {}
}

variable "kms_key_arn" {
  description = "KMS key of the secrets, the log group and the bucket."
  type        = string
}

variable "ecr_repository_arn" {
  description = "ECR repository the execution role may pull from."
  type        = string
}

variable "s3_bucket_arn" {
  description = "Application bucket the task role may read and write; null for none."
  type        = string
  default     = null
}

variable "sidecars" {
  description = "Extra container definitions (the otel module's collector); the log configuration is added here."
  type        = list(any)
  default     = []
}

variable "task_policy_documents" {
  description = "Extra IAM policy documents (JSON) for the task role, e.g. the collector's."
  type        = list(string)
  default     = []
}

variable "stop_timeout" {
  description = "Seconds between SIGTERM and SIGKILL; above SHUTDOWN_TIMEOUT (20s). Fargate allows up to 120."
  type        = number
  default     = 30

  validation {
    condition     = var.stop_timeout > 20 && var.stop_timeout <= 120
    error_message = "stop_timeout must exceed SHUTDOWN_TIMEOUT (20s) and be at most 120 (Fargate)."
  }
}

variable "health_check_grace_period" {
  description = "Seconds the ALB health check is ignored after a task starts."
  type        = number
  default     = 30
}

variable "enable_execute_command" {
  description = "Allow ECS Exec into the app container (off: the image has no shell anyway)."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Retention of the service's log group."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
