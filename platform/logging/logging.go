// Package logging builds the process's zap logger: JSON lines on stdout
// (or console lines for a person, LOG_FORMAT, the default in development),
// level from LOG_LEVEL, every field whose name looks sensitive masked, and
// an fx event logger that keeps fx's own chatter out of the log. The
// masking core is ours: zap has no redaction hook.
package logging

import (
	"fmt"
	"os"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/zebralabs/zebra/platform/config"
)

// New returns the production logger for cfg: JSON, ISO 8601 timestamps,
// no sampling (the access log must not lose lines under load), stack
// traces only for panics, and the service and environment on every line.
// Extra fields (e.g. the version) are added to every line too. With
// LOG_FORMAT=console, the default in development, lines are for a person
// instead: time, level, message and the line's own fields.
func New(cfg config.Config, fields ...zap.Field) (*zap.Logger, error) {
	return NewTo(cfg, zapcore.Lock(os.Stdout), fields...)
}

// NewTo is New writing to w, for tests that read the lines back.
func NewTo(cfg config.Config, w zapcore.WriteSyncer, fields ...zap.Field) (*zap.Logger, error) {
	level, err := zapcore.ParseLevel(cfg.LogLevel)
	if err != nil {
		return nil, fmt.Errorf("LOG_LEVEL %q: %w", cfg.LogLevel, err)
	}
	enc := zap.NewProductionEncoderConfig()
	enc.TimeKey = "time"
	enc.EncodeTime = zapcore.ISO8601TimeEncoder
	enc.EncodeDuration = zapcore.MillisDurationEncoder
	encoder := zapcore.NewJSONEncoder(enc)
	base := []zap.Field{zap.String("service", cfg.ServiceName), zap.String("env", cfg.Env)}
	if cfg.LogFormat == "console" || (cfg.LogFormat == "" && cfg.Env == config.EnvDev) {
		// One line a person reads: time, level, logger, message, then the
		// request's fields as JSON; no caller, no per-process fields.
		enc.EncodeLevel = zapcore.CapitalLevelEncoder
		enc.EncodeTime = zapcore.TimeEncoderOfLayout("15:04:05.000")
		enc.EncodeDuration = zapcore.StringDurationEncoder
		enc.CallerKey = ""
		encoder = zapcore.NewConsoleEncoder(enc)
		base, fields = nil, nil
	}
	core := zapcore.NewCore(encoder, w, level)
	return zap.New(Redacting(core),
		zap.AddCaller(),
		zap.AddStacktrace(zapcore.DPanicLevel),
		zap.ErrorOutput(w),
	).With(append(base, fields...)...), nil
}
