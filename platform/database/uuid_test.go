package database

import (
	"database/sql/driver"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
)

// TestUUIDsEncodeWithoutTheValuerDetour: after encodeUUIDs, a uuid.UUID
// encodes to the 16 bytes of a binary uuid through the wrapper, not through
// its driver.Valuer string.
func TestUUIDsEncodeWithoutTheValuerDetour(t *testing.T) {
	t.Parallel()
	m := pgtype.NewMap()
	m.TryWrapEncodePlanFuncs = append([]pgtype.TryWrapEncodePlanFunc{tryWrapUUID}, m.TryWrapEncodePlanFuncs...)
	id := uuid.Must(uuid.NewV7())
	plan := m.PlanEncode(pgtype.UUIDOID, pgtype.BinaryFormatCode, id)
	if _, ok := plan.(*uuidEncodePlan); !ok {
		t.Fatalf("plan %T, want the uuid wrapper", plan)
	}
	buf, err := plan.Encode(id, nil)
	if err != nil || string(buf) != string(id[:]) {
		t.Fatalf("encoded %x, %v; want %x", buf, err, id[:])
	}
	var _ driver.Valuer = id // the detour this avoids
	ptr := &id
	if buf, err := m.Encode(pgtype.UUIDOID, pgtype.BinaryFormatCode, ptr, nil); err != nil || string(buf) != string(id[:]) {
		t.Fatalf("pointer encoded %x, %v", buf, err)
	}
}
