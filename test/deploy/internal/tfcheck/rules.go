package tfcheck

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Rule is one named check over a whole configuration.
type Rule struct {
	Name  string
	Check func(c *Config) []Finding
}

// Rules are the checks Check runs, in order.
var Rules = []Rule{
	{"modules", checkModuleCalls},
	{"sg-ingress", checkIngress},
	{"rds", checkRDS},
	{"elasticache", checkElastiCache},
	{"s3", checkS3},
	{"encryption", checkEncryption},
	{"iam", checkIAM},
	{"network", checkNetwork},
	{"alb-listeners", checkListeners},
	{"ecs", checkECS},
	{"backend", checkBackends},
	{"prod", checkProd},
}

// Check runs every rule and returns the findings, sorted by position.
func Check(c *Config) []Finding {
	var out []Finding
	for _, r := range Rules {
		out = append(out, r.Check(c)...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pos < out[j].Pos })
	return out
}

// --- helpers -------------------------------------------------------------------

type finder struct {
	c    *Config
	rule string
	out  []Finding
}

func (f *finder) add(r hcl.Range, format string, args ...any) {
	f.out = append(f.out, Finding{Rule: f.rule, Pos: f.c.Pos(r), Msg: fmt.Sprintf(format, args...)})
}

// nested returns the blocks of a type inside body, including the content of
// `dynamic "<typ>"` blocks.
func nested(body *hclsyntax.Body, typ string) []*hclsyntax.Block {
	var out []*hclsyntax.Block
	for _, b := range body.Blocks {
		switch {
		case b.Type == typ:
			out = append(out, b)
		case b.Type == "dynamic" && len(b.Labels) == 1 && b.Labels[0] == typ:
			for _, c := range b.Body.Blocks {
				if c.Type == "content" {
					out = append(out, &hclsyntax.Block{Type: typ, Body: c.Body, TypeRange: b.TypeRange, LabelRanges: b.LabelRanges, OpenBraceRange: b.OpenBraceRange, CloseBraceRange: b.CloseBraceRange})
				}
			}
		}
	}
	return out
}

// path walks nested blocks: attrAt(body, "rule", "apply_server_side_encryption_by_default", "sse_algorithm").
func attrAt(body *hclsyntax.Body, steps ...string) *hclsyntax.Attribute {
	for i, s := range steps {
		if i == len(steps)-1 {
			return body.Attributes[s]
		}
		bs := nested(body, s)
		if len(bs) == 0 {
			return nil
		}
		body = bs[0].Body
	}
	return nil
}

func (m *Module) evalBool(a *hclsyntax.Attribute) (val, known bool) {
	if a == nil {
		return false, false
	}
	v, ok := m.Eval(a.Expr)
	if !ok || !v.IsKnown() || v.IsNull() || v.Type() != cty.Bool {
		return false, false
	}
	return v.True(), true
}

func (m *Module) evalNumber(a *hclsyntax.Attribute) (float64, bool) {
	if a == nil {
		return 0, false
	}
	v, ok := m.Eval(a.Expr)
	if !ok || !v.IsKnown() || v.IsNull() || v.Type() != cty.Number {
		return 0, false
	}
	f, _ := v.AsBigFloat().Float64()
	return f, true
}

func (m *Module) evalString(a *hclsyntax.Attribute) (string, bool) {
	if a == nil {
		return "", false
	}
	v, ok := m.Eval(a.Expr)
	if !ok || !v.IsWhollyKnown() || v.IsNull() {
		return "", false
	}
	switch v.Type() {
	case cty.String:
		return v.AsString(), true
	case cty.Number:
		return v.AsBigFloat().String(), true
	}
	return "", false
}

// evalStrings evaluates a string or a list/set/tuple of strings.
func (m *Module) evalStrings(a *hclsyntax.Attribute) ([]string, bool) {
	if a == nil {
		return nil, false
	}
	v, ok := m.Eval(a.Expr)
	if !ok || !v.IsWhollyKnown() || v.IsNull() {
		return nil, false
	}
	if v.Type() == cty.String {
		return []string{v.AsString()}, true
	}
	if !v.CanIterateElements() {
		return nil, false
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() || e.Type() != cty.String {
			return nil, false
		}
		out = append(out, e.AsString())
	}
	return out, true
}

// present reports an attribute that is set to something other than null.
func present(a *hclsyntax.Attribute) bool {
	if a == nil {
		return false
	}
	if v, d := a.Expr.Value(nil); !d.HasErrors() && v.IsNull() {
		return false
	}
	return true
}

