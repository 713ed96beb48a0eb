package postgres

import (
	"context"

	"github.com/google/uuid"

	"github.com/zebralabs/zebra/modules/activities/internal/app/query"
	"github.com/zebralabs/zebra/platform/cache"
	"github.com/zebralabs/zebra/platform/database"
)

// CachedReadModel serves single activities through the read-through cache
// (GET /v1/activities/{id}) and everything else from the database. The
// Repository replaces or invalidates the cached copy after each committed
// change.
type CachedReadModel struct {
	*ReadModel
	cache *cache.Cache[query.Activity]
}

var _ query.ReadModel = (*CachedReadModel)(nil)

// NewCachedReadModel returns read with single reads cached in c.
func NewCachedReadModel(read *ReadModel, c *cache.Cache[query.Activity]) *CachedReadModel {
	return &CachedReadModel{ReadModel: read, cache: c}
}

// Activity implements query.ReadModel. Inside a unit of work it reads the
// database directly: the transaction may see its own uncommitted change,
// which must never reach the cache.
func (m *CachedReadModel) Activity(ctx context.Context, id uuid.UUID) (query.Activity, error) {
	if database.InTx(ctx) {
		return m.ReadModel.Activity(ctx, id)
	}
	return m.cache.Get(ctx, cacheKey(id), func(ctx context.Context) (query.Activity, int64, error) {
		v, err := m.ReadModel.Activity(ctx, id)
		return v, int64(v.Version), err
	})
}
