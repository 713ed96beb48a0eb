package deploy

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestCIWorkflow checks the pipeline's shape: actionlint (make lint)
// checks the syntax, expressions and action inputs; this checks that the
// jobs the team relies on exist and are wired in the right order.
func TestCIWorkflow(t *testing.T) {
	var wf struct {
		Jobs map[string]struct {
			Needs    any                               `yaml:"needs"`
			If       string                            `yaml:"if"`
			Services map[string]struct{ Image string } `yaml:"services"`
			Steps    []struct {
				Uses string         `yaml:"uses"`
				Run  string         `yaml:"run"`
				With map[string]any `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal([]byte(readRepoFile(t, ".github", "workflows", "ci.yml")), &wf); err != nil {
		t.Fatal(err)
	}
	text := func(job string) string {
		var b strings.Builder
		for _, s := range wf.Jobs[job].Steps {
			b.WriteString(s.Uses + "\n" + s.Run + "\n")
			for k, v := range s.With {
				b.WriteString(k + ": ")
				if str, ok := v.(string); ok {
					b.WriteString(str)
				}
				b.WriteString("\n")
			}
		}
		return b.String()
	}
	needs := func(job string) []string {
		switch n := wf.Jobs[job].Needs.(type) {
		case string:
			return []string{n}
		case []any:
			var out []string
			for _, x := range n {
				out = append(out, x.(string))
			}
			return out
		}
		return nil
	}
	for job, want := range map[string][]string{
		"lint":           {"make lint", "prometheus", "docker-compose"},
		"test":           {"make test"},
		"cover":          {"make cover"},
		"build":          {"docker/build-push-action", "deployments/docker/Dockerfile"},
		"scan":           {"aquasecurity/trivy-action"},
		"contract":       {"make test-contract"},
		"push":           {"docker/login-action", "ghcr.io"},
		"deploy-preview": {"flyctl deploy", "deployments/fly/fly.toml"},
	} {
		if _, ok := wf.Jobs[job]; !ok {
			t.Errorf("no job %q", job)
			continue
		}
		for _, w := range want {
			if !strings.Contains(text(job), w) {
				t.Errorf("job %s does not contain %q", job, w)
			}
		}
	}
	pushes := false
	for _, s := range wf.Jobs["push"].Steps {
		if v, ok := s.With["push"].(bool); ok && v {
			pushes = true
		}
	}
	if !pushes {
		t.Error("job push never pushes (docker/build-push-action with push: true)")
	}
	for _, job := range []string{"test", "cover"} {
		for _, svc := range []string{"postgres:15", "redis:7"} {
			found := false
			for _, s := range wf.Jobs[job].Services {
				found = found || s.Image == svc
			}
			if !found {
				t.Errorf("job %s has no %s service", job, svc)
			}
		}
	}
	for _, job := range []string{"push", "deploy-preview"} {
		got := strings.Join(needs(job), ",")
		for _, gate := range []string{"lint", "test", "cover", "scan", "contract"} {
			if !strings.Contains(","+got+",", ","+gate+",") {
				t.Errorf("job %s must wait for %s (needs: %s)", job, gate, got)
			}
		}
	}
	if !strings.Contains(wf.Jobs["push"].If, "refs/heads/main") {
		t.Error("push must run on main only")
	}
	if !strings.Contains(wf.Jobs["deploy-preview"].If, "pull_request") {
		t.Error("deploy-preview must run for pull requests only")
	}
}
