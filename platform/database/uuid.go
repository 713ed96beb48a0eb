package database

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// encodeUUIDs teaches a connection's type map to send google/uuid values
// as binary uuids. uuid.UUID implements driver.Valuer, whose string pgx
// first fails to encode as a binary uuid (building an error with
// fmt.Errorf), then parses back as text: ~4 % of the CPU of a write under
// load (docs/performance.md). The wrapper is tried before that path.
func encodeUUIDs(_ context.Context, conn *pgx.Conn) error {
	m := conn.TypeMap()
	m.TryWrapEncodePlanFuncs = append([]pgtype.TryWrapEncodePlanFunc{tryWrapUUID, tryWrapUUIDs}, m.TryWrapEncodePlanFuncs...)
	return nil
}

// tryWrapUUID is a pgtype.TryWrapEncodePlanFunc for uuid.UUID.
func tryWrapUUID(value any) (pgtype.WrappedEncodePlanNextSetter, any, bool) {
	id, ok := value.(uuid.UUID)
	if !ok {
		return nil, nil, false
	}
	return &uuidEncodePlan{}, pgtype.UUID{Bytes: id, Valid: true}, true
}

// uuidEncodePlan converts a uuid.UUID to a pgtype.UUID for the next plan.
type uuidEncodePlan struct{ next pgtype.EncodePlan }

func (p *uuidEncodePlan) SetNext(next pgtype.EncodePlan) { p.next = next }

func (p *uuidEncodePlan) Encode(value any, buf []byte) ([]byte, error) {
	return p.next.Encode(pgtype.UUID{Bytes: value.(uuid.UUID), Valid: true}, buf)
}

// tryWrapUUIDs is tryWrapUUID for a []uuid.UUID (a uuid[] parameter, as
// in "id = ANY($1)"), whose elements would otherwise each take the
// driver.Valuer detour.
func tryWrapUUIDs(value any) (pgtype.WrappedEncodePlanNextSetter, any, bool) {
	ids, ok := value.([]uuid.UUID)
	if !ok {
		return nil, nil, false
	}
	return &uuidsEncodePlan{}, pgUUIDs(ids), true
}

// uuidsEncodePlan converts a []uuid.UUID to a []pgtype.UUID for the next
// plan.
type uuidsEncodePlan struct{ next pgtype.EncodePlan }

func (p *uuidsEncodePlan) SetNext(next pgtype.EncodePlan) { p.next = next }

func (p *uuidsEncodePlan) Encode(value any, buf []byte) ([]byte, error) {
	return p.next.Encode(pgUUIDs(value.([]uuid.UUID)), buf)
}

func pgUUIDs(ids []uuid.UUID) []pgtype.UUID {
	out := make([]pgtype.UUID, len(ids))
	for i, id := range ids {
		out[i] = pgtype.UUID{Bytes: id, Valid: true}
	}
	return out
}
