package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/modules/audit/internal/app/query"
	"github.com/zebralabs/zebra/modules/audit/internal/domain/event"
	"github.com/zebralabs/zebra/modules/audit/internal/postgres"
	"github.com/zebralabs/zebra/modules/audit/internal/repotest"
)

// v7At returns a UUIDv7 dated at.
func v7At(t *testing.T, at time.Time) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(at.UnixMilli()))
	copy(id[:6], ms[2:])
	return id
}

// forgedEvent is the plain INSERT of issue 19: an event dated ten years
// ahead, with whatever MAC the forger can come up with.
const forgedEvent = `INSERT INTO audit.events
	(id, occurred_at, actor, action, entity_type, entity_id, request_id, after, mac, mac_key_id)
	VALUES (?, now() + interval '10 years', 'mallory', 'activity.created', 'activity', 'x', '', '{"title":"forged"}', ?, ?)`

// withTriggersOff runs statements with audit.events' triggers disabled,
// as an attacker with DDL rights could.
func withTriggersOff(t *testing.T, db *gorm.DB, stmts func(tx *gorm.DB) error) {
	t.Helper()
	require.NoError(t, db.Transaction(func(tx *gorm.DB) error {
		return errors.Join(
			tx.Exec("ALTER TABLE audit.events DISABLE TRIGGER USER").Error,
			stmts(tx),
			tx.Exec("ALTER TABLE audit.events ENABLE TRIGGER USER").Error)
	}))
}

// TestForgedEventsFailVerification writes events behind the service's
// back: straight into audit.events (where the queue's trigger queues
// them, so they get chained), into audit.events with the triggers off
// (never queued), into audit.events and the chainer's queue by hand, and
// into the queue alone. Each is reported as the first broken event,
// whatever its occurred_at, and the list still starts with the newest
// event the service wrote.
func TestForgedEventsFailVerification(t *testing.T) {
	t.Parallel()
	randomMAC := make([]byte, 32)
	_, _ = rand.Read(randomMAC)
	tests := []struct {
		name    string
		forge   func(t *testing.T, db *gorm.DB, id uuid.UUID, genuine *event.Event)
		chained bool  // the forged event ends up in the chain
		checked int64 // events verification examines
	}{
		{"plain insert into audit.events", func(t *testing.T, db *gorm.DB, id uuid.UUID, _ *event.Event) {
			require.NoError(t, db.Exec(forgedEvent, id, randomMAC, "test").Error)
		}, true, 4},
		{"insert carrying a genuine event's MAC", func(t *testing.T, db *gorm.DB, id uuid.UUID, genuine *event.Event) {
			require.NoError(t, db.Exec(forgedEvent, id, genuine.MAC(), genuine.MACKeyID()).Error)
		}, true, 4},
		{"insert with the triggers off, never queued", func(t *testing.T, db *gorm.DB, id uuid.UUID, _ *event.Event) {
			withTriggersOff(t, db, func(tx *gorm.DB) error { return tx.Exec(forgedEvent, id, randomMAC, "test").Error })
		}, false, 3},
		{"inserts into audit.events and the queue, triggers off", func(t *testing.T, db *gorm.DB, id uuid.UUID, _ *event.Event) {
			withTriggersOff(t, db, func(tx *gorm.DB) error {
				return errors.Join(tx.Exec(forgedEvent, id, randomMAC, "test").Error,
					tx.Exec("INSERT INTO audit.unchained (event_id) VALUES (?)", id).Error)
			})
		}, true, 4},
		{"queue row of no event", func(t *testing.T, db *gorm.DB, id uuid.UUID, _ *event.Event) {
			require.NoError(t, db.Exec("INSERT INTO audit.unchained (event_id) VALUES (?)", id).Error)
		}, false, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := newDB(t)
			store, events := seed(t, db, 3)
			// Dated an hour ago by its id: the list must not show it first.
			id := v7At(t, time.Now().Add(-time.Hour))
			tt.forge(t, db, id, events[0])

			assert.Equal(t, event.Verification{OK: false, Checked: tt.checked, FirstBroken: id}, verifyDB(t, db))
			head, err := store.Head(context.Background())
			require.NoError(t, err)
			assert.Equal(t, tt.chained, head.Seq == 4, "chained (head at %d)", head.Seq)
			page, err := store.List(context.Background(), query.Filter{}, nil, 1)
			require.NoError(t, err)
			require.Len(t, page, 1)
			assert.Equal(t, events[2].ID(), page[0].ID, "the list starts with the newest genuine event")
		})
	}
}

// TestDatabaseRefusesIDsOutOfOrder: the list is ordered by id, so the
// database refuses an id that is not a UUIDv7, or one dated in the future,
// whoever inserts it.
func TestDatabaseRefusesIDsOutOfOrder(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	tests := []struct {
		name string
		id   uuid.UUID
	}{
		{"UUIDv4", uuid.New()},
		{"UUIDv7 ten years ahead", v7At(t, time.Now().AddDate(10, 0, 0))},
		{"UUIDv7 an hour ahead", v7At(t, time.Now().Add(time.Hour))},
	}
	for _, tt := range tests {
		err := db.Exec(forgedEvent, tt.id, []byte("mac"), "test").Error
		var pgErr *pgconn.PgError
		require.True(t, errors.As(err, &pgErr), "%s: want a refusal, got %v", tt.name, err)
		assert.Equal(t, "23514", pgErr.Code, tt.name)
	}
	assert.Equal(t, 0, count(t, db, "audit.events"))
	require.NoError(t, db.Exec(forgedEvent, v7At(t, time.Now().Add(time.Minute)), []byte("mac"), "test").Error,
		"a minute of clock skew between the service and the database is allowed")
}

// TestVerificationNeedsTheKey: the database holds no key, so a verifier
// without the service's key finds even genuine events broken, and one
// whose keys include the old signing key verifies after a rotation.
func TestVerificationNeedsTheKey(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	store, events := seed(t, db, 2)
	other, err := event.NewKeys(event.Key{ID: "test", Secret: []byte("not-the-service-key-not-the-service-key")})
	require.NoError(t, err)
	got, err := query.NewVerifyChainHandler(store, other).Handle(adminCtx(), query.VerifyChain{})
	require.NoError(t, err)
	assert.Equal(t, event.Verification{OK: false, Checked: 1, FirstBroken: events[0].ID()}, got)

	newer := event.Key{ID: "next", Secret: []byte("next-audit-mac-key-next-audit-mac-key")}
	rotated, err := event.NewKeys(newer, repotest.Key)
	require.NoError(t, err)
	sealed := newEvent(t, "after-rotation")
	rotated.Seal(sealed)
	require.NoError(t, store.Append(context.Background(), sealed))
	got, err = query.NewVerifyChainHandler(postgres.NewStore(db), rotated).Handle(adminCtx(), query.VerifyChain{})
	require.NoError(t, err)
	assert.Equal(t, event.Verification{OK: true, Checked: 3}, got)
}
