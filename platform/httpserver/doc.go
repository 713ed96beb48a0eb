// Package httpserver is the HTTP platform every bounded context plugs its
// routes into: gin as the router, huma on top for typed operations and the
// OpenAPI 3.1 document (GET /openapi.json, GET /docs), and the
// cross-cutting behaviour of docs/api.md in one place: the error envelope for
// every error of every layer, request ids, tracing, metrics and the access
// log, security headers, CORS, body limits, content type, the per-request
// deadline, authentication and the rate-limit hook.
//
// Modules contribute routes with fx.Provide(httpserver.AsRoutes(NewRoutes))
// and return *apperr.Error from handlers; this package maps them to the
// envelope once.
//
// Panic recovery is gin's CustomRecovery and CORS is github.com/rs/cors;
// two middlewares stay hand-written, each for a reason:
//   - tracing, not otelgin: otelgin marks a span failed whenever the gin
//     context holds an error, and the envelope writer puts there the cause
//     of every 4xx for the access log, so 404s and 422s would be failed spans;
//   - request id, not gin-contrib/requestid: it keeps any inbound
//     X-Request-Id, where docs/api.md keeps only ^[A-Za-z0-9._-]{1,128}$.
//
// The limits (header size, in-flight requests, body size, content type)
// are ours so that they answer in the envelope; the docs page's
// pre-compressed assets are served by github.com/vearutop/statigz, and a
// JSON body's lone surrogate escapes are found by
// github.com/go-json-experiment/json's jsontext validation.
package httpserver
