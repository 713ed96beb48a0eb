package idempotency

import (
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
)

// document adds the key's header, response header and errors to op's
// OpenAPI description.
func document(op *huma.Operation) {
	op.Parameters = append(op.Parameters, &huma.Param{
		Name: Header,
		In:   "header",
		Description: "Optional, 1..255 characters (one pair of surrounding double quotes is ignored). " +
			"The first response to a request with this key (scoped to the caller) is recorded for 24 hours, " +
			"in the same transaction as its side effects, and replayed for a retry of the same request " +
			"(same method, path and body) with `Idempotent-Replayed: true`. Responses with status 5xx or 429 " +
			"are not recorded, so the request may be retried with the same key.",
		Schema: &huma.Schema{Type: "string", MinLength: intPtr(1), MaxLength: intPtr(MaxKeyLen)},
	})
	if op.Responses == nil {
		op.Responses = map[string]*huma.Response{}
	}
	const errors = " Also `invalid_idempotency_key` (400) for an empty or too long `Idempotency-Key`, " +
		"`idempotency_key_in_use` (409) while a request with the same key is still running, and " +
		"`idempotency_key_reused` (422) for the same key with a different request."
	if op.Description != "" {
		op.Description += "\n\n"
	}
	op.Description += "Idempotent with `Idempotency-Key`." + errors
	// Huma completes, and keeps, a response declared before registration.
	status := op.DefaultStatus
	if status == 0 {
		status = http.StatusOK
	}
	key := strconv.Itoa(status)
	if op.Responses[key] == nil {
		// Huma fills in the description only for a response it creates
		// itself; without one, the document is invalid OpenAPI.
		op.Responses[key] = &huma.Response{Description: http.StatusText(status)}
	}
	if op.Responses[key].Headers == nil {
		op.Responses[key].Headers = map[string]*huma.Param{}
	}
	op.Responses[key].Headers[ReplayedHeader] = &huma.Param{
		Description: "`true` when this response is the replay of a recorded one.",
		Schema:      &huma.Schema{Type: "string", Enum: []any{"true"}},
	}
}

func intPtr(v int) *int { return &v }
