// Package browser locates what the headless-browser suites (test/docsui,
// test/firsthour) drive: Debian's Chromium through playwright-core on Node.
package browser

import (
	"os"
	"os/exec"
	"testing"
)

// Chromium is the browser: $CHROMIUM, else Debian's /usr/bin/chromium.
func Chromium() string {
	if c := os.Getenv("CHROMIUM"); c != "" {
		return c
	}
	return "/usr/bin/chromium"
}

// Require fails (never skips) with the command that installs what is
// missing; `make test` installs both (mk/contract.mk). It must be called
// from a package directly under test/, where ../node_modules is test's.
func Require(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not installed: apt-get install -y nodejs npm")
	}
	if _, err := os.Stat("../node_modules/playwright-core/package.json"); err != nil {
		t.Fatal("playwright-core is not installed: run `npm ci` in test/ (make contract-deps)")
	}
	if _, err := os.Stat(Chromium()); err != nil {
		t.Fatalf("Chromium is not installed at %s: apt-get install -y chromium (or set CHROMIUM)", Chromium())
	}
}
