// Package httpapi is the activities context's HTTP adapter: huma
// operations that decode a typed input, call one command or query, and
// encode a typed output. No business rule lives here; errors are mapped to
// the API envelope in one place (errors.go).
package httpapi

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zebralabs/zebra/modules/activities/internal/app"
	"github.com/zebralabs/zebra/platform/httpserver"
	"github.com/zebralabs/zebra/platform/idempotency"
)

// Tag groups the operations in the OpenAPI document; the module declares
// it (httpserver.ProvideTag) with its description.
var Tag = huma.Tag{
	Name: "Activities",
	Description: "A member's activities: create, read, list with filters and keyset pages, update with If-Match, delete; " +
		"and their attachments, uploaded and downloaded through presigned object-storage URLs. Admins reach everyone's.",
}

// Routes registers the /v1/activities operations.
type Routes struct {
	app  app.Application
	keys *idempotency.Keys
}

var _ httpserver.Routes = (*Routes)(nil)

// NewRoutes returns the routes over application a; unsafe operations
// accept Idempotency-Key through keys.
func NewRoutes(a app.Application, keys *idempotency.Keys) *Routes {
	return &Routes{app: a, keys: keys}
}

// Register implements httpserver.Routes.
func (r *Routes) Register(api huma.API) {
	idempotency.Register(api, r.keys, huma.Operation{
		OperationID: "create-activity", Method: http.MethodPost, Path: "/v1/activities", Tags: []string{Tag.Name},
		Summary: "Create an activity", DefaultStatus: http.StatusCreated, Security: httpserver.BearerAuth(),
		Description: "Creates an activity owned by the caller. Answers `201` with the activity, " +
			"`Location: /v1/activities/{id}` and `ETag`.",
	}, r.create)
	huma.Register(api, huma.Operation{
		OperationID: "get-activity", Method: http.MethodGet, Path: "/v1/activities/{id}", Tags: []string{Tag.Name},
		Summary: "Get an activity", Security: httpserver.BearerAuth(),
		Description: "Answers `404` when the activity does not exist, was deleted, or belongs to another user " +
			"and the caller is not an admin. With a matching `If-None-Match`, answers `304` without a body.",
		Responses: map[string]*huma.Response{"304": {
			Description: "Not Modified: `If-None-Match` matches the current `ETag`.",
			Headers: map[string]*huma.Header{"ETag": {
				Description: "The current version, quoted (RFC 9110 sends it on a 304 too).",
				Schema:      &huma.Schema{Type: "string"},
			}},
		}},
	}, r.get)
	huma.Register(api, huma.Operation{
		OperationID: "list-activities", Method: http.MethodGet, Path: "/v1/activities", Tags: []string{Tag.Name},
		Summary: "List activities", Security: httpserver.BearerAuth(),
		Description: "A page of the caller's activities, newest first; admins see everyone's and may filter " +
			"by `ownerId`. Keyset pagination: pass the previous page's `nextCursor` as `cursor`.",
	}, r.list)
	idempotency.Register(api, r.keys, huma.Operation{
		OperationID: "update-activity", Method: http.MethodPatch, Path: "/v1/activities/{id}", Tags: []string{Tag.Name},
		Summary: "Update an activity", DefaultStatus: http.StatusOK, Security: httpserver.BearerAuth(),
		Description: "JSON merge patch: an absent field is unchanged, `description: null` clears the description " +
			"(`title` and `status` cannot be null). Requires `If-Match` with the current `ETag` (`428` without, " +
			"`412` when stale). A forbidden status change is `409` with `details.reason: invalid_status_transition`.",
	}, r.update)
	idempotency.Register(api, r.keys, huma.Operation{
		OperationID: "delete-activity", Method: http.MethodDelete, Path: "/v1/activities/{id}", Tags: []string{Tag.Name},
		Summary: "Delete an activity", DefaultStatus: http.StatusNoContent, Security: httpserver.BearerAuth(),
		Description: "Soft-deletes the activity; afterwards `GET` answers `404`. Requires `If-Match` " +
			"(`428` without, `412` when stale).",
	}, r.delete)
	r.registerAttachments(api)
}
