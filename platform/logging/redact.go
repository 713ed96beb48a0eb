package logging

import (
	"slices"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/zebralabs/zebra/platform/redact"
)

// Redacting wraps core so that a field whose key redact.IsSensitive
// (password, token, authorization, ...) is written as redact.Mask, and
// maps logged with zap.Any have their sensitive keys masked at any depth.
// It is the last line of defence: code should not log secrets at all.
func Redacting(core zapcore.Core) zapcore.Core {
	return &redactingCore{Core: core}
}

type redactingCore struct {
	zapcore.Core
}

func (c *redactingCore) With(fields []zapcore.Field) zapcore.Core {
	return &redactingCore{Core: c.Core.With(scrub(fields))}
}

func (c *redactingCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c *redactingCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	return c.Core.Write(e, scrub(fields))
}

// scrub returns fields with sensitive values masked; it copies only when
// it has to change something.
func scrub(fields []zapcore.Field) []zapcore.Field {
	copied := false
	for i, f := range fields {
		g, changed := scrubField(f)
		if !changed {
			continue
		}
		if !copied {
			fields, copied = slices.Clone(fields), true
		}
		fields[i] = g
	}
	return fields
}

func scrubField(f zapcore.Field) (zapcore.Field, bool) {
	if redact.IsSensitive(f.Key) {
		return zap.String(f.Key, redact.Mask), true
	}
	if f.Type != zapcore.ReflectType {
		return f, false
	}
	switch v := f.Interface.(type) {
	case map[string]any, map[string]string, []any:
		return zap.Any(f.Key, redact.Masked(v)), true
	}
	return f, false
}
