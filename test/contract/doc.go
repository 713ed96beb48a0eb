// Package contract proves the HTTP contract from outside: it reads the
// OpenAPI document the real binary serves, draws requests for every
// operation from the document's own schemas (valid ones, values on the
// boundaries the schemas declare, and invalid ones: wrong types, missing
// required fields, unknown fields, bad formats, bad headers, no token),
// sends them to the binary with real tokens, and holds every response to
// the document: its status is declared for the operation, its body matches
// the declared schema, every header it carries is declared, and nothing
// answers 5xx.
//
// The generator (Value, Mutate), the request model (Request) and the
// response checks (Check) are plain code in this package; the suite that
// runs them against the binary is contract_test.go. It is property-based
// (pgregory.net/rapid): CONTRACT_SEED reproduces a run, CONTRACT_DURATION
// bounds it (default 30s), and a failure prints the seed, the request and
// the response.
package contract