// resourceRef returns X when expr references <typ>.X (first match).
func resourceRef(expr hcl.Expression, typ string) string {
	for _, r := range Refs(expr) {
		parts := strings.Split(r, ".")
		if len(parts) >= 2 && parts[0] == typ {
			return parts[1]
		}
	}
	return ""
}

func (c *Config) modulesSorted() []*Module {
	var out []*Module
	for _, d := range c.SortedModules() {
		out = append(out, c.Modules[d])
	}
	return out
}

// walkBody calls fn for every attribute of body and its nested blocks.
func walkBody(body *hclsyntax.Body, fn func(*hclsyntax.Attribute)) {
	for _, a := range body.Attributes {
		fn(a)
	}
	for _, b := range body.Blocks {
		walkBody(b.Body, fn)
	}
}

// --- modules: module calls and references resolve -----------------------------

var moduleMeta = map[string]bool{"source": true, "version": true, "count": true, "for_each": true, "providers": true, "depends_on": true}

func checkModuleCalls(c *Config) []Finding {
	f := &finder{c: c, rule: "modules"}
	for _, m := range c.modulesSorted() {
		calls := map[string]*Module{}
		for _, b := range m.Find("module") {
			src, ok := m.evalString(b.Body.Attributes["source"])
			if !ok {
				f.add(b.DefRange(), "module %q: source must be a literal", b.Labels[0])
				continue
			}
			if !strings.HasPrefix(src, "./") && !strings.HasPrefix(src, "../") {
				f.add(b.DefRange(), "module %q: source %q is not a local path (pin remote modules by version and review them first)", b.Labels[0], src)
				continue
			}
			target := c.Modules[path.Clean(path.Join(m.Dir, src))]
			if target == nil {
				f.add(b.DefRange(), "module %q: source %q is not a module of this configuration", b.Labels[0], src)
				continue
			}
			calls[b.Labels[0]] = target
			vars := target.Variables()
			for name, a := range b.Body.Attributes {
				if moduleMeta[name] {
					continue
				}
				if _, ok := vars[name]; !ok {
					f.add(a.SrcRange, "module %q: %s has no variable %q", b.Labels[0], target.Dir, name)
				}
			}
			for name, v := range vars {
				if _, hasDefault := v.Body.Attributes["default"]; hasDefault {
					continue
				}
				if _, ok := b.Body.Attributes[name]; !ok {
					f.add(b.DefRange(), "module %q: required variable %q of %s is not set", b.Labels[0], name, target.Dir)
				}
			}
		}
		vars := m.Variables()
		locals := m.Locals()
		for _, b := range m.Blocks {
			walkBody(b.Body, func(a *hclsyntax.Attribute) {
				for _, r := range Refs(a.Expr) {
					parts := strings.Split(r, ".")
					switch parts[0] {
					case "var":
						if len(parts) > 1 && vars[parts[1]] == nil {
							f.add(a.SrcRange, "undeclared variable var.%s", parts[1])
						}
					case "local":
						if len(parts) > 1 && locals[parts[1]] == nil {
							f.add(a.SrcRange, "undeclared local.%s", parts[1])
						}
					case "module":
						if len(parts) < 2 {
							continue
						}
						target, ok := calls[parts[1]]
						if !ok {
							if len(m.Find("module", parts[1])) == 0 {
								f.add(a.SrcRange, "no module %q in %s", parts[1], m.Dir)
							}
							continue
						}
						if len(parts) > 2 {
							if _, ok := target.Outputs()[parts[2]]; !ok {
								f.add(a.SrcRange, "module %q (%s) has no output %q", parts[1], target.Dir, parts[2])
							}
						}
					}
				}
			})
		}
	}
	return f.out
}

// --- sg-ingress ---------------------------------------------------------------

var world = map[string]bool{"0.0.0.0/0": true, "::/0": true}

type ingress struct {
	sg       string // aws_security_group name, "" when not resolvable
	cidrs    []*hclsyntax.Attribute
	from, to *hclsyntax.Attribute
	protocol *hclsyntax.Attribute
	rng      hcl.Range
}

