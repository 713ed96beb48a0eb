package redisdb_test

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/redisdb"
	"github.com/zebralabs/zebra/platform/redistest"
)

func TestOpen_AppliesConfiguration(t *testing.T) {
	t.Parallel()
	cfg := redistest.Config(t)
	cfg.PoolSize = 3
	cfg.ReadTimeout = 250 * time.Millisecond
	client, err := redisdb.Open(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = client.Close() })

	o := client.Options()
	assert.Equal(t, 3, o.PoolSize)
	assert.Equal(t, 250*time.Millisecond, o.ReadTimeout)
	assert.Equal(t, cfg.DialTimeout, o.DialTimeout)
	assert.True(t, o.ContextTimeoutEnabled)

	keys := redisdb.NewKeyspace(cfg)
	require.NoError(t, client.Set(context.Background(), keys.Key("k"), "v", time.Minute).Err())
	assert.Equal(t, "v", client.Get(context.Background(), cfg.Prefix+"k").Val())
}

func TestOpen_UnreachableServerIsOneClearLine(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())

	c, err := config.LoadEnv(map[string]string{"REDIS_URL": fmt.Sprintf("redis://:secret@127.0.0.1:%d/2", port)})
	require.NoError(t, err)
	_, err = redisdb.Open(context.Background(), c.Redis)
	var unreachable *redisdb.UnreachableError
	require.ErrorAs(t, err, &unreachable)
	assert.Equal(t, fmt.Sprintf("cannot reach Redis at redis://127.0.0.1:%d/2 (is it running? try: make up)", port), err.Error())
}

func TestKey(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "zebra:ratelimit:ip:10.0.0.1", redisdb.NewKeyspace(config.Redis{Prefix: "zebra:"}).Key("ratelimit", "ip", "10.0.0.1"))
	assert.Equal(t, "x", redisdb.Keyspace{}.Key("x"))
}
