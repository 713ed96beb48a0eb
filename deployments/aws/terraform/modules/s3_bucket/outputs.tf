output "id" {
  description = "Bucket name."
  value       = aws_s3_bucket.this.id
}

output "arn" {
  description = "Bucket ARN."
  value       = aws_s3_bucket.this.arn
}

output "region" {
  description = "Region of the bucket (the provider's)."
  value       = aws_s3_bucket.this.region
}
