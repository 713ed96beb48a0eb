# modules: module calls match the modules they call (a subset of
# `terraform validate`) and every var., local. and module. reference
# resolves.
package main

module_meta := {"source", "version", "count", "for_each", "providers", "depends_on"}

local_source(src) if startswith(src, "./")

local_source(src) if startswith(src, "../")

deny contains finding("modules", b.pos, sprintf("module %q: source must be a literal", [name])) if {
	some m in input.modules
	some name, b in m.module
	not str(b, "source")
}

deny contains finding("modules", b.pos, msg) if {
	some m in input.modules
	some name, b in m.module
	src := str(b, "source")
	not local_source(src)
	msg := sprintf("module %q: source %q is not a local path (pin remote modules by version and review them first)", [name, src])
}

deny contains finding("modules", b.pos, sprintf("module %q: source %q is not a module of this configuration", [name, src])) if {
	some m in input.modules
	some name, b in m.module
	src := str(b, "source")
	local_source(src)
	b.target == null
}

deny contains finding("modules", a.pos, sprintf("module %q: %s has no variable %q", [name, b.target, arg])) if {
	some m in input.modules
	some name, b in m.module
	b.target != null
	some arg, a in b.attrs
	not module_meta[arg]
	not input.modules[b.target].variable[arg]
}

deny contains finding("modules", b.pos, sprintf("module %q: required variable %q of %s is not set", [name, v, b.target])) if {
	some m in input.modules
	some name, b in m.module
	b.target != null
	some v, decl in input.modules[b.target].variable
	not decl.attrs["default"]
	not b.attrs[v]
}

deny contains finding("modules", r.pos, sprintf("undeclared variable var.%s", [p[1]])) if {
	some m in input.modules
	some r in m.references
	p := split(r.ref, ".")
	p[0] == "var"
	count(p) > 1
	not m.variable[p[1]]
}

deny contains finding("modules", r.pos, sprintf("undeclared local.%s", [p[1]])) if {
	some m in input.modules
	some r in m.references
	p := split(r.ref, ".")
	p[0] == "local"
	count(p) > 1
	not m.locals[p[1]]
}

deny contains finding("modules", r.pos, sprintf("no module %q in %s", [p[1], m.dir])) if {
	some m in input.modules
	some r in m.references
	p := split(r.ref, ".")
	p[0] == "module"
	count(p) > 1
	not m.module[p[1]]
}

deny contains finding("modules", r.pos, sprintf("module %q (%s) has no output %q", [p[1], target, p[2]])) if {
	some m in input.modules
	some r in m.references
	p := split(r.ref, ".")
	p[0] == "module"
	count(p) > 2
	target := m.module[p[1]].target
	target != null
	not input.modules[target].output[p[2]]
}
