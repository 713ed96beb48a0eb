package config_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/zebralabs/zebra/platform/config"
)

// moduleConfig stands for a module's own section.
type moduleConfig struct {
	SigningKey string        `env:"TEST_MODULE_SIGNING_KEY" envDefault:"dev-key" secret:"true"`
	Optional   string        `env:"TEST_MODULE_OPTIONAL_TOKEN" secret:"true"`
	SMTPURL    string        `env:"TEST_MODULE_SMTP_URL" envDefault:"smtp://mailer:hunter2@127.0.0.1:1025"`
	RelayURL   string        `env:"TEST_MODULE_RELAY_URL" envDefault:"smtp://relay@mail.example:587?tls=required"`
	TTL        time.Duration `env:"TEST_MODULE_TTL" envDefault:"15m"`
	Workers    int           `env:"TEST_MODULE_WORKERS" envDefault:"4" validate:"gte=1,lte=64"`
	Nested     struct {
		Hosts []string `env:"HOSTS" envSeparator:";" envDefault:"a:1;b:2" validate:"dive,listen"`
	} `envPrefix:"TEST_MODULE_"`
}

func (m moduleConfig) Validate() error {
	if m.TTL > time.Hour {
		return &config.Error{Problems: []config.ProblemError{{Var: "TEST_MODULE_TTL", Value: m.TTL.String(), Reason: "must be at most 1h"}}}
	}
	return nil
}

func (m moduleConfig) RefuseInsecure() error {
	if m.SigningKey == "dev-key" {
		return &config.Error{Problems: []config.ProblemError{{Var: "TEST_MODULE_SIGNING_KEY", Secret: true, Reason: "refused when APP_ENV=prod"}}}
	}
	return nil
}

func TestPrint_RedactsSecretsAndURLPasswords(t *testing.T) {
	t.Parallel()
	c, err := config.LoadEnv(map[string]string{
		"DATABASE_URL":  "postgres://app:s3cret@db:5432/zebra?sslmode=disable",
		"REDIS_URL":     "redis://:r3dis@cache:6379/0",
		"CURSOR_SECRET": "do-not-print-me-ever",
		// As written in the environment, sorted.
		"DATABASE_MODULE_MAX_OPEN_CONNS": "orders:2,billing:4",
	})
	require.NoError(t, err)
	var m moduleConfig
	require.NoError(t, config.ParseEnv(&m, map[string]string{}))

	var buf bytes.Buffer
	require.NoError(t, config.Print(&buf, config.Section{Name: "platform", Value: c}, config.Section{Name: "module", Value: m}))
	out := buf.String()

	for _, secret := range []string{"s3cret", "r3dis", "do-not-print-me-ever", "dev-key", "hunter2"} {
		assert.NotContains(t, out, secret)
	}
	for _, line := range []string{
		"# platform",
		"DATABASE_URL=postgres://app:xxxxx@db:5432/zebra?sslmode=disable",
		"REDIS_URL=redis://:xxxxx@cache:6379/0",
		"CURSOR_SECRET=[redacted]",
		"HTTP_REQUEST_TIMEOUT=10s",
		"CORS_ALLOWED_ORIGINS=",
		"DATABASE_MODULE_MAX_OPEN_CONNS=billing:4,orders:2",
		"# module",
		"TEST_MODULE_SIGNING_KEY=[redacted]",
		"TEST_MODULE_OPTIONAL_TOKEN=",
		"TEST_MODULE_SMTP_URL=smtp://mailer:xxxxx@127.0.0.1:1025",
		"TEST_MODULE_RELAY_URL=smtp://relay@mail.example:587?tls=required",
		"TEST_MODULE_TTL=15m0s",
		"TEST_MODULE_HOSTS=a:1;b:2",
	} {
		assert.Contains(t, strings.Split(out, "\n"), line)
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"postgres://u:p@h:5432/db", "postgres://u:xxxxx@h:5432/db"},
		{"postgres://u@h/db?password=p&sslmode=require", "postgres://u@h/db?password=xxxxx&sslmode=require"},
		{"host=h user=u password=p dbname=db", "host=h user=u password=xxxxx dbname=db"},
		{"redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"},
		{"smtp://mailer@mail.example:587?tls=required", "smtp://mailer@mail.example:587?tls=required"},
		{"smtps://mailer:p%40ss@mail.example", "smtps://mailer:xxxxx@mail.example"},
		{"https://hooks.example/x?token=abc&v=1", "https://hooks.example/x?token=xxxxx&v=1"},
		{"plain", "plain"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, config.RedactURL(tt.in))
	}
}