func checkIngress(c *Config) []Finding {
	f := &finder{c: c, rule: "sg-ingress"}
	for _, m := range c.modulesSorted() {
		albSGs := map[string]bool{}
		for _, b := range m.Resources("aws_lb") {
			if a := b.Body.Attributes["security_groups"]; a != nil {
				for _, r := range Refs(a.Expr) {
					if p := strings.Split(r, "."); p[0] == "aws_security_group" && len(p) > 1 {
						albSGs[p[1]] = true
					}
				}
			}
		}
		dataSGs := map[string]string{}
		for typ, attr := range map[string]string{
			"aws_db_instance":                   "vpc_security_group_ids",
			"aws_rds_cluster":                   "vpc_security_group_ids",
			"aws_elasticache_replication_group": "security_group_ids",
			"aws_elasticache_cluster":           "security_group_ids",
		} {
			for _, b := range m.Resources(typ) {
				if a := b.Body.Attributes[attr]; a != nil {
					for _, r := range Refs(a.Expr) {
						if p := strings.Split(r, "."); p[0] == "aws_security_group" && len(p) > 1 {
							dataSGs[p[1]] = typ
						}
					}
				}
			}
		}

		var rules []ingress
		for _, b := range m.Resources("aws_vpc_security_group_ingress_rule") {
			in := ingress{rng: b.DefRange(), from: b.Body.Attributes["from_port"], to: b.Body.Attributes["to_port"], protocol: b.Body.Attributes["ip_protocol"]}
			if a := b.Body.Attributes["security_group_id"]; a != nil {
				in.sg = resourceRef(a.Expr, "aws_security_group")
			}
			for _, n := range []string{"cidr_ipv4", "cidr_ipv6"} {
				if a := b.Body.Attributes[n]; a != nil {
					in.cidrs = append(in.cidrs, a)
				}
			}
			rules = append(rules, in)
		}
		for _, b := range m.Resources("aws_security_group_rule") {
			if t, _ := m.evalString(b.Body.Attributes["type"]); t != "ingress" {
				continue
			}
			in := ingress{rng: b.DefRange(), from: b.Body.Attributes["from_port"], to: b.Body.Attributes["to_port"], protocol: b.Body.Attributes["protocol"]}
			if a := b.Body.Attributes["security_group_id"]; a != nil {
				in.sg = resourceRef(a.Expr, "aws_security_group")
			}
			for _, n := range []string{"cidr_blocks", "ipv6_cidr_blocks"} {
				if a := b.Body.Attributes[n]; a != nil {
					in.cidrs = append(in.cidrs, a)
				}
			}
			rules = append(rules, in)
		}
		for _, b := range m.Resources("aws_security_group") {
			for _, ib := range nested(b.Body, "ingress") {
				in := ingress{sg: b.Labels[1], rng: ib.DefRange(), from: ib.Body.Attributes["from_port"], to: ib.Body.Attributes["to_port"], protocol: ib.Body.Attributes["protocol"]}
				for _, n := range []string{"cidr_blocks", "ipv6_cidr_blocks"} {
					if a := ib.Body.Attributes[n]; a != nil {
						in.cidrs = append(in.cidrs, a)
					}
				}
				rules = append(rules, in)
			}
		}

		for _, in := range rules {
			if store, ok := dataSGs[in.sg]; ok && len(in.cidrs) > 0 {
				f.add(in.rng, "security group %q of %s admits CIDR ranges: data stores admit security groups only", in.sg, store)
			}
			for _, a := range in.cidrs {
				cidrs, ok := m.evalStrings(a)
				if !ok {
					f.add(a.SrcRange, "ingress %s is not statically known: use a literal range or referenced_security_group_id", a.Name)
					continue
				}
				for _, cidr := range cidrs {
					if !world[cidr] {
						continue
					}
					switch {
					case dataSGs[in.sg] != "":
						f.add(a.SrcRange, "%s opens %s (security group %q) to the internet", cidr, dataSGs[in.sg], in.sg)
					case !albSGs[in.sg]:
						f.add(a.SrcRange, "%s ingress on security group %q, which is not a load balancer's: only the ALB may be public", cidr, in.sg)
					default:
						from, ok1 := m.evalNumber(in.from)
						to, ok2 := m.evalNumber(in.to)
						proto, _ := m.evalString(in.protocol)
						if !ok1 || !ok2 || from != to || (from != 80 && from != 443) || (proto != "tcp" && proto != "6") {
							f.add(a.SrcRange, "the ALB may be open to the internet on tcp 80 and 443 only")
						}
					}
				}
			}
		}
	}
	return f.out
}

// --- rds ----------------------------------------------------------------------

