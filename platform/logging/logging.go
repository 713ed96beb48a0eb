// Package logging builds the process's zap logger: JSON lines on stdout,
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
// Extra fields (e.g. the version) are added to every line too.
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
	core := zapcore.NewCore(zapcore.NewJSONEncoder(enc), w, level)
	base := []zap.Field{zap.String("service", cfg.ServiceName), zap.String("env", cfg.Env)}
	return zap.New(Redacting(core),
		zap.AddCaller(),
		zap.AddStacktrace(zapcore.DPanicLevel),
		zap.ErrorOutput(w),
	).With(append(base, fields...)...), nil
}
