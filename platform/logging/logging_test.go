package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/logging"
	"github.com/zebralabs/zebra/platform/redact"
)

func newLogger(t *testing.T, level string) (*zap.Logger, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	log, err := logging.NewTo(config.Config{LogLevel: level, ServiceName: "zebra", Env: "test"}, zapcore.AddSync(&buf), zap.String("version", "v1.2.3"))
	require.NoError(t, err)
	return log, &buf
}

func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), "every line is JSON: %s", l)
		out = append(out, m)
	}
	return out
}

func TestNew_JSONAtConfiguredLevel(t *testing.T) {
	t.Parallel()
	log, buf := newLogger(t, "warn")
	log.Info("dropped")
	log.Warn("kept", zap.Int("n", 1))

	got := lines(t, buf)
	require.Len(t, got, 1)
	assert.Equal(t, "kept", got[0]["msg"])
	assert.Equal(t, "warn", got[0]["level"])
	assert.Equal(t, "zebra", got[0]["service"])
	assert.Equal(t, "test", got[0]["env"])
	assert.Equal(t, "v1.2.3", got[0]["version"])
	assert.Contains(t, got[0], "time")
	assert.NotContains(t, got[0], "stacktrace")
}

func TestNew_ConsoleInDevJSONElsewhere(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		env, format string
		wantJSON    bool
	}{
		{"dev defaults to console", config.EnvDev, "", false},
		{"test defaults to JSON", config.EnvTest, "", true},
		{"prod defaults to JSON", config.EnvProd, "", true},
		{"dev asking for JSON", config.EnvDev, "json", true},
		{"prod asking for console", config.EnvProd, "console", false},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		log, err := logging.NewTo(config.Config{LogLevel: "info", Env: tt.env, LogFormat: tt.format, ServiceName: "zebra"}, zapcore.AddSync(&buf), zap.String("version", "v1"))
		require.NoError(t, err)
		log.Info("http server listening", zap.String("addr", "[::]:8080"), zap.String("password", "hunter2"))
		line := buf.String()
		assert.Equal(t, tt.wantJSON, json.Valid([]byte(line)), "%s: %s", tt.name, line)
		assert.NotContains(t, line, "hunter2", tt.name)
		if !tt.wantJSON {
			assert.Regexp(t, `^\d\d:\d\d:\d\d\.\d{3}\tINFO\thttp server listening\t\{"addr": "\[::\]:8080", "password": "\[REDACTED\]"\}\n$`, line, tt.name)
		}
	}
}

func TestNew_RejectsUnknownLevel(t *testing.T) {
	t.Parallel()
	_, err := logging.New(config.Config{LogLevel: "loud"})
	assert.Error(t, err)
}

func TestRedacting_MasksSensitiveFields(t *testing.T) {
	t.Parallel()
	log, buf := newLogger(t, "info")
	log.With(zap.String("refresh_token", "rt-secret")).Info("login",
		zap.String("password", "hunter2"),
		zap.String("Authorization", "Bearer abc"),
		zap.String("email", "a@example.com"),
		zap.Any("body", map[string]any{"newPassword": "pw-secret", "title": "ok", "nested": map[string]any{"apiKey": "k-secret"}}),
	)
	out := buf.String()
	for _, secret := range []string{"rt-secret", "hunter2", "Bearer abc", "pw-secret", "k-secret"} {
		assert.NotContains(t, out, secret)
	}
	got := lines(t, buf)[0]
	assert.Equal(t, redact.Mask, got["password"])
	assert.Equal(t, redact.Mask, got["refresh_token"])
	assert.Equal(t, "a@example.com", got["email"])
	assert.Equal(t, "ok", got["body"].(map[string]any)["title"])
}

func TestFxLogger_OnlyProblems(t *testing.T) {
	t.Parallel()
	log, buf := newLogger(t, "info")
	app := fx.New(
		fx.WithLogger(func() fxevent.Logger { return logging.FxLogger(log) }),
		fx.Provide(func() int { return 1 }),
		fx.Invoke(func(lc fx.Lifecycle, _ int) {
			lc.Append(fx.Hook{OnStop: func(context.Context) error { return errors.New("pool did not close") }})
		}),
	)
	require.NoError(t, app.Start(context.Background()))
	require.Error(t, app.Stop(context.Background()))

	got := lines(t, buf)
	require.Len(t, got, 1, "only the failed stop hook: %s", buf.String())
	assert.Equal(t, "error", got[0]["level"])
	assert.Equal(t, "pool did not close", got[0]["error"])
}
