package stream

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/platform/id"
)

// Handler handles one message. Returning nil acknowledges it; an error
// leaves it pending, to be retried (by this or another consumer) once it
// has been idle for Config.MinIdle. Handlers must tolerate a retry of a
// message whose side effect happened but whose acknowledgement was lost.
type Handler func(ctx context.Context, m Message) error

// Config describes one consumer.
type Config struct {
	// Stream is the stream key, from Name.
	Stream string
	// Group is the consumer group, one per kind of work ("mailer"): every
	// group sees every message, the consumers of one group share them.
	Group string
	// Consumer names this member of the group; it must be unique per
	// process. Empty: "<hostname>-<random>".
	Consumer string
	// Block is how long one read waits for messages (default 2s); it also
	// bounds how long Run takes to return after its context is cancelled.
	Block time.Duration
	// MinIdle is how long a message stays pending before another consumer
	// may claim it (default 1m): longer than any handler runs.
	MinIdle time.Duration
	// ClaimEvery is how often pending messages are reclaimed (default 30s).
	ClaimEvery time.Duration
}

const (
	// readCount is how many messages one read or reclaim returns.
	readCount = 16
	// dedupTTL is how long a handled event id is remembered; it must
	// exceed the time a duplicate can arrive (outbox retries).
	dedupTTL = 7 * 24 * time.Hour
)

func (c Config) withDefaults() Config {
	if c.Consumer == "" {
		host, _ := os.Hostname()
		c.Consumer = host + "-" + id.New().String()[24:]
	}
	if c.Block <= 0 {
		c.Block = 2 * time.Second
	}
	if c.MinIdle <= 0 {
		c.MinIdle = time.Minute
	}
	if c.ClaimEvery <= 0 {
		c.ClaimEvery = 30 * time.Second
	}
	return c
}

// Option adjusts a Consumer.
type Option func(*Consumer)

// WithLogger logs handler failures and Redis errors to log.
func WithLogger(log *zap.Logger) Option { return func(c *Consumer) { c.log = log } }

// WithMetrics reports the group's lag to m.
func WithMetrics(m *Metrics) Option { return func(c *Consumer) { c.metrics = m } }

// Consumer reads one stream as one member of one group. It is a
// background.Job: contribute it with background.AsJob and `zebra serve` or
// `zebra worker` runs it.
type Consumer struct {
	client  redis.UniversalClient
	cfg     Config
	handler Handler
	log     *zap.Logger
	metrics *Metrics
}

// NewConsumer returns a consumer of cfg.Stream in cfg.Group that passes
// each message to handler. It starts nothing: Run does.
func NewConsumer(client redis.UniversalClient, cfg Config, handler Handler, opts ...Option) *Consumer {
	c := &Consumer{client: client, cfg: cfg.withDefaults(), handler: handler, log: zap.NewNop()}
	for _, o := range opts {
		o(c)
	}
	c.log = c.log.With(zap.String("stream", c.cfg.Stream), zap.String("group", c.cfg.Group), zap.String("consumer", c.cfg.Consumer))
	return c
}

// Name names the job.
func (c *Consumer) Name() string { return "stream-consumer:" + c.cfg.Stream + ":" + c.cfg.Group }

// Run creates the group if needed, at the start of the stream so that
// events written before the first consumer started are handled too, and
// handles messages until ctx is cancelled. Redis errors are logged and
// retried with backoff; Run returns nil when ctx ends.
func (c *Consumer) Run(ctx context.Context) error {
	failures := 0
	var nextClaim time.Time
	for ctx.Err() == nil {
		err := c.ensureGroup(ctx)
		if err == nil && !time.Now().Before(nextClaim) {
			err = c.reclaim(ctx)
			nextClaim = time.Now().Add(c.cfg.ClaimEvery)
		}
		if err == nil {
			err = c.readNew(ctx)
		}
		if err == nil {
			failures = 0
			continue
		}
		if ctx.Err() != nil {
			break
		}
		failures++
		c.log.Warn("stream consumer: redis error, backing off", zap.Error(err), zap.Int("failures", failures))
		if !sleep(ctx, Backoff(failures, 100*time.Millisecond, 10*time.Second)) {
			break
		}
	}
	return nil
}

