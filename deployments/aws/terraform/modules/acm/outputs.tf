output "certificate_arn" {
  description = "ARN of the validated certificate (depends on the validation, so a listener using it waits for it)."
  value       = aws_acm_certificate_validation.this.certificate_arn
}
