// Package e2e drives the real zebra binary over HTTP: the platform routes
// and their envelopes, graceful shutdown on SIGTERM with a request in
// flight, readiness while Postgres or Redis is cut by a proxy the test
// controls, and the one-line failures of a bad start. Each test gets its
// own process, database and Redis prefix (test/internal/zebratest).
package e2e
