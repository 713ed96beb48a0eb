package memory_test

import (
	"context"
	"testing"

	"github.com/zebralabs/zebra/modules/audit/internal/memory"
	"github.com/zebralabs/zebra/modules/audit/internal/repotest"
)

func TestContract(t *testing.T) {
	repotest.Run(t, func(*testing.T) (repotest.Store, repotest.InTx) {
		return memory.New(), func(ctx context.Context, fn func(context.Context) error) error { return fn(ctx) }
	})
}
