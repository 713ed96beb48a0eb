package query

import (
	"context"
	"sync"

	"github.com/google/uuid"
)

// written remembers, for one request, the activities it wrote, as the
// repository wrote them.
type written struct {
	mu    sync.Mutex
	views map[uuid.UUID]Activity
}

type writtenKey struct{}

// WithWritten returns ctx carrying a memory of the activities written
// under it, so that the response of a create or an update reads back what
// it just wrote (GetActivity) without another round trip to the database
// or the cache: read-your-writes within one request. The memory lives as
// long as ctx, i.e. the request.
func WithWritten(ctx context.Context) context.Context {
	return context.WithValue(ctx, writtenKey{}, &written{})
}

// Remember records v as written under ctx; without WithWritten it does
// nothing. The repository calls it once the row is written in the
// request's transaction: a read in that transaction would see the same
// row, and a read after its commit too (a failed command answers with its
// error before reading anything).
func Remember(ctx context.Context, v Activity) {
	w, ok := ctx.Value(writtenKey{}).(*written)
	if !ok {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.views == nil {
		w.views = map[uuid.UUID]Activity{}
	}
	w.views[v.ID] = v
}

// Forget drops what ctx remembers of id (a deleted activity).
func Forget(ctx context.Context, id uuid.UUID) {
	if w, ok := ctx.Value(writtenKey{}).(*written); ok {
		w.mu.Lock()
		defer w.mu.Unlock()
		delete(w.views, id)
	}
}

func recall(ctx context.Context, id uuid.UUID) (Activity, bool) {
	w, ok := ctx.Value(writtenKey{}).(*written)
	if !ok {
		return Activity{}, false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	v, ok := w.views[id]
	return v, ok
}
