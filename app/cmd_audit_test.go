package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"gorm.io/gorm"

	"github.com/zebralabs/zebra/modules/audit"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/dbtest"
)

// auditDB is a fresh database with the schema and n recorded events.
func auditDB(t *testing.T, n int) *gorm.DB {
	t.Helper()
	db := dbtest.New(t, mustSources(t)...)
	var rec auditlog.Recorder
	if err := assembleOver(config.Config{}, db, &rec); err != nil {
		t.Fatal(err)
	}
	for range n {
		if err := rec.Record(context.Background(), auditlog.Event{Actor: "system", Action: "user.logged_in", EntityType: "user", EntityID: "u"}); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func TestAuditVerify(t *testing.T) {
	t.Parallel()
	db := auditDB(t, 3)
	var out bytes.Buffer
	if err := runAuditVerify(context.Background(), config.Config{}, db, &out); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if got := out.String(); got != "{\"ok\":true,\"checked\":3}\n" {
		t.Fatalf("output %q", got)
	}

	var victim string
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Raw("SELECT event_id::text FROM audit.chain WHERE seq = 2").Scan(&victim).Error; err != nil {
			return err
		}
		if err := tx.Exec("ALTER TABLE audit.events DISABLE TRIGGER USER").Error; err != nil {
			return err
		}
		return tx.Exec("DELETE FROM audit.events WHERE id = ?", victim).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = runAuditVerify(context.Background(), config.Config{}, db, &out)
	if err == nil {
		t.Fatal("a broken chain must fail the command")
	}
	var got audit.Verification
	if jerr := json.Unmarshal(out.Bytes(), &got); jerr != nil {
		t.Fatalf("output %q: %v", out.String(), jerr)
	}
	if got.OK || got.Checked != 2 || got.FirstBrokenID == "" || got.FirstBrokenID == victim {
		t.Fatalf("got %+v (deleted %s; the event after it is the first broken)", got, victim)
	}
}

// TestAuditVerifyReportsAForgedEvent is issue 19's case: a plain INSERT
// into audit.events dated ten years ahead. The queue's trigger has it
// chained, and its MAC, which only the service's key makes, fails.
func TestAuditVerifyReportsAForgedEvent(t *testing.T) {
	t.Parallel()
	db := auditDB(t, 2)
	forged := uuid.Must(uuid.NewV7())
	if err := db.Exec(`INSERT INTO audit.events (id, occurred_at, actor, action, entity_type, entity_id, request_id, mac, mac_key_id)
		VALUES (?, now() + interval '10 years', 'mallory', 'user.logged_in', 'user', 'u', '', sha256('forged'), 'dev')`, forged).Error; err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := runAuditVerify(context.Background(), config.Config{}, db, &out); err == nil {
		t.Fatal("a forged event must fail the command")
	}
	if got, want := out.String(), fmt.Sprintf("{\"ok\":false,\"checked\":3,\"firstBrokenId\":%q}\n", forged); got != want {
		t.Fatalf("output %q, want %q", got, want)
	}
}

func TestAuditCommandUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{nil, {"verfy"}, {"verify", "now"}} {
		var usage *usageError
		if err := auditCommand(args); !errors.As(err, &usage) {
			t.Errorf("args %q: got %v, want a usage error", args, err)
		}
	}
}
