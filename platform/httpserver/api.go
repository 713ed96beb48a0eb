package httpserver

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humagin"
	"github.com/gin-gonic/gin"

	"github.com/zebralabs/zebra/platform/apperr"
)

// The OpenAPI document's title and version. A change to the contract of
// docs/api.md needs a new version prefix, not an edit of this version.
const (
	Title   = "Zebra API"
	Version = "1.0.0"
)

// BearerScheme is the name of the security scheme of access tokens in the
// OpenAPI document.
const BearerScheme = "bearerAuth"

// BearerAuth is the security requirement an operation declares when it
// needs an access token:
//
//	huma.Register(api, huma.Operation{..., Security: httpserver.BearerAuth()}, h)
//
// It only documents the requirement (and adds 401/403 to the operation's
// responses); the handler still calls auth.Require, which enforces it.
func BearerAuth() []map[string][]string {
	return []map[string][]string{{BearerScheme: {}}}
}

// APIConfig is what the huma API needs to know about the server.
type APIConfig struct {
	// BodyLimit is the request body limit in bytes, enforced by the
	// body-limit middleware; huma's own per-operation limit is aligned to it.
	BodyLimit int64
	// Tags are the modules' declared tags (ProvideTag), listed with their
	// descriptions; a tag an operation names without a declaration is
	// listed by name only.
	Tags []huma.Tag
	// ReadOnly says a ReadOnlyMode is plugged in: every mutation but the
	// Writable ones then documents the 503 maintenance refusal.
	ReadOnly bool
	// Writable are the routes read-only mode spares (ProvideWritableInReadOnly).
	Writable []WritableRoute
}

// NewAPI puts huma on engine and mounts every routes contribution on it,
// so that whoever receives the huma.API gets the complete document. It
// also serves GET /openapi.json and GET /docs.
func NewAPI(engine *gin.Engine, cfg APIConfig, routes ...Routes) huma.API {
	overrideHumaErrors()
	hc := huma.Config{
		OpenAPI: &huma.OpenAPI{
			OpenAPI: "3.1.0",
			Info: &huma.Info{
				Title:       Title,
				Version:     Version,
				Description: apiDescription,
				Contact:     &huma.Contact{Name: "Zebra Labs"},
			},
			// Relative to the document's own URL: the server that serves
			// /openapi.json serves the API, wherever it is deployed.
			Servers: []*huma.Server{{URL: "/", Description: "This server."}},
			Components: &huma.Components{
				Schemas: huma.NewMapRegistry("#/components/schemas/", huma.DefaultSchemaNamer),
				SecuritySchemes: map[string]*huma.SecurityScheme{
					BearerScheme: {
						Type:         "http",
						Scheme:       "bearer",
						BearerFormat: "JWT",
						Description:  "An access token, sent as `Authorization: Bearer <token>`.",
					},
				},
			},
		},
		// /openapi.json and /docs are served below, from the same document;
		// huma's docs page would load its scripts from a CDN.
		OpenAPIPath:   "",
		DocsPath:      "",
		SchemasPath:   "",
		Formats:       jsonFormats(),
		DefaultFormat: "application/json",
		Transformers:  []huma.Transformer{transformErrors},
		// docs/api.md: a query parameter the operation does not define is 422
		// naming it, like an unknown body field (a misspelt filter must
		// not silently return the unfiltered list).
		RejectUnknownQueryParameters: true,
	}
	api := humagin.New(engine, hc)
	api.UseMiddleware(validationPanics(api), bodyShape(api))
	oapi := api.OpenAPI()
	errSchema := oapi.Components.Schemas.Schema(reflect.TypeOf(Error{}), true, "Error")
	documentDetails(oapi.Components.Schemas)
	for _, tag := range cfg.Tags {
		declareTag(oapi, tag)
	}
	writable := newWritableSet(cfg.Writable)
	oapi.OnAddOperation = append(oapi.OnAddOperation, func(oapi *huma.OpenAPI, op *huma.Operation) {
		documentOperation(op, errSchema, cfg.BodyLimit)
		if cfg.ReadOnly && mutation(op.Method) && !writable.has(op.Method, op.Path) {
			documentMaintenance(op, errSchema)
		}
		declareTags(oapi, op)
	})
	for _, r := range routes {
		r.Register(api)
	}
	engine.GET("/openapi.json", openAPIHandler(api))
	mountDocs(engine)
	return api
}

