output "sidecar_container" {
  description = "Container definition of the ADOT collector sidecar (the ecs_service module adds the log configuration)."
  value = {
    name      = "otel-collector"
    image     = var.collector_image
    essential = false
    command   = ["--config=env:AOT_CONFIG_CONTENT"]
    environment = [
      { name = "AOT_CONFIG_CONTENT", value = local.collector_config },
    ]
  }
}

output "task_policy_json" {
  description = "IAM policy document the task role needs for the sidecar."
  value       = data.aws_iam_policy_document.sidecar.json
}

output "otlp_endpoint" {
  description = "OTEL_EXPORTER_OTLP_ENDPOINT for the app container."
  value       = "http://127.0.0.1:4318"
}

output "workspace_arn" {
  description = "Amazon Managed Prometheus workspace ARN."
  value       = aws_prometheus_workspace.this.arn
}

output "workspace_endpoint" {
  description = "Query endpoint of the workspace (Grafana datasource)."
  value       = aws_prometheus_workspace.this.prometheus_endpoint
}

output "alerts_topic_arn" {
  description = "SNS topic the alerts are sent to."
  value       = aws_sns_topic.alerts.arn
}
