variable "name" {
  description = "Prefix of every resource name, e.g. zebra-prod."
  type        = string
}

variable "secret_names" {
  description = "Secrets Manager secrets to create, one per environment variable the service reads (values are set out of band, never in Terraform)."
  type        = set(string)
  default     = ["DATABASE_URL", "REDIS_URL", "CURSOR_SECRET", "JWT_SIGNING_KEYS", "SMTP_URL"]
}

variable "recovery_window_in_days" {
  description = "Days a deleted secret can still be restored."
  type        = number
  default     = 30
}

variable "key_administrator_arns" {
  description = "IAM roles allowed to administer (not use) the KMS key, e.g. the deploy role. The account root is always allowed so the key can never be orphaned."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
