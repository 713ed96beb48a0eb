package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zebralabs/zebra/platform/config"
)

func TestLoadEnv_DefaultsAreValid(t *testing.T) {
	t.Parallel()
	c, err := config.LoadEnv(map[string]string{})
	require.NoError(t, err)
	assert.Equal(t, "dev", c.Env)
	assert.Equal(t, ":8080", c.HTTP.Addr)
	assert.Equal(t, 10*time.Second, c.HTTP.RequestTimeout)
	assert.Equal(t, "postgres://postgres@127.0.0.1:5432/zebra?sslmode=disable", c.Database.URL)
	assert.Equal(t, "redis://127.0.0.1:6379/0", c.Redis.URL)
	assert.True(t, c.Database.CreateIfMissing, "dev creates the database by default")
	assert.Empty(t, c.HTTP.CORSOrigins)
	assert.Empty(t, c.Warnings())
}

func TestLoadEnv_ModulePoolSizes(t *testing.T) {
	t.Parallel()
	c, err := config.LoadEnv(map[string]string{"DATABASE_MODULE_MAX_OPEN_CONNS": "orders:2, billing:4"})
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"orders": 2, "billing": 4}, c.Database.ModuleMaxOpenConns)
	c, err = config.LoadEnv(map[string]string{})
	require.NoError(t, err)
	assert.Empty(t, c.Database.ModuleMaxOpenConns)
}

func TestLoadEnv_BadValueNamesTheVariable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"duration", map[string]string{"HTTP_REQUEST_TIMEOUT": "abc"}, `config: HTTP_REQUEST_TIMEOUT="abc": not a duration`},
		{"integer", map[string]string{"DATABASE_MAX_OPEN_CONNS": "eight"}, `config: DATABASE_MAX_OPEN_CONNS="eight": not an integer`},
		{"boolean", map[string]string{"JOBS_IN_SERVE": "maybe"}, `config: JOBS_IN_SERVE="maybe": not a boolean (true or false)`},
		{"float", map[string]string{"OTEL_TRACES_SAMPLER_RATIO": "half"}, `config: OTEL_TRACES_SAMPLER_RATIO="half": not a number`},
		{"unknown env", map[string]string{"APP_ENV": "staging"}, `config: APP_ENV="staging": must be one of dev, test, prod`},
		{"unknown level", map[string]string{"LOG_LEVEL": "loud"}, `config: LOG_LEVEL="loud": must be one of debug, info, warn, error`},
		{"port range", map[string]string{"HTTP_ADDR": ":70000"}, `config: HTTP_ADDR=":70000": not a listen address (host:port or :port, port 0 to 65535)`},
		{"not an address", map[string]string{"HTTP_ADDR": "8080"}, `config: HTTP_ADDR="8080": not a listen address (host:port or :port, port 0 to 65535)`},
		{"zero size", map[string]string{"HTTP_BODY_LIMIT": "0"}, `config: HTTP_BODY_LIMIT="0": must be greater than 0`},
		{"negative duration", map[string]string{"SHUTDOWN_TIMEOUT": "-1s"}, `config: SHUTDOWN_TIMEOUT="-1s": must be greater than 0`},
		{"negative pool", map[string]string{"DATABASE_MAX_IDLE_CONNS": "-1"}, `config: DATABASE_MAX_IDLE_CONNS="-1": must be at least 0`},
		{"module pool size", map[string]string{"DATABASE_MODULE_MAX_OPEN_CONNS": "orders:2,billing:0"}, `config: DATABASE_MODULE_MAX_OPEN_CONNS="orders:2,billing:0": not a list of name:n pairs with n > 0 (orders:2,billing:4)`},
		{"module pool pair", map[string]string{"DATABASE_MODULE_MAX_OPEN_CONNS": "orders"}, `config: DATABASE_MODULE_MAX_OPEN_CONNS="orders": not a list of name:n pairs with n > 0 (orders:2,billing:4)`},
		{"database url", map[string]string{"DATABASE_URL": "mysql://u:pw@h/db"}, `config: DATABASE_URL="mysql://u:xxxxx@h/db": not a postgres:// URL with a host and a database (postgres://user@host:5432/DBNAME)`},
		{"no database name", map[string]string{"DATABASE_URL": "postgres://h:5432"}, `config: DATABASE_URL="postgres://h:5432": not a postgres:// URL with a host and a database (postgres://user@host:5432/DBNAME)`},
		{"redis url", map[string]string{"REDIS_URL": "127.0.0.1:6379"}, `config: REDIS_URL="127.0.0.1:6379": not a redis:// or rediss:// URL with a host`},
		{"otlp endpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"}, `config: OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318": not an http:// or https:// URL with a host`},
		{"ratio range", map[string]string{"OTEL_TRACES_SAMPLER_RATIO": "2"}, `config: OTEL_TRACES_SAMPLER_RATIO="2": must be at most 1`},
		{"origin with path", map[string]string{"CORS_ALLOWED_ORIGINS": "https://a.example,https://a.example/x"}, `config: CORS_ALLOWED_ORIGINS="https://a.example,https://a.example/x": "https://a.example/x": not an origin (scheme://host[:port], no path) or *`},
		{"proxy", map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8,nope"}, `config: TRUSTED_PROXIES="10.0.0.0/8,nope": "nope": not an IP address or CIDR range`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.LoadEnv(tt.env)
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
			var ce *config.Error
			assert.ErrorAs(t, err, &ce)
		})
	}
}

