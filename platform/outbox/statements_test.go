package outbox_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zebralabs/zebra/platform/outbox"
)

// TestStatementsPerRound holds the relay to what it costs the database
// (docs/performance.md): a round is one transaction of four statements
// (BEGIN, the claim, the mark, COMMIT) however many events it moves, an
// empty round three, and Publish one INSERT in the caller's transaction.
func TestStatementsPerRound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.relay(t, e.rdb, outbox.Options{})
	all, commits := e.sent.during(func(ctx context.Context) {
		require.NoError(t, e.uow.Do(ctx, func(ctx context.Context) error {
			return e.writer.Publish(ctx, ev("activity", "a", "activity.created", 0), ev("activity", "b", "activity.created", 1))
		}))
	})
	assert.Equal(t, [2]int64{3, 1}, [2]int64{all, commits}, "BEGIN, INSERT, COMMIT")

	for i := range 30 {
		e.publish(t, ev("activity", fmt.Sprint(i%4), "activity.updated", i))
	}
	tests := []struct {
		name             string
		events           int
		statements, txns int64
	}{
		{"a batch", 32, 4, 1},
		{"nothing to do", 0, 3, 1},
	}
	for _, tt := range tests {
		var n int
		all, commits := e.sent.during(func(ctx context.Context) {
			var err error
			n, err = r.RunOnce(ctx)
			require.NoError(t, err)
		})
		assert.Equal(t, tt.events, n, tt.name)
		assert.Equal(t, [2]int64{tt.statements, tt.txns}, [2]int64{all, commits}, tt.name)
	}
}
