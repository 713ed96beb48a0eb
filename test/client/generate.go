// Package client is a Go client of the Zebra API, generated from the
// reviewed document docs/openapi.json by oapi-codegen (the version pinned
// as a tool in test/go.mod). zebra.gen.go is generated code: never edit it
// by hand; after `make openapi`, run `go generate ./client` in test/ and
// commit the result. TestGeneratedClientIsCurrent fails until you do.
//
// e2e_test.go runs the end-to-end flow of docs/api.md (sign up, log in, create,
// list, update, delete, read the audit log) through this client against
// the real binary.
package client

//go:generate go tool oapi-codegen -config oapi-codegen.yaml -o zebra.gen.go ../../docs/openapi.json
