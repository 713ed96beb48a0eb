package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// committedDocument is the reviewed copy of the API contract.
const committedDocument = "../docs/openapi.json"

// TestOpenAPIDocumentIsCommitted fails when the code generates a document
// other than docs/openapi.json, so every contract change shows in review.
func TestOpenAPIDocumentIsCommitted(t *testing.T) {
	offlineEnv(t)
	generated, err := openAPIDocument(contexts)
	if err != nil {
		t.Fatalf("generate the document: %v", err)
	}
	committed, err := os.ReadFile(committedDocument)
	if err != nil {
		t.Fatalf("read %s: %v; run `make openapi` and commit the result", committedDocument, err)
	}
	if !bytes.Equal(generated, committed) {
		t.Fatalf("docs/openapi.json is not the document the code generates (first difference at line %d); "+
			"run `make openapi`, review the diff and commit it", firstDifferentLine(generated, committed))
	}
}

// offlineEnv points Postgres and Redis at addresses that cannot answer:
// the document must come out without connecting to anything.
func offlineEnv(t *testing.T) {
	t.Helper()
	t.Setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:1/nowhere?sslmode=disable&connect_timeout=1")
	t.Setenv("REDIS_URL", "redis://127.0.0.1:1/0")
}

func firstDifferentLine(a, b []byte) int {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return i + 1
		}
	}
	return min(len(la), len(lb)) + 1
}

// TestOpenAPIDocumentDescribesTheContract checks the parts of docs/api.md the
// document must carry whatever the modules register.
func TestOpenAPIDocumentDescribesTheContract(t *testing.T) {
	offlineEnv(t)
	generated, err := openAPIDocument(contexts)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
		Info    struct {
			Title   string `json:"title"`
			Version string `json:"version"`
		} `json:"info"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas         map[string]json.RawMessage `json:"schemas"`
			SecuritySchemes map[string]json.RawMessage `json:"securitySchemes"`
		} `json:"components"`
	}
	if err := json.Unmarshal(generated, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" || doc.Info.Title != "Zebra API" || doc.Info.Version != "1.0.0" {
		t.Fatalf("openapi %q title %q version %q", doc.OpenAPI, doc.Info.Title, doc.Info.Version)
	}
	if _, ok := doc.Components.SecuritySchemes["bearerAuth"]; !ok {
		t.Error("no bearerAuth security scheme")
	}
	if _, ok := doc.Components.Schemas["Error"]; !ok {
		t.Error("no Error envelope schema")
	}
	if len(doc.Paths) == 0 {
		t.Error("no paths: the routes group was not mounted")
	}
}
