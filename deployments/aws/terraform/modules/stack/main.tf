# The whole zebra service on AWS, as every environment runs it: network,
# KMS key and secrets, certificate, ALB, ECS cluster with the API and worker
# services, RDS PostgreSQL, ElastiCache Redis, telemetry and the weighted
# DNS records of the cutover. An environment (envs/*) calls it with its own
# sizes and names and keeps its state backend and provider pins.

locals {
  name = "zebra-${var.environment}"

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
    OTEL_TRACES_SAMPLER_RATIO   = var.traces_sampler_ratio

    # Object storage: the app bucket through S3's regional endpoint,
    # virtual-hosted addressing. No S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY:
    # the client takes the task role's temporary credentials from the ECS
    # credentials endpoint (ecs_service grants the role this bucket and
    # the KMS key that encrypts it), so no static key exists to leak.
    S3_ENDPOINT       = "https://s3.${module.app_bucket.region}.amazonaws.com"
    S3_BUCKET         = module.app_bucket.id
    S3_REGION         = module.app_bucket.region
    S3_USE_PATH_STYLE = "false"
  }
}

data "aws_route53_zone" "main" {
  name         = var.zone_name
  private_zone = false
}

data "aws_elb_service_account" "main" {}

module "secrets" {
  source = "../secrets"

  name                   = local.name
  key_administrator_arns = var.key_administrator_arns
  tags                   = var.tags
}

module "network" {
  source = "../network"

  name               = local.name
  cidr_block         = var.vpc_cidr
  az_count           = var.az_count
  single_nat_gateway = var.single_nat_gateway
  kms_key_arn        = module.secrets.kms_key_arn
  tags               = var.tags
}

module "acm" {
  source = "../acm"

  domain_name               = var.api_domain
  subject_alternative_names = [var.test_domain]
  zone_id                   = data.aws_route53_zone.main.zone_id
  tags                      = var.tags
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
  source = "../s3_bucket"

  bucket                       = local.alb_logs_bucket
  sse_algorithm                = "AES256"
  expiration_days              = 90
  extra_policy_statements_json = [data.aws_iam_policy_document.alb_logs.json]
  tags                         = var.tags
}

# The service's object storage (S3_BUCKET): attachments and other blobs,
# uploaded and downloaded by clients through presigned URLs.
module "app_bucket" {
  source = "../s3_bucket"

  bucket               = "${local.name}-app-${var.account_id}"
  kms_key_arn          = module.secrets.kms_key_arn
  cors_allowed_origins = [var.app_base_url]
  tags                 = var.tags
}

module "alb" {
  source = "../alb"

  name                = local.name
  vpc_id              = module.network.vpc_id
  vpc_cidr_block      = module.network.vpc_cidr_block
  public_subnet_ids   = module.network.public_subnet_ids
  certificate_arn     = module.acm.certificate_arn
  deletion_protection = var.deletion_protection
  access_logs_bucket  = module.alb_logs_bucket.id
  tags                = var.tags
}

module "ecs_cluster" {
  source = "../ecs_cluster"

  name        = local.name
  kms_key_arn = module.secrets.kms_key_arn
  tags        = var.tags
}

module "otel" {
  source = "../otel"

  name                  = local.name
  kms_key_arn           = module.secrets.kms_key_arn
  alert_rules_file      = "${path.module}/../../../../observability/prometheus/rules/zebra-alerts.yml"
  alert_email_endpoints = var.alert_emails
  tags                  = var.tags
}

module "api" {
  source = "../ecs_service"

  name               = "${local.name}-api"
  cluster_arn        = module.ecs_cluster.cluster_arn
  cluster_name       = module.ecs_cluster.cluster_name
  image              = "${module.ecs_cluster.repository_url}@${var.image_digest}"
  command            = ["serve"]
  cpu                = var.api.cpu
  memory             = var.api.memory
  desired_count      = var.api.desired_count
  min_capacity       = var.api.min_capacity
  max_capacity       = var.api.max_capacity
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
  tags                  = var.tags
}

module "worker" {
  source = "../ecs_service"

  name               = "${local.name}-worker"
  cluster_arn        = module.ecs_cluster.cluster_arn
  cluster_name       = module.ecs_cluster.cluster_name
  image              = "${module.ecs_cluster.repository_url}@${var.image_digest}"
  command            = ["worker"]
  cpu                = var.worker.cpu
  memory             = var.worker.memory
  desired_count      = var.worker.desired_count
  min_capacity       = var.worker.min_capacity
  max_capacity       = var.worker.max_capacity
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
  tags                  = var.tags
}

module "rds_postgres" {
  source = "../rds_postgres"

  name       = local.name
  vpc_id     = module.network.vpc_id
  subnet_ids = module.network.data_subnet_ids
  allowed_security_group_ids = {
    api    = module.api.security_group_id
    worker = module.worker.security_group_id
  }
  kms_key_arn           = module.secrets.kms_key_arn
  instance_class        = var.database.instance_class
  multi_az              = var.database.multi_az
  backup_retention_days = var.database.backup_retention_days
  deletion_protection   = var.deletion_protection
  tags                  = var.tags
}

module "redis" {
  source = "../redis"

  name       = local.name
  vpc_id     = module.network.vpc_id
  subnet_ids = module.network.data_subnet_ids
  allowed_security_group_ids = {
    api    = module.api.security_group_id
    worker = module.worker.security_group_id
  }
  kms_key_arn          = module.secrets.kms_key_arn
  redis_url_secret_arn = module.secrets.secret_arns["REDIS_URL"]
  node_type            = var.redis.node_type
  num_cache_clusters   = var.redis.num_cache_clusters
  tags                 = var.tags
}

module "dns" {
  source = "../dns"

  zone_id          = data.aws_route53_zone.main.zone_id
  record_name      = var.api_domain
  alb_dns_name     = module.alb.dns_name
  alb_zone_id      = module.alb.zone_id
  aws_weight       = var.aws_weight
  fly_ipv4         = var.fly_ipv4
  fly_weight       = var.fly_weight
  test_record_name = var.test_domain
}