func checkRDS(c *Config) []Finding {
	f := &finder{c: c, rule: "rds"}
	for _, m := range c.modulesSorted() {
		for _, typ := range []string{"aws_db_instance", "aws_rds_cluster"} {
			for _, b := range m.Resources(typ) {
				at := b.Body.Attributes
				if v, known := m.evalBool(at["storage_encrypted"]); !known || !v {
					f.add(b.DefRange(), "%s.%s: storage_encrypted must be true", typ, b.Labels[1])
				}
				if !present(at["kms_key_id"]) {
					f.add(b.DefRange(), "%s.%s: kms_key_id must name the environment's KMS key", typ, b.Labels[1])
				}
				if typ == "aws_db_instance" {
					if v, known := m.evalBool(at["publicly_accessible"]); !known || v {
						f.add(b.DefRange(), "%s.%s: publicly_accessible must be set to false", typ, b.Labels[1])
					}
				}
				if n, ok := m.evalNumber(at["backup_retention_period"]); !ok || n < 7 {
					f.add(b.DefRange(), "%s.%s: backup_retention_period must be at least 7 days", typ, b.Labels[1])
				}
				if !present(at["deletion_protection"]) {
					f.add(b.DefRange(), "%s.%s: deletion_protection must be set (true in prod)", typ, b.Labels[1])
				}
				if v, known := m.evalBool(at["skip_final_snapshot"]); !known || v {
					f.add(b.DefRange(), "%s.%s: skip_final_snapshot must be false", typ, b.Labels[1])
				}
				if !present(at["db_subnet_group_name"]) {
					f.add(b.DefRange(), "%s.%s: db_subnet_group_name must place it in the private data subnets", typ, b.Labels[1])
				}
			}
		}
	}
	return f.out
}

// --- elasticache --------------------------------------------------------------

func checkElastiCache(c *Config) []Finding {
	f := &finder{c: c, rule: "elasticache"}
	for _, m := range c.modulesSorted() {
		for _, b := range m.Resources("aws_elasticache_replication_group") {
			at := b.Body.Attributes
			if v, known := m.evalBool(at["at_rest_encryption_enabled"]); !known || !v {
				f.add(b.DefRange(), "%s: at_rest_encryption_enabled must be true", b.Labels[1])
			}
			if v, known := m.evalBool(at["transit_encryption_enabled"]); !known || !v {
				f.add(b.DefRange(), "%s: transit_encryption_enabled must be true", b.Labels[1])
			}
			if !present(at["kms_key_id"]) {
				f.add(b.DefRange(), "%s: kms_key_id must name the environment's KMS key", b.Labels[1])
			}
			if !present(at["subnet_group_name"]) {
				f.add(b.DefRange(), "%s: subnet_group_name must place it in the private data subnets", b.Labels[1])
			}
		}
		for _, b := range m.Resources("aws_elasticache_cluster") {
			if !present(b.Body.Attributes["replication_group_id"]) {
				f.add(b.DefRange(), "%s: use aws_elasticache_replication_group (encryption in transit and at rest)", b.Labels[1])
			}
		}
	}
	return f.out
}

// --- s3 -----------------------------------------------------------------------

func checkS3(c *Config) []Finding {
	f := &finder{c: c, rule: "s3"}
	for _, m := range c.modulesSorted() {
		sse := map[string]*Block{}
		for _, b := range m.Resources("aws_s3_bucket_server_side_encryption_configuration") {
			if a := b.Body.Attributes["bucket"]; a != nil {
				sse[resourceRef(a.Expr, "aws_s3_bucket")] = b
			}
		}
		pab := map[string]*Block{}
		for _, b := range m.Resources("aws_s3_bucket_public_access_block") {
			if a := b.Body.Attributes["bucket"]; a != nil {
				pab[resourceRef(a.Expr, "aws_s3_bucket")] = b
			}
		}
		for _, b := range m.Resources("aws_s3_bucket_acl") {
			if acl, _ := m.evalString(b.Body.Attributes["acl"]); acl != "private" {
				f.add(b.DefRange(), "%s: bucket ACLs other than private are forbidden (ownership is BucketOwnerEnforced)", b.Labels[1])
			}
		}
		for _, b := range m.Resources("aws_s3_bucket") {
			name := b.Labels[1]
			if a := b.Body.Attributes["acl"]; a != nil {
				f.add(a.SrcRange, "%s: no bucket ACLs", name)
			}
			s, ok := sse[name]
			if !ok {
				f.add(b.DefRange(), "bucket %s has no aws_s3_bucket_server_side_encryption_configuration", name)
			} else {
				alg, known := m.evalString(attrAt(s.Body, "rule", "apply_server_side_encryption_by_default", "sse_algorithm"))
				switch {
				case !known:
					f.add(s.DefRange(), "bucket %s: sse_algorithm is not statically known", name)
				case alg == "aws:kms" || alg == "aws:kms:dsse":
					if !present(attrAt(s.Body, "rule", "apply_server_side_encryption_by_default", "kms_master_key_id")) {
						f.add(s.DefRange(), "bucket %s: SSE-KMS needs kms_master_key_id (the environment's key)", name)
					}
				case alg == "AES256":
				default:
					f.add(s.DefRange(), "bucket %s: unknown sse_algorithm %q", name, alg)
				}
			}
			p, ok := pab[name]
			if !ok {
				f.add(b.DefRange(), "bucket %s has no aws_s3_bucket_public_access_block", name)
				continue
			}
			for _, n := range []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"} {
				if v, known := m.evalBool(p.Body.Attributes[n]); !known || !v {
					f.add(p.DefRange(), "bucket %s: %s must be true", name, n)
				}
			}
		}
	}
	return f.out
}

