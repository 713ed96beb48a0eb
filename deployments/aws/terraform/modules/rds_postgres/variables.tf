variable "name" {
  description = "Prefix of every resource name, e.g. zebra-prod."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the database."
  type        = string
}

variable "subnet_ids" {
  description = "Isolated data subnets (no internet route)."
  type        = list(string)
}

variable "allowed_security_group_ids" {
  description = "Security groups (the ECS services) allowed to connect on 5432. Nothing else is."
  type        = map(string)
}

variable "kms_key_arn" {
  description = "KMS key for storage, Performance Insights and the managed master secret."
  type        = string
}

variable "engine_version" {
  description = "PostgreSQL major.minor."
  type        = string
  default     = "15.8"
}

variable "instance_class" {
  description = "Instance class."
  type        = string
  default     = "db.t4g.medium"
}

variable "allocated_storage" {
  description = "Initial storage (GiB)."
  type        = number
  default     = 50
}

variable "max_allocated_storage" {
  description = "Storage autoscaling ceiling (GiB)."
  type        = number
  default     = 500
}

variable "multi_az" {
  description = "Synchronous standby in another zone."
  type        = bool
  default     = true
}

variable "backup_retention_days" {
  description = "Automated backups (point-in-time recovery window)."
  type        = number
  default     = 14

  validation {
    condition     = var.backup_retention_days >= 7 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be 7..35: backups are not optional."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the instance (must be true in prod)."
  type        = bool
  default     = true
}

variable "database_name" {
  description = "Database created with the instance."
  type        = string
  default     = "zebra"
}

variable "master_username" {
  description = "Master user; its password is generated and kept by RDS in Secrets Manager. The app connects as its own role (DATABASE_URL)."
  type        = string
  default     = "zebra_admin"
}

variable "max_connections" {
  description = "max_connections; keep above (api + worker max tasks) x connections per task + admin headroom. A task's platform pool and each module's (one per database role) hold up to DATABASE_MAX_OPEN_CONNS each, or DATABASE_MODULE_MAX_OPEN_CONNS; at most DATABASE_MAX_OPEN_CONNS are in use at once."
  type        = number
  default     = 200
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
