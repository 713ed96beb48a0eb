package deploy

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pelletier/go-toml/v2"
	"github.com/zclconf/go-cty/cty"
)

// flyConfig is the part of Fly's app configuration the deployment uses.
// Decoding disallows unknown keys, so a misspelt key fails the test instead
// of being ignored by flyctl.
type flyConfig struct {
	App           string            `toml:"app"`
	PrimaryRegion string            `toml:"primary_region"`
	KillSignal    string            `toml:"kill_signal"`
	KillTimeout   any               `toml:"kill_timeout"`
	Build         flyBuild          `toml:"build"`
	Deploy        flyDeploy         `toml:"deploy"`
	Env           map[string]string `toml:"env"`
	Processes     map[string]string `toml:"processes"`
	HTTPService   flyHTTPService    `toml:"http_service"`
	Metrics       flyMetrics        `toml:"metrics"`
	VM            []flyVM           `toml:"vm"`
}

type flyBuild struct {
	Dockerfile string            `toml:"dockerfile"`
	Args       map[string]string `toml:"args"`
}

type flyDeploy struct {
	ReleaseCommand string `toml:"release_command"`
	Strategy       string `toml:"strategy"`
}

type flyHTTPService struct {
	InternalPort       int      `toml:"internal_port"`
	ForceHTTPS         bool     `toml:"force_https"`
	AutoStopMachines   any      `toml:"auto_stop_machines"`
	AutoStartMachines  bool     `toml:"auto_start_machines"`
	MinMachinesRunning int      `toml:"min_machines_running"`
	Processes          []string `toml:"processes"`
	Concurrency        struct {
		Type      string `toml:"type"`
		SoftLimit int    `toml:"soft_limit"`
		HardLimit int    `toml:"hard_limit"`
	} `toml:"concurrency"`
	Checks []flyCheck `toml:"checks"`
}

type flyCheck struct {
	GracePeriod string `toml:"grace_period"`
	Interval    string `toml:"interval"`
	Method      string `toml:"method"`
	Path        string `toml:"path"`
	Timeout     string `toml:"timeout"`
}

type flyMetrics struct {
	Port int    `toml:"port"`
	Path string `toml:"path"`
}

type flyVM struct {
	Size      string   `toml:"size"`
	Memory    string   `toml:"memory"`
	Processes []string `toml:"processes"`
}

// secretNames are the variables that must come from `fly secrets set`.
var secretNames = []string{"DATABASE_URL", "REDIS_URL", "CURSOR_SECRET", "JWT_SIGNING_KEYS", "SMTP_URL"}

func loadFly(t *testing.T) flyConfig {
	t.Helper()
	var cfg flyConfig
	dec := toml.NewDecoder(bytes.NewReader([]byte(readRepoFile(t, "deployments", "fly", "fly.toml"))))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		t.Fatalf("fly.toml: %v", err)
	}
	return cfg
}