// --- encryption: secrets, logs, keys, topics, repositories --------------------

func checkEncryption(c *Config) []Finding {
	f := &finder{c: c, rule: "encryption"}
	for _, m := range c.modulesSorted() {
		for _, b := range m.Resources("aws_secretsmanager_secret") {
			if !present(b.Body.Attributes["kms_key_id"]) {
				f.add(b.DefRange(), "secret %s: kms_key_id must name the environment's KMS key", b.Labels[1])
			}
		}
		for _, b := range m.Resources("aws_cloudwatch_log_group") {
			if !present(b.Body.Attributes["kms_key_id"]) {
				f.add(b.DefRange(), "log group %s: kms_key_id must be set", b.Labels[1])
			}
			if !present(b.Body.Attributes["retention_in_days"]) {
				f.add(b.DefRange(), "log group %s: retention_in_days must be set", b.Labels[1])
			}
		}
		for _, b := range m.Resources("aws_kms_key") {
			if v, known := m.evalBool(b.Body.Attributes["enable_key_rotation"]); !known || !v {
				f.add(b.DefRange(), "KMS key %s: enable_key_rotation must be true", b.Labels[1])
			}
		}
		for _, b := range m.Resources("aws_sns_topic") {
			if !present(b.Body.Attributes["kms_master_key_id"]) {
				f.add(b.DefRange(), "SNS topic %s: kms_master_key_id must be set", b.Labels[1])
			}
		}
		for _, b := range m.Resources("aws_ecr_repository") {
			if t, _ := m.evalString(attrAt(b.Body, "encryption_configuration", "encryption_type")); t != "KMS" {
				f.add(b.DefRange(), "ECR repository %s: encryption_type must be KMS", b.Labels[1])
			}
		}
		for _, b := range m.Resources("aws_ssm_parameter") {
			if t, _ := m.evalString(b.Body.Attributes["type"]); t == "SecureString" && !present(b.Body.Attributes["key_id"]) {
				f.add(b.DefRange(), "SSM parameter %s: SecureString needs key_id", b.Labels[1])
			}
		}
	}
	return f.out
}

// --- iam ----------------------------------------------------------------------

// noResourceLevel are actions AWS authorises only on Resource "*".
var noResourceLevel = map[string]bool{
	"ecr:GetAuthorizationToken":        true,
	"xray:PutTraceSegments":            true,
	"xray:PutTelemetryRecords":         true,
	"xray:GetSamplingRules":            true,
	"xray:GetSamplingTargets":          true,
	"ssmmessages:CreateControlChannel": true,
	"ssmmessages:CreateDataChannel":    true,
	"ssmmessages:OpenControlChannel":   true,
	"ssmmessages:OpenDataChannel":      true,
}

// policyAttrs are the attributes that hold an IAM policy JSON document: each
// must come from an aws_iam_policy_document so that this rule can read it.
var policyAttrs = map[string]string{
	"aws_iam_role_policy":       "policy",
	"aws_iam_policy":            "policy",
	"aws_iam_user_policy":       "policy",
	"aws_iam_group_policy":      "policy",
	"aws_iam_role":              "assume_role_policy",
	"aws_kms_key":               "policy",
	"aws_s3_bucket_policy":      "policy",
	"aws_sns_topic_policy":      "policy",
	"aws_sqs_queue_policy":      "policy",
	"aws_ecr_repository_policy": "policy",
}

