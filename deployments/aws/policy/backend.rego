# backend: every module pins Terraform and the aws provider; environments
# (envs/*) keep their state in S3, encrypted, with a DynamoDB lock, each
# under its own key; modules configure no backend.
package main

deny contains finding("backend", m.dir, sprintf("module %s has no terraform block pinning its providers", [m.dir])) if {
	some m in input.modules
	count(m.terraform) == 0
}

required_providers(m) := [[name, a] |
	some t in m.terraform
	some rp in object.get(t.blocks, "required_providers", [])
	some name, a in rp.attrs
]

deny contains finding("backend", a.pos, sprintf("provider %s: required_providers needs source and version", [name])) if {
	some m in input.modules
	some [name, a] in required_providers(m)
	not has_source_and_version(a)
}

has_source_and_version(a) if {
	is_object(a.value)
	"source" in object.keys(a.value)
	"version" in object.keys(a.value)
}

deny contains finding("backend", a.pos, sprintf("provider %s: empty version constraint", [name])) if {
	some m in input.modules
	some [name, a] in required_providers(m)
	has_source_and_version(a)
	a.value.version in {null, ""}
}

deny contains finding("backend", m.terraform[0].pos, sprintf("%s: the aws provider must be pinned in required_providers", [m.dir])) if {
	some m in input.modules
	count(m.terraform) > 0
	not aws_pinned(m)
}

aws_pinned(m) if {
	some [name, a] in required_providers(m)
	name == "aws"
	has_source_and_version(a)
	not a.value.version in {null, ""}
}

deny contains finding("backend", t.pos, sprintf("%s: terraform.required_version must be set", [m.dir])) if {
	some m in input.modules
	some t in m.terraform
	not present(t, "required_version")
}

backends(m) := [b | some t in m.terraform; some b in object.get(t.blocks, "backend", [])]

deny contains finding("backend", b.pos, sprintf("%s: only environments (envs/*) configure a backend", [m.dir])) if {
	some m in input.modules
	not is_env(m)
	some b in backends(m)
}

# s3_backend is the environment's backend when it is "s3".
s3_backend(m) := b if {
	bs := backends(m)
	b := bs[count(bs) - 1]
	b.labels == ["s3"]
}

deny contains finding("backend", m.terraform[0].pos, sprintf("environment %s: backend \"s3\" is required", [m.dir])) if {
	some m in input.modules
	is_env(m)
	count(m.terraform) > 0
	not s3_backend(m)
}

deny contains finding("backend", b.pos, sprintf("environment %s: backend s3 needs a literal %s", [m.dir, attr])) if {
	some m in input.modules
	is_env(m)
	b := s3_backend(m)
	some attr in ["bucket", "key", "region", "dynamodb_table"]
	not has_text(b, attr)
}

deny contains finding("backend", b.pos, sprintf("environment %s: backend s3 needs encrypt = true", [m.dir])) if {
	some m in input.modules
	is_env(m)
	b := s3_backend(m)
	not is_true(b, "encrypt")
}

deny contains finding("backend", b.pos, sprintf("environment %s: state key %q already used by %s", [m.dir, key, other.dir])) if {
	some m in input.modules
	is_env(m)
	b := s3_backend(m)
	key := str(b, "key")
	some other in input.modules
	other.dir < m.dir
	str(s3_backend(other), "key") == key
}

deny contains finding("backend", m.terraform[0].pos, sprintf("environment %s: no provider \"aws\" block", [m.dir])) if {
	some m in input.modules
	is_env(m)
	s3_backend(m)
	not "aws" in m.providers
}
