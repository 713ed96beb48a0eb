# iam: least privilege. Policies come from aws_iam_policy_document (so that
# these rules can read them), no wildcard actions, Resource "*" only for the
# actions AWS cannot scope, no AWS-managed policies, no IAM users or keys.
package main

# no_resource_level are actions AWS authorises only on Resource "*".
no_resource_level := {
	"ecr:GetAuthorizationToken",
	"xray:PutTraceSegments",
	"xray:PutTelemetryRecords",
	"xray:GetSamplingRules",
	"xray:GetSamplingTargets",
	"ssmmessages:CreateControlChannel",
	"ssmmessages:CreateDataChannel",
	"ssmmessages:OpenControlChannel",
	"ssmmessages:OpenDataChannel",
}

# policy_attrs are the attributes that hold an IAM policy JSON document.
policy_attrs := {
	"aws_iam_role_policy": "policy",
	"aws_iam_policy": "policy",
	"aws_iam_user_policy": "policy",
	"aws_iam_group_policy": "policy",
	"aws_iam_role": "assume_role_policy",
	"aws_kms_key": "policy",
	"aws_s3_bucket_policy": "policy",
	"aws_sns_topic_policy": "policy",
	"aws_sqs_queue_policy": "policy",
	"aws_ecr_repository_policy": "policy",
}

deny contains finding("iam", a.pos, msg) if {
	some m in input.modules
	some typ, attr in policy_attrs
	some name, b in resources(m, typ)
	a := b.attrs[attr]
	not refers_to(b, attr, "data.aws_iam_policy_document")
	msg := sprintf("%s.%s: %s must come from a data.aws_iam_policy_document (inline JSON escapes review)", [typ, name, attr])
}

deny contains finding("iam", b.pos, msg) if {
	some m in input.modules
	some typ in ["aws_iam_role_policy_attachment", "aws_iam_policy_attachment", "aws_iam_user_policy_attachment", "aws_iam_group_policy_attachment"]
	some name, b in resources(m, typ)
	not own_policy(b)
	msg := sprintf("%s.%s: attach this configuration's own least-privilege policies, not AWS-managed ones", [typ, name])
}

own_policy(b) if {
	arn := str(b, "policy_arn")
	not contains(arn, ":iam::aws:policy/")
}

deny contains finding("iam", b.attrs.managed_policy_arns.pos, sprintf("aws_iam_role.%s: no managed policies", [name])) if {
	some m in input.modules
	some name, b in resources(m, "aws_iam_role")
	b.attrs.managed_policy_arns
}

deny contains finding("iam", b.pos, sprintf("%s.%s: no IAM users or long-lived keys; use roles", [typ, name])) if {
	some m in input.modules
	some typ in ["aws_iam_user", "aws_iam_access_key"]
	some name, b in resources(m, typ)
}

# statements are the Allow statements of the policy documents, with where
# they are for the messages.
statements contains [sprintf("aws_iam_policy_document.%s", [name]), st] if {
	some m in input.modules
	some name, doc in object.get(m.data, "aws_iam_policy_document", {})
	some st in doc.blocks.statement
}

allow(st) if not st.attrs.effect

allow(st) if str(st, "effect") == "Allow"

deny contains finding("iam", st.attrs.effect.pos, sprintf("%s: effect must be a literal", [where])) if {
	some [where, st] in statements
	st.attrs.effect
	not str(st, "effect")
}

deny contains finding("iam", st.attrs[attr].pos, sprintf("%s: Allow with %s grants everything else", [where, attr])) if {
	some [where, st] in statements
	allow(st)
	some attr in ["not_actions", "not_resources"]
	st.attrs[attr]
}

deny contains finding("iam", st.pos, sprintf("%s: actions must be a literal list", [where])) if {
	some [where, st] in statements
	allow(st)
	not strs(st, "actions")
}

deny contains finding("iam", p.pos, sprintf("%s: Allow to principal \"*\" makes the resource public", [where])) if {
	some [where, st] in statements
	allow(st)
	strs(st, "actions")
	some p in st.blocks.principals
	"*" in strs(p, "identifiers")
}

deny contains finding("iam", st.pos, sprintf("%s: wildcard action %q; name the actions", [where, action])) if {
	some [where, st] in statements
	allow(st)
	some action in strs(st, "actions")
	wildcard(action)
}

assume_role_only(actions) if every action in actions {
	startswith(action, "sts:AssumeRole")
}

wildcard("*")

wildcard(action) if endswith(action, ":*")

deny contains finding("iam", st.pos, sprintf("%s: identity policy statement without resources", [where])) if {
	some [where, st] in statements
	allow(st)
	not st.attrs.resources
	actions := strs(st, "actions")
	not assume_role_only(actions)
	count(object.get(st.blocks, "principals", [])) == 0
}

deny contains finding("iam", st.attrs.resources.pos, msg) if {
	some [where, st] in statements
	allow(st)
	"*" in strs(st, "resources")
	count(object.get(st.blocks, "principals", [])) == 0 # in a resource policy "*" is the resource it is attached to
	some action in strs(st, "actions")
	not no_resource_level[action]
	msg := sprintf("%s: %s on Resource \"*\"; scope it to the resources it needs", [where, action])
}
