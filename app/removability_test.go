package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"go.uber.org/fx"

	"github.com/zebralabs/zebra/modules/audit"
	"github.com/zebralabs/zebra/platform"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/httpserver"
	"github.com/zebralabs/zebra/platform/redistest"
)

// TestEachContextIsRemovable takes each context out of the plugged list
// in turn, applies the schema of the rest to a fresh database, starts
// `zebra serve` as newApp builds it, and sends a request to every
// operation of every remaining context (each must be routed and answer
// without a server error: mostly 401, as no token is sent) and of the
// removed one (each must be gone: 404). Which operation belongs to which
// context comes from the document of the platform with that context alone,
// so the test names no context and covers a new one as it is plugged in.
func TestEachContextIsRemovable(t *testing.T) {
	base := operations(t, nil)
	owned := make([][]operation, len(contexts))
	for i, c := range contexts {
		for _, op := range operations(t, []fx.Option{c}) {
			if !slices.Contains(base, op) {
				owned[i] = append(owned[i], op)
			}
		}
	}
	for i, removed := range contexts {
		t.Run("without "+contextName(removed, i), func(t *testing.T) {
			others := slices.Delete(slices.Clone(contexts), i, i+1)
			url := serveWith(t, others)
			for j := range contexts {
				for _, op := range owned[j] {
					status := op.send(t, url)
					switch {
					case j == i && status != http.StatusNotFound:
						t.Errorf("%s of the removed context answers %d, want 404", op, status)
					case j != i && (status == http.StatusNotFound || status == http.StatusMethodNotAllowed || status >= 500):
						t.Errorf("%s of %s answers %d: not served", op, contextName(contexts[j], j), status)
					}
				}
			}
		})
	}
}

// TestWithoutARecorderProductionRefusesToStart: an app with a context that
// records audit-log events but no module that stores them does not start
// with APP_ENV=prod, and says why in one line.
func TestWithoutARecorderProductionRefusesToStart(t *testing.T) {
	recording := fx.Module("recording", fx.Provide(httpserver.AsRoutes(func(auditlog.Recorder) httpserver.Routes {
		return httpserver.RoutesFunc(func(huma.API) {})
	})))
	plugged := []fx.Option{recording}
	setServeEnv(t, nil)
	t.Setenv("APP_ENV", "prod")
	t.Setenv("CURSOR_SECRET", strings.Repeat("s", 40))
	err := newApp(plugged, platform.ServeJobs).Err()
	if err == nil {
		t.Fatal("the app built")
	}
	if got := describe(err); got != auditlog.ErrNoRecorder.Error() {
		t.Fatalf("error %q, want auditlog's refusal", got)
	}
}

// TestAMissingContextIsNamedInOneLine: a context that needs another's
// facade declares it by taking it as an argument; without the other, the
// app does not build and the error names the missing type in one line.
func TestAMissingContextIsNamedInOneLine(t *testing.T) {
	needy := fx.Module("needy", fx.Provide(httpserver.AsRoutes(func(audit.Chain) httpserver.Routes {
		return httpserver.RoutesFunc(func(huma.API) {})
	})))
	plugged := []fx.Option{needy}
	setServeEnv(t, nil)
	err := newApp(plugged, platform.ServeJobs).Err()
	if err == nil {
		t.Fatal("the app built without the facade it needs")
	}
	if got := describe(err); strings.Contains(got, "\n") || !strings.Contains(got, "audit.Chain") {
		t.Fatalf("error %q, want one line naming audit.Chain", got)
	}
	t.Logf("the error: %s", describe(err))
}

// serveWith starts `zebra serve` with the plugged contexts on a fresh
// database holding their schema, and returns its base URL. It stops in
// t.Cleanup.
func serveWith(t *testing.T, plugged []fx.Option) string {
	t.Helper()
	addr := setServeEnv(t, plugged)
	startPlugged(t, plugged)
	return "http://" + addr
}

// setServeEnv points the configuration at a fresh database with the
// schema of the plugged contexts, a fresh Redis prefix and a free port,
// which it returns.
func setServeEnv(t *testing.T, plugged []fx.Option) string {
	t.Helper()
	sources, err := schemaSources(plugged)
	if err != nil {
		t.Fatal(err)
	}
	rcfg := redistest.Config(t)
	addr := closedAddr(t)
	for k, v := range map[string]string{
		"APP_ENV": "test", "LOG_LEVEL": "error", "HTTP_ADDR": addr, "DATABASE_URL": dbtest.URL(t, sources...),
		"REDIS_URL": rcfg.URL, "REDIS_PREFIX": rcfg.Prefix, "SHUTDOWN_TIMEOUT": "5s",
	} {
		t.Setenv(k, v)
	}
	return addr
}

// operation is one operation of an OpenAPI document.
type operation struct{ method, path string }

func (op operation) String() string { return op.method + " " + op.path }

// param is a path parameter of an OpenAPI path.
var param = regexp.MustCompile(`\{[^}]+\}`)

// send requests op anonymously, with a well-formed id in every path
// parameter and an empty JSON object as body, and returns the status.
func (op operation) send(t *testing.T, base string) int {
	t.Helper()
	var body *strings.Reader
	if op.method == http.MethodGet || op.method == http.MethodDelete {
		body = strings.NewReader("")
	} else {
		body = strings.NewReader("{}")
	}
	path := param.ReplaceAllString(op.path, "0192f6a0-0000-7000-8000-000000000001")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, op.method, base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if body.Len() > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	_ = res.Body.Close()
	return res.StatusCode
}

// operations lists the operations of the document an app of the platform
// and plugged would serve (built offline, nothing connects).
func operations(t *testing.T, plugged []fx.Option) []operation {
	t.Helper()
	doc, err := openAPIDocument(plugged)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	var ops []operation
	for path, methods := range d.Paths {
		for method := range methods {
			ops = append(ops, operation{method: strings.ToUpper(method), path: path})
		}
	}
	return ops
}

// contextName is the name of the fx.Module opt, as fx prints it
// (`fx.Module("name", ...)`), or its position in the list.
func contextName(opt fx.Option, i int) string {
	_, rest, ok := strings.Cut(fmt.Sprint(opt), `fx.Module("`)
	name, _, _ := strings.Cut(rest, `"`)
	if !ok || name == "" {
		return fmt.Sprintf("context %d", i)
	}
	return name
}

// startPlugged starts `zebra serve` with the plugged contexts, as newApp
// builds it from the current environment, and stops it in t.Cleanup.
func startPlugged(t *testing.T, plugged []fx.Option) {
	t.Helper()
	app := newApp(plugged, platform.ServeJobs)
	if err := app.Err(); err != nil {
		t.Fatalf("build: %s", describe(err))
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if err := app.Start(ctx); err != nil {
		t.Fatalf("start: %s", describe(err))
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
		defer cancel()
		if err := app.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
}
