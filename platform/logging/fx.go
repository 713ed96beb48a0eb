package logging

import (
	"go.uber.org/fx/fxevent"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// FxLogger adapts log for fx's own events, keeping only the problems
// nobody else reports: a failed OnStop hook and a failed rollback, at
// error level. The provided/invoked/started lines of every run are noise,
// and the errors of fx.New, Start and Stop (a constructor, an invoke or a
// hook failing) are returned to the command, which prints them as one
// line; logging them too would bury that line in JSON.
func FxLogger(log *zap.Logger) fxevent.Logger {
	z := &fxevent.ZapLogger{Logger: log.Named("fx").WithOptions(zap.WithCaller(false))}
	z.UseErrorLevel(zapcore.ErrorLevel)
	return fxLogger{z}
}

type fxLogger struct{ z *fxevent.ZapLogger }

func (l fxLogger) LogEvent(e fxevent.Event) {
	switch e := e.(type) {
	case *fxevent.OnStopExecuted:
		if e.Err != nil {
			l.z.LogEvent(e)
		}
	case *fxevent.RolledBack:
		if e.Err != nil {
			l.z.LogEvent(e)
		}
	}
}
