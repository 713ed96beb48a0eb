package httpserver

import (
	"net/http"
	"slices"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/config"
)

// Module provides the HTTP server: the *gin.Engine with every middleware,
// the huma.API with every contribution of the "routes" value group
// mounted, and the *http.Server, which listens in OnStart and drains in
// OnStop; it also serves GET /metrics (on the engine, or on METRICS_ADDR)
// and, when DEBUG_PPROF_ADDR is set, the Go profiles. It consumes
// config.Config and *zap.Logger, and optionally a prometheus.Registerer
// and Gatherer and a trace.TracerProvider (telemetry.Module), an
// auth.Verifier (from the module that issues tokens; its principals are
// bound to the *auth.Policy), a Limiter (rate limiting) and a ReadOnlyMode
// (maintenance mode, with the routes it spares: ProvideWritableInReadOnly),
// and mounts the OpenAPI tags the modules declare (ProvideTag).
var Module = fx.Module("httpserver",
	fx.Provide(newEngine, newAPI, newServer),
	fx.Invoke(func(*http.Server) {}),
	fx.Invoke(serveMetrics, servePprof),
)

type engineParams struct {
	fx.In
	Config         config.Config
	Logger         *zap.Logger
	Registerer     prometheus.Registerer `optional:"true"`
	TracerProvider trace.TracerProvider  `optional:"true"`
	Verifier       auth.Verifier         `optional:"true"`
	Policy         *auth.Policy
	Limiter        Limiter           `optional:"true"`
	ReadOnly       ReadOnlyMode      `optional:"true"`
	Writable       [][]WritableRoute `group:"httpserver.writable"`
}

func newEngine(p engineParams) (*gin.Engine, error) {
	return NewEngine(EngineOptions{
		HTTP:           p.Config.HTTP,
		Logger:         p.Logger,
		Registerer:     p.Registerer,
		TracerProvider: p.TracerProvider,
		Verifier:       p.Policy.Verifier(p.Verifier),
		Limiter:        p.Limiter,
		ReadOnly:       p.ReadOnly,
		Writable:       slices.Concat(p.Writable...),
	})
}

type apiParams struct {
	fx.In
	Config config.Config
	Engine *gin.Engine
	Routes []Routes   `group:"routes"`
	Tags   []huma.Tag `group:"httpserver.tags"`
	// ReadOnly is taken only to know whether the document lists the
	// maintenance refusal on mutations.
	ReadOnly ReadOnlyMode      `optional:"true"`
	Writable [][]WritableRoute `group:"httpserver.writable"`
}

func newAPI(p apiParams) huma.API {
	return NewAPI(p.Engine, APIConfig{
		BodyLimit: p.Config.HTTP.BodyLimit,
		Tags:      p.Tags,
		ReadOnly:  p.ReadOnly != nil,
		Writable:  slices.Concat(p.Writable...),
	}, p.Routes...)
}

type serverParams struct {
	fx.In
	Lifecycle fx.Lifecycle
	Config    config.Config
	Logger    *zap.Logger
	Engine    *gin.Engine
	// API is unused here, but depending on it mounts every route before
	// the server can start.
	API huma.API
}

func newServer(p serverParams) *http.Server {
	srv := NewServer(p.Config.HTTP, p.Engine)
	serve(p.Lifecycle, p.Logger, srv, "HTTP_ADDR", p.Config.HTTP.ShutdownTimeout)
	return srv
}
