package load_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	buildDir  string
	buildBin  string
	errBuild  error
)

// binary is $ZEBRA_BIN, or ./app built once with the flags of `make build`.
func binary(t testing.TB) string {
	t.Helper()
	if bin := os.Getenv("ZEBRA_BIN"); bin != "" {
		return bin
	}
	buildOnce.Do(func() {
		if buildDir, errBuild = os.MkdirTemp("", "zebra-load-"); errBuild != nil {
			return
		}
		buildBin = filepath.Join(buildDir, "zebra")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w -X main.version=v0.0.0-bench",
			"-o", buildBin, "github.com/zebralabs/zebra/app")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			errBuild = fmt.Errorf("go build ./app: %w\n%s", err, out)
		}
	})
	if errBuild != nil {
		t.Fatalf("load: %v", errBuild)
	}
	return buildBin
}

func removeBinary() {
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
}

// proc is a server process under test: zebra or the baseline.
type proc struct {
	name  string
	addr  string
	cmd   *exec.Cmd
	log   string
	done  chan struct{}
	ready time.Duration // from exec to the first successful readiness probe
	pprof string        // DEBUG_PPROF_ADDR, when profiling
	// worker is zebra's `zebra worker` process (outbox relay, audit
	// chainer, cleanups), when the jobs do not run inside serve: its CPU
	// counts as zebra's.
	worker *proc
}

// start runs cmd with its output in a log file and waits until probe
// answers 200, measuring how long that took from the exec.
func start(t *testing.T, name string, cmd *exec.Cmd, addr, probe string) *proc {
	t.Helper()
	logFile, err := os.CreateTemp("", "zebra-load-"+name+"-*.log")
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{name: name, addr: addr, cmd: cmd, log: logFile.Name(), done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	began := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { _ = cmd.Wait(); _ = logFile.Close(); close(p.done) }()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			out, _ := os.ReadFile(p.log)
			if len(out) > 20000 {
				out = out[len(out)-20000:]
			}
			t.Logf("%s log (tail):\n%s", name, out)
		}
		_ = os.Remove(p.log)
	})
	client := &http.Client{Timeout: time.Second}
	for deadline := began.Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		select {
		case <-p.done:
			out, _ := os.ReadFile(p.log)
			t.Fatalf("%s exited before it was ready; its log:\n%s", name, out)
		default:
		}
		resp, err := client.Get("http://" + addr + probe)
		if err != nil {
			continue
		}
		_ = resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			p.ready = time.Since(began)
			return p
		}
	}
	out, _ := os.ReadFile(p.log)
	t.Fatalf("%s not ready after 90s; its log:\n%s", name, out)
	return nil
}

func (p *proc) url(path string) string { return "http://" + p.addr + path }

// stop sends SIGTERM and waits, killing after 30 s.
func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// resetPeak resets the process's peak RSS (VmHWM), so the next reading is
// the peak of what ran since (proc(5), clear_refs "5").
func (p *proc) resetPeak(t *testing.T) {
	t.Helper()
	path := fmt.Sprintf("/proc/%d/clear_refs", p.cmd.Process.Pid)
	if err := os.WriteFile(path, []byte("5"), 0); err != nil {
		t.Logf("reset peak RSS of %s: %v (the peak then covers the whole run)", p.name, err)
	}
}

// cpu is the CPU time the process has used so far (user + system, from
// /proc/<pid>/stat; clock ticks of 10 ms).
func (p *proc) cpu(t *testing.T) time.Duration {
	t.Helper()
	_, d, err := readStat(p.cmd.Process.Pid)
	if err != nil {
		t.Fatalf("read stat of %s: %v", p.name, err)
	}
	if p.worker != nil {
		d += p.worker.cpu(t)
	}
	return d
}

// readStat returns the command name and CPU time of process pid.
func readStat(pid int) (string, time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", 0, err
	}
	// The command name is in parentheses and may hold spaces.
	s := string(raw)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return "", 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	f := strings.Fields(s[end+1:])
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return s[open+1 : end], time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// storeCPU is the CPU time used so far by every Postgres and Redis
// process on the machine (the benchmark's stores are the local ones).
// Processes that come and go between two readings (a backend per new
// connection) make it approximate; both services keep their pools open,
// so under load it is close.
func storeCPU() time.Duration {
	entries, _ := os.ReadDir("/proc")
	var total time.Duration
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if name, d, err := readStat(pid); err == nil && (name == "postgres" || name == "redis-server") {
			total += d
		}
	}
	return total
}

