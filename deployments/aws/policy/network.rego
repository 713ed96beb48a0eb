# sg-ingress, network, alb-listeners: only the ALB is public, and only on
# tcp 80 and 443; data stores admit security groups, never CIDR ranges;
# tasks and subnets get no public addresses; the stack's modules sit in the
# network module's subnets.
package main

world := {"0.0.0.0/0", "::/0"}

# alb_sgs[dir][X]: aws_security_group.X is a load balancer's.
alb_sgs[m.dir][x] if {
	some m in input.modules
	some lb in resources(m, "aws_lb")
	some r in lb.attrs.security_groups.refs
	p := split(r, ".")
	p[0] == "aws_security_group"
	count(p) > 1
	x := p[1]
}

data_store_sg_attrs := {
	"aws_db_instance": "vpc_security_group_ids",
	"aws_rds_cluster": "vpc_security_group_ids",
	"aws_elasticache_replication_group": "security_group_ids",
	"aws_elasticache_cluster": "security_group_ids",
}

# data_sgs[dir][X]: the data store types aws_security_group.X guards.
data_sgs[m.dir][x] contains typ if {
	some m in input.modules
	some typ, attr in data_store_sg_attrs
	some store in resources(m, typ)
	some r in store.attrs[attr].refs
	p := split(r, ".")
	p[0] == "aws_security_group"
	count(p) > 1
	x := p[1]
}

data_store(m, sg) := sort(data_sgs[m.dir][sg])[0]

# ingress[dir]: every ingress rule, whichever resource declares it: the
# block, the security group it opens and the names of its attributes.
ingress[m.dir] contains rule if {
	some m in input.modules
	some b in resources(m, "aws_vpc_security_group_ingress_rule")
	rule := {"block": b, "sg": sg_of(b), "protocol": "ip_protocol", "cidrs": ["cidr_ipv4", "cidr_ipv6"]}
}

ingress[m.dir] contains rule if {
	some m in input.modules
	some b in resources(m, "aws_security_group_rule")
	str(b, "type") == "ingress"
	rule := {"block": b, "sg": sg_of(b), "protocol": "protocol", "cidrs": ["cidr_blocks", "ipv6_cidr_blocks"]}
}

ingress[m.dir] contains rule if {
	some m in input.modules
	some name, sg in resources(m, "aws_security_group")
	some b in sg.blocks.ingress
	rule := {"block": b, "sg": name, "protocol": "protocol", "cidrs": ["cidr_blocks", "ipv6_cidr_blocks"]}
}

sg_of(b) := ref_name(b, "security_group_id", "aws_security_group")

sg_of(b) := "" if not ref_name(b, "security_group_id", "aws_security_group")

deny contains finding("sg-ingress", rule.block.pos, msg) if {
	some m in input.modules
	some rule in ingress[m.dir]
	some cidr in rule.cidrs
	rule.block.attrs[cidr]
	store := data_store(m, rule.sg)
	msg := sprintf("security group %q of %s admits CIDR ranges: data stores admit security groups only", [rule.sg, store])
}

deny contains finding("sg-ingress", rule.block.attrs[c].pos, msg) if {
	some m in input.modules
	some rule in ingress[m.dir]
	some c in rule.cidrs
	rule.block.attrs[c]
	not strs(rule.block, c)
	msg := sprintf("ingress %s is not statically known: use a literal range or referenced_security_group_id", [c])
}

deny contains finding("sg-ingress", rule.block.attrs[c].pos, msg) if {
	some m in input.modules
	some rule in ingress[m.dir]
	some c in rule.cidrs
	some cidr in strs(rule.block, c)
	world[cidr]
	msg := world_ingress(m, rule, cidr)
}

world_ingress(m, rule, cidr) := sprintf("%s opens %s (security group %q) to the internet", [cidr, data_store(m, rule.sg), rule.sg])

