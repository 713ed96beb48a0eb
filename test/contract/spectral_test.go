package contract

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// spectralResult is one finding of `spectral lint -f json`.
type spectralResult struct {
	Code     string   `json:"code"`
	Message  string   `json:"message"`
	Path     []string `json:"path"`
	Severity int      `json:"severity"`
}

// spectral runs the pinned Spectral CLI of test/package.json with the
// ruleset test/.spectral.yaml on doc and returns its findings.
func spectral(t *testing.T, doc string) []spectralResult {
	t.Helper()
	bin := filepath.Join("..", "node_modules", ".bin", "spectral")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("Spectral is not installed (%v): run `npm ci` in test/ (make contract-deps does)", err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node is not installed: apt-get install -y nodejs npm")
	}
	cmd := exec.Command(bin, "lint", "--ruleset", "../.spectral.yaml", "--format", "json", "--quiet", doc)
	out, err := cmd.Output()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("spectral: %v", err)
	}
	var results []spectralResult
	if err := json.Unmarshal(out, &results); err != nil {
		stderr := ""
		if exit != nil {
			stderr = string(exit.Stderr)
		}
		t.Fatalf("spectral output is not JSON (%v):\n%s\n%s", err, out, stderr)
	}
	return results
}

// TestSpectralRulesFire lints a document that breaks each of our rules
// once, so that a rule that silently stops matching (a JSONPath typo, a
// renamed function) fails the build instead of passing every document.
func TestSpectralRulesFire(t *testing.T) {
	results := spectral(t, "testdata/spectral/violations.json")
	want := map[string][]string{
		"operation-operationId":       {"operationId"},
		"operation-tags":              {"tags"},
		"zebra-secured-operation":     {"must declare security"},
		"zebra-secured-errors":        {""},
		"zebra-error-envelope":        {"application/json"},
		"zebra-error-envelope-schema": {""},
		"zebra-idempotency-key":       {"Idempotency-Key"},
		"zebra-if-match": {
			"must declare the ETag response header",
			"must document the If-Match request header",
			"must document the 412 response",
			"must document the 428 response",
		},
	}
	for code, messages := range want {
		for _, msg := range messages {
			found := false
			for _, r := range results {
				found = found || (r.Code == code && strings.Contains(r.Message, msg))
			}
			if !found {
				t.Errorf("rule %s did not report %q on the fixture; findings: %+v", code, msg, results)
			}
		}
	}
}

// TestSpectralAcceptsTheDocument lints docs/openapi.json (the same check
// as `make lint-openapi`, here so that `make test` catches it too).
func TestSpectralAcceptsTheDocument(t *testing.T) {
	for _, r := range spectral(t, "../../docs/openapi.json") {
		t.Errorf("%s at %s: %s", r.Code, strings.Join(r.Path, "."), r.Message)
	}
}
