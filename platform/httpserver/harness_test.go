package httpserver_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/auth"
	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/httpserver"
)

// testUser is the principal the test verifier returns for goodToken.
var testUser = uuid.MustParse("01928c4e-7a1b-7c3d-9e8f-0a1b2c3d4e5f")

const goodToken = "good-token"

// deleteItems is the permission of the test routes; members hold it.
const deleteItems auth.Permission = "test:delete-items"

// verifier accepts goodToken only, like identity's verifier would.
type verifier struct{}

func (verifier) Verify(_ context.Context, token string) (auth.Principal, error) {
	if token != goodToken {
		return auth.Principal{}, apperr.Unauthorized("token signature is invalid")
	}
	return auth.NewPrincipal(testUser, []auth.Role{auth.RoleMember}, auth.Grants{auth.RoleMember: {deleteItems}}), nil
}

// limiter refuses requests whose X-Test-Limit header is "over", and
// records which user it saw, to show it runs after authentication.
type limiter struct{ seen chan string }

func (l limiter) Limit(c *gin.Context) error {
	user := "anonymous"
	if p, ok := auth.FromContext(c.Request.Context()); ok {
		user = p.UserID.String()
	}
	select {
	case l.seen <- user:
	default:
	}
	c.Header("RateLimit-Policy", `"default";q=2;w=60`)
	if c.GetHeader("X-Test-Limit") != "over" {
		return nil
	}
	c.Header("Retry-After", "17")
	return apperr.New(apperr.CodeRateLimited, "slow down")
}

// secret is text that must never reach a client.
const secret = "pq: relation secret_table at /srv/zebra/internal/db.go:42"

type itemBody struct {
	Title       string  `json:"title" minLength:"1" maxLength:"200"`
	Description *string `json:"description,omitempty" maxLength:"5000"`
	Items       []struct {
		Name string `json:"name" minLength:"1"`
	} `json:"items,omitempty"`
}

type itemInput struct {
	Body itemBody
}

type itemOutput struct {
	Body struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
}

type idInput struct {
	ID string `path:"id"`
}

type replaceInput struct {
	ID             string `path:"id"`
	IfMatch        string `header:"If-Match"`
	IdempotencyKey string `header:"Idempotency-Key"`
	Body           itemBody
}

type listInput struct {
	Limit int `query:"limit" minimum:"1" maximum:"100" default:"20"`
}

type listOutput struct {
	Body struct {
		Limit int `json:"limit"`
	}
}

type meOutput struct {
	Body struct {
		UserID string `json:"userId"`
	}
}

// testRoutes registers operations that produce every kind of outcome.
func testRoutes(api huma.API) {
	huma.Register(api, huma.Operation{OperationID: "create-item", Method: http.MethodPost, Path: "/test/items", Tags: []string{"Test"}, DefaultStatus: 201},
		func(_ context.Context, in *itemInput) (*itemOutput, error) {
			out := &itemOutput{}
			out.Body.ID = "1"
			out.Body.Title = in.Body.Title
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-item", Method: http.MethodGet, Path: "/test/items/{id}", Tags: []string{"Test"}},
		func(_ context.Context, in *idInput) (*itemOutput, error) {
			if in.ID == "missing" {
				return nil, fmt.Errorf("load item %s: %w", in.ID, apperr.NotFound("item not found"))
			}
			out := &itemOutput{}
			out.Body.ID = in.ID
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "delete-item", Method: http.MethodDelete, Path: "/test/items/{id}", Tags: []string{"Test"}, Security: httpserver.BearerAuth(), DefaultStatus: 204},
		func(ctx context.Context, _ *idInput) (*struct{}, error) {
			if _, err := auth.Require(ctx, deleteItems); err != nil {
				return nil, err
			}
			return nil, nil
		})
	huma.Register(api, huma.Operation{OperationID: "replace-item", Method: http.MethodPut, Path: "/test/items/{id}", Tags: []string{"Test"},
		Security: httpserver.BearerAuth(), Errors: []int{http.StatusConflict}},
		func(_ context.Context, in *replaceInput) (*itemOutput, error) {
			out := &itemOutput{}
			out.Body.ID, out.Body.Title = in.ID, in.Body.Title
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "list-items", Method: http.MethodGet, Path: "/test/items", Tags: []string{"Test"}},
		func(_ context.Context, in *listInput) (*listOutput, error) {
			out := &listOutput{}
			out.Body.Limit = in.Limit
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "me", Method: http.MethodGet, Path: "/test/me", Tags: []string{"Test"}, Security: httpserver.BearerAuth()},
		func(ctx context.Context, _ *struct{}) (*meOutput, error) {
			p, err := auth.Authenticated(ctx)
			if err != nil {
				return nil, err
			}
			out := &meOutput{}
			out.Body.UserID = p.UserID.String()
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "panic", Method: http.MethodGet, Path: "/test/panic", Tags: []string{"Test"}},
		func(context.Context, *struct{}) (*struct{}, error) {
			panic(secret)
		})
	huma.Register(api, huma.Operation{OperationID: "internal", Method: http.MethodGet, Path: "/test/internal", Tags: []string{"Test"}},
		func(context.Context, *struct{}) (*struct{}, error) {
			return nil, fmt.Errorf("list items: %w", errors.New(secret))
		})
	huma.Register(api, huma.Operation{OperationID: "unavailable", Method: http.MethodGet, Path: "/test/unavailable", Tags: []string{"Test"}},
		func(context.Context, *struct{}) (*struct{}, error) {
			return nil, apperr.Unavailable(errors.New(secret))
		})
	huma.Register(api, huma.Operation{OperationID: "conflict", Method: http.MethodGet, Path: "/test/conflict", Tags: []string{"Test"}},
		func(context.Context, *struct{}) (*struct{}, error) {
			return nil, huma.Error409Conflict("already there")
		})
	huma.Register(api, huma.Operation{OperationID: "stopped", Method: http.MethodGet, Path: "/test/stopped", Tags: []string{"Test"}},
		func(context.Context, *struct{}) (*struct{}, error) {
			return nil, fmt.Errorf("begin: %w", context.Canceled)
		})
	// It answers after 1s; huma alone would cut the reading of its body
	// at 100ms.
	huma.Register(api, huma.Operation{OperationID: "slow-create", Method: http.MethodPost, Path: "/test/slow-items", Tags: []string{"Test"},
		DefaultStatus: 201, BodyReadTimeout: 100 * time.Millisecond},
		func(ctx context.Context, in *itemInput) (*itemOutput, error) {
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("insert item: %w", ctx.Err())
			case <-time.After(time.Second):
			}
			out := &itemOutput{}
			out.Body.ID, out.Body.Title = "1", in.Body.Title
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "slow", Method: http.MethodGet, Path: "/test/slow", Tags: []string{"Test"}},
		func(ctx context.Context, _ *struct{}) (*struct{}, error) {
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("query items: %w", ctx.Err())
			case <-time.After(5 * time.Second):
				return nil, nil
			}
		})
}