// shutdownTimeoutDefault reads SHUTDOWN_TIMEOUT's default from the
// platform configuration, so the test follows the code.
func shutdownTimeoutDefault(t *testing.T) time.Duration {
	t.Helper()
	src := readRepoFile(t, "platform", "config", "config.go")
	m := regexp.MustCompile(`env:"SHUTDOWN_TIMEOUT"[^` + "`" + `]*envDefault:"([^"]+)"`).FindStringSubmatch(src)
	if m == nil {
		t.Fatal("SHUTDOWN_TIMEOUT default not found in platform/config/config.go")
	}
	d, err := time.ParseDuration(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func durationOf(t *testing.T, v any) time.Duration {
	t.Helper()
	switch x := v.(type) {
	case int64:
		return time.Duration(x) * time.Second
	case string:
		d, err := time.ParseDuration(x)
		if err != nil {
			t.Fatalf("duration %q: %v", x, err)
		}
		return d
	}
	t.Fatalf("kill_timeout %v (%T): want seconds or a duration string", v, v)
	return 0
}

func portOf(t *testing.T, addr string) int {
	t.Helper()
	i := strings.LastIndex(addr, ":")
	p, err := strconv.Atoi(addr[i+1:])
	if i < 0 || err != nil {
		t.Fatalf("address %q has no port", addr)
	}
	return p
}

func TestFlyConfig(t *testing.T) {
	cfg := loadFly(t)
	if cfg.App == "" || cfg.PrimaryRegion == "" {
		t.Error("app and primary_region must be set")
	}

	// Build: the repository's Dockerfile, relative to fly.toml.
	if cfg.Build.Dockerfile == "" {
		t.Error("[build] dockerfile must point at deployments/docker/Dockerfile")
	} else if _, err := os.Stat(filepath.Join(repoPath(t, "deployments", "fly"), cfg.Build.Dockerfile)); err != nil {
		t.Errorf("[build] dockerfile %q: %v", cfg.Build.Dockerfile, err)
	} else if filepath.Clean(filepath.Join("deployments/fly", cfg.Build.Dockerfile)) != "deployments/docker/Dockerfile" {
		t.Errorf("[build] dockerfile %q is not deployments/docker/Dockerfile", cfg.Build.Dockerfile)
	}

	// Fly keeps the image ENTRYPOINT and passes release_command and each
	// process command as its arguments: the resulting argv must be right.
	stages := parseDockerfile(t)
	final := stages[len(stages)-1]
	entry := final.find("entrypoint")[0].args
	argv := func(cmd string) []string { return append(slices.Clone(entry), strings.Fields(cmd)...) }
	if got := argv(cfg.Deploy.ReleaseCommand); !slices.Equal(got, []string{"/zebra", "schema", "apply"}) {
		t.Errorf("release_command %q runs %q, want /zebra schema apply", cfg.Deploy.ReleaseCommand, got)
	}
	if got := argv(cfg.Processes["app"]); !slices.Equal(got, []string{"/zebra", "serve"}) {
		t.Errorf("process app runs %q, want /zebra serve", got)
	}
	if got := argv(cfg.Processes["worker"]); !slices.Equal(got, []string{"/zebra", "worker"}) {
		t.Errorf("process worker runs %q, want /zebra worker", got)
	}
	if len(cfg.Processes) != 2 {
		t.Errorf("processes = %v, want app and worker", cfg.Processes)
	}
	if cfg.Env["JOBS_IN_SERVE"] != "false" {
		t.Error("with a worker process group, JOBS_IN_SERVE must be \"false\" so the app machines do not run the jobs too")
	}

	// Shutdown: the binary handles SIGTERM and SIGINT; Fly must wait longer
	// than SHUTDOWN_TIMEOUT before killing it.
	if cfg.KillSignal != "SIGTERM" && cfg.KillSignal != "SIGINT" {
		t.Errorf("kill_signal = %q, want SIGTERM or SIGINT", cfg.KillSignal)
	}
	shutdown := shutdownTimeoutDefault(t)
	if v, ok := cfg.Env["SHUTDOWN_TIMEOUT"]; ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("SHUTDOWN_TIMEOUT %q: %v", v, err)
		}
		shutdown = d
	}
	if v, ok := cfg.Env["SHUTDOWN_DELAY"]; ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("SHUTDOWN_DELAY %q: %v", v, err)
		}
		shutdown += d
	}
	if kt := durationOf(t, cfg.KillTimeout); kt <= shutdown {
		t.Errorf("kill_timeout %s must exceed SHUTDOWN_DELAY + SHUTDOWN_TIMEOUT (%s)", kt, shutdown)
	}

	// HTTP service and checks.
	hs := cfg.HTTPService
	if !slices.Equal(hs.Processes, []string{"app"}) {
		t.Errorf("http_service.processes = %v, want [app] (workers serve no traffic)", hs.Processes)
	}
	if !hs.ForceHTTPS {
		t.Error("http_service.force_https must be true")
	}
	httpAddr := cfg.Env["HTTP_ADDR"]
	if httpAddr == "" {
		httpAddr = ":8080"
	}
	if hs.InternalPort != portOf(t, httpAddr) {
		t.Errorf("internal_port %d does not match HTTP_ADDR %s", hs.InternalPort, httpAddr)
	}
	paths := map[string]bool{}
	for _, c := range hs.Checks {
		if c.Method != http.MethodGet || c.Interval == "" || c.Timeout == "" {
			t.Errorf("check %+v: want method GET with interval and timeout", c)
		}
		paths[c.Path] = true
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if !paths[p] {
			t.Errorf("no [[http_service.checks]] on %s", p)
		}
	}

	// Metrics: Fly scrapes the port /metrics is served on.
	if cfg.Metrics.Path != "/metrics" {
		t.Errorf("[metrics] path = %q, want /metrics", cfg.Metrics.Path)
	}
	metricsAddr := cfg.Env["METRICS_ADDR"]
	if metricsAddr == "" {
		metricsAddr = httpAddr
	}
	if cfg.Metrics.Port != portOf(t, metricsAddr) {
		t.Errorf("[metrics] port %d does not serve /metrics (METRICS_ADDR/HTTP_ADDR %s)", cfg.Metrics.Port, metricsAddr)
	}

	// No secret in [env]; APP_ENV=prod so insecure defaults are refused.
	for k := range cfg.Env {
		if slices.Contains(secretNames, k) || regexp.MustCompile(`SECRET|PASSWORD|TOKEN|PRIVATE|SIGNING`).MatchString(k) {
			t.Errorf("[env] %s looks secret: use `fly secrets set`", k)
		}
	}
	if cfg.Env["APP_ENV"] != "prod" {
		t.Error("[env] APP_ENV must be prod")
	}
}

