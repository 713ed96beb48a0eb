# rds, elasticache, s3, encryption: data stores are private, encrypted with
# the environment's KMS key and backed up; every secret, log group, key,
# topic and repository is encrypted.
package main

rds_types := {"aws_db_instance", "aws_rds_cluster"}

rds contains [typ, name, b] if {
	some m in input.modules
	some typ in rds_types
	some name, b in resources(m, typ)
}

deny contains finding("rds", b.pos, sprintf("%s.%s: storage_encrypted must be true", [typ, name])) if {
	some [typ, name, b] in rds
	not is_true(b, "storage_encrypted")
}

deny contains finding("rds", b.pos, sprintf("%s.%s: kms_key_id must name the environment's KMS key", [typ, name])) if {
	some [typ, name, b] in rds
	not present(b, "kms_key_id")
}

deny contains finding("rds", b.pos, sprintf("%s.%s: publicly_accessible must be set to false", [typ, name])) if {
	some [typ, name, b] in rds
	typ == "aws_db_instance"
	not is_false(b, "publicly_accessible")
}

deny contains finding("rds", b.pos, sprintf("%s.%s: backup_retention_period must be at least 7 days", [typ, name])) if {
	some [typ, name, b] in rds
	not at_least(b, "backup_retention_period", 7)
}

deny contains finding("rds", b.pos, sprintf("%s.%s: deletion_protection must be set (true in prod)", [typ, name])) if {
	some [typ, name, b] in rds
	not present(b, "deletion_protection")
}

deny contains finding("rds", b.pos, sprintf("%s.%s: skip_final_snapshot must be false", [typ, name])) if {
	some [typ, name, b] in rds
	not is_false(b, "skip_final_snapshot")
}

deny contains finding("rds", b.pos, sprintf("%s.%s: db_subnet_group_name must place it in the private data subnets", [typ, name])) if {
	some [typ, name, b] in rds
	not present(b, "db_subnet_group_name")
}

deny contains finding("elasticache", b.pos, sprintf("%s: %s must be true", [name, attr])) if {
	some m in input.modules
	some name, b in resources(m, "aws_elasticache_replication_group")
	some attr in ["at_rest_encryption_enabled", "transit_encryption_enabled"]
	not is_true(b, attr)
}

deny contains finding("elasticache", b.pos, sprintf("%s: kms_key_id must name the environment's KMS key", [name])) if {
	some m in input.modules
	some name, b in resources(m, "aws_elasticache_replication_group")
	not present(b, "kms_key_id")
}

deny contains finding("elasticache", b.pos, sprintf("%s: subnet_group_name must place it in the private data subnets", [name])) if {
	some m in input.modules
	some name, b in resources(m, "aws_elasticache_replication_group")
	not present(b, "subnet_group_name")
}

deny contains finding("elasticache", b.pos, sprintf("%s: use aws_elasticache_replication_group (encryption in transit and at rest)", [name])) if {
	some m in input.modules
	some name, b in resources(m, "aws_elasticache_cluster")
	not present(b, "replication_group_id")
}

# bucket_config returns the blocks of a type that configure aws_s3_bucket.<bucket>.
bucket_config(m, typ, bucket) := [b |
	some b in resources(m, typ)
	ref_name(b, "bucket", "aws_s3_bucket") == bucket
]

deny contains finding("s3", b.pos, msg) if {
	some m in input.modules
	some name, b in resources(m, "aws_s3_bucket_acl")
	not has_value(b, "acl", "private")
	msg := sprintf("%s: bucket ACLs other than private are forbidden (ownership is BucketOwnerEnforced)", [name])
}

deny contains finding("s3", b.attrs.acl.pos, sprintf("%s: no bucket ACLs", [name])) if {
	some m in input.modules
	some name, b in resources(m, "aws_s3_bucket")
	b.attrs.acl
}

deny contains finding("s3", b.pos, sprintf("bucket %s has no aws_s3_bucket_%s", [name, typ])) if {
	some m in input.modules
	some name, b in resources(m, "aws_s3_bucket")
	some typ in ["server_side_encryption_configuration", "public_access_block"]
	count(bucket_config(m, concat("", ["aws_s3_bucket_", typ]), name)) == 0
}

deny contains finding("s3", sse.pos, msg) if {
	some m in input.modules
	some name, _ in resources(m, "aws_s3_bucket")
	some sse in bucket_config(m, "aws_s3_bucket_server_side_encryption_configuration", name)
	msg := sse_problem(name, first(first(sse, "rule"), "apply_server_side_encryption_by_default"))
}

sse_problem(bucket, enc) := sprintf("bucket %s: sse_algorithm is not statically known", [bucket]) if not str(enc, "sse_algorithm")

sse_problem(bucket, enc) := sprintf("bucket %s: SSE-KMS needs kms_master_key_id (the environment's key)", [bucket]) if {
	str(enc, "sse_algorithm") in {"aws:kms", "aws:kms:dsse"}
	not present(enc, "kms_master_key_id")
}

sse_problem(bucket, enc) := sprintf("bucket %s: unknown sse_algorithm %q", [bucket, alg]) if {
	alg := str(enc, "sse_algorithm")
	not alg in {"aws:kms", "aws:kms:dsse", "AES256"}
}

deny contains finding("s3", pab.pos, sprintf("bucket %s: %s must be true", [name, attr])) if {
	some m in input.modules
	some name, _ in resources(m, "aws_s3_bucket")
	some pab in bucket_config(m, "aws_s3_bucket_public_access_block", name)
	some attr in ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]
	not is_true(pab, attr)
}

deny contains finding("encryption", b.pos, sprintf("secret %s: kms_key_id must name the environment's KMS key", [name])) if {
	some m in input.modules
	some name, b in resources(m, "aws_secretsmanager_secret")
	not present(b, "kms_key_id")
}

deny contains finding("encryption", b.pos, sprintf("log group %s: %s must be set", [name, attr])) if {
	some m in input.modules
	some name, b in resources(m, "aws_cloudwatch_log_group")
	some attr in ["kms_key_id", "retention_in_days"]
	not present(b, attr)
}

deny contains finding("encryption", b.pos, sprintf("KMS key %s: enable_key_rotation must be true", [name])) if {
	some m in input.modules
	some name, b in resources(m, "aws_kms_key")
	not is_true(b, "enable_key_rotation")
}

deny contains finding("encryption", b.pos, sprintf("SNS topic %s: kms_master_key_id must be set", [name])) if {
	some m in input.modules
	some name, b in resources(m, "aws_sns_topic")
	not present(b, "kms_master_key_id")
}

deny contains finding("encryption", b.pos, sprintf("ECR repository %s: encryption_type must be KMS", [name])) if {
	some m in input.modules
	some name, b in resources(m, "aws_ecr_repository")
	not has_value(first(b, "encryption_configuration"), "encryption_type", "KMS")
}

deny contains finding("encryption", b.pos, sprintf("SSM parameter %s: SecureString needs key_id", [name])) if {
	some m in input.modules
	some name, b in resources(m, "aws_ssm_parameter")
	str(b, "type") == "SecureString"
	not present(b, "key_id")
}
