// Package httpserver is the HTTP platform every bounded context plugs its
// routes into: gin as the router, huma on top for typed operations and the
// OpenAPI 3.1 document (GET /openapi.json, GET /docs), and the
// cross-cutting behaviour of API.md in one place: the error envelope for
// every error of every layer, request ids, tracing, metrics and the access
// log, security headers, CORS, body limits, content type, the per-request
// deadline, authentication and the rate-limit hook.
//
// Modules contribute routes with fx.Provide(httpserver.AsRoutes(NewRoutes))
// and return *apperr.Error from handlers; this package maps them to the
// envelope once.
package httpserver
