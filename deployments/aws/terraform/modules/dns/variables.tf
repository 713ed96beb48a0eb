variable "zone_id" {
  description = "Route 53 hosted zone of the API name."
  type        = string
}

variable "record_name" {
  description = "Public API name, e.g. api.zebralabs.io."
  type        = string
}

variable "alb_dns_name" {
  description = "ALB DNS name (alias target)."
  type        = string
}

variable "alb_zone_id" {
  description = "ALB hosted zone id (alias target)."
  type        = string
}

variable "aws_weight" {
  description = "Weight of the AWS (ALB) record. The cutover moves traffic 0 -> 10 -> 50 -> 100 (docs/runbooks/fly-to-aws.md)."
  type        = number
  default     = 100

  validation {
    condition     = var.aws_weight >= 0 && var.aws_weight <= 255
    error_message = "Route 53 weights are 0..255."
  }
}

variable "fly_ipv4" {
  description = "Dedicated IPv4 of the Fly app (`fly ips list`); empty once Fly is retired."
  type        = string
  default     = ""
}

variable "fly_weight" {
  description = "Weight of the Fly record while both platforms serve."
  type        = number
  default     = 0

  validation {
    condition     = var.fly_weight >= 0 && var.fly_weight <= 255
    error_message = "Route 53 weights are 0..255."
  }
}

variable "ttl" {
  description = "TTL of the non-alias (Fly) record; short during the cutover."
  type        = number
  default     = 60
}

variable "test_record_name" {
  description = "Extra name that always points at the ALB (smoke tests before the cutover), e.g. aws.api.zebralabs.io; empty for none."
  type        = string
  default     = ""
}
