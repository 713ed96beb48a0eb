package main

import (
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/zebralabs/zebra/platform/config"
)

// configCommand runs `zebra config`: it prints every variable the binary
// reads with its effective value, platform first, then each module's
// section, as KEY=value lines; secret:"true" values and URL passwords
// are redacted. It connects to nothing, so it works with every dependency
// down, and fails like serve on a bad value.
func configCommand(args []string) error {
	if len(args) > 0 {
		return &usageError{fmt.Sprintf("zebra config: unexpected argument %q", args[0])}
	}
	return printConfig(os.Stdout)
}

func printConfig(w io.Writer) error {
	sections, err := configSections(contexts)
	if err != nil {
		return err
	}
	sort.SliceStable(sections, func(i, j int) bool {
		if (sections[i].Name == "platform") != (sections[j].Name == "platform") {
			return sections[i].Name == "platform"
		}
		return sections[i].Name < sections[j].Name
	})
	return config.Print(w, sections...)
}
