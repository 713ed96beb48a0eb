package database_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	pgxuuid "github.com/vgarvardt/pgx-google-uuid/v5"

	"github.com/zebralabs/zebra/platform/dbtest"
)

// TestOpen_EncodesUUIDsNatively: every connection of Open's pool has
// pgx-google-uuid's codec, so a uuid.UUID (alone or in a slice gorm
// expands) is sent as a binary uuid, not through its driver.Valuer
// string, and reads back.
func TestOpen_EncodesUUIDsNatively(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, dbtest.EmptyURL(t))
	cfg.MaxOpenConns = 1
	db := open(t, cfg)
	ids := []uuid.UUID{uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())}

	var one uuid.UUID
	var found int
	require.NoError(t, db.Raw("SELECT ?::uuid, (SELECT count(*) FROM unnest(?::uuid[]) id WHERE id IN ?)", ids[0], "{"+ids[0].String()+","+ids[1].String()+"}", ids).Row().Scan(&one, &found))
	assert.Equal(t, ids[0], one)
	assert.Equal(t, 2, found)

	sqlDB, err := db.DB()
	require.NoError(t, err)
	conn, err := sqlDB.Conn(context.Background())
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.Raw(func(dc any) error {
		typ, ok := dc.(*stdlib.Conn).Conn().TypeMap().TypeForOID(pgtype.UUIDOID)
		require.True(t, ok)
		assert.IsType(t, pgxuuid.UUIDCodec{}, typ.Codec)
		return nil
	}))
}
