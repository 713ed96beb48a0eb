# One customer-managed KMS key per environment encrypts everything at rest:
# RDS storage and Performance Insights, ElastiCache, S3, Secrets Manager,
# CloudWatch Logs and the ECR repository. Secrets Manager holds the service's
# secrets; Terraform creates the secrets but never their values (they are
# set with `aws secretsmanager put-secret-value`, see docs/runbooks), so no
# secret lands in the state. REDIS_URL is the exception: the redis module
# writes it because it generates the AUTH token.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_root = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"
}

data "aws_iam_policy_document" "key" {
  # Administration (not use) for the account, through IAM policies, and for
  # the named administrator roles. No kms:* wildcard.
  statement {
    sid    = "KeyAdministration"
    effect = "Allow"
    principals {
      type        = "AWS"
      identifiers = concat([local.account_root], var.key_administrator_arns)
    }
    actions = [
      "kms:Create*",
      "kms:Describe*",
      "kms:Enable*",
      "kms:List*",
      "kms:Put*",
      "kms:Update*",
      "kms:Revoke*",
      "kms:Disable*",
      "kms:Get*",
      "kms:Delete*",
      "kms:TagResource",
      "kms:UntagResource",
      "kms:ScheduleKeyDeletion",
      "kms:CancelKeyDeletion",
      "kms:RotateKeyOnDemand",
    ]
    resources = ["*"]
  }

  # Use of the key by IAM principals of this account whose own policies
  # allow it (the task and execution roles name this key explicitly), and
  # only through the AWS services that store data with it.
  statement {
    sid    = "KeyUseThroughServices"
    effect = "Allow"
    principals {
      type        = "AWS"
      identifiers = [local.account_root]
    }
    actions = [
      "kms:Encrypt",
      "kms:Decrypt",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:DescribeKey",
      "kms:CreateGrant",
    ]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "kms:CallerAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
    condition {
      test     = "StringLike"
      variable = "kms:ViaService"
      values = [
        "rds.${data.aws_region.current.name}.amazonaws.com",
        "elasticache.${data.aws_region.current.name}.amazonaws.com",
        "s3.${data.aws_region.current.name}.amazonaws.com",
        "secretsmanager.${data.aws_region.current.name}.amazonaws.com",
        "ssm.${data.aws_region.current.name}.amazonaws.com",
        "ecr.${data.aws_region.current.name}.amazonaws.com",
        "aps.${data.aws_region.current.name}.amazonaws.com",
      ]
    }
  }

  # CloudWatch Logs encrypts log groups of this account and region only.
  statement {
    sid    = "CloudWatchLogs"
    effect = "Allow"
    principals {
      type        = "Service"
      identifiers = ["logs.${data.aws_region.current.name}.amazonaws.com"]
    }
    actions = [
      "kms:Encrypt*",
      "kms:Decrypt*",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:Describe*",
    ]
    resources = ["*"]
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:log-group:*"]
    }
  }
}

resource "aws_kms_key" "main" {
  description             = "${var.name}: data at rest (RDS, ElastiCache, S3, Secrets Manager, CloudWatch Logs, ECR)"
  enable_key_rotation     = true
  rotation_period_in_days = 365
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.key.json
  tags                    = var.tags
}

resource "aws_kms_alias" "main" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.main.key_id
}

resource "aws_secretsmanager_secret" "this" {
  for_each = var.secret_names

  name                    = "${var.name}/${each.key}"
  description             = "${each.key} for ${var.name} (injected into the ECS tasks as an environment variable)"
  kms_key_id              = aws_kms_key.main.arn
  recovery_window_in_days = var.recovery_window_in_days
  tags                    = var.tags
}
