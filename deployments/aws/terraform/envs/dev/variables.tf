# What terraform.tfvars and `-var` set: region picks the provider's region,
# the others go to ../../modules/stack, whose variables.tf says what each
# means and checks image_digest.

variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "account_id" { type = string }
variable "vpc_cidr" { type = string }
variable "zone_name" { type = string }
variable "api_domain" { type = string }
variable "test_domain" { type = string }
variable "app_base_url" { type = string }
variable "image_digest" { type = string }

variable "mail_from" {
  type    = string
  default = "Zebra <no-reply@zebralabs.io>"
}

variable "aws_weight" {
  type    = number
  default = 100
}

variable "fly_ipv4" {
  type    = string
  default = ""
}

variable "fly_weight" {
  type    = number
  default = 0
}

variable "alert_emails" {
  type    = list(string)
  default = []
}

variable "key_administrator_arns" {
  type    = list(string)
  default = []
}
