package deploy

import (
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// workflow is the part of a GitHub Actions workflow the tests read.
type workflow struct {
	Permissions map[string]string `yaml:"permissions"`
	Jobs        map[string]struct {
		Needs       any                               `yaml:"needs"`
		If          string                            `yaml:"if"`
		Permissions map[string]string                 `yaml:"permissions"`
		Services    map[string]struct{ Image string } `yaml:"services"`
		Steps       []struct {
			Uses string         `yaml:"uses"`
			Run  string         `yaml:"run"`
			With map[string]any `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

func loadWorkflow(t *testing.T) workflow {
	t.Helper()
	var wf workflow
	if err := yaml.Unmarshal([]byte(readRepoFile(t, ".github", "workflows", "ci.yml")), &wf); err != nil {
		t.Fatal(err)
	}
	return wf
}

// TestCIWorkflow checks the pipeline's shape: actionlint (make lint)
// checks the syntax, expressions and action inputs; this checks that the
// jobs the team relies on exist and are wired in the right order.
func TestCIWorkflow(t *testing.T) {
	wf := loadWorkflow(t)
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
		"scan":           {"aquasecurity/trivy-action", "anchore/sbom-action", "spdx-json"},
		"contract":       {"make test-contract"},
		"push":           {"docker/login-action", "ghcr.io"},
		"deploy-preview": {"flyctl deploy", "deployments/fly/fly.toml"},
		"sign":           {"sigstore/cosign-installer", "cosign sign --yes", "cosign verify"},
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

// TestCISupplyChain checks what makes the image trustworthy: the actions
// that scan, describe and sign it are pinned by commit SHA (a tag can be
// moved to malicious code, as trivy-action's were), the SBOM is kept as an
// artifact, and signing is keyless, optional by a repository variable, and
// the only job that may request an OIDC token.
func TestCISupplyChain(t *testing.T) {
	wf := loadWorkflow(t)
	sha := regexp.MustCompile(`^[^@]+@[0-9a-f]{40}$`)
	for job, j := range wf.Jobs {
		for _, s := range j.Steps {
			for _, action := range []string{"aquasecurity/", "anchore/", "sigstore/"} {
				if strings.HasPrefix(s.Uses, action) && !sha.MatchString(s.Uses) {
					t.Errorf("job %s: %s must be pinned by a full commit SHA (with the release in a comment)", job, s.Uses)
				}
			}
		}
	}

	var sbom map[string]any
	for _, s := range wf.Jobs["scan"].Steps {
		if strings.HasPrefix(s.Uses, "anchore/sbom-action@") {
			sbom = s.With
		}
	}
	if img, _ := sbom["image"].(string); !strings.Contains(img, "image.tar") {
		t.Errorf("the SBOM must describe the built image (image.tar), got image %q", img)
	}
	if up, ok := sbom["upload-artifact"].(bool); ok && !up {
		t.Error("the SBOM must be uploaded as an artifact")
	}

	sign := wf.Jobs["sign"]
	if !strings.Contains(sign.If, "vars.COSIGN_SIGN == 'true'") {
		t.Errorf("job sign must be optional by the repository variable COSIGN_SIGN (if: %q)", sign.If)
	}
	if !strings.Contains(sign.If, "refs/heads/main") {
		t.Error("job sign must run on main only, after push")
	}
	if n, _ := sign.Needs.(string); n != "push" {
		t.Errorf("job sign needs %v, want push (it signs the pushed digest)", sign.Needs)
	}
	signs := false
	for _, s := range sign.Steps {
		if strings.Contains(s.Run, "cosign sign") {
			signs = true
			if !strings.Contains(s.Run, "@${DIGEST}") || strings.Contains(s.Run, "--key") {
				t.Errorf("cosign must sign the pushed digest, keyless: %q", s.Run)
			}
		}
	}
	if !signs {
		t.Error("job sign runs no cosign sign")
	}
	if sign.Permissions["id-token"] != "write" {
		t.Error("job sign needs permissions id-token: write (keyless signing)")
	}
	if wf.Permissions["id-token"] != "" {
		t.Error("id-token must not be granted to the whole workflow")
	}
	for job, j := range wf.Jobs {
		if job != "sign" && j.Permissions["id-token"] != "" {
			t.Errorf("job %s asks for id-token: only the sign job may", job)
		}
	}
}

// TestDependabot: the pins above and the Dockerfile's base digests only
// stay safe if something proposes their updates.
func TestDependabot(t *testing.T) {
	var cfg struct {
		Version int `yaml:"version"`
		Updates []struct {
			Ecosystem string `yaml:"package-ecosystem"`
			Directory string `yaml:"directory"`
			Schedule  struct {
				Interval string `yaml:"interval"`
			} `yaml:"schedule"`
		} `yaml:"updates"`
	}
	if err := yaml.Unmarshal([]byte(readRepoFile(t, ".github", "dependabot.yml")), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Version != 2 {
		t.Errorf("dependabot.yml version %d, want 2", cfg.Version)
	}
	want := map[string]string{"docker": "/deployments/docker", "github-actions": "/"}
	for _, u := range cfg.Updates {
		if dir, ok := want[u.Ecosystem]; ok && dir == u.Directory && u.Schedule.Interval != "" {
			delete(want, u.Ecosystem)
		}
	}
	for eco, dir := range want {
		t.Errorf("dependabot.yml has no %s update for %s with a schedule", eco, dir)
	}
}
