package httpserver_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zebralabs/zebra/platform/httpserver"
)

func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	res := h.send(t, "GET", "/openapi.json", "")
	if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d Content-Type %q", res.status, res.header.Get("Content-Type"))
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
		Info    struct {
			Title   string `json:"title"`
			Version string `json:"version"`
		} `json:"info"`
		Paths      map[string]map[string]operation `json:"paths"`
		Components struct {
			Schemas         map[string]json.RawMessage   `json:"schemas"`
			SecuritySchemes map[string]map[string]string `json:"securitySchemes"`
		} `json:"components"`
	}
	if err := json.Unmarshal(res.body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" || doc.Info.Title != "Zebra API" || doc.Info.Version != "1.0.0" {
		t.Fatalf("header: %s %q %q", doc.OpenAPI, doc.Info.Title, doc.Info.Version)
	}
	bearer := doc.Components.SecuritySchemes["bearerAuth"]
	if bearer["type"] != "http" || bearer["scheme"] != "bearer" || bearer["bearerFormat"] != "JWT" {
		t.Fatalf("bearerAuth = %v", bearer)
	}
	if _, ok := doc.Components.Schemas["Error"]; !ok {
		t.Fatal("no Error schema")
	}
	tests := []struct {
		path, method string
		want, absent []string
	}{
		{"/test/items", "post", []string{"400", "413", "415", "422", "429", "500", "503", "504", "default"}, []string{"401", "404"}},
		{"/test/items/{id}", "get", []string{"400", "404", "422", "500"}, []string{"401", "413", "415"}},
		{"/test/me", "get", []string{"401", "403", "429", "500", "503", "504"}, []string{"413", "415"}},
		{"/test/items/{id}", "put", []string{"401", "404", "409", "412", "413", "415", "422", "428"}, nil},
	}
	for _, tt := range tests {
		op := doc.Paths[tt.path][tt.method]
		for _, status := range tt.want {
			r, ok := op.Responses[status]
			if !ok {
				t.Errorf("%s %s lacks %s", tt.method, tt.path, status)
				continue
			}
			if ref := r.Content["application/json"].Schema.Ref; ref != "#/components/schemas/Error" {
				t.Errorf("%s %s %s schema = %q", tt.method, tt.path, status, ref)
			}
		}
		for _, status := range tt.absent {
			if _, ok := op.Responses[status]; ok {
				t.Errorf("%s %s documents %s, which it cannot produce", tt.method, tt.path, status)
			}
		}
	}
	put := doc.Paths["/test/items/{id}"]["put"].Responses
	if d := put["409"].Description; !strings.Contains(d, "`conflict`") || !strings.Contains(d, "idempotency_key_in_use") {
		t.Errorf("409 of an operation declaring it, with Idempotency-Key: %q", d)
	}
	if d := put["422"].Description; !strings.Contains(d, "validation_failed") || !strings.Contains(d, "idempotency_key_reused") {
		t.Errorf("422 with Idempotency-Key: %q", d)
	}
	for status, r := range put {
		if _, ok := r.Headers["X-Request-Id"]; !ok {
			t.Errorf("PUT %s does not document X-Request-Id", status)
		}
	}
	if _, ok := put["401"].Headers["WWW-Authenticate"]; !ok {
		t.Error("401 does not document WWW-Authenticate")
	}
	if sec := doc.Paths["/test/me"]["get"].Security; len(sec) != 1 {
		t.Errorf("/test/me security = %v", sec)
	}
	if strings.Contains(string(res.body), "problem+json") || strings.Contains(string(res.body), "ErrorModel") {
		t.Error("huma's RFC 9457 error model leaked into the document")
	}
}

type operation struct {
	Security  []map[string][]string `json:"security"`
	Responses map[string]struct {
		Description string                     `json:"description"`
		Headers     map[string]json.RawMessage `json:"headers"`
		Content     map[string]struct {
			Schema struct {
				Ref string `json:"$ref"`
			} `json:"schema"`
		} `json:"content"`
	} `json:"responses"`
}

func TestDocsPageIsSelfContained(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	page := h.send(t, "GET", "/docs", "")
	if page.status != 200 || !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d Content-Type %q", page.status, page.header.Get("Content-Type"))
	}
	csp := page.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "connect-src 'self'") {
		t.Fatalf("CSP = %q", csp)
	}
	if regexp.MustCompile(`(?i)(src|href)=["']?(https?:)?//`).Match(page.body) {
		t.Fatalf("the page loads something from another host:\n%s", page.body)
	}
	refs := regexp.MustCompile(`(?:src|href)="(/docs/assets/[^"]+)"`).FindAllSubmatch(page.body, -1)
	if len(refs) < 3 {
		t.Fatalf("assets referenced: %d", len(refs))
	}
	for _, ref := range refs {
		path := string(ref[1])
		plain := h.send(t, "GET", path, "", "Accept-Encoding", "identity")
		if plain.status != 200 || len(plain.body) < 100 || plain.header.Get("Content-Encoding") != "" {
			t.Errorf("%s: status %d, %d bytes, encoding %q", path, plain.status, len(plain.body), plain.header.Get("Content-Encoding"))
		}
		req := h.request(t, "GET", path, "")
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := h.srv.Client().Transport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		zipped, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if strings.HasSuffix(path, ".js") && strings.Contains(path, "bundle") &&
			(res.Header.Get("Content-Encoding") != "gzip" || len(zipped) >= len(plain.body)) {
			t.Errorf("%s is not served compressed (%d >= %d bytes)", path, len(zipped), len(plain.body))
		}
	}
	if init := h.send(t, "GET", "/docs/assets/init.js", ""); !strings.Contains(string(init.body), "validatorUrl: null") ||
		!strings.Contains(string(init.body), `"/openapi.json"`) {
		t.Errorf("init.js: %s", init.body)
	}
	if missing := h.send(t, "GET", "/docs/assets/nope.js", ""); missing.status != http.StatusNotFound {
		t.Errorf("unknown asset: %d", missing.status)
	}
}

// TestDeclaredTagsCarryTheirDescription: a tag a module declares
// (ProvideTag, APIConfig.Tags) is listed with its description; a tag an
// operation names undeclared is listed by name; both sorted.
func TestDeclaredTagsCarryTheirDescription(t *testing.T) {
	t.Parallel()
	engine, err := httpserver.NewEngine(httpserver.EngineOptions{HTTP: testHTTPConfig()})
	if err != nil {
		t.Fatal(err)
	}
	routes := httpserver.RoutesFunc(func(api huma.API) {
		for _, tag := range []string{"Zeta", "Alpha"} {
			huma.Register(api, huma.Operation{OperationID: "get-" + strings.ToLower(tag), Method: http.MethodGet, Path: "/test/" + strings.ToLower(tag), Tags: []string{tag}},
				func(context.Context, *struct{}) (*struct{}, error) { return nil, nil })
		}
	})
	declared := []huma.Tag{{Name: "Zeta", Description: "Things at the end."}}
	api := httpserver.NewAPI(engine, httpserver.APIConfig{BodyLimit: 1024, Tags: declared}, routes)
	b, err := httpserver.Document(api)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tags []huma.Tag `json:"tags"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	want := []huma.Tag{{Name: "Alpha"}, {Name: "Zeta", Description: "Things at the end."}}
	if len(doc.Tags) != len(want) || doc.Tags[0].Name != want[0].Name || doc.Tags[0].Description != "" ||
		doc.Tags[1].Name != want[1].Name || doc.Tags[1].Description != want[1].Description {
		t.Fatalf("tags = %+v, want %+v", doc.Tags, want)
	}
}