func TestLoadEnv_EveryBadValueOnItsOwnLine(t *testing.T) {
	t.Parallel()
	_, err := config.LoadEnv(map[string]string{"HTTP_REQUEST_TIMEOUT": "abc", "REDIS_POOL_SIZE": "x"})
	require.Error(t, err)
	assert.Equal(t, []string{
		`config: HTTP_REQUEST_TIMEOUT="abc": not a duration`,
		`config: REDIS_POOL_SIZE="x": not an integer`,
	}, strings.Split(err.Error(), "\n"))

	_, err = config.LoadEnv(map[string]string{"APP_ENV": "staging", "HTTP_READ_TIMEOUT": "0s", "REDIS_READ_TIMEOUT": "-1s"})
	require.Error(t, err)
	assert.Equal(t, []string{
		`config: APP_ENV="staging": must be one of dev, test, prod`,
		`config: HTTP_READ_TIMEOUT="0s": must be greater than 0`,
		`config: REDIS_READ_TIMEOUT="-1s": must be greater than 0`,
	}, strings.Split(err.Error(), "\n"), "fields of the same Go name in two sections are told apart")
}

func TestLoadEnv_DatabaseCreateDefaultsToDevOnly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{"APP_ENV": "dev"}, true},
		{map[string]string{"APP_ENV": "test"}, false},
		{map[string]string{"APP_ENV": "test", "DATABASE_CREATE": "true"}, true},
		{map[string]string{"APP_ENV": "dev", "DATABASE_CREATE": "false"}, false},
	}
	for _, tt := range tests {
		c, err := config.LoadEnv(tt.env)
		require.NoError(t, err)
		assert.Equal(t, tt.want, c.Database.CreateIfMissing, "%v", tt.env)
	}
}

// prodEnv is a production configuration that passes every check.
func prodEnv() map[string]string {
	return map[string]string{
		"APP_ENV":       "prod",
		"CURSOR_SECRET": strings.Repeat("k", 40),
		"DATABASE_URL":  "postgres://app:pw@db.internal:5432/zebra?sslmode=verify-full",
		"REDIS_URL":     "rediss://cache.internal:6379/0",
	}
}

func TestLoadEnv_ProdRefusesInsecureDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		set   map[string]string
		unset string
		want  string
	}{
		{"default cursor secret", nil, "CURSOR_SECRET", "config: CURSOR_SECRET: the development default, or anything shorter than 32 characters, is refused when APP_ENV=prod"},
		{"short cursor secret", map[string]string{"CURSOR_SECRET": "tiny-s3cr3t"}, "", "config: CURSOR_SECRET: the development default, or anything shorter than 32 characters, is refused when APP_ENV=prod"},
		{"wildcard cors", map[string]string{"CORS_ALLOWED_ORIGINS": "*"}, "", `config: CORS_ALLOWED_ORIGINS="*": a wildcard origin is refused when APP_ENV=prod`},
		{"debug log", map[string]string{"LOG_LEVEL": "debug"}, "", `config: LOG_LEVEL="debug": debug logging is refused when APP_ENV=prod`},
		{"with a bad value", map[string]string{"HTTP_ADDR": "8080"}, "CURSOR_SECRET", "config: HTTP_ADDR=\"8080\": not a listen address (host:port or :port, port 0 to 65535)\n" +
			"config: CURSOR_SECRET: the development default, or anything shorter than 32 characters, is refused when APP_ENV=prod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := prodEnv()
			delete(env, tt.unset)
			for k, v := range tt.set {
				env[k] = v
			}
			_, err := config.LoadEnv(env)
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
			assert.NotContains(t, err.Error(), "tiny-s3cr3t", "a secret's value is never echoed")
		})
	}
}

func TestLoadEnv_ProdAcceptsSecureSettings(t *testing.T) {
	t.Parallel()
	c, err := config.LoadEnv(prodEnv())
	require.NoError(t, err)
	assert.Empty(t, c.Warnings())
	assert.False(t, c.Database.CreateIfMissing)
}

func TestWarnings_ClearTextToRemoteHostsInProd(t *testing.T) {
	t.Parallel()
	env := prodEnv()
	env["DATABASE_URL"] = "postgres://app:pw@db.internal:5432/zebra?sslmode=disable"
	env["REDIS_URL"] = "redis://cache.internal:6379/0"
	env["RATE_LIMIT_ENABLED"] = "false"
	c, err := config.LoadEnv(env)
	require.NoError(t, err)
	w := c.Warnings()
	require.Len(t, w, 3)
	assert.Contains(t, w[0], `sslmode="disable" to the non-local host db.internal`)
	assert.Contains(t, w[1], "redis:// to the non-local host cache.internal")
	assert.Contains(t, w[2], "RATE_LIMIT_ENABLED=false")

	env["DATABASE_URL"] = "postgres://app:pw@127.0.0.1:5432/zebra?sslmode=disable"
	env["REDIS_URL"] = "redis://localhost:6379/0"
	delete(env, "RATE_LIMIT_ENABLED")
	c, err = config.LoadEnv(env)
	require.NoError(t, err)
	assert.Empty(t, c.Warnings(), "loopback needs no TLS")
}
