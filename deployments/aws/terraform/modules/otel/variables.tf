variable "name" {
  description = "Prefix of every resource name, e.g. zebra-prod."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key for the Prometheus workspace, its log group and the alert topic."
  type        = string
}

variable "alert_rules_file" {
  description = "Prometheus alert rules (deployments/observability/prometheus/rules/zebra-alerts.yml): the same rules run locally, on Fly's Grafana and here."
  type        = string
}

variable "collector_image" {
  description = "AWS Distro for OpenTelemetry collector image of the sidecar."
  type        = string
  default     = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3"
}

variable "metrics_port" {
  description = "Port of /metrics inside the task (METRICS_ADDR)."
  type        = number
  default     = 9091
}

variable "alert_email_endpoints" {
  description = "E-mail addresses subscribed to the alert topic (on-call tooling can subscribe too)."
  type        = list(string)
  default     = []
}

variable "log_retention_days" {
  description = "Retention of the workspace's rule-evaluation log."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
