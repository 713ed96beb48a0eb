package auditlog

import (
	"errors"
	"fmt"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform/config"
)

// AsRecorder annotates the constructor of the module that stores the
// events, so that its Recorder becomes the one every module records
// through:
//
//	fx.Provide(auditlog.AsRecorder(newRecorder))
func AsRecorder(constructor any) any {
	return fx.Annotate(constructor, fx.As(new(Recorder)), fx.ResultTags(`group:"auditlog.recorders"`))
}

// Module provides the Recorder: the one a module contributed with
// AsRecorder, else a LogRecorder with a warning at startup; with APP_ENV=prod
// it refuses to start instead, since the log is no tamper-evident record.
// platform.Module includes it.
var Module = fx.Module("auditlog", fx.Provide(newRecorder))

// ErrNoRecorder is the startup error of a production app without a module
// that stores the events.
var ErrNoRecorder = errors.New("auditlog: no module stores audit-log events (none provides auditlog.AsRecorder); " +
	"APP_ENV=prod refuses to record them only in the log: plug that module back into app/main.go")

type recorderParams struct {
	fx.In
	Config    config.Config
	Logger    *zap.Logger
	Recorders []Recorder `group:"auditlog.recorders"`
}

func newRecorder(p recorderParams) (Recorder, error) {
	switch n := len(p.Recorders); {
	case n == 1:
		return p.Recorders[0], nil
	case n > 1:
		return nil, fmt.Errorf("auditlog: %d modules provide a Recorder; plug in one", n)
	case p.Config.IsProd():
		return nil, ErrNoRecorder
	}
	p.Logger.Warn("no module stores audit-log events: they are written to this log only, which is not tamper-evident " +
		"(refused with APP_ENV=prod)")
	return NewLogRecorder(p.Logger), nil
}
