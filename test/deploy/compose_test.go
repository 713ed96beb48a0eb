package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
}

type composeService struct {
	Image           string                   `yaml:"image"`
	Build           *composeBuild            `yaml:"build"`
	Command         []string                 `yaml:"command"`
	Environment     map[string]string        `yaml:"environment"`
	DependsOn       any                      `yaml:"depends_on"`
	Healthcheck     *struct{ Test []string } `yaml:"healthcheck"`
	Profiles        []string                 `yaml:"profiles"`
	Volumes         []string                 `yaml:"volumes"`
	ReadOnly        bool                     `yaml:"read_only"`
	User            string                   `yaml:"user"`
	StopSignal      string                   `yaml:"stop_signal"`
	StopGracePeriod string                   `yaml:"stop_grace_period"`
}

type composeBuild struct {
	Context    string            `yaml:"context"`
	Dockerfile string            `yaml:"dockerfile"`
	Args       map[string]string `yaml:"args"`
}

// conditions normalises depends_on (list or map form) to service => condition.
func (s composeService) conditions() map[string]string {
	out := map[string]string{}
	switch d := s.DependsOn.(type) {
	case []any:
		for _, n := range d {
			out[n.(string)] = "service_started"
		}
	case map[string]any:
		for n, v := range d {
			c, _ := v.(map[string]any)["condition"].(string)
			out[n] = c
		}
	}
	return out
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	var cf composeFile
	if err := yaml.Unmarshal([]byte(readRepoFile(t, "docker-compose.yml")), &cf); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return cf
}

func TestComposeStack(t *testing.T) {
	cf := loadCompose(t)
	svc := func(name string) composeService {
		s, ok := cf.Services[name]
		if !ok {
			t.Fatalf("no service %q", name)
		}
		return s
	}

	for name, image := range map[string]string{"postgres": "postgres:15", "redis": "redis:7"} {
		s := svc(name)
		if s.Image != image {
			t.Errorf("%s image = %q, want %s", name, s.Image, image)
		}
		if s.Healthcheck == nil || len(s.Healthcheck.Test) == 0 {
			t.Errorf("%s needs a healthcheck (the API waits for service_healthy)", name)
		}
	}
	if !strings.HasPrefix(svc("mailpit").Image, "axllent/mailpit") {
		t.Errorf("mailpit image = %q", svc("mailpit").Image)
	}

	for _, name := range []string{"migrate", "api"} {
		s := svc(name)
		if s.Build == nil || filepath.Clean(s.Build.Dockerfile) != "deployments/docker/Dockerfile" || filepath.Clean(s.Build.Context) != "." {
			t.Errorf("%s must build deployments/docker/Dockerfile from the repository root, got %+v", name, s.Build)
		}
		if !s.ReadOnly {
			t.Errorf("%s: read_only must be true (the image is read-only-rootfs friendly)", name)
		}
		if s.User == "" || s.User == "root" || strings.HasPrefix(s.User, "0") {
			t.Errorf("%s: user %q must be non-root", name, s.User)
		}
		if s.conditions()["postgres"] != "service_healthy" {
			t.Errorf("%s must wait for postgres to be healthy", name)
		}
	}
	if got := svc("migrate").Command; !slices.Equal(got, []string{"schema", "apply"}) {
		t.Errorf("migrate command = %v, want [schema apply] (image ENTRYPOINT is /zebra)", got)
	}
	api := svc("api")
	if len(api.Command) > 0 && !slices.Equal(api.Command, []string{"serve"}) {
		t.Errorf("api command = %v, want [serve]", api.Command)
	}
	conds := api.conditions()
	want := map[string]string{"migrate": "service_completed_successfully", "postgres": "service_healthy", "redis": "service_healthy"}
	for dep, c := range want {
		if conds[dep] != c {
			t.Errorf("api depends_on %s: condition %q, want %q", dep, conds[dep], c)
		}
	}
	if grace, err := time.ParseDuration(api.StopGracePeriod); err != nil || grace <= shutdownTimeoutDefault(t) {
		t.Errorf("api stop_grace_period %q must exceed SHUTDOWN_TIMEOUT", api.StopGracePeriod)
	}

	// The observability profile, and nothing else in it.
	for _, name := range []string{"otel-collector", "prometheus", "grafana"} {
		if !slices.Equal(svc(name).Profiles, []string{"observability"}) {
			t.Errorf("%s must be in profile observability only, got %v", name, svc(name).Profiles)
		}
	}
	for _, name := range []string{"postgres", "redis", "mailpit", "migrate", "api"} {
		if len(svc(name).Profiles) > 0 {
			t.Errorf("%s must start without a profile", name)
		}
	}

	// Bind mounts exist; Grafana gets the provisioning and the dashboards.
	mounts := map[string]string{}
	for name, s := range cf.Services {
		for _, v := range s.Volumes {
			parts := strings.Split(v, ":")
			if !strings.HasPrefix(parts[0], "./") {
				continue
			}
			if _, err := os.Stat(repoPath(t, parts[0])); err != nil {
				t.Errorf("%s mounts %s: %v", name, parts[0], err)
			}
			mounts[filepath.Clean(parts[0])] = parts[1]
		}
	}
	for src, dst := range map[string]string{
		"deployments/observability/grafana/provisioning":      "/etc/grafana/provisioning",
		"deployments/observability/grafana/dashboards":        "/var/lib/grafana/dashboards",
		"deployments/observability/prometheus/prometheus.yml": "/etc/prometheus/prometheus.yml",
		"deployments/observability/prometheus/rules":          "/etc/prometheus/rules",
		"deployments/observability/otel-collector.yaml":       "/etc/otelcol/config.yaml",
	} {
		if mounts[src] != dst {
			t.Errorf("%s must be mounted at %s, got %q", src, dst, mounts[src])
		}
	}
}

