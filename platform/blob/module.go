package blob

import (
	"context"

	"go.uber.org/fx"

	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/health"
)

// Settings parses Config and adds it to `zebra config` as the "blob"
// section; it connects nothing.
var Settings = config.Provide[Config]("blob")

// Module provides the Store (S3, or Disabled while no bucket is
// configured) and, when configured, the "s3" readiness check. It needs
// Settings, which platform.Module includes.
var Module = fx.Module("blob",
	fx.Provide(
		New,
		health.AsChecks(Checks),
	),
)

// New returns the Store that c describes: S3 when configured, else
// Disabled.
func New(c Config) (Store, error) {
	if !c.Enabled() {
		return Disabled{}, nil
	}
	return NewS3(c)
}

// Checks returns the readiness check of the bucket when object storage is
// configured, none otherwise. It is not critical: attachments fail while
// the bucket is down, but every other route still serves, and pulling
// every replica out of the load balancer would turn that into an outage.
// The readiness timeout (HEALTH_CHECK_TIMEOUT) bounds it.
func Checks(c Config, s Store) []health.Check {
	if !c.Enabled() {
		return nil
	}
	return []health.Check{{Name: "s3", Critical: false, Probe: func(ctx context.Context) error { return s.Check(ctx) }}}
}
