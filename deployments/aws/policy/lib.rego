# Helpers of the Terraform policies. The input is the document that
# test/deploy/internal/tfcheck builds from deployments/aws/terraform:
#
#   input.modules[dir]             one per directory of .tf files
#     .resource[type][name], .data[type][name], .module[name],
#     .variable[name], .output[name]        blocks
#     .locals[name]                         attributes
#     .terraform[]                          terraform blocks
#     .providers[]                          names of the provider blocks
#     .references[]                         {ref, pos} of every expression
#     .calls[]                              module calls of the stack this module
#                                           is the root of, each {name, pos, attrs}
#                                           evaluated with what its caller passes
#   block: {pos, labels, attrs: {name: attr}, blocks: {type: [block]}}
#          (dynamic blocks appear as their content; a module block also has
#          target, the directory of the module it calls, or null)
#   attr:  {value, known, set, refs, pos}: value is the statically evaluated
#          value (variables from defaults, terraform.tfvars or the caller;
#          unknown parts null; a constructor or function call that does not
#          evaluate keeps the parts that do), known whether it is wholly
#          known, set whether the expression is anything but a literal null,
#          refs the references of the expression as dotted paths.
#
# Every rule adds {rule, pos, msg} to deny; conftest reads the same shape.
package main

finding(rule, pos, msg) := {"rule": rule, "pos": pos, "msg": msg}

# The attribute helpers take a block and an attribute name: a missing
# attribute leaves them undefined inside, so `not is_true(b, "x")` holds
# for a missing x (an undefined argument would leave the whole `not`
# expression undefined instead).

is_true(b, name) if {
	b.attrs[name].known
	b.attrs[name].value == true
}

is_false(b, name) if {
	b.attrs[name].known
	b.attrs[name].value == false
}

present(b, name) if b.attrs[name].set

num(b, name) := v if {
	b.attrs[name].known
	v := b.attrs[name].value
	is_number(v)
}

str(b, name) := v if {
	b.attrs[name].known
	v := b.attrs[name].value
	is_string(v)
}

str(b, name) := sprintf("%v", [v]) if {
	b.attrs[name].known
	v := b.attrs[name].value
	is_number(v)
}

# has_value, has_text and at_least are what a negation needs: `not
# str(b, "x") == "y"` would not hold for a missing x, as the call is
# evaluated before the negation.
has_value(b, name, v) if {
	b.attrs[name].known
	b.attrs[name].value == v
}

has_text(b, name) if str(b, name) != ""

at_least(b, name, n) if num(b, name) >= n

# strs is a string or a list of strings, when wholly known.
strs(b, name) := [v] if {
	b.attrs[name].known
	v := b.attrs[name].value
	is_string(v)
}

strs(b, name) := v if {
	b.attrs[name].known
	v := b.attrs[name].value
	is_array(v)
	every e in v {
		is_string(e)
	}
}

# ref_name returns X of the first reference of attribute name to <typ>.X.
ref_name(b, name, typ) := [p[1] |
	some r in b.attrs[name].refs
	p := split(r, ".")
	p[0] == typ
	count(p) >= 2
][0]

refers_to(b, name, prefix) if {
	some r in b.attrs[name].refs
	r == prefix
}

refers_to(b, name, prefix) if {
	some r in b.attrs[name].refs
	startswith(r, concat("", [prefix, "."]))
}

# first returns the first nested block of a type, or an empty block.
first(b, typ) := object.get(b, ["blocks", typ, 0], {})

# base is the last element of a slash-separated path.
base(p) := parts[count(parts) - 1] if parts := split(trim_right(p, "/"), "/")

resources(m, typ) := object.get(m.resource, typ, {})

is_env(m) if startswith(m.dir, "envs/")