// knownEnvVars collects every variable the code reads (env:"NAME" tags).
func knownEnvVars(t *testing.T) map[string]bool {
	t.Helper()
	re := regexp.MustCompile(`env:"([A-Z][A-Z0-9_]*)"`)
	known := map[string]bool{}
	for _, dir := range []string{"app", "platform", "modules"} {
		err := filepath.WalkDir(repoPath(t, dir), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				known[m[1]] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(known) < 20 {
		t.Fatalf("only %d configuration variables found in the code", len(known))
	}
	return known
}

// TestDeploymentVariablesExist fails when a deployment sets a variable the
// binary does not read (a typo there is silently ignored in production).
func TestDeploymentVariablesExist(t *testing.T) {
	known := knownEnvVars(t)
	check := func(where string, names []string) {
		for _, n := range names {
			if !known[n] {
				t.Errorf("%s sets %s, which no code reads", where, n)
			}
		}
	}
	cf := loadCompose(t)
	for _, name := range []string{"api", "migrate"} {
		var names []string
		for k := range cf.Services[name].Environment {
			names = append(names, k)
		}
		check("docker-compose.yml "+name, names)
	}
	fly := loadFly(t)
	var names []string
	for k := range fly.Env {
		names = append(names, k)
	}
	check("fly.toml [env]", names)
	check("fly secrets", secretNames)

	cfg := loadTerraform(t)
	def, ok := cfg.Modules["modules/secrets"].Eval(cfg.Modules["modules/secrets"].Variables()["secret_names"].Body.Attributes["default"].Expr)
	if !ok {
		t.Fatal("modules/secrets: secret_names default is not static")
	}
	var tfSecrets []string
	for it := def.ElementIterator(); it.Next(); {
		_, v := it.Element()
		tfSecrets = append(tfSecrets, v.AsString())
	}
	if !slices.Equal(slices.Sorted(slices.Values(tfSecrets)), slices.Sorted(slices.Values(secretNames))) {
		t.Errorf("modules/secrets creates %v, want the secrets %v", tfSecrets, secretNames)
	}
	// Every environment runs the stack module, whose app_environment is the
	// configuration of its API and worker tasks.
	stack := cfg.Modules["modules/stack"]
	a := stack.Locals()["app_environment"]
	if a == nil {
		t.Fatal("modules/stack has no local app_environment")
	}
	var keys []string
	for _, k := range regexp.MustCompile(`(?m)^\s+([A-Z][A-Z0-9_]*)\s+=`).FindAllStringSubmatch(string(a.Expr.Range().SliceBytes(mustRead(t, a.Expr.Range().Filename))), -1) {
		keys = append(keys, k[1])
	}
	if len(keys) < 5 {
		t.Fatalf("modules/stack: app_environment has only %v", keys)
	}
	check("modules/stack app_environment", keys)
	check("modules/stack secrets", secretNames)
}
