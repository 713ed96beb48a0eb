// Package baseline is the bare service the load benchmark compares zebra
// with: net/http, pgx and go-redis doing, per request, the same SQL as
// zebra, one Redis round trip (the same token-bucket script as zebra's
// rate limiter) and the same JWT verification, with no framework, no ORM,
// no logs, no metrics and no traces. The ratio of zebra's figures to these
// is the overhead of everything zebra adds.
//
// It reads and writes its own copies of zebra's tables (schema
// "baseline", created by the benchmark with CREATE TABLE ... (LIKE ...
// INCLUDING ALL)), so the two services never see each other's rows.
package baseline

import (
	"context"
	_ "embed" // the rate-limit script
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
)

//go:embed bucket.lua
var bucketLua string

// Schema is the Postgres schema holding the baseline's tables.
const Schema = "baseline"

// Config is what the baseline needs; the benchmark fills it from the zebra
// server it measures (same database server, same JWT key and claims).
type Config struct {
	// Addr is host:port to listen on.
	Addr string
	// DatabaseURL is the database holding the "baseline" schema.
	DatabaseURL string
	// PoolSize is the number of Postgres connections (zebra's default: 8).
	PoolSize int
	// RedisURL and RedisPrefix locate the rate-limit buckets.
	RedisURL    string
	RedisPrefix string
	// PublicKey verifies access tokens (an ed25519.PublicKey or
	// *ecdsa.PublicKey from zebra's JWKS); Algorithm is "EdDSA" or "ES256".
	PublicKey any
	Algorithm string
	Issuer    string
	Audience  string
	// CursorSecret signs pagination cursors.
	CursorSecret []byte
}

// Server is the baseline's HTTP handler and its pools.
type Server struct {
	cfg    Config
	db     *pgxpool.Pool
	rdb    *redis.Client
	bucket *redis.Script
	parser *jwt.Parser
}

// Open connects the pools and checks both answer.
func Open(ctx context.Context, cfg Config) (*Server, error) {
	pc, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	pc.MaxConns = int32(max(cfg.PoolSize, 1)) //nolint:gosec // a small configured number
	pc.MinConns = pc.MaxConns
	db, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("ping postgres: %w", err)
	}
	opt, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("parse redis url: %w", err)
	}
	rdb := redis.NewClient(opt)
	if err := rdb.Ping(ctx).Err(); err != nil {
		db.Close()
		_ = rdb.Close()
		return nil, fmt.Errorf("ping redis: %w", err)
	}
	s := &Server{
		cfg: cfg, db: db, rdb: rdb, bucket: redis.NewScript(bucketLua),
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{cfg.Algorithm}),
			jwt.WithIssuer(cfg.Issuer),
			jwt.WithAudience(cfg.Audience),
			jwt.WithExpirationRequired(),
			jwt.WithLeeway(5*time.Second),
		),
	}
	if err := s.bucket.Load(ctx, rdb).Err(); err != nil {
		s.Close()
		return nil, fmt.Errorf("load rate-limit script: %w", err)
	}
	return s, nil
}

// Close closes the pools.
func (s *Server) Close() {
	s.db.Close()
	_ = s.rdb.Close()
}

// Handler routes the four operations the benchmark calls.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/activities/{id}", s.guard(s.get))
	mux.HandleFunc("GET /v1/activities", s.guard(s.list))
	mux.HandleFunc("POST /v1/activities", s.guard(s.create))
	mux.HandleFunc("PATCH /v1/activities/{id}", s.guard(s.patch))
	return mux
}

// Serve listens on cfg.Addr until ctx ends.
func (s *Server) Serve(ctx context.Context) error {
	srv := &http.Server{Addr: s.cfg.Addr, Handler: s.Handler(), ReadHeaderTimeout: 5 * time.Second}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
