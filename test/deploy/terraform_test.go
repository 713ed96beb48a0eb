package deploy

import (
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/zebralabs/zebra/test/deploy/internal/tfcheck"
)

var (
	tfModules = []string{"acm", "alb", "dns", "ecs_cluster", "ecs_service", "network", "otel", "rds_postgres", "redis", "s3_bucket", "secrets", "stack"}
	tfEnvs    = []string{"dev", "prod", "stage"}
)

func loadTerraform(t *testing.T) *tfcheck.Config {
	t.Helper()
	cfg, diags := tfcheck.Load(repoPath(t, "deployments", "aws", "terraform"))
	for _, d := range diags {
		t.Error(d.Error())
	}
	if diags.HasErrors() {
		t.FailNow()
	}
	return cfg
}

// TestTerraformSecurityRules parses every .tf file with HashiCorp's HCL
// parser and evaluates the Rego policies of deployments/aws/policy over it
// (internal/tfcheck): no data store open to the internet, only the ALB
// public and only on 80/443, encryption at rest and in transit,
// least-privilege IAM, remote state with locking, prod data protection,
// module calls that match their modules.
func TestTerraformSecurityRules(t *testing.T) {
	cfg := loadTerraform(t)
	if cfg.Files < 40 {
		t.Fatalf("only %d .tf files found: is the tree complete?", cfg.Files)
	}
	findings, err := tfcheck.Check(cfg, repoPath(t, "deployments", "aws", "policy"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		t.Error(f)
	}
}

func TestTerraformLayout(t *testing.T) {
	cfg := loadTerraform(t)
	root := repoPath(t, "deployments", "aws", "terraform")

	mods, err := tfcheck.ReadDirs(filepath.Join(root, "modules"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(mods, tfModules) {
		t.Errorf("modules = %v, want %v", mods, tfModules)
	}
	envs, err := tfcheck.ReadDirs(filepath.Join(root, "envs"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(envs, tfEnvs) {
		t.Errorf("envs = %v, want %v", envs, tfEnvs)
	}

	for _, name := range tfModules {
		m := cfg.Modules["modules/"+name]
		if m == nil {
			t.Errorf("module %s has no .tf files", name)
			continue
		}
		for _, f := range []string{"main.tf", "variables.tf", "outputs.tf", "versions.tf"} {
			if _, err := os.Stat(filepath.Join(root, "modules", name, f)); err != nil {
				t.Errorf("module %s: %v", name, err)
			}
		}
		for vname, v := range m.Variables() {
			for _, a := range []string{"description", "type"} {
				if _, ok := v.Body.Attributes[a]; !ok {
					t.Errorf("modules/%s: variable %s has no %s", name, vname, a)
				}
			}
		}
		for oname, o := range m.Outputs() {
			if _, ok := o.Body.Attributes["description"]; !ok {
				t.Errorf("modules/%s: output %s has no description", name, oname)
			}
		}
	}

	// Every environment assembles the whole stack from the modules,
	// directly or through the modules it calls.
	for _, env := range tfEnvs {
		m := cfg.Modules["envs/"+env]
		if m == nil {
			t.Errorf("env %s has no .tf files", env)
			continue
		}
		if _, err := os.Stat(filepath.Join(root, "envs", env, "terraform.tfvars")); err != nil {
			t.Errorf("env %s: %v", env, err)
		}
		called := map[string]bool{}
		services := map[string]bool{}
		for _, call := range cfg.Calls(m) {
			b, in := call.Block, call.Caller
			v, ok := in.Eval(b.Body.Attributes["source"].Expr)
			if !ok {
				t.Errorf("env %s: module %s source is not a literal", env, b.Labels[0])
				continue
			}
			called[path.Base(v.AsString())] = true
			if path.Base(v.AsString()) == "ecs_service" {
				if cmd, ok := in.Eval(b.Body.Attributes["command"].Expr); ok && cmd.LengthInt() == 1 {
					services[cmd.Index(ctyZero).AsString()] = true
				}
			}

			// The otel module loads the same alert rules promtool tests.
			if path.Base(v.AsString()) != "otel" {
				continue
			}
			a := b.Body.Attributes["alert_rules_file"]
			if a == nil {
				t.Errorf("env %s: module otel has no alert_rules_file", env)
				continue
			}
			p := resolveFilePath(t, a, filepath.Join(root, "envs", env))
			if p != repoPath(t, "deployments", "observability", "prometheus", "rules", "zebra-alerts.yml") {
				t.Errorf("env %s: alert_rules_file resolves to %s, not the repository's alert rules", env, p)
			}
			if _, err := os.Stat(p); err != nil {
				t.Errorf("env %s: alert_rules_file: %v", env, err)
			}
		}
		for _, name := range tfModules {
			if !called[name] {
				t.Errorf("env %s does not call module %s", env, name)
			}
		}
		if !services["serve"] || !services["worker"] {
			t.Errorf("env %s: want ECS services running [\"serve\"] and [\"worker\"], got %v", env, services)
		}
	}
}

// resolveFilePath resolves a "${path.module}/..." or "${path.root}/..."
// file name as Terraform does: path.module is the directory of the file
// holding the expression, path.root the root module's (rootDir).
func resolveFilePath(t *testing.T, a *hclsyntax.Attribute, rootDir string) string {
	t.Helper()
	src := strings.Trim(string(a.Expr.Range().SliceBytes(mustRead(t, a.Expr.Range().Filename))), `"`)
	switch {
	case strings.HasPrefix(src, "${path.module}/"):
		return filepath.Join(filepath.Dir(a.Expr.Range().Filename), strings.TrimPrefix(src, "${path.module}/"))
	case strings.HasPrefix(src, "${path.root}/"):
		return filepath.Join(rootDir, strings.TrimPrefix(src, "${path.root}/"))
	}
	t.Errorf("%s: %s is neither under ${path.module} nor ${path.root}", a.Expr.Range(), src)
	return ""
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRunbookUsesExistingOutputs: every `terraform output NAME` of the
// cutover runbook names an output of envs/prod, so no step fails on a
// renamed or missing output in the middle of the window.
func TestRunbookUsesExistingOutputs(t *testing.T) {
	cfg := loadTerraform(t)
	prod := cfg.Modules["envs/prod"]
	if prod == nil {
		t.Fatal("no envs/prod")
	}
	outputs := prod.Outputs()
	doc := readRepoFile(t, "docs", "runbooks", "fly-to-aws.md")
	uses := regexp.MustCompile(`terraform -chdir=\$ENV_DIR output(?: -raw| -json)* ([a-z_]+)`).FindAllStringSubmatch(doc, -1)
	if len(uses) < 3 {
		t.Fatalf("found %d `terraform output` uses in the runbook; is the pattern stale?", len(uses))
	}
	for _, u := range uses {
		if _, ok := outputs[u[1]]; !ok {
			t.Errorf("docs/runbooks/fly-to-aws.md: terraform output %s, but envs/prod has no such output", u[1])
		}
	}
	for _, want := range []string{"app_bucket", "app_bucket_region"} {
		found := false
		for _, u := range uses {
			found = found || u[1] == want
		}
		if !found {
			t.Errorf("the runbook's object storage sync does not read terraform output %s", want)
		}
	}
}
