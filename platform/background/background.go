// Package background runs the process's long-lived jobs (outbox relay,
// stream consumers, cleanups) under the fx lifecycle: started after the
// app is assembled, stopped and waited for on shutdown, so `zebra serve`
// and `zebra worker` share one mechanism and no constructor starts a
// goroutine.
package background

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.uber.org/fx"
	"go.uber.org/zap"
)

// Job is one long-running task. Run blocks until ctx is cancelled and
// returns nil then; it handles its own transient errors (retry, backoff)
// and returns an error only when it cannot go on.
type Job interface {
	Name() string
	Run(ctx context.Context) error
}

// AsJob annotates a constructor returning a Job for the "jobs" group.
func AsJob(constructor any) any {
	return fx.Annotate(constructor, fx.As(new(Job)), fx.ResultTags(`group:"jobs"`))
}

// Start runs every job in its own goroutine from the lifecycle's OnStart
// and, in OnStop, cancels them and waits until they return or the stop
// context expires. A job that fails is logged and restarted after a pause,
// so one bad dependency does not take the process down.
func Start(lc fx.Lifecycle, log *zap.Logger, jobs []Job) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			for _, j := range jobs {
				wg.Go(func() { supervise(ctx, log.With(zap.String("job", j.Name())), j) })
			}
			return nil
		},
		OnStop: func(stopCtx context.Context) error {
			cancel()
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			select {
			case <-done:
				return nil
			case <-stopCtx.Done():
				return errors.New("background jobs did not stop in time")
			}
		},
	})
}

func supervise(ctx context.Context, log *zap.Logger, j Job) {
	log.Info("job started")
	for {
		err := j.Run(ctx)
		if ctx.Err() != nil {
			log.Info("job stopped")
			return
		}
		log.Error("job failed, restarting", zap.Error(err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}