func checkIAM(c *Config) []Finding {
	f := &finder{c: c, rule: "iam"}
	for _, m := range c.modulesSorted() {
		for typ, attr := range policyAttrs {
			for _, b := range m.Resources(typ) {
				a := b.Body.Attributes[attr]
				if a == nil {
					continue
				}
				if !refersTo(a.Expr, "data.aws_iam_policy_document") {
					f.add(a.SrcRange, "%s.%s: %s must come from a data.aws_iam_policy_document (inline JSON escapes review)", typ, b.Labels[1], attr)
				}
			}
		}
		for _, typ := range []string{"aws_iam_role_policy_attachment", "aws_iam_policy_attachment", "aws_iam_user_policy_attachment", "aws_iam_group_policy_attachment"} {
			for _, b := range m.Resources(typ) {
				if arn, ok := m.evalString(b.Body.Attributes["policy_arn"]); !ok || strings.Contains(arn, ":iam::aws:policy/") {
					f.add(b.DefRange(), "%s.%s: attach this configuration's own least-privilege policies, not AWS-managed ones", typ, b.Labels[1])
				}
			}
		}
		for _, b := range m.Resources("aws_iam_role") {
			if a := b.Body.Attributes["managed_policy_arns"]; a != nil {
				f.add(a.SrcRange, "aws_iam_role.%s: no managed policies", b.Labels[1])
			}
		}
		for _, typ := range []string{"aws_iam_user", "aws_iam_access_key"} {
			for _, b := range m.Resources(typ) {
				f.add(b.DefRange(), "%s.%s: no IAM users or long-lived keys; use roles", typ, b.Labels[1])
			}
		}
		for _, doc := range m.Find("data", "aws_iam_policy_document") {
			for _, st := range nested(doc.Body, "statement") {
				checkStatement(f, m, doc, st)
			}
		}
	}
	return f.out
}

func checkStatement(f *finder, m *Module, doc *Block, st *hclsyntax.Block) {
	where := "aws_iam_policy_document." + doc.Labels[1]
	effect := "Allow"
	if a := st.Body.Attributes["effect"]; a != nil {
		e, ok := m.evalString(a)
		if !ok {
			f.add(a.SrcRange, "%s: effect must be a literal", where)
			return
		}
		effect = e
	}
	if effect != "Allow" {
		return
	}
	if a := st.Body.Attributes["not_actions"]; a != nil {
		f.add(a.SrcRange, "%s: Allow with not_actions grants everything else", where)
	}
	if a := st.Body.Attributes["not_resources"]; a != nil {
		f.add(a.SrcRange, "%s: Allow with not_resources grants everything else", where)
	}
	actions, ok := m.evalStrings(st.Body.Attributes["actions"])
	if !ok {
		f.add(st.DefRange(), "%s: actions must be a literal list", where)
		return
	}
	principals := nested(st.Body, "principals")
	for _, p := range principals {
		if ids, ok := m.evalStrings(p.Body.Attributes["identifiers"]); ok {
			for _, id := range ids {
				if id == "*" {
					f.add(p.DefRange(), "%s: Allow to principal \"*\" makes the resource public", where)
				}
			}
		}
	}
	for _, a := range actions {
		if a == "*" || strings.HasSuffix(a, ":*") {
			f.add(st.DefRange(), "%s: wildcard action %q; name the actions", where, a)
		}
	}
	resAttr := st.Body.Attributes["resources"]
	if resAttr == nil {
		assume := true
		for _, a := range actions {
			if !strings.HasPrefix(a, "sts:AssumeRole") {
				assume = false
			}
		}
		if !assume && len(principals) == 0 {
			f.add(st.DefRange(), "%s: identity policy statement without resources", where)
		}
		return
	}
	resources, ok := m.evalStrings(resAttr)
	if !ok {
		// References to resource ARNs: never "*".
		return
	}
	for _, r := range resources {
		if r != "*" {
			continue
		}
		if len(principals) > 0 {
			// A resource policy: "*" is the resource it is attached to.
			continue
		}
		for _, a := range actions {
			if !noResourceLevel[a] {
				f.add(resAttr.SrcRange, "%s: %s on Resource \"*\"; scope it to the resources it needs", where, a)
			}
		}
	}
}

// --- network ------------------------------------------------------------------

func checkNetwork(c *Config) []Finding {
	f := &finder{c: c, rule: "network"}
	for _, m := range c.modulesSorted() {
		for _, b := range m.Resources("aws_subnet") {
			if v, known := m.evalBool(b.Body.Attributes["map_public_ip_on_launch"]); !known || v {
				f.add(b.DefRange(), "subnet %s: map_public_ip_on_launch must be false (only the ALB is public)", b.Labels[1])
			}
		}
		for _, b := range m.Resources("aws_ecs_service") {
			if v, known := m.evalBool(attrAt(b.Body, "network_configuration", "assign_public_ip")); !known || v {
				f.add(b.DefRange(), "ECS service %s: network_configuration.assign_public_ip must be false", b.Labels[1])
			}
		}
		for _, b := range m.Resources("aws_instance") {
			f.add(b.DefRange(), "aws_instance.%s: no EC2 instances in this stack", b.Labels[1])
		}
		for _, b := range m.Find("module") {
			src, _ := m.evalString(b.Body.Attributes["source"])
			var want string
			attr := "subnet_ids"
			switch path.Base(src) {
			case "ecs_service":
				want = "private_subnet_ids"
			case "rds_postgres", "redis":
				want = "data_subnet_ids"
			case "alb":
				want, attr = "public_subnet_ids", "public_subnet_ids"
			default:
				continue
			}
			a := b.Body.Attributes[attr]
			ok := false
			if a != nil {
				for _, r := range Refs(a.Expr) {
					if strings.HasPrefix(r, "module.") && strings.HasSuffix(r, "."+want) {
						ok = true
					}
				}
			}
			if !ok {
				f.add(b.DefRange(), "module %q (%s): %s must be the network module's %s", b.Labels[0], path.Base(src), attr, want)
			}
		}
	}
	return f.out
}

