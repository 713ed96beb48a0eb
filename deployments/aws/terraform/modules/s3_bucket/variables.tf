variable "bucket" {
  description = "Globally unique bucket name."
  type        = string
}

variable "sse_algorithm" {
  description = "aws:kms (default, with kms_key_arn) or AES256 (only for ALB access logs, which S3 must accept from the ELB service without a KMS grant)."
  type        = string
  default     = "aws:kms"

  validation {
    condition     = contains(["aws:kms", "AES256"], var.sse_algorithm)
    error_message = "sse_algorithm must be aws:kms or AES256: every bucket is encrypted."
  }
}

variable "kms_key_arn" {
  description = "KMS key for SSE-KMS; required when sse_algorithm is aws:kms."
  type        = string
  default     = null
}

variable "noncurrent_version_expiration_days" {
  description = "Days old object versions are kept."
  type        = number
  default     = 30
}

variable "expiration_days" {
  description = "Delete current objects after this many days (0 = never), e.g. for logs."
  type        = number
  default     = 0
}

variable "extra_policy_statements_json" {
  description = "IAM policy JSON documents whose statements are added to the bucket policy (e.g. ALB log delivery)."
  type        = list(string)
  default     = []
}

variable "cors_allowed_origins" {
  description = "Origins (scheme://host) whose browsers may GET and PUT objects through presigned URLs; empty for no CORS rule."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for o in var.cors_allowed_origins : can(regex("^https?://[^/*]+$", o))])
    error_message = "cors_allowed_origins must be scheme://host origins, without a path or a wildcard."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
