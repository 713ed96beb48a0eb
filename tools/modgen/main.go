// Command modgen creates a bounded context from the templates embedded
// from templates/: the module under modules/NAME, its schema in
// schema/NAME.hcl, the wiring in go.work, app/go.mod and app/main.go, and
// the refreshed docs/openapi.json and test/client, so that `make build` and
// `make test` pass right after it. `make module name=NAME [singular=WORD]`
// runs it at the repository root; docs/modules.md describes what it
// generates.
//
// It lives outside go.work (run with GOWORK=off, like test/deploy/tools):
// it edits go.work, so it must not depend on the workspace it edits, and
// it is a developer tool, not part of the image the Dockerfile builds.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run generates the module args name and returns the exit code: 0, 1 when
// generation failed (one line, nothing changed), 2 for a usage error.
func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("modgen", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	root := flags.String("root", ".", "the repository root")
	singular := flags.String("singular", "", "the entity's name (default: NAME without its plural ending)")
	if err := flags.Parse(args); err != nil || flags.NArg() != 1 || flags.Arg(0) == "" {
		fmt.Fprintln(stderr, "usage: make module name=NAME [singular=WORD]   (modgen [-root DIR] [-singular WORD] NAME)")
		return 2
	}
	name := flags.Arg(0)
	// Checked first, so that a refused name prints its one line only.
	if _, err := check(*root, name, *singular); err != nil {
		fmt.Fprintln(stderr, "modgen: "+oneLine(err))
		return 1
	}
	fmt.Fprintf(stdout, "creating modules/%s, then refreshing docs/openapi.json and test/client (builds the app)\n", name)
	changed, err := Generate(*root, name, *singular)
	if err != nil {
		fmt.Fprintln(stderr, "modgen: "+oneLine(err))
		return 1
	}
	fmt.Fprintf(stdout, "created modules/%s and schema/%s.hcl; changed %s\n", name, name, strings.Join(changed, ", "))
	fmt.Fprintln(stdout, "next: make build && bin/zebra schema plan   # the new tables")
	fmt.Fprintf(stdout, "      cd modules/%s && go test ./...        # its tests; modules/%s/README.md maps the code\n", name, name)
	fmt.Fprintln(stdout, "      review, add its lines to .github/CODEOWNERS (docs/modules.md), commit")
	return 0
}

// oneLine keeps the first line of err: every error of Generate is one
// line, and a failed command's output would otherwise follow it.
func oneLine(err error) string {
	msg := err.Error()
	for i, r := range msg {
		if r == '\n' {
			return msg[:i]
		}
	}
	return msg
}