// --- alb-listeners ------------------------------------------------------------

func checkListeners(c *Config) []Finding {
	f := &finder{c: c, rule: "alb-listeners"}
	for _, m := range c.modulesSorted() {
		for _, b := range m.Resources("aws_lb_listener") {
			at := b.Body.Attributes
			port, _ := m.evalNumber(at["port"])
			proto, _ := m.evalString(at["protocol"])
			switch port {
			case 443:
				if proto != "HTTPS" {
					f.add(b.DefRange(), "listener %s: 443 must be HTTPS", b.Labels[1])
				}
				if !present(at["certificate_arn"]) {
					f.add(b.DefRange(), "listener %s: HTTPS needs the ACM certificate", b.Labels[1])
				}
				if pol, known := m.evalString(at["ssl_policy"]); !known || !strings.Contains(pol, "TLS13") {
					f.add(b.DefRange(), "listener %s: ssl_policy must be a TLS 1.3 policy (ELBSecurityPolicy-TLS13-*)", b.Labels[1])
				}
			case 80:
				typ, _ := m.evalString(attrAt(b.Body, "default_action", "type"))
				rp, _ := m.evalString(attrAt(b.Body, "default_action", "redirect", "protocol"))
				if typ != "redirect" || rp != "HTTPS" {
					f.add(b.DefRange(), "listener %s: port 80 must only redirect to HTTPS", b.Labels[1])
				}
			default:
				f.add(b.DefRange(), "listener %s: only 80 (redirect) and 443 (HTTPS) are exposed", b.Labels[1])
			}
		}
	}
	return f.out
}

// --- ecs ----------------------------------------------------------------------

func checkECS(c *Config) []Finding {
	f := &finder{c: c, rule: "ecs"}
	for _, m := range c.modulesSorted() {
		for _, b := range m.Resources("aws_ecs_service") {
			if len(nested(b.Body, "deployment_circuit_breaker")) == 0 {
				f.add(b.DefRange(), "ECS service %s: deployment_circuit_breaker (with rollback) is required", b.Labels[1])
			}
			scaled := false
			for _, t := range m.Resources("aws_appautoscaling_target") {
				if a := t.Body.Attributes["resource_id"]; a != nil && refersTo(a.Expr, "aws_ecs_service."+b.Labels[1]) {
					scaled = true
				}
			}
			if !scaled {
				f.add(b.DefRange(), "ECS service %s: no aws_appautoscaling_target scales it", b.Labels[1])
			}
		}
		if len(m.Resources("aws_ecs_task_definition")) == 0 {
			continue
		}
		readOnly, nonRoot := false, false
		for _, b := range m.Blocks {
			walkBody(b.Body, func(a *hclsyntax.Attribute) {
				_ = hclsyntax.VisitAll(a.Expr, func(n hclsyntax.Node) hcl.Diagnostics {
					obj, ok := n.(*hclsyntax.ObjectConsExpr)
					if !ok {
						return nil
					}
					for _, it := range obj.Items {
						k, d := it.KeyExpr.Value(nil)
						if d.HasErrors() || k.Type() != cty.String {
							continue
						}
						v, d := it.ValueExpr.Value(nil)
						if d.HasErrors() {
							continue
						}
						switch k.AsString() {
						case "readonlyRootFilesystem":
							readOnly = readOnly || (v.Type() == cty.Bool && v.True())
						case "user":
							if v.Type() == cty.String {
								u := v.AsString()
								nonRoot = nonRoot || (u != "" && u != "root" && u != "0" && !strings.HasPrefix(u, "0:"))
							}
						}
					}
					return nil
				})
			})
		}
		td := m.Resources("aws_ecs_task_definition")[0]
		if !readOnly {
			f.add(td.DefRange(), "task definition %s: the app container must set readonlyRootFilesystem = true", td.Labels[1])
		}
		if !nonRoot {
			f.add(td.DefRange(), "task definition %s: the app container must set a non-root user", td.Labels[1])
		}
	}
	return f.out
}

