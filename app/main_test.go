package main

import (
	"bytes"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"

	"go.uber.org/fx"

	"github.com/zebralabs/zebra/platform"
	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/dbtest"
)

// TestValidateApp checks that every command's graph is complete: every
// context's dependencies are provided by the platform or another context.
func TestValidateApp(t *testing.T) {
	tests := []struct {
		name    string
		command []fx.Option
	}{
		{"serve", []fx.Option{platform.ServeJobs}},
		{"worker", []fx.Option{platform.WorkerJobs, platform.ProbesOnly}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := append(tt.command, platform.Module, fx.Options(contexts...), fx.Supply(platform.BuildInfo{Version: "test"}))
			if err := fx.ValidateApp(opts...); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func runArgs(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestRun_UnknownCommandIsAUsageError(t *testing.T) {
	code, _, stderr := runArgs("frobnicate")
	if code != 2 || !strings.HasPrefix(stderr, "zebra: unknown command \"frobnicate\"\nusage: zebra") {
		t.Fatalf("code %d, stderr %q", code, stderr)
	}
}

func TestRun_HelpListsEveryCommand(t *testing.T) {
	code, stdout, _ := runArgs("help")
	if code != 0 {
		t.Fatalf("code %d", code)
	}
	for _, c := range commands() {
		if !strings.Contains(stdout, "\n  "+c.name+" ") {
			t.Errorf("help does not list %q:\n%s", c.name, stdout)
		}
	}
}

func TestRun_UnexpectedArgument(t *testing.T) {
	code, _, stderr := runArgs("serve", "now")
	if code != 1 || stderr != "zebra serve: unexpected argument \"now\"\n" {
		t.Fatalf("code %d, stderr %q", code, stderr)
	}
}

// TestRun_StartupFailuresAreOneLine runs serve with a bad value and with
// dependencies that do not answer: exit 1 and exactly one line on stderr,
// no fx chain, no stack trace.
func TestRun_StartupFailuresAreOneLine(t *testing.T) {
	closed := closedAddr(t)
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"bad value", map[string]string{"HTTP_REQUEST_TIMEOUT": "abc"},
			`config: HTTP_REQUEST_TIMEOUT="abc": not a duration`},
		{"bad module value while postgres is down too", map[string]string{"ACCESS_TOKEN_TTL": "abc", "DATABASE_URL": "postgres://postgres@" + closed + "/zebra?sslmode=disable"},
			`config: ACCESS_TOKEN_TTL="abc": not a duration`},
		{"postgres down", map[string]string{"DATABASE_URL": "postgres://postgres:pw@" + closed + "/zebra?sslmode=disable", "DATABASE_CONNECT_TIMEOUT": "1s"},
			fmt.Sprintf("cannot reach PostgreSQL at postgres://postgres@%s/zebra (is it running? try: make up)", closed)},
		{"redis down", map[string]string{"DATABASE_URL": dbtest.EmptyURL(t), "REDIS_URL": "redis://" + closed + "/0"},
			fmt.Sprintf("cannot reach Redis at redis://%s/0 (is it running? try: make up)", closed)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("LOG_LEVEL", "error")
			t.Setenv("HTTP_ADDR", closedAddr(t))
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			code, _, stderr := runArgs("serve")
			if code != 1 || stderr != tt.want+"\n" {
				t.Fatalf("code %d, stderr:\n%s\nwant:\n%s", code, stderr, tt.want)
			}
		})
	}
}

func TestPrintConfig_RedactsAndListsModules(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://app:hunter2@db:5432/zebra")
	t.Setenv("CURSOR_SECRET", "cursor-secret-value")
	t.Setenv("SMTP_URL", "smtp://mailer:mailpw@mail.example:587")
	var out bytes.Buffer
	if err := printConfig(&out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, secret := range []string{"hunter2", "cursor-secret-value", "mailpw"} {
		if strings.Contains(s, secret) {
			t.Errorf("printed %q:\n%s", secret, s)
		}
	}
	for _, want := range []string{
		"# platform\n", "DATABASE_URL=postgres://app:xxxxx@db:5432/zebra\n", "CURSOR_SECRET=[redacted]\n",
		"REDIS_URL=redis://127.0.0.1:6379/0\n", "SMTP_URL=smtp://mailer:xxxxx@mail.example:587\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q:\n%s", want, s)
		}
	}
	if !strings.HasPrefix(s, "# platform\n") {
		t.Errorf("platform first:\n%s", s)
	}
}

func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// TestPrintConfig_ShowsTheModulesSections: the sections of the platform's
// own packages and of a context plugged in with the others show in
// `zebra config`.
func TestPrintConfig_ShowsTheModulesSections(t *testing.T) {
	t.Setenv("EXTRA_GREETING", "hello")
	extra := fx.Module("extra", config.Provide[extraConfig]("extra"))
	sections, err := configSections(append(slices.Clone(contexts), extra))
	if err != nil {
		t.Fatal(err)
	}
	printed := map[string]bool{}
	for _, s := range sections {
		printed[s.Name] = true
	}
	for _, want := range []string{"platform", "idempotency", "httpclient", "extra"} {
		if !printed[want] {
			t.Errorf("zebra config does not print the %q section", want)
		}
	}
}

// extraConfig is the configuration section of the added context.
type extraConfig struct {
	Greeting string `env:"EXTRA_GREETING"`
}