// RunOnce reclaims idle pending messages and handles one read of new
// ones; tests and tools drive a consumer step by step with it.
func (c *Consumer) RunOnce(ctx context.Context) error {
	if err := c.ensureGroup(ctx); err != nil {
		return err
	}
	if err := c.reclaim(ctx); err != nil {
		return err
	}
	return c.readNew(ctx)
}

func (c *Consumer) ensureGroup(ctx context.Context) error {
	err := c.client.XGroupCreateMkStream(ctx, c.cfg.Stream, c.cfg.Group, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("create group %s on %s: %w", c.cfg.Group, c.cfg.Stream, err)
	}
	return nil
}

func (c *Consumer) readNew(ctx context.Context) error {
	res, err := c.client.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group:    c.cfg.Group,
		Consumer: c.cfg.Consumer,
		Streams:  []string{c.cfg.Stream, ">"},
		Count:    readCount,
		Block:    c.cfg.Block,
	}).Result()
	if errors.Is(err, redis.Nil) {
		c.reportLag(ctx)
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", c.cfg.Stream, err)
	}
	for _, s := range res {
		for _, m := range s.Messages {
			if err := c.handle(ctx, m); err != nil {
				return err
			}
		}
	}
	c.reportLag(ctx)
	return nil
}

// reclaim takes over messages pending longer than MinIdle, whoever held
// them (a crashed consumer, or this one after a handler error), and
// handles them again.
func (c *Consumer) reclaim(ctx context.Context) error {
	start := "0-0"
	for {
		msgs, next, err := c.client.XAutoClaim(ctx, &redis.XAutoClaimArgs{
			Stream: c.cfg.Stream, Group: c.cfg.Group, Consumer: c.cfg.Consumer,
			MinIdle: c.cfg.MinIdle, Start: start, Count: readCount,
		}).Result()
		if err != nil {
			return fmt.Errorf("autoclaim %s: %w", c.cfg.Stream, err)
		}
		for _, m := range msgs {
			if err := c.handle(ctx, m); err != nil {
				return err
			}
		}
		if next == "0-0" || next == "" || ctx.Err() != nil {
			return nil
		}
		start = next
	}
}

// handle runs the handler unless the group already handled the event,
// then records the event id and acknowledges. A handler error is logged
// and leaves the message pending; only Redis errors are returned.
func (c *Consumer) handle(ctx context.Context, xm redis.XMessage) error {
	m, err := Parse(xm.ID, xm.Values)
	if err != nil {
		// Retrying cannot fix it: log it and move on.
		c.log.Error("stream consumer: dropping malformed entry", zap.String("entry", xm.ID), zap.Error(err))
		return c.ack(ctx, xm.ID)
	}
	key := c.dedupKey(m)
	done, err := c.client.Exists(ctx, key).Result()
	if err != nil {
		return fmt.Errorf("check %s: %w", key, err)
	}
	if done == 1 {
		return c.ack(ctx, xm.ID)
	}
	if err := c.handler(ctx, m); err != nil {
		c.log.Warn("stream consumer: handler failed; the message stays pending and is retried after MinIdle",
			zap.String("entry", xm.ID), zap.String("event", m.EventID), zap.String("type", m.Type), zap.Error(err))
		return nil
	}
	if err := c.client.SetNX(ctx, key, xm.ID, dedupTTL).Err(); err != nil {
		return fmt.Errorf("remember %s: %w", key, err)
	}
	return c.ack(ctx, xm.ID)
}

func (c *Consumer) ack(ctx context.Context, entry string) error {
	if err := c.client.XAck(ctx, c.cfg.Stream, c.cfg.Group, entry).Err(); err != nil {
		return fmt.Errorf("ack %s %s: %w", c.cfg.Stream, entry, err)
	}
	return nil
}

// dedupKey is "<stream>:processed:<group>:<event id>", under the stream's
// own prefix so test keyspaces clean it up with the stream.
func (c *Consumer) dedupKey(m Message) string {
	return c.cfg.Stream + ":processed:" + c.cfg.Group + ":" + m.EventID
}

func (c *Consumer) reportLag(ctx context.Context) {
	if c.metrics == nil {
		return
	}
	c.metrics.observe(ctx, c.client, c.cfg.Stream, c.cfg.Group)
}

// sleep waits d or until ctx ends; it reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
