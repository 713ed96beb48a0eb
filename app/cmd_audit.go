package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"gorm.io/gorm"

	"github.com/zebralabs/zebra/modules/audit"
	"github.com/zebralabs/zebra/platform/config"
)

const auditUsage = `usage: zebra audit verify    recompute the audit hash chain and each event's MAC (with AUDIT_MAC_KEYS);
                            prints {"ok":...,"checked":N[,"firstBrokenId":...]} and exits 1 when the chain is broken`

// auditCommand runs `zebra audit verify`: it recomputes the hash chain of
// the audit log in DATABASE_URL from the first event, like GET
// /v1/audit-events/verify, so an operator (or a cron job) can check it
// without a token. It needs Postgres and the service's AUDIT_MAC_KEYS.
func auditCommand(args []string) error {
	if len(args) != 1 || args[0] != "verify" {
		return &usageError{auditUsage}
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	return withCommandDB(cfg, "audit-verify", func(ctx context.Context, db *gorm.DB) error {
		return runAuditVerify(ctx, cfg, db, os.Stdout)
	})
}

// runAuditVerify is auditCommand with its inputs explicit, for tests. It
// goes through audit's facade over db (no HTTP server, no Redis).
func runAuditVerify(ctx context.Context, cfg config.Config, db *gorm.DB, out io.Writer) error {
	var chain audit.Chain
	if err := assembleOver(cfg, db, &chain); err != nil {
		return err
	}
	v, err := chain.Verify(ctx)
	if err != nil {
		return fmt.Errorf("verify the audit chain: %w", err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, string(b))
	if !v.OK {
		return fmt.Errorf("audit chain is broken: first broken event %s (%d events checked)", v.FirstBrokenID, v.Checked)
	}
	return nil
}
