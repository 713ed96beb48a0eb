package deploy

import (
	"go/version"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	"golang.org/x/mod/modfile"
)

// instruction is one parsed Dockerfile instruction.
type instruction struct {
	cmd   string   // lower-case: from, run, copy, ...
	args  []string // arguments as BuildKit split them
	flags []string // --from=..., --mount=..., --platform=...
	json  bool     // exec (JSON array) form
	raw   string
	line  int
}

// stage is a FROM and the instructions up to the next FROM.
type stage struct {
	image, name string
	platform    string
	body        []instruction
}

func parseDockerfile(t *testing.T) []stage {
	t.Helper()
	f, err := os.Open(repoPath(t, "deployments", "docker", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := parser.Parse(f)
	if err != nil {
		t.Fatalf("BuildKit cannot parse the Dockerfile: %v", err)
	}
	for _, w := range res.Warnings {
		t.Errorf("Dockerfile warning: %s (line %d)", w.Short, w.Location.Start.Line)
	}
	var stages []stage
	for _, n := range res.AST.Children {
		in := instruction{cmd: strings.ToLower(n.Value), flags: n.Flags, json: n.Attributes["json"], raw: n.Original, line: n.StartLine}
		for a := n.Next; a != nil; a = a.Next {
			in.args = append(in.args, a.Value)
		}
		if in.cmd == "from" {
			s := stage{image: in.args[0]}
			if len(in.args) == 3 && strings.EqualFold(in.args[1], "as") {
				s.name = in.args[2]
			}
			for _, fl := range in.flags {
				if v, ok := strings.CutPrefix(fl, "--platform="); ok {
					s.platform = v
				}
			}
			stages = append(stages, s)
			continue
		}
		if len(stages) == 0 {
			if in.cmd != "arg" {
				t.Fatalf("line %d: %s before the first FROM", in.line, in.cmd)
			}
			continue
		}
		stages[len(stages)-1].body = append(stages[len(stages)-1].body, in)
	}
	return stages
}

func (s stage) find(cmd string) []instruction {
	var out []instruction
	for _, in := range s.body {
		if in.cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

func TestDockerfileBuilderStage(t *testing.T) {
	stages := parseDockerfile(t)
	if len(stages) < 2 {
		t.Fatalf("want a multi-stage build, got %d stage(s)", len(stages))
	}
	build := stages[0]
	ref, _ := splitDigest(build.image)
	goVersion, ok := strings.CutPrefix(ref, "golang:")
	if !ok || !regexp.MustCompile(`^1\.\d+\.\d+$`).MatchString(goVersion) {
		t.Errorf("builder image = %q, want golang:<go patch release>@sha256:... (the tag names the Go in the image)", build.image)
	}
	if build.name == "" {
		t.Error("the builder stage must be named (COPY --from=<name>)")
	}

	// The go build: static, trimmed, stamped.
	var goBuild *instruction
	for _, in := range build.find("run") {
		if strings.Contains(strings.Join(in.args, " "), "go build") {
			goBuild = &in
		}
	}
	if goBuild == nil {
		t.Fatal("no RUN ... go build in the builder stage")
	}
	cmd := strings.Join(goBuild.args, " ")
	for _, want := range []string{
		"CGO_ENABLED=0",
		"-trimpath",
		`-ldflags "-s -w -X main.version=${VERSION}"`,
		"./app",
	} {
		if !strings.Contains(cmd, want) {
			t.Errorf("go build command lacks %s:\n%s", want, cmd)
		}
	}
	if !hasArg(build, "VERSION") {
		t.Error("the builder stage must declare ARG VERSION (stamped into main.version)")
	}

	// The workspace: go.work and every module's go.mod are copied before
	// the download, so the dependency layer is cached.
	work := readRepoFile(t, "go.work")
	wf, err := modfile.ParseWork("go.work", []byte(work), nil)
	if err != nil {
		t.Fatal(err)
	}
	// The official image sets GOTOOLCHAIN=local: a Go older than go.work's
	// go line refuses to build instead of downloading a newer one.
	if wf.Go != nil && version.Compare("go"+goVersion, "go"+wf.Go.Version) < 0 {
		t.Errorf("builder image %s has Go %s, older than go.work's go %s (GOTOOLCHAIN=local in the image: the build fails)", build.image, goVersion, wf.Go.Version)
	}
	var copied []string
	for _, in := range build.find("copy") {
		copied = append(copied, in.args[:len(in.args)-1]...)
	}
	// A source may be a pattern (COPY --parents modules/*/go.mod ./).
	isCopied := func(file string) bool {
		return slices.ContainsFunc(copied, func(src string) bool {
			ok, err := path.Match(src, file)
			return err == nil && ok
		})
	}
	if !isCopied("go.work") {
		t.Error("go.work is not copied into the builder")
	}
	for _, u := range wf.Use {
		dir := path.Clean(u.Path)
		if dir == "test" {
			continue // black-box suites, not part of the binary
		}
		if !isCopied(dir + "/go.mod") {
			t.Errorf("workspace module %s: %s/go.mod is not copied before `go mod download`", dir, dir)
		}
	}
	// A pattern copies into the directory it matched only with --parents.
	for _, in := range build.find("copy") {
		if regexp.MustCompile(`[\[*?]`).MatchString(strings.Join(in.args[:len(in.args)-1], " ")) &&
			strings.Count(strings.Join(in.args, " "), "/go.mod") > 0 && !slices.Contains(in.flags, "--parents") {
			t.Errorf("line %d: COPY of go.mod patterns without --parents flattens them into one directory", in.line)
		}
	}
	dropsTest := false
	for _, in := range build.find("run") {
		if strings.Contains(strings.Join(in.args, " "), "go work edit -dropuse=./test") {
			dropsTest = true
		}
	}
	if !dropsTest {
		t.Error("the builder must drop ./test from the workspace (it is not in the build context)")
	}
}

// digestRe is an image reference pinned by digest: name:tag@sha256:<hex>.
var digestRe = regexp.MustCompile(`^([^@\s]+:[^@:/\s]+)@(sha256:[0-9a-f]{64})$`)

// splitDigest splits name:tag@sha256:... into name:tag and the digest; a
// reference without a digest comes back whole, with an empty digest.
func splitDigest(image string) (ref, digest string) {
	if m := digestRe.FindStringSubmatch(image); m != nil {
		return m[1], m[2]
	}
	return image, ""
}

// TestDockerfileBasesPinnedByDigest: every base image, and the BuildKit
// frontend of the syntax line, is pinned by digest with its tag kept
// beside it, so a rebuild of a commit uses the same bases and the scan,
// SBOM and signature of CI describe what was built. Dependabot proposes
// the new digest when a tag moves (.github/dependabot.yml).
func TestDockerfileBasesPinnedByDigest(t *testing.T) {
	stages := parseDockerfile(t)
	names := map[string]bool{}
	for _, s := range stages {
		if names[s.image] {
			continue // FROM <earlier stage>
		}
		if _, digest := splitDigest(s.image); digest == "" {
			t.Errorf("FROM %s: pin the base by digest, as name:tag@sha256:<index digest>", s.image)
		}
		if s.name != "" {
			names[s.name] = true
		}
	}

	first := strings.SplitN(readRepoFile(t, "deployments", "docker", "Dockerfile"), "\n", 2)[0]
	syntax, ok := strings.CutPrefix(first, "# syntax=")
	if !ok {
		t.Fatal("the Dockerfile's first line must be a # syntax= directive (COPY --parents needs dockerfile 1.20)")
	}
	if _, digest := splitDigest(syntax); digest == "" {
		t.Errorf("# syntax=%s: pin the frontend by digest too (docker/dockerfile:1.20@sha256:...)", syntax)
	}
}

func hasArg(s stage, name string) bool {
	for _, in := range s.find("arg") {
		for _, a := range in.args {
			if a == name || strings.HasPrefix(a, name+"=") {
				return true
			}
		}
	}
	return false
}

func TestDockerfileFinalStage(t *testing.T) {
	stages := parseDockerfile(t)
	final := stages[len(stages)-1]
	if ref, _ := splitDigest(final.image); ref != "gcr.io/distroless/static-debian12:nonroot" {
		t.Errorf("final image = %q, want gcr.io/distroless/static-debian12:nonroot@sha256:...", final.image)
	}
	if len(final.find("run")) > 0 {
		t.Error("the final stage must not RUN anything (distroless has no shell)")
	}
	for _, bad := range []string{"healthcheck", "volume", "add"} {
		for _, s := range stages {
			if len(s.find(bad)) > 0 {
				t.Errorf("%s in stage %q: the platform probes /healthz and /readyz; no HEALTHCHECK, VOLUME or ADD", strings.ToUpper(bad), s.image)
			}
		}
	}

	users := final.find("user")
	if len(users) == 0 {
		t.Fatal("the final stage sets no USER")
	}
	user := users[len(users)-1].args[0]
	if user == "root" || user == "0" || strings.HasPrefix(user, "0:") || strings.HasPrefix(user, "root:") {
		t.Errorf("USER %s: the image must run as non-root", user)
	}

	copies := final.find("copy")
	if len(copies) != 1 {
		t.Fatalf("final stage: want exactly one COPY (the binary), got %d", len(copies))
	}
	c := copies[0]
	if !slices.Contains(c.flags, "--from="+stages[0].name) || c.args[len(c.args)-1] != "/zebra" {
		t.Errorf("final COPY = %q, want COPY --from=%s <binary> /zebra", c.raw, stages[0].name)
	}

	ep := final.find("entrypoint")
	if len(ep) != 1 || !ep[0].json || !slices.Equal(ep[0].args, []string{"/zebra"}) {
		t.Errorf("want ENTRYPOINT [\"/zebra\"] in exec form, got %v", ep)
	}
	cmd := final.find("cmd")
	if len(cmd) != 1 || !cmd[0].json || !slices.Equal(cmd[0].args, []string{"serve"}) {
		t.Errorf("want CMD [\"serve\"] in exec form, got %v", cmd)
	}
}

// TestDockerignore checks the build context: what the build needs is in,
// secrets and repository state are out.
func TestDockerignore(t *testing.T) {
	f, err := os.Open(repoPath(t, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatal(err)
	}
	excluded := func(p string) bool {
		ok, err := pm.MatchesOrParentMatches(p)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	for _, p := range []string{".git/HEAD", ".env", ".env.local", "bin/zebra", "test/go.mod", "node_modules/x/index.js", "app/main_test.go", "deployments/aws/terraform/envs/prod/terraform.tfstate"} {
		if !excluded(p) {
			t.Errorf("%s reaches the build context", p)
		}
	}
	for _, p := range []string{"go.work", "app/main.go", "app/go.mod", "platform/go.sum", "modules/activities/internal/domain/activity/activity.go", "schema/platform.hcl", "schema/platform.sql", ".env.example"} {
		if excluded(p) {
			t.Errorf("%s is excluded from the build context, but the build needs it", p)
		}
	}
	// Every file the Dockerfile copies by name must be in the context.
	for _, s := range parseDockerfile(t) {
		for _, in := range s.find("copy") {
			if slices.ContainsFunc(in.flags, func(f string) bool { return strings.HasPrefix(f, "--from=") }) {
				continue
			}
			for _, src := range in.args[:len(in.args)-1] {
				if src == "." || regexp.MustCompile(`[\[*?]`).MatchString(src) {
					continue
				}
				if excluded(src) {
					t.Errorf("COPY %s: excluded by .dockerignore", src)
				}
			}
		}
	}
}
