variable "environment" {
  description = "Environment name (dev, stage, prod): resource names are zebra-<environment>."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.environment))
    error_message = "environment must be a short lower-case name such as prod."
  }
}

variable "tags" {
  description = "Tags of every resource (the environment's provider sets the same as default_tags)."
  type        = map(string)
}

variable "account_id" {
  description = "The AWS account of this environment; the provider refuses any other."
  type        = string
}

variable "vpc_cidr" {
  description = "VPC range (distinct per environment, so they can be peered)."
  type        = string
}

variable "zone_name" {
  description = "Route 53 public hosted zone, e.g. zebralabs.io."
  type        = string
}

variable "api_domain" {
  description = "Public API name served by this environment."
  type        = string
}

variable "test_domain" {
  description = "Name that always points at the ALB, for smoke tests before and during the cutover."
  type        = string
}

variable "image_digest" {
  description = "Digest (sha256:...) of the image in this environment's ECR repository. Deploys pin digests, never tags."
  type        = string

  validation {
    condition     = can(regex("^sha256:[0-9a-f]{64}$", var.image_digest))
    error_message = "image_digest must be sha256:<64 hex>."
  }
}

variable "aws_weight" {
  description = "Route 53 weight of the ALB record (cutover: 0, 10, 50, 100)."
  type        = number
}

variable "fly_ipv4" {
  description = "Dedicated IPv4 of the Fly app during the cutover; empty afterwards."
  type        = string
}

variable "fly_weight" {
  description = "Route 53 weight of the Fly record during the cutover."
  type        = number
}

variable "alert_emails" {
  description = "Addresses subscribed to the alert topic."
  type        = list(string)
}

variable "key_administrator_arns" {
  description = "Roles allowed to administer the environment's KMS key (the deploy role)."
  type        = list(string)
}

variable "app_base_url" {
  description = "Base URL of the web app, used in the links of verification and password-reset mail."
  type        = string
}

variable "mail_from" {
  description = "Sender of the service's mail."
  type        = string
}

variable "traces_sampler_ratio" {
  description = "OTEL_TRACES_SAMPLER_RATIO of the API and the worker: the share of traces kept, \"0\" to \"1\"."
  type        = string
}

variable "az_count" {
  description = "Availability zones the network spans (2 or 3)."
  type        = number
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones (cheaper, outside prod) instead of one per zone."
  type        = bool
}

variable "deletion_protection" {
  description = "Protect the ALB and the database from deletion (true in prod)."
  type        = bool
}

variable "api" {
  description = "The API service (`serve` behind the ALB): task CPU units and memory (MiB), initial task count and autoscaling range."
  type = object({
    cpu           = number
    memory        = number
    desired_count = number
    min_capacity  = number
    max_capacity  = number
  })
}

variable "worker" {
  description = "The worker service (`worker`: the background jobs): task CPU units and memory (MiB), initial task count and autoscaling range."
  type = object({
    cpu           = number
    memory        = number
    desired_count = number
    min_capacity  = number
    max_capacity  = number
  })
}

variable "database" {
  description = "RDS PostgreSQL: instance class, Multi-AZ (true in prod) and days of backups (7 or more)."
  type = object({
    instance_class        = string
    multi_az              = bool
    backup_retention_days = number
  })
}

variable "redis" {
  description = "ElastiCache Redis: node type and number of nodes (primary plus replicas)."
  type = object({
    node_type          = string
    num_cache_clusters = number
  })
}
