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
	m.TryWrapEncodePlanFuncs = append([]pgtype.TryWrapEncodePlanFunc{tryWrapUUID, tryWrapUUIDs}, m.TryWrapEncodePlanFuncs...)
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

// TestUUIDSlicesEncodeWithoutTheValuerDetour: a []uuid.UUID (uuid[]) goes
// through the slice wrapper and encodes as the binary array of its ids.
func TestUUIDSlicesEncodeWithoutTheValuerDetour(t *testing.T) {
	t.Parallel()
	m := pgtype.NewMap()
	m.TryWrapEncodePlanFuncs = append([]pgtype.TryWrapEncodePlanFunc{tryWrapUUID, tryWrapUUIDs}, m.TryWrapEncodePlanFuncs...)
	ids := []uuid.UUID{uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())}
	plan := m.PlanEncode(pgtype.UUIDArrayOID, pgtype.BinaryFormatCode, ids)
	if _, ok := plan.(*uuidsEncodePlan); !ok {
		t.Fatalf("plan %T, want the uuid slice wrapper", plan)
	}
	buf, err := plan.Encode(ids, nil)
	if err != nil {
		t.Fatal(err)
	}
	var back []pgtype.UUID
	if err := m.Scan(pgtype.UUIDArrayOID, pgtype.BinaryFormatCode, buf, &back); err != nil {
		t.Fatal(err)
	}
	if len(back) != 2 || back[0].Bytes != ids[0] || back[1].Bytes != ids[1] {
		t.Fatalf("decoded %v, want %v", back, ids)
	}
}
