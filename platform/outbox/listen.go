package outbox

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform/stream"
)

// Channel is the Postgres notification channel the Writer signals after a
// commit that wrote outbox rows when no relay runs in its process.
const Channel = "platform_outbox"

// listen holds a connection of its own LISTENing on Channel and raises
// out on every notification, reconnecting with backoff when the
// connection drops. The relay still polls, so a lost notification only
// delays an event by one poll interval.
func listen(ctx context.Context, url string, out chan<- struct{}, log *zap.Logger) {
	failures := 0
	for ctx.Err() == nil {
		err := listenOnce(ctx, url, out, func() { failures = 0 })
		if ctx.Err() != nil {
			return
		}
		failures++
		log.Warn("outbox: LISTEN connection lost, polling until it is back", zap.Error(err))
		wait(ctx, stream.Backoff(failures, 200*time.Millisecond, 30*time.Second), nil, nil)
	}
}

func listenOnce(ctx context.Context, url string, out chan<- struct{}, connected func()) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return err
	}
	connected()
	// A commit may have happened while we were not listening.
	raise(out)
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		raise(out)
	}
}

func raise(out chan<- struct{}) {
	select {
	case out <- struct{}{}:
	default:
	}
}
