output "fqdn" {
  description = "Public API name."
  value       = aws_route53_record.aws.fqdn
}
