package health

import (
	"context"
	"net/http"
	"reflect"

	"github.com/danielgtaylor/huma/v2"
)

// Tag groups the platform's operational routes in the OpenAPI document.
const Tag = "Operations"

// Routes registers GET /healthz and GET /readyz on a huma API.
type Routes struct {
	readiness *Readiness
}

// NewRoutes returns the probe routes over readiness.
func NewRoutes(readiness *Readiness) *Routes { return &Routes{readiness: readiness} }

// LiveOutput is the answer of GET /healthz.
type LiveOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         struct {
		Status string `json:"status" enum:"ok" doc:"Always ok: the process is up and can serve."`
	}
}

// ReadyOutput is the answer of GET /readyz: 200 or 503 with a Report.
type ReadyOutput struct {
	Status       int
	CacheControl string `header:"Cache-Control"`
	Body         Report
}

// Register adds the probes to api.
func (rt *Routes) Register(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "healthz",
		Method:      http.MethodGet,
		Path:        "/healthz",
		Tags:        []string{Tag},
		Summary:     "Liveness probe",
		Description: "Answers 200 `{\"status\":\"ok\"}` while the process can serve. It checks no dependency: restarting a replica because Postgres is down would not bring Postgres back.",
	}, func(context.Context, *struct{}) (*LiveOutput, error) {
		out := &LiveOutput{CacheControl: "no-store"}
		out.Body.Status = "ok"
		return out, nil
	})

	reportSchema := api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[Report](), true, "ReadinessReport")
	huma.Register(api, huma.Operation{
		OperationID: "readyz",
		Method:      http.MethodGet,
		Path:        "/readyz",
		Tags:        []string{Tag},
		Summary:     "Readiness probe",
		Description: "Checks Postgres and Redis concurrently, each with a short timeout. " +
			"200 `ready` when both answer; 200 `degraded` when only Redis is down (every replica shares it, so taking them all out of the load balancer would turn degradation into an outage); " +
			"503 `unavailable` when Postgres is down, and 503 `shutting_down` from the moment the process begins to shut down, while it drains in-flight requests. Recovers by itself. " +
			"`maintenance` says whether the service is in read-only maintenance mode (`on`: mutations answer `503 maintenance`); it does not change the status, so a load balancer keeps routing reads.",
		Responses: map[string]*huma.Response{
			"503": {
				Description: "Not ready: Postgres is unavailable or the process is shutting down. Same body as 200, with the failing check named.",
				Content:     map[string]*huma.MediaType{"application/json": {Schema: reportSchema}},
			},
		},
	}, func(ctx context.Context, _ *struct{}) (*ReadyOutput, error) {
		status, rep := rt.readiness.Evaluate(ctx)
		return &ReadyOutput{Status: status, CacheControl: "no-store", Body: rep}, nil
	})
}
