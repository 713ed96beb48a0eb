output "kms_key_arn" {
  description = "ARN of the environment's KMS key."
  value       = aws_kms_key.main.arn
}

output "kms_key_id" {
  description = "Id of the environment's KMS key."
  value       = aws_kms_key.main.key_id
}

output "secret_arns" {
  description = "Secret ARN by environment variable name."
  value       = { for k, s in aws_secretsmanager_secret.this : k => s.arn }
}
