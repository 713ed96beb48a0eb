package database_test

import (
	"database/sql"
	"fmt"
	"testing"

	"github.com/zebralabs/zebra/platform/apperr"
	"github.com/zebralabs/zebra/platform/database"
)

// TestTranslate_TxEndedByTheDeadlineIsATimeout: database/sql rolls back a
// transaction whose context ended, so the COMMIT that follows fails with
// ErrTxDone; the client must get 504 timeout, not 500.
func TestTranslate_TxEndedByTheDeadlineIsATimeout(t *testing.T) {
	t.Parallel()
	err := database.Translate(fmt.Errorf("commit: %w", sql.ErrTxDone))
	if got := apperr.CodeOf(err); got != apperr.CodeTimeout {
		t.Fatalf("code %q, want %q (%v)", got, apperr.CodeTimeout, err)
	}
}