// memory reads VmHWM (peak RSS since start or the last reset) and VmRSS,
// in bytes.
func (p *proc) memory(t *testing.T) (peak, now int64) {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		t.Fatalf("read status of %s: %v", p.name, err)
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "VmHWM":
			peak = kb * 1024
		case "VmRSS":
			now = kb * 1024
		}
	}
	return peak, now
}

// startZebra applies the schema to dbURL and starts `zebra serve` with
// every middleware on: auth, rate limit (its limit raised, not disabled),
// access log at info, metrics, tracing (no exporter: the no-op path).
func startZebra(t *testing.T, dbURL, redisURL, redisPrefix string) *proc {
	t.Helper()
	bin := binary(t)
	base := append(os.Environ(), "APP_ENV=test", "DATABASE_URL="+dbURL, "DATABASE_CREATE=false")
	apply := exec.Command(bin, "schema", "apply")
	apply.Env = base
	if out, err := apply.CombinedOutput(); err != nil {
		t.Fatalf("zebra schema apply: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(base,
		"LOG_LEVEL=info",
		"HTTP_ADDR="+addr,
		"METRICS_ADDR=",
		"REDIS_URL="+redisURL,
		"REDIS_PREFIX="+redisPrefix,
		"OTEL_EXPORTER_OTLP_ENDPOINT=",
		"RATE_LIMIT_ENABLED=true",
		"RATE_LIMIT_DEFAULT=1000000000",
		"ACCESS_TOKEN_TTL=1h",
	)
	if os.Getenv(envDuration) == "" {
		// The smoke run of `make test` shares the machine with every other
		// package's tests: a pool wait past the default 2 s would answer
		// 503 and fail it for reasons that are not the benchmark's.
		cmd.Env = append(cmd.Env, "DATABASE_ACQUIRE_TIMEOUT=15s")
	}
	// By default zebra runs as `make run` does: one `zebra serve` that
	// also runs the background jobs (outbox relay, audit chainer,
	// cleanups). BENCH_WORKER=1 runs them as deployed on Fly instead, in a
	// `zebra worker` beside it on the same database and Redis; its CPU
	// counts as zebra's. On one box both topologies put the jobs on the
	// same cores, and the pair costs more (a second runtime, a NOTIFY to
	// wake the relay across processes): docs/performance.md, "What runs".
	extra := strings.Fields(os.Getenv("BENCH_ZEBRA_ENV"))
	var worker *exec.Cmd
	var workerAddr string
	if os.Getenv(envWorker) == "1" {
		cmd.Env = append(cmd.Env, "JOBS_IN_SERVE=false")
		workerAddr = freeAddr(t)
		worker = exec.Command(bin, "worker")
		worker.Env = append(slices.Clone(cmd.Env), "HTTP_ADDR="+workerAddr)
		worker.Env = append(worker.Env, extra...)
	}
	var pprofAddr string
	if os.Getenv(envProfile) != "" {
		pprofAddr = freeAddr(t)
		cmd.Env = append(cmd.Env, "DEBUG_PPROF_ADDR="+pprofAddr)
	}
	cmd.Env = append(cmd.Env, extra...)
	p := start(t, "zebra", cmd, addr, "/readyz")
	p.pprof = pprofAddr
	if worker != nil {
		var workerPprof string
		if pprofAddr != "" {
			workerPprof = freeAddr(t)
			worker.Env = append(worker.Env, "DEBUG_PPROF_ADDR="+workerPprof)
		}
		p.worker = start(t, "zebra-worker", worker, workerAddr, "/readyz")
		p.worker.pprof = workerPprof
	}
	return p
}

// startBaseline re-executes the test binary as the baseline server.
func startBaseline(t *testing.T, c baselineConfig) *proc {
	t.Helper()
	c.Addr = freeAddr(t)
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), baselineEnv+"="+string(raw))
	// Any authenticated route answers 401 without a token: it is up.
	return startProbe(t, "baseline", cmd, c.Addr)
}

// startProbe is start for a server without a readiness route: ready when
// it answers anything on /v1/activities.
func startProbe(t *testing.T, name string, cmd *exec.Cmd, addr string) *proc {
	t.Helper()
	logFile, err := os.CreateTemp("", "zebra-load-"+name+"-*.log")
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{name: name, addr: addr, cmd: cmd, log: logFile.Name(), done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	began := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { _ = cmd.Wait(); _ = logFile.Close(); close(p.done) }()
	t.Cleanup(func() { p.stop(); _ = os.Remove(p.log) })
	for deadline := began.Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		select {
		case <-p.done:
			out, _ := os.ReadFile(p.log)
			t.Fatalf("%s exited: %s", name, out)
		default:
		}
		if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			_ = conn.Close()
			p.ready = time.Since(began)
			return p
		}
	}
	t.Fatalf("%s not listening after 60s", name)
	return nil
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