// harness is a real engine with the test routes behind a real listener.
type harness struct {
	srv      *httptest.Server
	engine   *gin.Engine
	api      huma.API
	registry *prometheus.Registry
	spans    *tracetest.InMemoryExporter
	logs     *observer.ObservedLogs
	limiter  limiter
}

func testHTTPConfig() config.HTTP {
	return config.HTTP{
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       time.Minute,
		RequestTimeout:    2 * time.Second,
		MaxHeaderBytes:    1 << 16,
		BodyLimit:         1024,
		MaxInFlight:       64,
		ShutdownTimeout:   5 * time.Second,
		CORSOrigins:       []string{"https://app.example.com"},
	}
}

func newHarness(t *testing.T, mutate ...func(*config.HTTP)) *harness {
	t.Helper()
	cfg := testHTTPConfig()
	for _, m := range mutate {
		m(&cfg)
	}
	core, logs := observer.New(zap.DebugLevel)
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	reg := prometheus.NewRegistry()
	lim := limiter{seen: make(chan string, 1)}
	engine, err := httpserver.NewEngine(httpserver.EngineOptions{
		HTTP:           cfg,
		Logger:         zap.New(core, zap.AddCaller()), // as logging.New builds it
		Registerer:     reg,
		TracerProvider: tp,
		Verifier:       verifier{},
		Limiter:        lim,
	})
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	api := httpserver.NewAPI(engine, httpserver.APIConfig{BodyLimit: cfg.BodyLimit}, httpserver.RoutesFunc(testRoutes))
	srv := httptest.NewServer(engine)
	t.Cleanup(srv.Close)
	return &harness{srv: srv, engine: engine, api: api, registry: reg, spans: spans, logs: logs, limiter: lim}
}

// response is a finished exchange: status, headers and body.
type response struct {
	status int
	header http.Header
	body   []byte
}

// envelope decodes the body as the error envelope, failing on anything
// that is not exactly its four fields.
func (r response) envelope(t *testing.T) envelope {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &raw); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, r.body)
	}
	for _, k := range []string{"code", "message", "details", "requestId"} {
		if _, ok := raw[k]; !ok {
			t.Fatalf("envelope lacks %q: %s", k, r.body)
		}
	}
	if len(raw) != 4 {
		t.Fatalf("envelope has extra fields: %s", r.body)
	}
	var env envelope
	if err := json.Unmarshal(r.body, &env); err != nil {
		t.Fatalf("decode envelope: %v", err)
	}
	if env.Details == nil {
		t.Fatalf("details is not an object: %s", r.body)
	}
	return env
}

type envelope struct {
	Code      string         `json:"code"`
	Message   string         `json:"message"`
	Details   map[string]any `json:"details"`
	RequestID string         `json:"requestId"`
}

type field struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e envelope) fields(t *testing.T) []field {
	t.Helper()
	b, _ := json.Marshal(e.Details["fields"])
	var fs []field
	if err := json.Unmarshal(b, &fs); err != nil {
		t.Fatalf("details.fields: %v (%s)", err, b)
	}
	return fs
}

// do sends a request built by the caller and reads the whole answer.
func (h *harness) do(t *testing.T, req *http.Request) response {
	t.Helper()
	res, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return response{status: res.StatusCode, header: res.Header, body: body}
}

// request builds a request to path; body "" sends none. Headers come in
// name, value pairs.
func (h *harness) request(t *testing.T, method, path, body string, headers ...string) *http.Request {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	return req
}

func (h *harness) send(t *testing.T, method, path, body string, headers ...string) response {
	t.Helper()
	return h.do(t, h.request(t, method, path, body, headers...))
}
