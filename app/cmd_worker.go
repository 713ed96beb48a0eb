package main

import (
	"fmt"

	"github.com/zebralabs/zebra/platform"
)

// workerCommand runs `zebra worker`: every background job (outbox relay,
// stream consumers, cleanups) whatever JOBS_IN_SERVE says, for deployments
// that scale them apart from the API. It serves only /healthz, /readyz and
// /metrics on HTTP_ADDR, for the orchestrator; it stops like serve.
func workerCommand(args []string) error {
	if len(args) > 0 {
		return &usageError{fmt.Sprintf("zebra worker: unexpected argument %q", args[0])}
	}
	return runUntilSignal(platform.WorkerJobs, platform.ProbesOnly)
}
