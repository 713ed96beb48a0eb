// Command openapi-breaking fails when an OpenAPI document breaks the
// clients of the one it replaces without a new /vN prefix (see package
// breaking). `make lint-openapi-breaking` runs it on the committed
// docs/openapi.json of the base revision and the freshly generated one:
//
//	go run ./contract/cmd/openapi-breaking BASE.json REVISION.json
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/zebralabs/zebra/test/contract/breaking"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: openapi-breaking BASE.json REVISION.json")
		os.Exit(2)
	}
	err := breaking.Check(context.Background(), os.Args[1], os.Args[2], os.Stdout)
	switch {
	case errors.Is(err, breaking.ErrBreaking):
		fmt.Fprintln(os.Stderr, "openapi-breaking: the revision breaks clients of the base; keep the contract, or serve the change under a new version prefix (/v2)")
		os.Exit(1)
	case err != nil:
		fmt.Fprintln(os.Stderr, "openapi-breaking:", err)
		os.Exit(1)
	}
}
