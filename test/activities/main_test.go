// Package activities_test drives the real zebra binary over HTTP against
// the Activities section of API.md and its Pagination, Idempotency and
// Optimistic concurrency rules. It builds ./app (or uses ZEBRA_BIN), gives
// it a fresh database and a Redis prefix of its own, and talks to it with
// tokens from identity's own routes (sign-up, login) and from `zebra users
// create-admin`.
package activities_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/redis/go-redis/v9"

	"github.com/zebralabs/zebra/platform/dbtest"
)

// srv is the zebra process every test talks to.
var srv *server

type server struct {
	base   string
	bin    string
	env    []string
	db     *sql.DB
	cmd    *exec.Cmd
	logs   *os.File
	dbName string
	prefix string
}

func TestMain(m *testing.M) {
	s, err := start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "activities e2e:", err)
		if s != nil {
			s.stop()
		}
		os.Exit(1)
	}
	srv = s
	code := m.Run()
	s.stop()
	os.Exit(code)
}

func start() (*server, error) {
	dir, err := os.MkdirTemp("", "zebra-activities-e2e-")
	if err != nil {
		return nil, err
	}
	s := &server{bin: os.Getenv("ZEBRA_BIN"), prefix: "test:" + random() + ":", dbName: "zt_activities_e2e_" + random()}
	if s.bin == "" {
		s.bin = filepath.Join(dir, "zebra")
		build := exec.Command("go", "build", "-o", s.bin, "github.com/zebralabs/zebra/app")
		if out, err := build.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("build zebra: %w\n%s", err, out)
		}
	}
	if err := s.createDatabase(); err != nil {
		return s, err
	}
	port, err := freePort()
	if err != nil {
		return s, err
	}
	s.base = "http://127.0.0.1:" + port
	s.env = append(os.Environ(),
		"APP_ENV=test", "LOG_LEVEL=warn",
		"DATABASE_URL="+s.databaseURL(), "REDIS_URL="+redisURL(), "REDIS_PREFIX="+s.prefix,
		"HTTP_ADDR=127.0.0.1:"+port, "METRICS_ADDR=",
		// Rate limiting has its own suite; here it would only throttle the
		// concurrency tests.
		"RATE_LIMIT_ENABLED=false",
	)
	if out, err := s.run("schema", "apply"); err != nil {
		return s, fmt.Errorf("zebra schema apply: %w\n%s", err, out)
	}
	if s.logs, err = os.Create(filepath.Join(dir, "serve.log")); err != nil {
		return s, err
	}
	s.cmd = exec.Command(s.bin, "serve")
	s.cmd.Env, s.cmd.Stdout, s.cmd.Stderr = s.env, s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		return s, err
	}
	return s, s.waitReady()
}

func (s *server) run(args ...string) ([]byte, error) {
	cmd := exec.Command(s.bin, args...)
	cmd.Env = s.env
	return cmd.CombinedOutput()
}

func (s *server) waitReady() error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	logs, _ := os.ReadFile(s.logs.Name())
	return fmt.Errorf("zebra serve not ready after 30s; its log:\n%s", logs)
}

func (s *server) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = s.cmd.Process.Kill()
		}
	}
	if s.db != nil {
		_ = s.db.Close()
	}
	s.dropDatabase()
	s.deleteRedisKeys()
}

func (s *server) createDatabase() error {
	admin, err := sql.Open("pgx", dbtest.ServerURL())
	if err != nil {
		return err
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE DATABASE "` + s.dbName + `"`); err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	s.db, err = sql.Open("pgx", s.databaseURL())
	return err
}

func (s *server) dropDatabase() {
	admin, err := sql.Open("pgx", dbtest.ServerURL())
	if err != nil {
		return
	}
	defer admin.Close()
	_, _ = admin.Exec(`DROP DATABASE IF EXISTS "` + s.dbName + `" WITH (FORCE)`)
}

func (s *server) deleteRedisKeys() {
	opts, err := redis.ParseURL(redisURL())
	if err != nil {
		return
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	iter := rdb.Scan(ctx, 0, s.prefix+"*", 500).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
}

func (s *server) databaseURL() string {
	u, _ := url.Parse(dbtest.ServerURL())
	u.Path = "/" + s.dbName
	return u.String()
}

func redisURL() string {
	for _, k := range []string{"TEST_REDIS_URL", "REDIS_URL"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return "redis://127.0.0.1:6379/0"
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return strings.TrimPrefix(l.Addr().String(), "127.0.0.1:"), nil
}

func random() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// count runs a COUNT query on the server's database.
func count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := srv.db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
