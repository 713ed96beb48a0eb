# stage environment of the zebra service on AWS (the alternative to Fly.io).
#
#   cd deployments/aws/terraform/envs/stage
#   terraform init
#   terraform plan -out tfplan -var image_digest=sha256:...
#   terraform apply tfplan
#
# State lives in S3 (encrypted with KMS) with a DynamoDB lock table; both are
# created once per account, see ../../README.md. Module sources are relative,
# so a plan always uses the modules of the same commit.

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
  name = "zebra-stage"
  tags = {
    Service     = "zebra"
    Environment = "stage"
    ManagedBy   = "terraform"
    Repository  = "github.com/zebralabs/zebra"
  }

  alb_logs_bucket = "${local.name}-alb-logs-${var.account_id}"

  # Non-secret configuration shared by the API and the worker. Secrets come
  # from Secrets Manager (module.secrets), injected by ECS at start.
  app_environment = {
    APP_ENV                     = "prod"
    SERVICE_NAME                = "zebra"
    LOG_LEVEL                   = "info"
    HTTP_ADDR                   = ":8080"
    METRICS_ADDR                = ":9091"
    SHUTDOWN_TIMEOUT            = "20s"
    DATABASE_MAX_OPEN_CONNS     = "8"
    DATABASE_CREATE             = "false"
    REDIS_PREFIX                = "zebra:"
    TRUSTED_PROXIES             = var.vpc_cidr
    OTEL_EXPORTER_OTLP_ENDPOINT = module.otel.otlp_endpoint
    JWT_ISSUER                  = "https://${var.api_domain}"
    JWT_AUDIENCE                = "zebra-api"
    APP_BASE_URL                = var.app_base_url
    MAIL_FROM                   = var.mail_from
    OTEL_TRACES_SAMPLER_RATIO   = "0.5"
  }
}

data "aws_route53_zone" "main" {
  name         = var.zone_name
  private_zone = false
}

data "aws_elb_service_account" "main" {}

module "secrets" {
  source = "../../modules/secrets"

  name                   = local.name
  key_administrator_arns = var.key_administrator_arns
  tags                   = local.tags
}

module "network" {
  source = "../../modules/network"

  name               = local.name
  cidr_block         = var.vpc_cidr
  az_count           = 2
  single_nat_gateway = true
  kms_key_arn        = module.secrets.kms_key_arn
  tags               = local.tags
}

module "acm" {
  source = "../../modules/acm"

  domain_name               = var.api_domain
  subject_alternative_names = [var.test_domain]
  zone_id                   = data.aws_route53_zone.main.zone_id
  tags                      = local.tags
}

# ALB access logs: S3 accepts them only with SSE-S3 (the ELB log delivery
# cannot use a customer KMS key).
data "aws_iam_policy_document" "alb_logs" {
  statement {
    sid       = "ElbLogDelivery"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["arn:aws:s3:::${local.alb_logs_bucket}/alb/AWSLogs/${var.account_id}/*"]
    principals {
      type        = "AWS"
      identifiers = [data.aws_elb_service_account.main.arn]
    }
  }
}

module "alb_logs_bucket" {
  source = "../../modules/s3_bucket"

  bucket                       = local.alb_logs_bucket
  sse_algorithm                = "AES256"
  expiration_days              = 90
  extra_policy_statements_json = [data.aws_iam_policy_document.alb_logs.json]
  tags                         = local.tags
}

module "app_bucket" {
  source = "../../modules/s3_bucket"

  bucket      = "${local.name}-app-${var.account_id}"
  kms_key_arn = module.secrets.kms_key_arn
  tags        = local.tags
}

module "alb" {
  source = "../../modules/alb"

  name                = local.name
  vpc_id              = module.network.vpc_id
  vpc_cidr_block      = module.network.vpc_cidr_block
  public_subnet_ids   = module.network.public_subnet_ids
  certificate_arn     = module.acm.certificate_arn
  deletion_protection = false
  access_logs_bucket  = module.alb_logs_bucket.id
  tags                = local.tags
}

module "ecs_cluster" {
  source = "../../modules/ecs_cluster"

  name        = local.name
  kms_key_arn = module.secrets.kms_key_arn
  tags        = local.tags
}

