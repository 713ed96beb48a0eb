package outbox_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
	"github.com/zebralabs/zebra/platform/outbox"
	"github.com/zebralabs/zebra/platform/redisdb"
	"github.com/zebralabs/zebra/platform/redistest"
	"github.com/zebralabs/zebra/platform/stream"
)

// env is a fresh database and Redis keyspace for one test.
type env struct {
	db     *gorm.DB
	url    string
	rdb    *redis.Client
	ks     redisdb.Keyspace
	uow    *database.UnitOfWork
	signal *outbox.Signal
	writer *outbox.Writer
	// sent counts the statements the pool sends, BEGIN and COMMIT included.
	sent *statements
}

// statements counts what pgx sends to the server for a context marked by
// during: every statement, and the COMMITs among them.
type statements struct {
	all, commits atomic.Int64
}

type countedKey struct{}

func (s *statements) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	if ctx.Value(countedKey{}) == nil {
		return ctx
	}
	s.all.Add(1)
	if strings.EqualFold(strings.TrimSpace(data.SQL), "commit") {
		s.commits.Add(1)
	}
	return ctx
}

func (s *statements) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// during returns how many statements and commits fn made with ctx (or
// contexts derived from it).
func (s *statements) during(fn func(ctx context.Context)) (all, commits int64) {
	all, commits = s.all.Load(), s.commits.Load()
	fn(context.WithValue(context.Background(), countedKey{}, true))
	return s.all.Load() - all, s.commits.Load() - commits
}

var nopLog = zap.NewNop()

func newEnv(t *testing.T) *env { return newBenchEnv(t) }

// newBenchEnv is newEnv for tests and benchmarks alike.
func newBenchEnv(t testing.TB) *env {
	t.Helper()
	url := dbtest.URL(t)
	cfg, err := pgx.ParseConfig(url)
	require.NoError(t, err)
	sent := &statements{}
	cfg.Tracer = sent
	sqlDB := stdlib.OpenDB(*cfg)
	sqlDB.SetMaxOpenConns(8)
	t.Cleanup(func() { _ = sqlDB.Close() })
	// As database.Open configures gorm: transactions only where a unit of work is.
	db, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true})
	require.NoError(t, err)
	rdb, ks := redistest.New(t)
	s := outbox.NewSignal()
	return &env{db: db, url: url, rdb: rdb, ks: ks, uow: database.NewUnitOfWork(db), signal: s, writer: outbox.NewWriter(db, s), sent: sent}
}

func (e *env) relay(t testing.TB, rdb redis.UniversalClient, opts outbox.Options) *outbox.Relay {
	t.Helper()
	return outbox.NewRelay(e.db, rdb, e.ks, opts, e.signal, outbox.NopMetrics(), zap.NewNop())
}

// publish writes events in one committed unit of work.
func (e *env) publish(t *testing.T, events ...outbox.Event) {
	t.Helper()
	require.NoError(t, e.uow.Do(context.Background(), func(ctx context.Context) error {
		return e.writer.Publish(ctx, events...)
	}))
}

// entries returns the stream entries of aggregate type, in stream order.
func (e *env) entries(t *testing.T, aggregateType string) []stream.Message {
	t.Helper()
	res, err := e.rdb.XRange(context.Background(), stream.Name(e.ks, aggregateType), "-", "+").Result()
	require.NoError(t, err)
	out := make([]stream.Message, 0, len(res))
	for _, x := range res {
		m, err := stream.Parse(x.ID, x.Values)
		require.NoError(t, err)
		out = append(out, m)
	}
	return out
}

func (e *env) count(t *testing.T, where string) int {
	t.Helper()
	var n int
	require.NoError(t, e.db.Raw("SELECT count(*) FROM platform.outbox WHERE "+where).Scan(&n).Error)
	return n
}

// proxy is a TCP proxy to Redis that a test can cut and restore, to
// simulate an outage without touching the machine's Redis.
type proxy struct {
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &proxy{target: target, addr: ln.Addr().String(), ln: ln}
	go p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(up, c); _ = up.Close() }()
		go func() { _, _ = io.Copy(c, up); _ = c.Close() }()
	}
}

// cut closes the listener and every connection: the port refuses.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

// restore listens on the same address again.
func (p *proxy) restore(t *testing.T) {
	t.Helper()
	var ln net.Listener
	var err error
	for range 50 { // the port may linger for a moment
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	require.NoError(t, err)
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go p.serve(ln)
}

// redisAddr is the test Redis server's address.
func redisAddr(t *testing.T) string {
	t.Helper()
	opts, err := redis.ParseURL(redistest.URL())
	require.NoError(t, err)
	return opts.Addr
}

// redisThrough is a client of the test server's database at addr.
func redisThrough(t *testing.T, addr string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(redistest.URL())
	require.NoError(t, err)
	opts.Addr = addr
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = 200*time.Millisecond, 500*time.Millisecond, 500*time.Millisecond
	opts.MaxRetries = -1
	c := redis.NewClient(opts)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

var errCrash = errors.New("relay crashed")
