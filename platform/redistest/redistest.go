// Package redistest gives tests a Redis keyspace of their own on the
// shared test server: a random prefix whose keys are deleted when the test
// ends. It never flushes a database, so it is safe next to a developer's
// own data and next to other tests running at once.
//
// The server is TEST_REDIS_URL, else REDIS_URL, else
// redis://127.0.0.1:6379/0.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/redisdb"
)

// DefaultURL is the test server when neither TEST_REDIS_URL nor REDIS_URL
// is set: the Redis of `make up` and of this machine.
const DefaultURL = "redis://127.0.0.1:6379/0"

// cleanupTimeout bounds deleting a test's keys.
const cleanupTimeout = 30 * time.Second

// Config returns the platform's Redis configuration for the test server
// with a fresh prefix ("test:<random>:"); every key under it is deleted in
// t.Cleanup. Black-box tests hand it to the binary as REDIS_URL and
// REDIS_PREFIX.
func Config(t testing.TB) config.Redis {
	t.Helper()
	c, err := config.LoadEnv(map[string]string{"REDIS_URL": URL()})
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	cfg := c.Redis
	cfg.Prefix = "test:" + random() + ":"
	t.Cleanup(func() { deleteKeys(t, cfg) })
	return cfg
}

// New returns a client on the test server and a Keyspace with a fresh
// prefix; the keys under it are deleted and the client closed in
// t.Cleanup.
func New(t testing.TB) (*redis.Client, redisdb.Keyspace) {
	t.Helper()
	cfg := Config(t)
	client, err := redisdb.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return client, redisdb.NewKeyspace(cfg)
}

// URL is the test server's URL.
func URL() string {
	for _, k := range []string{"TEST_REDIS_URL", "REDIS_URL"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return DefaultURL
}

// deleteKeys removes every key under cfg.Prefix with SCAN and UNLINK
// (never FLUSHDB: the server is shared).
func deleteKeys(t testing.TB, cfg config.Redis) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	opts, err := redis.ParseURL(cfg.URL)
	if err != nil {
		t.Errorf("redistest: %v", err)
		return
	}
	client := redis.NewClient(opts)
	defer client.Close()
	iter := client.Scan(ctx, 0, cfg.Prefix+"*", 500).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			client.Unlink(ctx, batch...)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		client.Unlink(ctx, batch...)
	}
	if err := iter.Err(); err != nil {
		t.Errorf("redistest: delete keys under %q: %v", cfg.Prefix, err)
	}
}

func random() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
