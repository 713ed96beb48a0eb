output "arn" {
  description = "ALB ARN."
  value       = aws_lb.this.arn
}

output "arn_suffix" {
  description = "ALB ARN suffix (CloudWatch dimension)."
  value       = aws_lb.this.arn_suffix
}

output "dns_name" {
  description = "ALB DNS name (alias target)."
  value       = aws_lb.this.dns_name
}

output "zone_id" {
  description = "ALB hosted zone id (alias target)."
  value       = aws_lb.this.zone_id
}

output "security_group_id" {
  description = "Security group of the ALB: the tasks admit traffic from it only."
  value       = aws_security_group.alb.id
}

output "target_group_arn" {
  description = "Target group of the API service."
  value       = aws_lb_target_group.api.arn
}

output "target_group_arn_suffix" {
  description = "Target group ARN suffix (request-count autoscaling)."
  value       = aws_lb_target_group.api.arn_suffix
}

output "https_listener_arn" {
  description = "HTTPS listener ARN."
  value       = aws_lb_listener.https.arn
}