func TestParseEnv_ModuleSection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"Validate runs after the tags", map[string]string{"TEST_MODULE_TTL": "2h"}, `config: TEST_MODULE_TTL="2h0m0s": must be at most 1h`},
		{"parse", map[string]string{"TEST_MODULE_TTL": "soon"}, `config: TEST_MODULE_TTL="soon": not a duration`},
		{"range", map[string]string{"TEST_MODULE_WORKERS": "0"}, `config: TEST_MODULE_WORKERS="0": must be at least 1`},
		{"prefixed list", map[string]string{"TEST_MODULE_HOSTS": "a:1;b"}, `config: TEST_MODULE_HOSTS="a:1;b": "b": not a listen address (host:port or :port, port 0 to 65535)`},
		{"secret not echoed", map[string]string{"TEST_MODULE_SIGNING_KEY": "s3cret", "TEST_MODULE_WORKERS": "many"}, `config: TEST_MODULE_WORKERS="many": not an integer`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var m moduleConfig
			assert.EqualError(t, config.ParseEnv(&m, tt.env), tt.want)
		})
	}
}

// requiredConfig stands for a section with variables that have no default.
type requiredConfig struct {
	Region string `env:"TEST_REGION,required"`
	Token  string `env:"TEST_TOKEN,notEmpty" secret:"true"`
	Limit  uint8  `env:"TEST_LIMIT" secret:"true"`
}

func TestParseEnv_EnvTagOptionsNameTheVariable(t *testing.T) {
	t.Parallel()
	var c requiredConfig
	err := config.ParseEnv(&c, map[string]string{"TEST_TOKEN": "", "TEST_LIMIT": "300"})
	var ce *config.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, []string{
		`config: TEST_REGION="": must be set`,
		"config: TEST_TOKEN: must not be empty",
		"config: TEST_LIMIT: not an integer from 0 to 255",
	}, strings.Split(err.Error(), "\n"), "a secret's value is never echoed")
}

// Provide reads the process environment, so these subtests are not parallel.
func TestProvide_SectionsAndProdRefusal(t *testing.T) {
	t.Setenv("TEST_MODULE_SIGNING_KEY", "")

	var got config.Sections
	app := fx.New(
		fx.NopLogger,
		fx.Supply(config.Config{Env: config.EnvDev}),
		config.Provide[moduleConfig]("module"),
		fx.Populate(&got),
	)
	require.NoError(t, app.Err())
	require.Len(t, got.Sections, 1)
	assert.Equal(t, "module", got.Sections[0].Name)
	assert.Equal(t, 15*time.Minute, got.Sections[0].Value.(moduleConfig).TTL)

	app = fx.New(
		fx.NopLogger,
		fx.Supply(config.Config{Env: config.EnvProd}),
		config.Provide[moduleConfig]("module"),
		fx.Invoke(func(moduleConfig) {}),
	)
	var ce *config.Error
	require.True(t, errors.As(app.Err(), &ce), "got %v", app.Err())
	assert.Equal(t, "config: TEST_MODULE_SIGNING_KEY: refused when APP_ENV=prod", ce.Error())
	_ = app.Stop(context.Background())
}

// joinedConfig's Validate returns plain errors, not an *Error.
type joinedConfig struct {
	A int `env:"TEST_JOINED_A"`
}

func (joinedConfig) Validate() error {
	return errors.Join(errors.New("TEST_JOINED_A: one"), errors.New("TEST_JOINED_B: two"))
}

func TestParseEnv_PlainValidateErrorsOneLineEach(t *testing.T) {
	t.Parallel()
	var c joinedConfig
	assert.EqualError(t, config.ParseEnv(&c, map[string]string{}), "config: TEST_JOINED_A: one\nconfig: TEST_JOINED_B: two")
}
