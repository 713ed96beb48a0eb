package httpclient

import (
	"net/http"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform/config"
)

// Module provides the outbound *http.Client, configured from HTTP_CLIENT_*
// and traced with the platform's tracer provider. A module's OIDC
// discovery and JWKS fetches, and any later webhook sender, take it
// instead of http.DefaultClient, which has no timeout at all.
var Module = fx.Module("httpclient",
	config.Provide[Config]("httpclient"),
	fx.Provide(newClient),
)

type clientParams struct {
	fx.In
	Config         Config
	TracerProvider trace.TracerProvider `optional:"true"`
	Logger         *zap.Logger          `optional:"true"`
}

func newClient(p clientParams) *http.Client {
	var opts []Option
	if p.Logger != nil {
		opts = append(opts, WithLogger(p.Logger))
	}
	if p.TracerProvider != nil {
		opts = append(opts, WithTracerProvider(p.TracerProvider))
	}
	return New(p.Config, opts...)
}
