# stage environment of the zebra service on AWS (the alternative to Fly.io).
#
#   cd deployments/aws/terraform/envs/stage
#   terraform init
#   terraform plan -out tfplan -var image_digest=sha256:...
#   terraform apply tfplan
#
# State lives in S3 (encrypted with KMS) with a DynamoDB lock table; both are
# created once per account, see ../../README.md. The stack itself is
# ../../modules/stack; this file holds what is stage's own: its state, its
# provider and account, and its sizes. Module sources are relative, so a
# plan always uses the modules of the same commit.

terraform {
  required_version = ">= 1.6.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }

  backend "s3" {
    bucket         = "zebralabs-terraform-state"
    key            = "zebra/stage/terraform.tfstate"
    region         = "eu-west-1"
    dynamodb_table = "zebralabs-terraform-locks"
    encrypt        = true
    kms_key_id     = "alias/zebralabs-terraform-state"
  }
}

provider "aws" {
  region              = var.region
  allowed_account_ids = [var.account_id]

  default_tags {
    tags = local.tags
  }
}

locals {
  tags = {
    Service     = "zebra"
    Environment = "stage"
    ManagedBy   = "terraform"
    Repository  = "github.com/zebralabs/zebra"
  }
}

module "stack" {
  source = "../../modules/stack"

  environment            = "stage"
  tags                   = local.tags
  account_id             = var.account_id
  vpc_cidr               = var.vpc_cidr
  zone_name              = var.zone_name
  api_domain             = var.api_domain
  test_domain            = var.test_domain
  app_base_url           = var.app_base_url
  mail_from              = var.mail_from
  image_digest           = var.image_digest
  aws_weight             = var.aws_weight
  fly_ipv4               = var.fly_ipv4
  fly_weight             = var.fly_weight
  alert_emails           = var.alert_emails
  key_administrator_arns = var.key_administrator_arns

  traces_sampler_ratio = "0.5"
  az_count             = 2
  single_nat_gateway   = true
  deletion_protection  = false

  api = {
    cpu           = 512
    memory        = 1024
    desired_count = 2
    min_capacity  = 2
    max_capacity  = 4
  }
  worker = {
    cpu           = 256
    memory        = 512
    desired_count = 1
    min_capacity  = 1
    max_capacity  = 2
  }
  database = {
    instance_class        = "db.t4g.medium"
    multi_az              = false
    backup_retention_days = 7
  }
  redis = {
    node_type          = "cache.t4g.small"
    num_cache_clusters = 2
  }
}