func TestFlySecretsDocumented(t *testing.T) {
	readme := readRepoFile(t, "deployments", "fly", "README.md")
	loc := regexp.MustCompile(`(?m)^fly secrets set `).FindStringIndex(readme)
	if loc == nil {
		t.Fatal("deployments/fly/README.md does not show `fly secrets set`")
	}
	cmd := readme[loc[0]:]
	cmd = cmd[:strings.Index(cmd, "```")]
	for _, s := range secretNames {
		if !strings.Contains(cmd, s+"=") {
			t.Errorf("the `fly secrets set` command in the README does not set %s", s)
		}
	}
}

// awsAppEnvironment is the environment the AWS stack gives the app
// container in an environment (envs/<env>): the stack's app_environment
// as that env's values make it, unknown values (module outputs) null.
func awsAppEnvironment(t *testing.T, env string) map[string]cty.Value {
	t.Helper()
	cfg := loadTerraform(t)
	for _, call := range cfg.Calls(cfg.Modules["envs/"+env]) {
		if call.Target == nil || call.Target.Dir != "modules/ecs_service" || call.Block.Labels[0] != "api" {
			continue
		}
		a := call.Caller.Locals()["app_environment"]
		if a == nil {
			t.Fatal("modules/stack has no local app_environment")
		}
		v, ok := call.Caller.Eval(a.Expr)
		if !ok || !v.CanIterateElements() {
			t.Fatalf("envs/%s: app_environment does not evaluate", env)
		}
		return v.AsValueMap()
	}
	t.Fatalf("envs/%s: no ecs_service call named api", env)
	return nil
}

// TestFlyTracesLikeAWS: traces leave a Fly machine with the same sampling
// as the AWS prod stack (same variable, same value, same service name),
// and where they go is a secret, shown in the README.
func TestFlyTracesLikeAWS(t *testing.T) {
	fly := loadFly(t)
	aws := awsAppEnvironment(t, "prod")
	for _, name := range []string{"OTEL_TRACES_SAMPLER_RATIO", "SERVICE_NAME"} {
		v, ok := aws[name]
		if !ok || !v.IsKnown() || v.IsNull() {
			t.Errorf("the AWS prod stack sets no known %s", name)
			continue
		}
		if fly.Env[name] != v.AsString() {
			t.Errorf("fly.toml [env] %s = %q, the AWS prod stack %q: keep them equal", name, fly.Env[name], v.AsString())
		}
	}
	if _, err := strconv.ParseFloat(fly.Env["OTEL_TRACES_SAMPLER_RATIO"], 64); err != nil {
		t.Errorf("OTEL_TRACES_SAMPLER_RATIO: %v", err)
	}
	for _, secret := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_HEADERS"} {
		if _, ok := fly.Env[secret]; ok {
			t.Errorf("%s is in fly.toml [env]; it carries the backend's key: set it with fly secrets set", secret)
		}
	}
	readme := readRepoFile(t, "deployments", "fly", "README.md")
	for _, want := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT=", "OTEL_EXPORTER_OTLP_HEADERS="} {
		found := false
		for _, loc := range regexp.MustCompile("fly secrets set[^`]*").FindAllStringIndex(readme, -1) {
			found = found || strings.Contains(readme[loc[0]:loc[1]], want)
		}
		if !found {
			t.Errorf("deployments/fly/README.md has no `fly secrets set ... %s`", want)
		}
	}
}
