package redistest_test

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zebralabs/zebra/platform/redistest"
)

func TestNew_IsolatesAndCleansUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	opts, err := redis.ParseURL(redistest.URL())
	require.NoError(t, err)
	observer := redis.NewClient(opts)
	t.Cleanup(func() { _ = observer.Close() })

	var prefix string
	t.Run("inner", func(t *testing.T) {
		client, keys := redistest.New(t)
		other, otherKeys := redistest.New(t)
		assert.NotEqual(t, keys.Prefix(), otherKeys.Prefix())
		prefix = keys.Prefix()

		for _, k := range []string{"a", "b", "c"} {
			require.NoError(t, client.Set(ctx, keys.Key("item", k), k, 0).Err())
		}
		n, err := other.Exists(ctx, otherKeys.Key("item", "a")).Result()
		require.NoError(t, err)
		assert.Zero(t, n)
	})

	left, err := observer.Keys(ctx, prefix+"*").Result()
	require.NoError(t, err)
	assert.Empty(t, left, "the test's keys are gone after it")
}
