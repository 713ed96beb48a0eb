package maintenance

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/health"
	"github.com/zebralabs/zebra/platform/httpserver"
	"github.com/zebralabs/zebra/platform/idempotency"
)

// Permission lets a caller read and change the maintenance mode. The
// platform declares it because the mode is the platform's own mechanism;
// Grants gives it to admins.
const Permission auth.Permission = "platform:maintenance"

// Grants is what each role holds of the platform's permissions.
var Grants = auth.Grants{auth.RoleAdmin: {Permission}}

// Path is the admin endpoint of the mode. Its PUT stays writable in
// read-only mode: it is how the mode is turned off.
const Path = "/v1/admin/maintenance"

// Routes registers GET and PUT Path.
type Routes struct {
	svc  *Service
	idem *idempotency.Keys
}

var _ httpserver.Routes = (*Routes)(nil)

// NewRoutes returns the admin routes over svc; idem gives the PUT its
// Idempotency-Key support (docs/api.md), nil leaves it out (tests without
// the platform's store).
func NewRoutes(svc *Service, idem *idempotency.Keys) *Routes { return &Routes{svc: svc, idem: idem} }

// maintenanceState is Document under the name the OpenAPI document gives
// it (MaintenanceState).
type maintenanceState Document

type stateOutput struct {
	Body maintenanceState
}

// maintenanceChange is the body of PUT Path (MaintenanceChange in the
// OpenAPI document).
type maintenanceChange struct {
	Enabled           bool   `json:"enabled" doc:"true turns read-only maintenance mode on, false turns it off."`
	RetryAfterSeconds int    `json:"retryAfterSeconds,omitempty" minimum:"1" maximum:"86400" doc:"Retry-After (seconds) of the refused mutations while on: the expected length of the window. Default 300; ignored when turning the mode off."`
	Reason            string `json:"reason,omitempty" maxLength:"500" doc:"Why: required to turn the mode on, optional to turn it off. Recorded with the audit-log event of the change."`
}

type putInput struct {
	Body maintenanceChange
}

// Register implements httpserver.Routes.
func (r *Routes) Register(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "get-maintenance", Method: http.MethodGet, Path: Path, Tags: []string{health.Tag},
		Summary: "Read-only maintenance mode", Security: httpserver.BearerAuth(),
		Description: "Whether the service is in read-only maintenance mode, with the last change (who, when, why). " +
			"Admins only (`platform:maintenance`).",
	}, r.get)
	put := huma.Operation{
		OperationID: "set-maintenance", Method: http.MethodPut, Path: Path, Tags: []string{health.Tag},
		Summary: "Turn read-only maintenance mode on or off", Security: httpserver.BearerAuth(),
		Description: "On: every replica sharing the Redis keyspace refuses every mutation (POST, PUT, PATCH, DELETE) " +
			"but this one with `503 maintenance` and `Retry-After`, from the moment this answers; reads, the probes " +
			"and this endpoint keep working, and `/readyz` reports `\"maintenance\":\"on\"`. Log in and token refresh " +
			"are mutations and are refused too: a client whose access token expires during the window logs in " +
			"after it. Off: mutations are accepted again. Each change is an audit-log event (actor, time, " +
			"reason, before and after). Admins only (`platform:maintenance`). The same as `zebra maintenance on|off`.",
	}
	if r.idem != nil {
		idempotency.Register(api, r.idem, put, r.put)
		return
	}
	huma.Register(api, put, r.put)
}

func (r *Routes) get(ctx context.Context, _ *struct{}) (*stateOutput, error) {
	if _, err := auth.Require(ctx, Permission); err != nil {
		return nil, err
	}
	st, err := r.svc.State(ctx)
	if err != nil {
		return nil, err
	}
	return &stateOutput{Body: maintenanceState(st.Document())}, nil
}

func (r *Routes) put(ctx context.Context, in *putInput) (*stateOutput, error) {
	p, err := auth.Require(ctx, Permission)
	if err != nil {
		return nil, err
	}
	st, err := r.svc.Set(ctx, p.Actor(), Change{
		Enabled:    in.Body.Enabled,
		RetryAfter: time.Duration(in.Body.RetryAfterSeconds) * time.Second,
		Reason:     in.Body.Reason,
	})
	if err != nil {
		return nil, err
	}
	return &stateOutput{Body: maintenanceState(st.Document())}, nil
}
