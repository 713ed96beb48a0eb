variable "region" {
  description = "AWS region."
  type        = string
  default     = "eu-west-1"
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
  default     = 100
}

variable "fly_ipv4" {
  description = "Dedicated IPv4 of the Fly app during the cutover; empty afterwards."
  type        = string
  default     = ""
}

variable "fly_weight" {
  description = "Route 53 weight of the Fly record during the cutover."
  type        = number
  default     = 0
}

variable "alert_emails" {
  description = "Addresses subscribed to the alert topic."
  type        = list(string)
  default     = []
}

variable "key_administrator_arns" {
  description = "Roles allowed to administer the environment's KMS key (the deploy role)."
  type        = list(string)
  default     = []
}

variable "app_base_url" {
  description = "Base URL of the web app, used in the links of verification and password-reset mail."
  type        = string
}

variable "mail_from" {
  description = "Sender of the service's mail."
  type        = string
  default     = "Zebra <no-reply@zebralabs.io>"
}
