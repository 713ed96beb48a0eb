package contract

import (
	"os"
	"testing"

	"pgregory.net/rapid"
)

// committedDoc loads docs/openapi.json, the reviewed copy of the document
// (OPENAPI_DOC overrides it, e.g. with one fetched from a server).
func committedDoc(t *testing.T) *Spec {
	t.Helper()
	path := os.Getenv("OPENAPI_DOC")
	if path == "" {
		path = "../../docs/openapi.json"
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := LoadSpec(data)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// TestDrawnRequestsAgreeWithTheDocument checks the generator against
// kin-openapi's request validator, with no server: every valid or boundary
// draw is accepted by the document, and every mutation that breaks a
// schema is refused by it. Without this, a "valid" request refused by the
// service could be the generator's fault, and an "invalid" one accepted
// could be no finding at all.
func TestDrawnRequestsAgreeWithTheDocument(t *testing.T) {
	spec := committedDoc(t)
	for _, op := range spec.Ops {
		t.Run(op.ID, func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) {
				boundary := rapid.Bool().Draw(rt, "boundary")
				r := DrawRequest(rt, op, boundary)
				if err := spec.ValidateRequest(r); err != nil {
					rt.Fatalf("drawn request refused by the document: %v\n%s", err, r)
				}
				m := Mutate(rt, r)
				if m == nil || !m.SchemaInvalid {
					return
				}
				if err := spec.ValidateRequest(r); err == nil {
					rt.Fatalf("mutation %q (%s) left a request the document accepts:\n%s", m.Kind, m.Target, r)
				}
			})
		})
	}
}