world_ingress(m, rule, cidr) := msg if {
	not data_store(m, rule.sg)
	not alb_sgs[m.dir][rule.sg]
	msg := sprintf("%s ingress on security group %q, which is not a load balancer's: only the ALB may be public", [cidr, rule.sg])
}

world_ingress(m, rule, _) := "the ALB may be open to the internet on tcp 80 and 443 only" if {
	not data_store(m, rule.sg)
	alb_sgs[m.dir][rule.sg]
	not web_port(rule)
}

web_port(rule) if {
	num(rule.block, "from_port") == num(rule.block, "to_port")
	num(rule.block, "from_port") in {80, 443}
	str(rule.block, rule.protocol) in {"tcp", "6"}
}

deny contains finding("network", b.pos, sprintf("subnet %s: map_public_ip_on_launch must be false (only the ALB is public)", [name])) if {
	some m in input.modules
	some name, b in resources(m, "aws_subnet")
	not is_false(b, "map_public_ip_on_launch")
}

deny contains finding("network", b.pos, sprintf("ECS service %s: network_configuration.assign_public_ip must be false", [name])) if {
	some m in input.modules
	some name, b in resources(m, "aws_ecs_service")
	not is_false(first(b, "network_configuration"), "assign_public_ip")
}

deny contains finding("network", b.pos, sprintf("aws_instance.%s: no EC2 instances in this stack", [name])) if {
	some m in input.modules
	some name, b in resources(m, "aws_instance")
}

# subnet_inputs[module]: the input of that module that places it, and the
# network module's output it must be.
subnet_inputs := {
	"ecs_service": ["subnet_ids", "private_subnet_ids"],
	"rds_postgres": ["subnet_ids", "data_subnet_ids"],
	"redis": ["subnet_ids", "data_subnet_ids"],
	"alb": ["public_subnet_ids", "public_subnet_ids"],
}

deny contains finding("network", b.pos, msg) if {
	some m in input.modules
	some name, b in m.module
	kind := base(str(b, "source"))
	[attr, want] := subnet_inputs[kind]
	not from_network(b, attr, want)
	msg := sprintf("module %q (%s): %s must be the network module's %s", [name, kind, attr, want])
}

from_network(b, attr, want) if {
	some r in b.attrs[attr].refs
	startswith(r, "module.")
	endswith(r, concat("", [".", want]))
}

listeners contains [name, b, num(b, "port")] if {
	some m in input.modules
	some name, b in resources(m, "aws_lb_listener")
}

deny contains finding("alb-listeners", b.pos, sprintf("listener %s: 443 must be HTTPS", [name])) if {
	some [name, b, port] in listeners
	port == 443
	not has_value(b, "protocol", "HTTPS")
}

deny contains finding("alb-listeners", b.pos, sprintf("listener %s: HTTPS needs the ACM certificate", [name])) if {
	some [name, b, port] in listeners
	port == 443
	not present(b, "certificate_arn")
}

deny contains finding("alb-listeners", b.pos, msg) if {
	some [name, b, port] in listeners
	port == 443
	not tls13_policy(b)
	msg := sprintf("listener %s: ssl_policy must be a TLS 1.3 policy (ELBSecurityPolicy-TLS13-*)", [name])
}

deny contains finding("alb-listeners", b.pos, sprintf("listener %s: port 80 must only redirect to HTTPS", [name])) if {
	some [name, b, port] in listeners
	port == 80
	not redirects_to_https(b)
}

deny contains finding("alb-listeners", b.pos, sprintf("listener %s: only 80 (redirect) and 443 (HTTPS) are exposed", [name])) if {
	some m in input.modules
	some name, b in resources(m, "aws_lb_listener")
	not has_value(b, "port", 80)
	not has_value(b, "port", 443)
}

tls13_policy(b) if contains(str(b, "ssl_policy"), "TLS13")

redirects_to_https(b) if {
	action := first(b, "default_action")
	str(action, "type") == "redirect"
	str(first(action, "redirect"), "protocol") == "HTTPS"
}
