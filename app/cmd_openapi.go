package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/danielgtaylor/huma/v2"
	"github.com/redis/go-redis/v9"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/httpserver"
)

const openapiUsage = `usage: zebra openapi [-o FILE]   print the OpenAPI 3.1 document of this binary (docs/openapi.json)`

// openapiCommand prints the OpenAPI document that `zebra serve` would
// serve at /openapi.json, without connecting to anything: `make openapi`
// writes it to docs/openapi.json, and a test keeps that copy current.
func openapiCommand(args []string) error {
	fs := flag.NewFlagSet("openapi", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("o", "", "write the document to `FILE` instead of stdout")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return errors.New(openapiUsage)
	}
	doc, err := openAPIDocument(contexts)
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = os.Stdout.Write(doc)
		return err
	}
	return os.WriteFile(*out, doc, 0o644)
}

// openAPIDocument assembles the whole app, the platform and the plugged
// contexts, so the document lists exactly the routes the binary serves.
// Nothing is started, and the database and Redis clients are replaced by
// ones that never connect.
func openAPIDocument(plugged []fx.Option) ([]byte, error) {
	var api huma.API
	app := fx.New(
		fx.NopLogger,
		fx.Supply(platform.BuildInfo{Version: "openapi"}),
		platform.Module,
		fx.Options(plugged...),
		offline,
		fx.Populate(&api),
	)
	if err := app.Err(); err != nil {
		return nil, fmt.Errorf("assemble the app: %w", err)
	}
	return httpserver.Document(api)
}

// offline replaces the platform's clients: a gorm.DB over a pool that is
// never used (no ping, no query; nor are the pools of the modules'
// database roles opened from it), a Redis client that dials lazily, and a
// silent logger (the document goes to stdout). The replaced constructors
// never run: the decorators do not ask for what they replace.
var offline = fx.Options(
	fx.Decorate(zap.NewNop),
	fx.Decorate(database.Offline),
	fx.Decorate(func() *redis.Client {
		return redis.NewClient(&redis.Options{Addr: "offline.invalid:6379"})
	}),
)