const apiDescription = "Zebra Labs' backend. Every error has the same JSON envelope " +
	"`{code, message, details, requestId}`; every response carries `X-Request-Id`. " +
	"Business routes live under `/v1` and need `Authorization: Bearer <access token>` " +
	"unless documented otherwise.\n\n" +
	"Requests: a body is `application/json` (a `PATCH` may also say `application/merge-patch+json`, " +
	"its semantics), else `415`. A body field or a query parameter the operation does not define is " +
	"`422 validation_failed` naming it, and one `422` names every invalid field. JSON strings are " +
	"Unicode text: invalid UTF-8 or a lone surrogate escape (`\\ud800`) is `400 bad_request` (never " +
	"replaced by U+FFFD); a NUL (`\\u0000`) or another control character a field does not allow is " +
	"`422` naming the field.\n\n" +
	"Versioned resources: `If-Match` is compared strongly (RFC 9110): a weak tag (`W/\"3\"`) never " +
	"matches, a list (`\"2\", \"3\"`) matches when any of its tags does; missing or `*` is `428`, and a " +
	"header that matches no current version, or is not a list of entity tags, is `412`."

// Document returns the OpenAPI document of api as indented JSON, the form
// committed as docs/openapi.json.
func Document(api huma.API) ([]byte, error) {
	b, err := json.MarshalIndent(api.OpenAPI(), "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// openAPIHandler serves the document, marshaled once on first use: by
// then every route is registered.
func openAPIHandler(api huma.API) gin.HandlerFunc {
	var (
		once sync.Once
		doc  []byte
		err  error
	)
	return func(c *gin.Context) {
		once.Do(func() { doc, err = json.Marshal(api.OpenAPI()) })
		if err != nil {
			WriteError(c, err)
			return
		}
		c.Data(http.StatusOK, jsonContentType, doc)
	}
}

// commonError is an error response every operation may produce.
type commonError struct {
	status      int
	description string
	applies     func(op *huma.Operation) bool
}

func always(*huma.Operation) bool { return true }

func hasBody(op *huma.Operation) bool { return op.RequestBody != nil }

func hasPathParams(op *huma.Operation) bool {
	for _, p := range op.Parameters {
		if p.In == "path" {
			return true
		}
	}
	return false
}

func secured(op *huma.Operation) bool { return len(op.Security) > 0 }

// hasHeader reports whether the operation takes the named request header.
func hasHeader(name string) func(op *huma.Operation) bool {
	return func(op *huma.Operation) bool {
		for _, p := range op.Parameters {
			if p.In == "header" && strings.EqualFold(p.Name, name) {
				return true
			}
		}
		return false
	}
}

// describe documents each status in the envelope's terms. Operations that
// declare a status through huma.Operation.Errors get these descriptions
// instead of huma's bare status text.
var describe = map[int]string{
	http.StatusBadRequest:            "`bad_request`: malformed JSON, a body that is not Unicode text (invalid UTF-8, a lone surrogate escape), a body of the wrong JSON type, or a parameter or query string that does not parse.",
	http.StatusUnauthorized:          "`unauthorized`: missing, malformed, expired or invalid access token. Sends `WWW-Authenticate: Bearer` (with `error=\"invalid_token\"` when a token was sent).",
	http.StatusForbidden:             "`forbidden`: authenticated but lacking the permission.",
	http.StatusNotFound:              "`not_found`: no such resource, or one the caller may not see.",
	http.StatusConflict:              "`conflict`: the request conflicts with the current state; `details.reason` says which.",
	http.StatusPreconditionFailed:    "`precondition_failed`: `If-Match` names no current version (strong comparison: a weak tag never matches; a list matches when any tag does), or is not a list of entity tags; nothing changed.",
	http.StatusRequestEntityTooLarge: "`payload_too_large`: the body is over the configured limit.",
	http.StatusUnsupportedMediaType:  "`unsupported_media_type`: a body sent without `Content-Type: application/json` (a `PATCH` may also send `application/merge-patch+json`).",
	http.StatusUnprocessableEntity:   "`validation_failed`: the body or parameters fail validation, or the body has a field or the query a parameter the operation does not define; `details.fields` names every invalid field (its camelCase JSON path) or parameter, once.",
	http.StatusPreconditionRequired:  "`precondition_required`: `If-Match` is missing (or `*`): send the `ETag` of the resource as you last read it.",
	http.StatusTooManyRequests:       "`rate_limited`: over the rate limit. Sends `Retry-After` (seconds).",
	http.StatusInternalServerError:   "`internal`: an unexpected error; nothing internal is revealed, quote `requestId` when reporting it.",
	http.StatusServiceUnavailable:    "`unavailable`: a dependency is down or the server is at capacity; retry later (`Retry-After` may say when).",
	http.StatusGatewayTimeout:        "`timeout`: the request ran past its deadline.",
}

// commonErrors are the error responses the platform itself produces; an
// empty description means describe[status].
var commonErrors = []commonError{
	{http.StatusBadRequest, "", always},
	{http.StatusUnauthorized, "", secured},
	{http.StatusForbidden, "", secured},
	{http.StatusNotFound, "", hasPathParams},
	{http.StatusConflict, "`idempotency_key_in_use`: a request with the same `Idempotency-Key` is still being processed.", hasHeader("Idempotency-Key")},
	{http.StatusPreconditionFailed, "", hasHeader("If-Match")},
	{http.StatusPreconditionRequired, "", hasHeader("If-Match")},
	{http.StatusRequestEntityTooLarge, "", hasBody},
	{http.StatusUnsupportedMediaType, "", hasBody},
	{http.StatusUnprocessableEntity, "", always},
	{http.StatusUnprocessableEntity, "`idempotency_key_reused`: the `Idempotency-Key` was first used for a different request.", hasHeader("Idempotency-Key")},
	{http.StatusTooManyRequests, "", always},
	{http.StatusInternalServerError, "", always},
	{http.StatusServiceUnavailable, "", always},
	{http.StatusGatewayTimeout, "", always},
}

// documentOperation adds the envelope error responses every operation can
// produce, so that clients see them in the document, and aligns huma's
// body limit and read deadline with the middleware's.
func documentOperation(op *huma.Operation, errSchema *huma.Schema, bodyLimit int64) {
	if op.RequestBody != nil && bodyLimit > 0 && (op.MaxBodyBytes == 0 || op.MaxBodyBytes >= bodyLimit) {
		// The middleware's MaxBytesReader answers 413 past bodyLimit bytes;
		// huma's LimitReader rejects a body of exactly its limit, so its
		// limit sits one byte above ours and never fires first.
		op.MaxBodyBytes = bodyLimit + 1
	}
	if op.RequestBody != nil {
		// bodyShape has read the (JSON) body, within HTTP_READ_TIMEOUT, by
		// the time huma would set its own read deadline. net/http then
		// reads the connection in the background, with no deadline, to see
		// the client hang up, and cancels the request's context when that
		// read fails: a deadline set now would bound nothing and cancel the
		// running request as if its client had gone. Zero (huma made it
		// 5s when it read the input type) leaves the deadline to net/http.
		op.BodyReadTimeout = 0
	}
	if op.Method == http.MethodPatch && op.RequestBody != nil && op.RequestBody.Content["application/json"] != nil {
		op.RequestBody.Content[mergePatchJSON] = op.RequestBody.Content["application/json"]
	}
	if op.Responses == nil {
		op.Responses = map[string]*huma.Response{}
	}
	for key, r := range op.Responses {
		if code, err := strconv.Atoi(key); err == nil && r.Description == http.StatusText(code) && describe[code] != "" {
			r.Description = describe[code] // declared through op.Errors
		}
	}
	for _, ce := range commonErrors {
		if !ce.applies(op) {
			continue
		}
		key := strconv.Itoa(ce.status)
		text := ce.description
		if text == "" {
			text = describe[ce.status]
		}
		r, ok := op.Responses[key]
		switch {
		case !ok:
			op.Responses[key] = errorResponse(text, errSchema)
		case !strings.Contains(r.Description, text) && usesSchema(r, errSchema):
			r.Description += " Or " + text
		}
	}
	if _, ok := op.Responses["default"]; !ok {
		op.Responses["default"] = errorResponse("Any other error, in the same envelope.", errSchema)
	} else {
		op.Responses["default"].Description = "Any other error, in the same envelope."
	}
	for key, r := range op.Responses {
		// An error an operation declared with a description only (e.g. a
		// 429 with its own wording) still answers with the envelope.
		if (key == "default" || key[0] == '4' || key[0] == '5') && len(r.Content) == 0 {
			r.Content = errorResponse("", errSchema).Content
		}
	}
	documentHeaders(op)
}

// maintenanceDescription documents the refusal of a mutation in read-only
// maintenance mode (readOnly).
const maintenanceDescription = "`maintenance`: the service is in read-only maintenance mode; reads work, this change is refused. " +
	"Sends `Retry-After` (seconds); retry then."

// documentMaintenance adds the maintenance refusal to op's 503, which
// documentOperation has already declared for every operation.
func documentMaintenance(op *huma.Operation, errSchema *huma.Schema) {
	r, ok := op.Responses["503"]
	switch {
	case !ok:
		op.Responses["503"] = errorResponse(maintenanceDescription, errSchema)
		documentHeaders(op)
	case !strings.Contains(r.Description, maintenanceDescription):
		r.Description += " Or " + maintenanceDescription
	}
}

// declareTags lists op's tags in the document's top-level tags (sorted),
// where OpenAPI tools look up a tag's existence and order.
func declareTags(oapi *huma.OpenAPI, op *huma.Operation) {
	for _, name := range op.Tags {
		declareTag(oapi, huma.Tag{Name: name})
	}
}

// declareTag adds tag to the document's tags, kept sorted by name, unless
// a tag of that name is there already.
func declareTag(oapi *huma.OpenAPI, tag huma.Tag) {
	i := sort.Search(len(oapi.Tags), func(i int) bool { return oapi.Tags[i].Name >= tag.Name })
	if i < len(oapi.Tags) && oapi.Tags[i].Name == tag.Name {
		return
	}
	oapi.Tags = slices.Insert(oapi.Tags, i, &tag)
}

// usesSchema reports whether r's JSON body is schema (an envelope response
// the operation declared, which more meanings may be added to).
func usesSchema(r *huma.Response, schema *huma.Schema) bool {
	mt := r.Content["application/json"]
	return mt != nil && mt.Schema != nil && mt.Schema.Ref != "" && mt.Schema.Ref == schema.Ref
}

func errorResponse(description string, schema *huma.Schema) *huma.Response {
	return &huma.Response{
		Description: description,
		Content:     map[string]*huma.MediaType{"application/json": {Schema: schema}},
	}
}

// responseHeaders are documented on the responses that carry them.
var (
	requestIDHeader = &huma.Header{
		Description: "The request id: the inbound X-Request-Id when it matches ^[A-Za-z0-9._-]{1,128}$, else a fresh one. Also in every error body and log line of the request.",
		Schema:      &huma.Schema{Type: "string"},
	}
	retryAfterHeader = &huma.Header{
		Description: "Seconds to wait before retrying.",
		Schema:      &huma.Schema{Type: "integer"},
	}
	challengeHeader = &huma.Header{
		Description: "`Bearer`, or `Bearer error=\"invalid_token\"` when a token was sent and rejected.",
		Schema:      &huma.Schema{Type: "string"},
	}
	rateLimitPolicyHeader = &huma.Header{
		Description: "The rate-limit policy that applied (draft-ietf-httpapi-ratelimit-headers), e.g. `\"default\";q=100;w=60`. " +
			"Sent whenever the request went through the rate limiter (every route but the health probes, when limiting is on).",
		Schema: &huma.Schema{Type: "string"},
	}
	replayedHeader = &huma.Header{
		Description: "`true` when this response is the replay of a recorded one: the first outcome of a request " +
			"with the same `Idempotency-Key`, whatever its status (5xx and 429 excepted, which are never recorded).",
		Schema: &huma.Schema{Type: "string", Enum: []any{"true"}},
	}
	rateLimitHeader = &huma.Header{
		Description: "What is left of that policy's quota, e.g. `\"default\";r=42;t=17`. Sent with RateLimit-Policy.",
		Schema:      &huma.Schema{Type: "string"},
	}
)

// documentHeaders adds X-Request-Id to every response and the headers of
// docs/api.md to the errors that send them.
func documentHeaders(op *huma.Operation) {
	replayable := hasHeader("Idempotency-Key")(op)
	for status, r := range op.Responses {
		if r.Headers == nil {
			r.Headers = map[string]*huma.Header{}
		}
		r.Headers["X-Request-Id"] = requestIDHeader
		r.Headers["RateLimit-Policy"] = rateLimitPolicyHeader
		r.Headers["RateLimit"] = rateLimitHeader
		if replayable && status != "429" && status[0] != '5' && r.Headers["Idempotent-Replayed"] == nil {
			r.Headers["Idempotent-Replayed"] = replayedHeader
		}
		switch status {
		case "401":
			r.Headers["WWW-Authenticate"] = challengeHeader
		case "429", "503":
			r.Headers["Retry-After"] = retryAfterHeader
		}
	}
}

// documentDetails spells out the envelope's details for the codes that
// have a defined shape, which huma cannot infer from map[string]any.
func documentDetails(registry huma.Registry) {
	env := registry.Map()["Error"]
	if env == nil || env.Properties["details"] == nil {
		return
	}
	fieldError := registry.Schema(reflect.TypeOf(apperr.FieldError{}), true, "FieldError")
	details := env.Properties["details"]
	details.Properties = map[string]*huma.Schema{
		"fields": {
			Type:        "array",
			Description: "validation_failed, bad_request: one entry per invalid field or parameter.",
			Items:       fieldError,
		},
		"reason": {
			Type:        "string",
			Description: "conflict: which conflict, e.g. `invalid_status_transition`.",
		},
	}
}
