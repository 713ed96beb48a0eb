// Package deploy holds the tests of the deployment assets: the container
// image, the local stack, Fly.io, AWS Terraform, the observability assets,
// the CI pipeline and the runbooks. Each asset is parsed with the parser of
// its own ecosystem (BuildKit's Dockerfile parser, HashiCorp HCL, go-toml,
// YAML, Prometheus' PromQL parser) and checked against the properties the
// deployment relies on (for Terraform, the Rego policies of
// deployments/aws/policy, evaluated with OPA); the metric names of the
// dashboards and alert rules are checked against the /metrics of the real
// binary.
package deploy
