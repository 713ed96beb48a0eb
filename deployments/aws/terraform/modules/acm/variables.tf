variable "domain_name" {
  description = "Primary name of the certificate, e.g. api.zebralabs.io."
  type        = string
}

variable "subject_alternative_names" {
  description = "Other names on the certificate, e.g. aws.api.zebralabs.io for testing the ALB before the DNS cutover."
  type        = list(string)
  default     = []
}

variable "zone_id" {
  description = "Route 53 hosted zone that holds the DNS validation records."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
