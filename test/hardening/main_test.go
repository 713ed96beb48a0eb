// Package hardening sends bad input to every parameter of every route of
// the real zebra binary: oversized headers, deeply nested JSON, huge
// arrays, invalid UTF-8, NUL bytes and control characters, wrong types,
// unknown fields, SQL- and header-injection strings. Each must get a 4xx
// answer in the error envelope (never a 5xx, never a success), and nothing
// may be stored: the rows of every table are counted before and after.
//
// The routes and their parameters come from the binary's own
// /openapi.json, so a route added later is attacked too.
package hardening

import (
	"testing"

	"github.com/zebralabs/zebra/test/internal/zebratest"
)

func TestMain(m *testing.M) { zebratest.Main(m) }
