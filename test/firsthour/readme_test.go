package firsthour

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zebralabs/zebra/test/internal/zebratest"
)

// The README's addresses, which the test replaces by its own servers'.
const (
	readmeZebra   = "http://localhost:8080"
	readmeMailpit = "http://localhost:8025"
)

// TestReadmeFirstFiveMinutes runs the shell blocks of the README's "First
// five minutes" section, as written, in one bash session against the real
// binary (APP_ENV=dev, as `make run` runs it) and a real Mailpit, each on
// ports of its own, with a fresh database. Only the two base URLs are
// replaced, and `bin/zebra` is this test's binary. `make run`, which the
// README runs in another terminal, is what the test itself does.
func TestReadmeFirstFiveMinutes(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed (the README's commands need it): apt-get install -y %s", tool, tool)
		}
	}
	readme, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := shellBlocks(t, string(readme), "## First five minutes")
	script := strings.Join(blocks, "\n")
	for _, addr := range []string{readmeZebra, readmeMailpit} {
		if !strings.Contains(script, addr) {
			t.Fatalf("the README's commands no longer use %s; update the test's substitution", addr)
		}
	}

	mp := startMailpit(t)
	srv := startDev(t, mp.smtpURL, t.TempDir())
	script = strings.NewReplacer(readmeZebra, srv.URL(""), readmeMailpit, mp.api).Replace(script)

	// bin/zebra of the README is the binary under test, in a directory of
	// its own that stands for the repository's root.
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(zebratest.Binary(t), filepath.Join(dir, "bin", "zebra")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", "set -euo pipefail\n"+script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), srv.Env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("the README's commands failed (%v); they printed:\n%s", err, out.String())
	}
	transcript := out.String()

	// Every step left its evidence, and no call answered an error.
	if envelope := regexp.MustCompile(`"code": "[a-z_]+",\s*"message"`).FindString(transcript); envelope != "" {
		t.Errorf("a call answered an error (%s); the commands printed:\n%s", envelope, transcript)
	}
	for _, want := range []string{
		`"email": "ada@example.com"`,            // 1. signed up
		"\n204\n",                               // 2. verified
		`"emailVerified": true`,                 // 3. logged in, /v1/me
		`"title": "Write the quarterly report"`, // 4., 5. created, listed
		`"status": "in_progress"`,               // 6. updated
		`"action": "activity.created"`,          // 7. the audit view
		`"action": "activity.updated"`,          // 7.
		`"nextCursor": null`,                    // 5., 7. pages
	} {
		if !strings.Contains(transcript, want) {
			t.Errorf("the transcript lacks %s; the commands printed:\n%s", want, transcript)
		}
	}
}

// shellBlocks returns the ```sh blocks of the README section that starts
// with heading, except those that run `make run` (the server, in the
// README's other terminal).
func shellBlocks(t *testing.T, readme, heading string) []string {
	t.Helper()
	start := strings.Index(readme, "\n"+heading+"\n")
	if start < 0 {
		t.Fatalf("the README has no %q section", heading)
	}
	section := readme[start+len(heading)+2:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(section, -1) {
		if strings.HasPrefix(strings.TrimSpace(m[1]), "make run") {
			continue
		}
		blocks = append(blocks, m[1])
	}
	if len(blocks) == 0 {
		t.Fatalf("the README's %q section has no ```sh block to run", heading)
	}
	return blocks
}
