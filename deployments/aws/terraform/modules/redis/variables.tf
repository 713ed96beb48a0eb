variable "name" {
  description = "Prefix of every resource name, e.g. zebra-prod."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the cache."
  type        = string
}

variable "subnet_ids" {
  description = "Isolated data subnets."
  type        = list(string)
}

variable "allowed_security_group_ids" {
  description = "Security groups (the ECS services) allowed to connect on 6379."
  type        = map(string)
}

variable "kms_key_arn" {
  description = "KMS key for data at rest and the slow log."
  type        = string
}

variable "redis_url_secret_arn" {
  description = "Secrets Manager secret (REDIS_URL) this module writes the rediss:// URL with the AUTH token into."
  type        = string
}

variable "engine_version" {
  description = "Redis engine version."
  type        = string
  default     = "7.1"
}

variable "node_type" {
  description = "Node type."
  type        = string
  default     = "cache.t4g.small"
}

variable "num_cache_clusters" {
  description = "Primary + replicas; 2 or more enables automatic failover across zones."
  type        = number
  default     = 2
}

variable "snapshot_retention_days" {
  description = "Daily snapshots kept."
  type        = number
  default     = 7
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
