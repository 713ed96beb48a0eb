package tfcheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/format"
)

// load writes files (path => content) under a temporary root and loads it.
func load(t *testing.T, files map[string]string) *Config {
	t.Helper()
	root := t.TempDir()
	for p, content := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, diags := Load(root)
	if diags.HasErrors() {
		t.Fatalf("fixture does not parse: %v", diags)
	}
	return cfg
}

// policyDir holds the policies the deployment is checked with.
const policyDir = "../../../../deployments/aws/policy"

// run returns the findings of one rule of the policies over cfg.
func run(t *testing.T, rule string, cfg *Config) []Finding {
	t.Helper()
	all, err := Check(cfg, policyDir)
	if err != nil {
		t.Fatal(err)
	}
	var out []Finding
	for _, f := range all {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

func expectFinding(t *testing.T, findings []Finding, substr string) {
	t.Helper()
	for _, f := range findings {
		if strings.Contains(f.Msg, substr) {
			return
		}
	}
	t.Errorf("no finding containing %q; got %v", substr, findings)
}

func expectNone(t *testing.T, findings []Finding) {
	t.Helper()
	if len(findings) > 0 {
		t.Errorf("unexpected findings: %v", findings)
	}
}

const versions = `
terraform {
  required_version = ">= 1.6.0"
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.80" }
  }
}
`

// TestPoliciesFormatted stands in for `opa fmt --fail`, which needs the
// OPA binary.
func TestPoliciesFormatted(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(policyDir, "*.rego"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no policies in %s: %v", policyDir, err)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if out, err := format.Source(f, src); err != nil || string(out) != string(src) {
			t.Errorf("%s is not formatted as opa fmt does (%v)", f, err)
		}
	}
}

func TestLoadReportsSyntaxErrors(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "main.tf"), []byte("resource \"aws_s3_bucket\" \"x\" {\n  bucket = \n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, diags := Load(root); !diags.HasErrors() {
		t.Fatal("a broken attribute parsed without error")
	}
	if err := os.WriteFile(filepath.Join(root, "main.tf"), []byte("bucket \"aws_s3_bucket\" \"x\" {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, diags := Load(root); !diags.HasErrors() {
		t.Fatal("an unknown top-level block type was accepted")
	}
}

func TestIngressRules(t *testing.T) {
	bad := load(t, map[string]string{"m/main.tf": `
resource "aws_security_group" "db" { vpc_id = "x" }
resource "aws_security_group" "alb" { vpc_id = "x" }
resource "aws_security_group" "app" {
  vpc_id = "x"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_db_instance" "this" { vpc_security_group_ids = [aws_security_group.db.id] }
resource "aws_lb" "this" { security_groups = [aws_security_group.alb.id] }
resource "aws_vpc_security_group_ingress_rule" "db_world" {
  security_group_id = aws_security_group.db.id
  ip_protocol       = "tcp"
  from_port         = 5432
  to_port           = 5432
  cidr_ipv6         = "::/0"
}
resource "aws_vpc_security_group_ingress_rule" "alb_ssh" {
  security_group_id = aws_security_group.alb.id
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = "0.0.0.0/0"
}
resource "aws_vpc_security_group_ingress_rule" "unknown" {
  security_group_id = aws_security_group.app.id
  ip_protocol       = "tcp"
  from_port         = 8080
  to_port           = 8080
  cidr_ipv4         = var.somewhere
}
`})
	f := run(t, "sg-ingress", bad)
	expectFinding(t, f, "::/0 opens aws_db_instance")
	expectFinding(t, f, "data stores admit security groups only")
	expectFinding(t, f, "on tcp 80 and 443 only")
	expectFinding(t, f, `security group "app", which is not a load balancer's`)
	expectFinding(t, f, "not statically known")

	good := load(t, map[string]string{"m/main.tf": `
resource "aws_security_group" "alb" { vpc_id = "x" }
resource "aws_security_group" "db" { vpc_id = "x" }
resource "aws_lb" "this" { security_groups = [aws_security_group.alb.id] }
resource "aws_db_instance" "this" { vpc_security_group_ids = [aws_security_group.db.id] }
resource "aws_vpc_security_group_ingress_rule" "https" {
  security_group_id = aws_security_group.alb.id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}
resource "aws_vpc_security_group_ingress_rule" "db" {
  security_group_id            = aws_security_group.db.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = var.app_sg
}
variable "app_sg" { type = string }
`})
	expectNone(t, run(t, "sg-ingress", good))
}

func TestRDSAndElastiCache(t *testing.T) {
	cfg := load(t, map[string]string{"m/main.tf": `
variable "backups" {
  type    = number
  default = 1
}
resource "aws_db_instance" "this" {
  storage_encrypted       = false
  publicly_accessible     = true
  backup_retention_period = var.backups
  skip_final_snapshot     = true
}
resource "aws_elasticache_replication_group" "this" {
  at_rest_encryption_enabled = true
  transit_encryption_enabled = false
}
`})
	f := run(t, "rds", cfg)
	for _, want := range []string{"storage_encrypted must be true", "kms_key_id", "publicly_accessible must be set to false", "at least 7 days", "deletion_protection must be set", "skip_final_snapshot", "db_subnet_group_name"} {
		expectFinding(t, f, want)
	}
	e := run(t, "elasticache", cfg)
	expectFinding(t, e, "transit_encryption_enabled must be true")
	expectFinding(t, e, "kms_key_id")
}

// TestMissingAttributesFail: a rule that wants an attribute true, false,
// at least a number or equal to a value fails when the attribute is not
// there at all (the Rego negation pitfall lib.rego describes).
func TestMissingAttributesFail(t *testing.T) {
	cfg := load(t, map[string]string{"m/main.tf": `
resource "aws_db_instance" "bare" {}
resource "aws_elasticache_replication_group" "bare" {}
resource "aws_kms_key" "bare" {}
resource "aws_ecr_repository" "bare" {}
resource "aws_subnet" "bare" {}
resource "aws_ecs_service" "bare" {}
resource "aws_s3_bucket_acl" "bare" {}
resource "aws_lb_listener" "bare" {
  port            = 443
  certificate_arn = "arn"
}
`})
	rds := run(t, "rds", cfg)
	for _, want := range []string{"storage_encrypted must be true", "publicly_accessible must be set to false", "at least 7 days", "skip_final_snapshot must be false"} {
		expectFinding(t, rds, want)
	}
	ec := run(t, "elasticache", cfg)
	expectFinding(t, ec, "at_rest_encryption_enabled must be true")
	expectFinding(t, ec, "transit_encryption_enabled must be true")
	enc := run(t, "encryption", cfg)
	expectFinding(t, enc, "enable_key_rotation must be true")
	expectFinding(t, enc, "encryption_type must be KMS")
	net := run(t, "network", cfg)
	expectFinding(t, net, "map_public_ip_on_launch must be false")
	expectFinding(t, net, "assign_public_ip must be false")
	expectFinding(t, run(t, "s3", cfg), "bucket ACLs other than private are forbidden")
	l := run(t, "alb-listeners", cfg)
	expectFinding(t, l, "443 must be HTTPS")
	expectFinding(t, l, "TLS 1.3 policy")
}

func TestS3Rules(t *testing.T) {
	cfg := load(t, map[string]string{"m/main.tf": `
resource "aws_s3_bucket" "naked" { bucket = "a" }
resource "aws_s3_bucket" "half" { bucket = "b" }
resource "aws_s3_bucket_server_side_encryption_configuration" "half" {
  bucket = aws_s3_bucket.half.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
  }
}
resource "aws_s3_bucket_public_access_block" "half" {
  bucket                  = aws_s3_bucket.half.id
  block_public_acls       = true
  block_public_policy     = false
  ignore_public_acls      = true
  restrict_public_buckets = true
}
`})
	f := run(t, "s3", cfg)
	expectFinding(t, f, "bucket naked has no aws_s3_bucket_server_side_encryption_configuration")
	expectFinding(t, f, "bucket naked has no aws_s3_bucket_public_access_block")
	expectFinding(t, f, "SSE-KMS needs kms_master_key_id")
	expectFinding(t, f, "block_public_policy must be true")
}

func TestIAMRules(t *testing.T) {
	cfg := load(t, map[string]string{"m/main.tf": `
data "aws_iam_policy_document" "admin" {
  statement {
    actions   = ["*"]
    resources = ["*"]
  }
}
data "aws_iam_policy_document" "secrets" {
  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = ["*"]
  }
  dynamic "statement" {
    for_each = [1]
    content {
      actions   = ["s3:*"]
      resources = ["arn:aws:s3:::b/*"]
    }
  }
}
data "aws_iam_policy_document" "public" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}
data "aws_iam_policy_document" "ok" {
  statement {
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }
  statement {
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = ["*"]
  }
}
resource "aws_iam_role_policy" "inline" {
  role   = "r"
  policy = jsonencode({ Statement = [] })
}
resource "aws_iam_role_policy_attachment" "admin" {
  role       = "r"
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
resource "aws_iam_user" "u" { name = "u" }
`})
	f := run(t, "iam", cfg)
	expectFinding(t, f, `wildcard action "*"`)
	expectFinding(t, f, `secretsmanager:GetSecretValue on Resource "*"`)
	expectFinding(t, f, `wildcard action "s3:*"`)
	expectFinding(t, f, `principal "*" makes the resource public`)
	expectFinding(t, f, "must come from a data.aws_iam_policy_document")
	expectFinding(t, f, "not AWS-managed ones")
	expectFinding(t, f, "no IAM users")
	for _, x := range f {
		if strings.Contains(x.Msg, "aws_iam_policy_document.ok") {
			t.Errorf("allowed statement flagged: %v", x)
		}
	}
}

func TestNetworkListenersAndECS(t *testing.T) {
	cfg := load(t, map[string]string{"m/main.tf": `
resource "aws_subnet" "public" { map_public_ip_on_launch = true }
resource "aws_ecs_service" "api" {
  network_configuration { assign_public_ip = true }
}
resource "aws_ecs_task_definition" "api" {
  container_definitions = jsonencode([{ name = "app", user = "root" }])
}
resource "aws_lb_listener" "http" {
  port     = 80
  protocol = "HTTP"
  default_action { type = "forward" }
}
resource "aws_lb_listener" "https" {
  port       = 443
  protocol   = "HTTPS"
  ssl_policy = "ELBSecurityPolicy-2016-08"
}
resource "aws_lb_listener" "admin" {
  port     = 8443
  protocol = "HTTPS"
}
`, "env/main.tf": `
module "api" {
  source     = "../svc/ecs_service"
  subnet_ids = module.network.public_subnet_ids
}
`, "svc/ecs_service/main.tf": `variable "subnet_ids" { type = list(string) }`})
	n := run(t, "network", cfg)
	expectFinding(t, n, "map_public_ip_on_launch must be false")
	expectFinding(t, n, "assign_public_ip must be false")
	expectFinding(t, n, "must be the network module's private_subnet_ids")
	l := run(t, "alb-listeners", cfg)
	expectFinding(t, l, "port 80 must only redirect to HTTPS")
	expectFinding(t, l, "HTTPS needs the ACM certificate")
	expectFinding(t, l, "TLS 1.3 policy")
	expectFinding(t, l, "only 80 (redirect) and 443 (HTTPS)")
	e := run(t, "ecs", cfg)
	expectFinding(t, e, "deployment_circuit_breaker")
	expectFinding(t, e, "no aws_appautoscaling_target")
	expectFinding(t, e, "readonlyRootFilesystem")
	expectFinding(t, e, "non-root user")
}

func TestModuleCalls(t *testing.T) {
	cfg := load(t, map[string]string{
		"modules/a/main.tf": `
variable "needed" { type = string }
variable "optional" {
  type    = string
  default = "x"
}
output "out" { value = var.needed }
output "bad" { value = var.missing }
`,
		"envs/x/main.tf": `
module "a" {
  source  = "../../modules/a"
  typo    = 1
}
module "gone" { source = "../../modules/none" }
module "remote" { source = "terraform-aws-modules/vpc/aws" }
output "o" { value = module.a.nope }
output "l" { value = local.nothing }
`})
	f := run(t, "modules", cfg)
	expectFinding(t, f, `has no variable "typo"`)
	expectFinding(t, f, `required variable "needed"`)
	expectFinding(t, f, "is not a module of this configuration")
	expectFinding(t, f, "is not a local path")
	expectFinding(t, f, `has no output "nope"`)
	expectFinding(t, f, "undeclared variable var.missing")
	expectFinding(t, f, "undeclared local.nothing")
}

func TestBackendAndProd(t *testing.T) {
	cfg := load(t, map[string]string{
		"modules/rds_postgres/main.tf": versions + `
variable "deletion_protection" { type = bool }
variable "multi_az" { type = bool }
variable "backup_retention_days" { type = number }
`,
		"envs/prod/main.tf": `
terraform {
  required_version = ">= 1.6.0"
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
  backend "s3" {
    bucket = "state"
    key    = "prod"
    region = "eu-west-1"
  }
}
module "db" {
  source                = "../../modules/rds_postgres"
  deletion_protection   = false
  multi_az              = true
  backup_retention_days = 3
}
`,
		"envs/dev/main.tf": `
terraform {
  required_version = ">= 1.6.0"
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.80" }
  }
  backend "local" {}
}
provider "aws" {}
`})
	b := run(t, "backend", cfg)
	expectFinding(t, b, "backend s3 needs a literal dynamodb_table")
	expectFinding(t, b, "needs encrypt = true")
	expectFinding(t, b, "required_providers needs source and version")
	expectFinding(t, b, `envs/dev: backend "s3" is required`)
	expectFinding(t, b, `no provider "aws" block`)
	p := run(t, "prod", cfg)
	expectFinding(t, p, "deletion_protection = true")
	expectFinding(t, p, "backup_retention_days must be at least 7")
}

// TestProdThroughStack: an environment that assembles its stack through a
// shared module is checked on the values it passes down, here through a
// variable set in terraform.tfvars.
func TestProdThroughStack(t *testing.T) {
	files := func(protect string) map[string]string {
		return map[string]string{
			"modules/rds_postgres/main.tf": `
variable "deletion_protection" { type = bool }
variable "multi_az" { type = bool }
variable "backup_retention_days" { type = number }
`,
			"modules/alb/main.tf": `variable "deletion_protection" { type = bool }`,
			"modules/stack/main.tf": `
variable "deletion_protection" { type = bool }
variable "database" { type = object({ multi_az = bool, backup_retention_days = number }) }
module "db" {
  source                = "../rds_postgres"
  deletion_protection   = var.deletion_protection
  multi_az              = var.database.multi_az
  backup_retention_days = var.database.backup_retention_days
}
module "alb" {
  source              = "../alb"
  deletion_protection = var.deletion_protection
}
`,
			"envs/prod/main.tf": `
variable "protect" { type = bool }
module "stack" {
  source              = "../../modules/stack"
  deletion_protection = var.protect
  database            = { multi_az = false, backup_retention_days = 3 }
}
`,
			"envs/prod/terraform.tfvars": "protect = " + protect + "\n",
		}
	}
	p := run(t, "prod", load(t, files("false")))
	expectFinding(t, p, "the database needs deletion_protection = true")
	expectFinding(t, p, "the ALB needs deletion_protection = true")
	expectFinding(t, p, "the database needs multi_az = true")
	expectFinding(t, p, "envs/prod: backup_retention_days must be at least 7")

	for _, f := range run(t, "prod", load(t, files("true"))) {
		if strings.Contains(f.Msg, "deletion_protection") {
			t.Errorf("deletion protection passed down as true: %v", f)
		}
	}
}

// TestObjectStorageEnvironment: a service allowed on the app bucket is
// told where it is, and no service gets static keys, through a stack and
// merge() as the real configuration does.
func TestObjectStorageEnvironment(t *testing.T) {
	files := func(env, secrets string) map[string]string {
		return map[string]string{
			"modules/ecs_service/main.tf": `
variable "environment" { type = map(string) }
variable "secret_arns" { type = map(string) }
variable "s3_bucket_arn" {
  type    = string
  default = null
}
`,
			"modules/stack/main.tf": `
locals {
  app_environment = {` + env + `
  }
}
module "api" {
  source        = "../ecs_service"
  environment   = merge(local.app_environment, { JOBS_IN_SERVE = "false" })
  secret_arns   = {` + secrets + `}
  s3_bucket_arn = "arn:aws:s3:::app"
}
module "other" {
  source      = "../ecs_service"
  environment = local.app_environment
  secret_arns = {}
}
`,
			"envs/prod/main.tf": `module "stack" { source = "../../modules/stack" }`,
		}
	}
	bad := run(t, "ecs", load(t, files(`
    S3_BUCKET         = "app"
    AWS_ACCESS_KEY_ID = "AKIA..."`, `S3_SECRET_ACCESS_KEY = "arn:aws:secretsmanager:x"`)))
	expectFinding(t, bad, "ECS service api gets AWS_ACCESS_KEY_ID in its environment")
	expectFinding(t, bad, "ECS service other gets AWS_ACCESS_KEY_ID in its environment")
	expectFinding(t, bad, "ECS service api gets S3_SECRET_ACCESS_KEY in its secret_arns")
	expectFinding(t, bad, "ECS service api may use the app bucket (s3_bucket_arn) but its environment has no S3_ENDPOINT")
	expectFinding(t, bad, "has no S3_REGION")
	for _, f := range bad {
		if strings.Contains(f.Msg, "service other may use") {
			t.Errorf("a service without s3_bucket_arn needs no S3_*: %v", f)
		}
	}

	good := run(t, "ecs", load(t, files(`
    S3_ENDPOINT = "https://s3.eu-west-1.amazonaws.com"
    S3_BUCKET   = "app"
    S3_REGION   = "eu-west-1"`, `JWT_SIGNING_KEYS = "arn:aws:secretsmanager:x"`)))
	for _, f := range good {
		if strings.Contains(f.Msg, "S3_") || strings.Contains(f.Msg, "credentials") {
			t.Errorf("unexpected finding: %v", f)
		}
	}
}
