package logging

import (
	"go.uber.org/fx/fxevent"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// FxLogger adapts log for fx's own events at warn level: the
// provided/invoked/started lines of every run are noise, so only problems
// (a failed hook on shutdown, a rollback) reach the log. Errors that fx
// also returns from New or Start (a constructor, an invoke or an OnStart
// hook failing) are left to the command, which prints them as one line.
func FxLogger(log *zap.Logger) fxevent.Logger {
	z := &fxevent.ZapLogger{Logger: log.Named("fx").WithOptions(zap.IncreaseLevel(zapcore.WarnLevel), zap.WithCaller(false))}
	z.UseLogLevel(zapcore.DebugLevel)
	z.UseErrorLevel(zapcore.ErrorLevel)
	return fxLogger{z}
}

type fxLogger struct{ z *fxevent.ZapLogger }

func (l fxLogger) LogEvent(e fxevent.Event) {
	switch e := e.(type) {
	case *fxevent.Provided, *fxevent.Supplied, *fxevent.Decorated, *fxevent.Replaced,
		*fxevent.Invoked, *fxevent.Started, *fxevent.OnStartExecuted, *fxevent.RollingBack, *fxevent.Stopped:
		// Returned to the command by fx.New, app.Start or app.Stop.
		return
	case *fxevent.OnStopExecuted:
		if e.Err == nil {
			return
		}
	}
	l.z.LogEvent(e)
}
