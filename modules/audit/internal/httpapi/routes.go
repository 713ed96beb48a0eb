// Package httpapi is the audit context's HTTP adapter: the huma operations
// GET /v1/audit-events and GET /v1/audit-events/verify. They decode the
// input, call one query (which checks the permission) and encode the
// output; there is deliberately no operation that changes an event.
package httpapi

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zebralabs/zebra/modules/audit/internal/app"
	"github.com/zebralabs/zebra/modules/audit/internal/app/query"
	"github.com/zebralabs/zebra/platform/httpserver"
	"github.com/zebralabs/zebra/platform/pagination"
	"github.com/zebralabs/zebra/platform/timestamp"
)

// Tag groups the operations in the OpenAPI document; the module declares
// it (httpserver.ProvideTag) with its description.
var Tag = huma.Tag{
	Name:        "Audit",
	Description: "The append-only, hash-chained audit log: read it page by page, verify the chain.",
}

// Routes registers the /v1/audit-events operations.
type Routes struct {
	app app.Application
}

var _ httpserver.Routes = (*Routes)(nil)

// NewRoutes returns the routes over application a.
func NewRoutes(a app.Application) *Routes { return &Routes{app: a} }

// Register implements httpserver.Routes.
func (r *Routes) Register(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "list-audit-events", Method: http.MethodGet, Path: "/v1/audit-events", Tags: []string{Tag.Name},
		Summary: "List audit events", Security: httpserver.BearerAuth(),
		Description: "A page of the append-only audit log, newest first (auditor, admin). Filters combine with AND. " +
			"Keyset pagination: pass the previous page's `nextCursor` as `cursor`, with the same filters " +
			"(a cursor used with other filters is `400 invalid_cursor`). Secrets never appear in `before`, " +
			"`after` or `metadata`.",
	}, r.list)
	huma.Register(api, huma.Operation{
		OperationID: "verify-audit-chain", Method: http.MethodGet, Path: "/v1/audit-events/verify", Tags: []string{Tag.Name},
		Summary: "Verify the audit hash chain", Security: httpserver.BearerAuth(),
		Description: "Recomputes the hash chain from the first event (admin). `ok: false` names the first event " +
			"whose content, position or link does not hold (an edited or removed row); `checked` counts the " +
			"events examined, including that one.",
	}, r.verify)
}

// Event is an audit event on the wire (docs/api.md).
type Event struct {
	ID         string          `json:"id" format:"uuid" doc:"UUIDv7, time-ordered."`
	OccurredAt string          `json:"occurredAt" format:"date-time" doc:"RFC 3339, UTC, milliseconds."`
	Actor      string          `json:"actor" doc:"The acting user's id, or \"system\"."`
	Action     string          `json:"action" doc:"What happened, e.g. \"activity.created\"."`
	EntityType string          `json:"entityType"`
	EntityID   string          `json:"entityId"`
	RequestID  string          `json:"requestId" doc:"The X-Request-Id of the request that caused the change."`
	Before     json.RawMessage `json:"before" doc:"Snapshot before the change; null when none."`
	After      json.RawMessage `json:"after" doc:"Snapshot after the change; null when none."`
	Metadata   json.RawMessage `json:"metadata" doc:"Additional context, an object (empty when none)."`
}

type listInput struct {
	pagination.Query
	EntityType string `query:"entityType" maxLength:"200" doc:"Only events about this entity type, e.g. activity."`
	EntityID   string `query:"entityId" maxLength:"200" doc:"Only events about this entity id."`
	Actor      string `query:"actor" maxLength:"200" doc:"Only events by this actor (a user id, or system)."`
	Action     string `query:"action" maxLength:"200" doc:"Only events with this action, e.g. activity.updated."`
}

type listOutput struct {
	Body pagination.Page[Event]
}

func (r *Routes) list(ctx context.Context, in *listInput) (*listOutput, error) {
	page, err := r.app.Queries.ListEvents.Handle(ctx, query.ListEvents{
		Filter: query.Filter{EntityType: in.EntityType, EntityID: in.EntityID, Actor: in.Actor, Action: in.Action},
		Limit:  in.Limit, Cursor: in.Cursor,
	})
	if err != nil {
		return nil, err
	}
	out := &listOutput{Body: pagination.Page[Event]{Items: make([]Event, len(page.Items)), NextCursor: page.NextCursor}}
	for i, v := range page.Items {
		out.Body.Items[i] = eventOf(v)
	}
	return out, nil
}

// Verification is the answer of GET /v1/audit-events/verify.
type Verification struct {
	OK            bool   `json:"ok" doc:"Whether every event's hash and link hold."`
	Checked       int64  `json:"checked" doc:"Events examined (including the broken one, if any)."`
	FirstBrokenID string `json:"firstBrokenId,omitempty" format:"uuid" doc:"When ok is false: the first event that does not hold."`
}

type verifyOutput struct {
	Body Verification
}

func (r *Routes) verify(ctx context.Context, _ *struct{}) (*verifyOutput, error) {
	v, err := r.app.Queries.VerifyChain.Handle(ctx, query.VerifyChain{})
	if err != nil {
		return nil, err
	}
	out := &verifyOutput{Body: Verification{OK: v.OK, Checked: v.Checked}}
	if !v.OK {
		out.Body.FirstBrokenID = v.FirstBroken.String()
	}
	return out, nil
}

func eventOf(v query.EventView) Event {
	e := Event{
		ID: v.ID.String(), OccurredAt: timestamp.Format(v.OccurredAt),
		Actor: v.Actor, Action: v.Action, EntityType: v.EntityType, EntityID: v.EntityID, RequestID: v.RequestID,
		Before: v.Before, After: v.After, Metadata: v.Metadata,
	}
	if e.Metadata == nil {
		e.Metadata = json.RawMessage(`{}`)
	}
	return e
}
