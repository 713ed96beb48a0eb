package objects_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/modules/activities/internal/app/command"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/attachment"
	"github.com/zebralabs/zebra/modules/activities/internal/objects"
	"github.com/zebralabs/zebra/platform/blob"
	"github.com/zebralabs/zebra/platform/blob/blobtest"
	"github.com/zebralabs/zebra/platform/stream"
)

// TestCleanupDeletesTheObject runs the handler against a real S3 server:
// attachment.deleted deletes the object, again harmlessly; other events
// and other keys are left alone.
func TestCleanupDeletesTheObject(t *testing.T) {
	t.Parallel()
	srv := blobtest.Start(t)
	store := srv.Store(t)
	ctx := context.Background()
	c := objects.NewCleanup(store, zap.NewNop())

	key := attachment.ObjectKey(uuid.New(), uuid.New())
	other := "elsewhere/keep-me"
	for _, k := range []string{key, other} {
		if _, err := store.Put(ctx, k, strings.NewReader("bytes"), 5, blob.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Handle(ctx, message(t, "attachment.added", key)); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Stat(ctx, key); err != nil {
		t.Fatalf("attachment.added deleted the object: %v", err)
	}
	for range 2 { // a redelivery is harmless
		if err := c.Handle(ctx, message(t, "attachment.deleted", key)); err != nil {
			t.Fatalf("Handle: %v", err)
		}
		if _, err := store.Stat(ctx, key); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("object after attachment.deleted: %v", err)
		}
	}
	// A key outside the attachments' prefix is never deleted, and a
	// malformed event is dropped (acknowledged), not retried forever.
	if err := c.Handle(ctx, message(t, "attachment.deleted", other)); err != nil {
		t.Fatal(err)
	}
	if err := c.Handle(ctx, stream.Message{Type: "attachment.deleted", Payload: []byte("{")}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Stat(ctx, other); err != nil {
		t.Fatalf("a foreign key was deleted: %v", err)
	}
}

// TestCleanupRetriesWhileStorageIsDown: an error leaves the event pending.
func TestCleanupRetriesWhileStorageIsDown(t *testing.T) {
	t.Parallel()
	srv := blobtest.Start(t)
	store := srv.Store(t)
	srv.Stop()
	c := objects.NewCleanup(store, zap.NewNop())
	msg := message(t, "attachment.deleted", attachment.ObjectKey(uuid.New(), uuid.New()))
	if err := c.Handle(context.Background(), msg); !errors.Is(err, blob.ErrUnavailable) {
		t.Fatalf("Handle with storage down = %v, want ErrUnavailable", err)
	}
	if err := objects.NewCleanup(blob.Disabled{}, zap.NewNop()).Handle(context.Background(), msg); !errors.Is(err, blob.ErrNotConfigured) {
		t.Fatalf("Handle without storage = %v, want ErrNotConfigured", err)
	}
}

func message(t *testing.T, typ, key string) stream.Message {
	t.Helper()
	b, err := json.Marshal(command.AttachmentEventPayload{Attachment: &command.AttachmentSnapshot{ObjectKey: key}})
	if err != nil {
		t.Fatal(err)
	}
	return stream.Message{EventID: uuid.NewString(), Type: typ, Payload: b}
}