// --- backend: remote state with locking, pinned providers ---------------------

func checkBackends(c *Config) []Finding {
	f := &finder{c: c, rule: "backend"}
	keys := map[string]string{}
	for _, m := range c.modulesSorted() {
		tfs := m.Find("terraform")
		isEnv := strings.HasPrefix(m.Dir, "envs/")
		if len(tfs) == 0 {
			pos := hcl.Range{Filename: path.Join(c.Root, m.Dir)}
			f.add(pos, "module %s has no terraform block pinning its providers", m.Dir)
			continue
		}
		var backend *hclsyntax.Block
		pinned := false
		for _, t := range tfs {
			for _, rp := range nested(t.Body, "required_providers") {
				for name, a := range rp.Body.Attributes {
					v, ok := m.Eval(a.Expr)
					if !ok || !v.Type().IsObjectType() || !v.Type().HasAttribute("version") || !v.Type().HasAttribute("source") {
						f.add(a.SrcRange, "provider %s: required_providers needs source and version", name)
						continue
					}
					if ver := v.GetAttr("version"); ver.IsNull() || ver.AsString() == "" {
						f.add(a.SrcRange, "provider %s: empty version constraint", name)
						continue
					}
					if name == "aws" {
						pinned = true
					}
				}
			}
			if !present(t.Body.Attributes["required_version"]) {
				f.add(t.DefRange(), "%s: terraform.required_version must be set", m.Dir)
			}
			for _, b := range t.Body.Blocks {
				if b.Type == "backend" {
					backend = b
				}
			}
		}
		if !pinned {
			f.add(tfs[0].DefRange(), "%s: the aws provider must be pinned in required_providers", m.Dir)
		}
		if !isEnv {
			if backend != nil {
				f.add(backend.DefRange(), "%s: only environments (envs/*) configure a backend", m.Dir)
			}
			continue
		}
		if backend == nil || len(backend.Labels) != 1 || backend.Labels[0] != "s3" {
			f.add(tfs[0].DefRange(), "environment %s: backend \"s3\" is required", m.Dir)
			continue
		}
		for _, n := range []string{"bucket", "key", "region", "dynamodb_table"} {
			if s, ok := m.evalString(backend.Body.Attributes[n]); !ok || s == "" {
				f.add(backend.DefRange(), "environment %s: backend s3 needs a literal %s", m.Dir, n)
			}
		}
		if v, known := m.evalBool(backend.Body.Attributes["encrypt"]); !known || !v {
			f.add(backend.DefRange(), "environment %s: backend s3 needs encrypt = true", m.Dir)
		}
		if k, ok := m.evalString(backend.Body.Attributes["key"]); ok {
			if other, dup := keys[k]; dup {
				f.add(backend.DefRange(), "environment %s: state key %q already used by %s", m.Dir, k, other)
			}
			keys[k] = m.Dir
		}
		if len(m.Find("provider", "aws")) == 0 {
			f.add(tfs[0].DefRange(), "environment %s: no provider \"aws\" block", m.Dir)
		}
	}
	return f.out
}

// --- prod: data protection of the production environment ----------------------

func checkProd(c *Config) []Finding {
	f := &finder{c: c, rule: "prod"}
	for _, m := range c.modulesSorted() {
		if !strings.HasPrefix(m.Dir, "envs/") {
			continue
		}
		prod := m.Dir == "envs/prod"
		// The environment's own calls and those of the modules it calls
		// (its stack), with the values it passes down.
		for _, call := range c.Calls(m) {
			b, in := call.Block, call.Caller
			src, _ := in.evalString(b.Body.Attributes["source"])
			at := b.Body.Attributes
			switch path.Base(src) {
			case "rds_postgres":
				if n, ok := in.evalNumber(at["backup_retention_days"]); at["backup_retention_days"] != nil && (!ok || n < 7) {
					f.add(b.DefRange(), "%s: backup_retention_days must be at least 7", m.Dir)
				}
				if !prod {
					continue
				}
				if v, known := in.evalBool(at["deletion_protection"]); !known || !v {
					f.add(b.DefRange(), "envs/prod: the database needs deletion_protection = true")
				}
				if v, known := in.evalBool(at["multi_az"]); !known || !v {
					f.add(b.DefRange(), "envs/prod: the database needs multi_az = true")
				}
			case "alb":
				if v, known := in.evalBool(at["deletion_protection"]); prod && (!known || !v) {
					f.add(b.DefRange(), "envs/prod: the ALB needs deletion_protection = true")
				}
			}
		}
	}
	return f.out
}
