// Package objects deletes the objects of deleted attachments. It consumes
// the attachment stream of the outbox: an attachment.deleted event is
// written in the unit of work that deleted the row (the attachment's own
// deletion, or its activity's), so the object is deleted if and only if
// the deletion committed, at least once, after the commit, and retried
// while object storage is down. Deleting a missing object succeeds, so a
// redelivered event is harmless.
package objects

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/modules/activities/internal/app/command"
	"github.com/zebralabs/zebra/platform/redisdb"
	"github.com/zebralabs/zebra/platform/stream"
)

// Group is the consumer group of the cleanup on the attachment stream.
const Group = "attachment-objects"

// keyPrefix is the prefix of every attachment's object key: the cleanup
// deletes nothing else, whatever an event says.
const keyPrefix = "activities/"

// Deleter deletes objects (blob.Store does).
type Deleter interface {
	Delete(ctx context.Context, key string) error
}

// Cleanup handles attachment events.
type Cleanup struct {
	objects Deleter
	log     *zap.Logger
}

// NewCleanup returns the handler.
func NewCleanup(objects Deleter, log *zap.Logger) *Cleanup {
	return &Cleanup{objects: objects, log: log}
}

// Handle deletes the object of an attachment.deleted event and ignores
// every other event. An error (storage down, or not configured: the
// objects stay until it is) leaves the event pending for a retry.
func (c *Cleanup) Handle(ctx context.Context, m stream.Message) error {
	if m.Type != "attachment.deleted" {
		return nil
	}
	var p command.AttachmentEventPayload
	if err := json.Unmarshal(m.Payload, &p); err != nil || p.Attachment == nil || !strings.HasPrefix(p.Attachment.ObjectKey, keyPrefix) {
		c.log.Error("attachment cleanup: malformed event, dropped", zap.String("event", m.EventID), zap.Error(err))
		return nil
	}
	if err := c.objects.Delete(ctx, p.Attachment.ObjectKey); err != nil {
		return fmt.Errorf("delete object %s: %w", p.Attachment.ObjectKey, err)
	}
	return nil
}

// NewJob returns the consumer of the attachment stream that feeds c, a
// background.Job.
func NewJob(rdb redis.UniversalClient, ks redisdb.Keyspace, c *Cleanup, metrics *stream.Metrics) *stream.Consumer {
	opts := []stream.Option{stream.WithLogger(c.log)}
	if metrics != nil {
		opts = append(opts, stream.WithMetrics(metrics))
	}
	return stream.NewConsumer(rdb, stream.Config{Stream: stream.Name(ks, "attachment"), Group: Group}, c.Handle, opts...)
}
