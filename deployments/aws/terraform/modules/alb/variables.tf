variable "name" {
  description = "Prefix of every resource name, e.g. zebra-prod."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the ALB."
  type        = string
}

variable "vpc_cidr_block" {
  description = "VPC range: the ALB may only send traffic inside it."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets, one per zone."
  type        = list(string)
}

variable "certificate_arn" {
  description = "ACM certificate of the HTTPS listener."
  type        = string
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener (TLS 1.3 and 1.2 only)."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

variable "target_port" {
  description = "Port the tasks listen on (HTTP_ADDR)."
  type        = number
  default     = 8080
}

variable "health_check_path" {
  description = "Target health check: /readyz, so an instance without Postgres or shutting down gets no traffic."
  type        = string
  default     = "/readyz"
}

variable "deregistration_delay" {
  description = "Seconds the ALB keeps draining a deregistered target; below the tasks' stopTimeout and above SHUTDOWN_TIMEOUT."
  type        = number
  default     = 25
}

variable "idle_timeout" {
  description = "ALB idle timeout, below the server's HTTP_IDLE_TIMEOUT (120s) so the ALB closes first."
  type        = number
  default     = 60
}

variable "deletion_protection" {
  description = "Refuse to delete the ALB (prod)."
  type        = bool
  default     = true
}

variable "access_logs_bucket" {
  description = "S3 bucket for access logs (SSE-S3, ELB log delivery allowed); null disables them."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
