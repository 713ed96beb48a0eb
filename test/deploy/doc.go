// Package deploy holds the tests of the deployment assets: the container
// image, the local stack, Fly.io, AWS Terraform, the observability assets,
// the CI pipeline and the runbooks. Each asset is parsed with the parser of
// its own ecosystem (BuildKit's Dockerfile parser, HashiCorp HCL, go-toml,
// YAML) and checked against the properties the deployment relies on; the
// metric names of the dashboards and alert rules are checked against the
// /metrics of the real binary.
package deploy
