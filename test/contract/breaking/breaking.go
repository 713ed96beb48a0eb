// Package breaking decides whether a revision of the OpenAPI document
// breaks the clients of the one it replaces. oasdiff (the Go tool pinned in
// test/go.mod) finds the breaking changes; this package applies the rule of
// docs/api.md: a change to a version's contract needs a new version prefix, not
// an edit. So every /vN present in both documents is compared, and so are
// the routes outside any /vN (health, JWKS); a /vN the revision drops is
// accepted only when the revision brings a newer /vM in its place.
package breaking

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
)

// Oasdiff is the command that runs oasdiff; tests and the Makefile run
// from the test module, where `go tool oasdiff` is the pinned version.
var Oasdiff = []string{"go", "tool", "oasdiff"}

// ErrBreaking is returned when the revision breaks the base.
var ErrBreaking = errors.New("breaking changes without a new version prefix")

var versionPrefix = regexp.MustCompile(`^/v([0-9]+)/`)

// Check compares the documents at base and revision, writes what it
// compared and what oasdiff found to w, and returns ErrBreaking when a
// version both documents serve (or an unversioned route) changed in a way
// that breaks clients, or when a version disappeared without a newer one.
func Check(ctx context.Context, base, revision string, w io.Writer) error {
	baseVersions, err := versions(base)
	if err != nil {
		return err
	}
	revVersions, err := versions(revision)
	if err != nil {
		return err
	}
	newest := 0
	for v := range revVersions {
		newest = max(newest, v)
	}
	broken := false
	for _, v := range sortedVersions(baseVersions) {
		if revVersions[v] {
			continue
		}
		if newest > v {
			fmt.Fprintf(w, "/v%d is gone, replaced by /v%d: its routes are not compared (a new version prefix may break)\n", v, newest)
			continue
		}
		fmt.Fprintf(w, "/v%d is gone and no newer version replaces it: every client of /v%d breaks\n", v, v)
		broken = true
	}
	scopes := []struct {
		name string
		args []string
	}{{"routes outside /vN", []string{"--unmatch-path", `^/v[0-9]+/`}}}
	for _, v := range sortedVersions(baseVersions) {
		if revVersions[v] {
			scopes = append(scopes, struct {
				name string
				args []string
			}{"/v" + strconv.Itoa(v), []string{"--match-path", "^/v" + strconv.Itoa(v) + "/"}})
		}
	}
	for _, s := range scopes {
		out, found, err := oasdiff(ctx, base, revision, s.args)
		if err != nil {
			return fmt.Errorf("oasdiff on %s: %w", s.name, err)
		}
		if found {
			broken = true
			fmt.Fprintf(w, "breaking changes in %s:\n%s\n", s.name, out)
		} else {
			fmt.Fprintf(w, "%s: no breaking change\n", s.name)
		}
	}
	if broken {
		return ErrBreaking
	}
	return nil
}

// oasdiff runs `oasdiff breaking` and reports whether it found an error
// level change: exit status 1 (--fail-on ERR) with the changes listed on
// stdout. Its own failures exit with 100 and up. Stderr is not a sign of
// failure: on a cold module cache `go tool` writes its "go: downloading"
// lines there before oasdiff even runs.
func oasdiff(ctx context.Context, base, revision string, args []string) (string, bool, error) {
	argv := append(append([]string{}, Oasdiff[1:]...), "breaking", base, revision,
		"--fail-on", "ERR", "--format", "text", "--color", "never", "--allow-external-refs=false")
	argv = append(argv, args...)
	cmd := exec.CommandContext(ctx, Oasdiff[0], argv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return stdout.String(), false, nil
	case errors.As(err, &exit) && exit.ExitCode() == 1 && stdout.Len() > 0:
		return stdout.String(), true, nil
	default:
		return "", false, fmt.Errorf("%w\n%s%s", err, stdout.String(), stderr.String())
	}
}

// versions are the N of every /vN/ path prefix of the document at path.
func versions(path string) (map[int]bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Paths map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[int]bool{}
	for p := range doc.Paths {
		if m := versionPrefix.FindStringSubmatch(p); m != nil {
			n, _ := strconv.Atoi(m[1])
			out[n] = true
		}
	}
	return out, nil
}

func sortedVersions(set map[int]bool) []int {
	out := make([]int, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	sort.Ints(out)
	return out
}
