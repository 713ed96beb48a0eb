package main

import (
	"fmt"
	"runtime"
)

// versionCommand runs `zebra version`: the version stamped at link time
// (make build stamps `git describe`), and the Go toolchain and platform.
func versionCommand([]string) error {
	fmt.Printf("zebra %s (%s, %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
