variable "name" {
  description = "Prefix of every resource name, e.g. zebra-prod."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key for the ECR repository and the ECS Exec log group."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the ECS Exec audit log."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