module "otel" {
  source = "../../modules/otel"

  name                  = local.name
  kms_key_arn           = module.secrets.kms_key_arn
  alert_rules_file      = "${path.root}/../../../../observability/prometheus/rules/zebra-alerts.yml"
  alert_email_endpoints = var.alert_emails
  tags                  = local.tags
}

module "api" {
  source = "../../modules/ecs_service"

  name               = "${local.name}-api"
  cluster_arn        = module.ecs_cluster.cluster_arn
  cluster_name       = module.ecs_cluster.cluster_name
  image              = "${module.ecs_cluster.repository_url}@${var.image_digest}"
  command            = ["serve"]
  cpu                = 512
  memory             = 1024
  desired_count      = 2
  min_capacity       = 2
  max_capacity       = 4
  vpc_id             = module.network.vpc_id
  subnet_ids         = module.network.private_subnet_ids
  kms_key_arn        = module.secrets.kms_key_arn
  ecr_repository_arn = module.ecs_cluster.repository_arn
  s3_bucket_arn      = module.app_bucket.arn

  # Jobs run in the worker service only.
  environment = merge(local.app_environment, { JOBS_IN_SERVE = "false" })
  secret_arns = module.secrets.secret_arns

  load_balancer = {
    target_group_arn        = module.alb.target_group_arn
    target_group_arn_suffix = module.alb.target_group_arn_suffix
    alb_arn_suffix          = module.alb.arn_suffix
    security_group_id       = module.alb.security_group_id
  }
  requests_per_target = 1000

  sidecars              = [module.otel.sidecar_container]
  task_policy_documents = [module.otel.task_policy_json]
  tags                  = local.tags
}

module "worker" {
  source = "../../modules/ecs_service"

  name               = "${local.name}-worker"
  cluster_arn        = module.ecs_cluster.cluster_arn
  cluster_name       = module.ecs_cluster.cluster_name
  image              = "${module.ecs_cluster.repository_url}@${var.image_digest}"
  command            = ["worker"]
  cpu                = 256
  memory             = 512
  desired_count      = 1
  min_capacity       = 1
  max_capacity       = 2
  vpc_id             = module.network.vpc_id
  subnet_ids         = module.network.private_subnet_ids
  kms_key_arn        = module.secrets.kms_key_arn
  ecr_repository_arn = module.ecs_cluster.repository_arn
  s3_bucket_arn      = module.app_bucket.arn

  environment   = local.app_environment
  secret_arns   = module.secrets.secret_arns
  load_balancer = null

  sidecars              = [module.otel.sidecar_container]
  task_policy_documents = [module.otel.task_policy_json]
  tags                  = local.tags
}

module "rds_postgres" {
  source = "../../modules/rds_postgres"

  name       = local.name
  vpc_id     = module.network.vpc_id
  subnet_ids = module.network.data_subnet_ids
  allowed_security_group_ids = {
    api    = module.api.security_group_id
    worker = module.worker.security_group_id
  }
  kms_key_arn           = module.secrets.kms_key_arn
  instance_class        = "db.t4g.medium"
  multi_az              = false
  backup_retention_days = 7
  deletion_protection   = false
  tags                  = local.tags
}

module "redis" {
  source = "../../modules/redis"

  name       = local.name
  vpc_id     = module.network.vpc_id
  subnet_ids = module.network.data_subnet_ids
  allowed_security_group_ids = {
    api    = module.api.security_group_id
    worker = module.worker.security_group_id
  }
  kms_key_arn          = module.secrets.kms_key_arn
  redis_url_secret_arn = module.secrets.secret_arns["REDIS_URL"]
  node_type            = "cache.t4g.small"
  num_cache_clusters   = 2
  tags                 = local.tags
}

module "dns" {
  source = "../../modules/dns"

  zone_id          = data.aws_route53_zone.main.zone_id
  record_name      = var.api_domain
  alb_dns_name     = module.alb.dns_name
  alb_zone_id      = module.alb.zone_id
  aws_weight       = var.aws_weight
  fly_ipv4         = var.fly_ipv4
  fly_weight       = var.fly_weight
  test_record_name = var.test_domain
}
