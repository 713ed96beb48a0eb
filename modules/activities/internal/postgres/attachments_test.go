package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/zebralabs/zebra/modules/activities/internal/app/query"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/activity/activitytest"
	"github.com/zebralabs/zebra/modules/activities/internal/domain/attachment"
	"github.com/zebralabs/zebra/modules/activities/internal/postgres"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
)

// newParent stores a live activity and returns it.
func newParent(t *testing.T, db *gorm.DB) *activity.Activity {
	t.Helper()
	a := activitytest.NewActivity(t, "With files", nil)
	if err := postgres.NewRepository(db, nil).Add(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

func newAttachment(t *testing.T, activityID uuid.UUID, name string) *attachment.Attachment {
	t.Helper()
	a, err := attachment.New(attachment.Draft{
		ID: uuid.Must(uuid.NewV7()), ActivityID: activityID, Filename: name, ContentType: "application/pdf",
		Size: 42, MaxBytes: 100, By: uuid.Must(uuid.NewV7()), At: time.Now().UTC().Truncate(time.Millisecond),
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestAttachments covers the repository and the read model on Postgres:
// what is written is what is read, versions are checked, deletes are
// real, and the list is keyset-paginated.
func TestAttachments(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, postgres.SchemaSource())
	repo := postgres.NewAttachments(db)
	ctx := context.Background()
	parent := newParent(t, db)

	if _, err := repo.LockParent(ctx, uuid.Must(uuid.NewV7())); !errors.Is(err, attachment.ErrNotFound) {
		t.Fatalf("LockParent of an unknown activity = %v", err)
	}
	p, err := repo.LockParent(ctx, parent.ID())
	if err != nil || p.OwnerID != parent.OwnerID() {
		t.Fatalf("LockParent = %+v, %v", p, err)
	}

	var ids []uuid.UUID
	for _, name := range []string{"a.pdf", "b.pdf", "c.pdf"} {
		a := newAttachment(t, parent.ID(), name)
		if err := repo.Add(ctx, a); err != nil {
			t.Fatalf("Add: %v", err)
		}
		ids = append(ids, a.ID())
		got, err := repo.Attachment(ctx, parent.ID(), a.ID())
		if err != nil || got != query.AttachmentViewOf(a.State()) {
			t.Fatalf("read back %+v, %v\nwrote %+v", got, err, query.AttachmentViewOf(a.State()))
		}
	}
	if _, err := repo.Attachment(ctx, uuid.Must(uuid.NewV7()), ids[0]); !errors.Is(err, attachment.ErrNotFound) {
		t.Fatalf("an attachment read under another activity: %v", err)
	}

	// Keyset pages, newest first.
	page, err := repo.Attachments(ctx, query.AttachmentFilter{ActivityID: parent.ID(), Limit: 2})
	if err != nil || len(page) != 2 || page[0].ID != ids[2] || page[1].ID != ids[1] {
		t.Fatalf("first page = %+v, %v", page, err)
	}
	page, err = repo.Attachments(ctx, query.AttachmentFilter{ActivityID: parent.ID(), Limit: 2, Before: &ids[1]})
	if err != nil || len(page) != 1 || page[0].ID != ids[0] {
		t.Fatalf("second page = %+v, %v", page, err)
	}

	// Complete: version 2; a writer that read version 1 loses.
	stored := attachment.Stored{Size: 42, ContentType: "application/pdf"}
	err = repo.Update(ctx, parent.ID(), ids[0], func(a *attachment.Attachment) error {
		return a.Complete(stored, uuid.Must(uuid.NewV7()), time.Now())
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if v, _ := repo.Attachment(ctx, parent.ID(), ids[0]); v.Status != "available" || v.Version != 2 {
		t.Fatalf("after completion: %+v", v)
	}
	err = repo.Update(ctx, parent.ID(), ids[1], func(a *attachment.Attachment) error {
		// Another writer completes it between this read and write.
		if err := repo.Update(ctx, parent.ID(), ids[1], func(b *attachment.Attachment) error {
			return b.Complete(stored, uuid.Must(uuid.NewV7()), time.Now())
		}); err != nil {
			t.Fatal(err)
		}
		return a.Complete(stored, uuid.Must(uuid.NewV7()), time.Now())
	})
	if !errors.Is(err, attachment.ErrVersionMismatch) {
		t.Fatalf("the stale writer got %v, want ErrVersionMismatch", err)
	}

	// Delete one: the row is gone.
	err = repo.Update(ctx, parent.ID(), ids[2], func(a *attachment.Attachment) error {
		a.Delete(attachment.ReasonDeleted, uuid.Must(uuid.NewV7()), time.Now())
		return nil
	})
	if err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := repo.Attachment(ctx, parent.ID(), ids[2]); !errors.Is(err, attachment.ErrNotFound) {
		t.Fatalf("a deleted attachment reads %v", err)
	}

	// DeleteAll returns what it deleted.
	gone, err := repo.DeleteAll(ctx, parent.ID())
	if err != nil || len(gone) != 2 {
		t.Fatalf("DeleteAll = %d, %v", len(gone), err)
	}
	for _, a := range gone {
		if a.State().Filename == "" || a.State().ActivityID != parent.ID() {
			t.Fatalf("DeleteAll returned %+v", a.State())
		}
	}
	if page, _ := repo.Attachments(ctx, query.AttachmentFilter{ActivityID: parent.ID(), Limit: 10}); len(page) != 0 {
		t.Fatalf("left after DeleteAll: %v", page)
	}
}

// TestLockParentHoldsOffTheActivitysDeletion: while a unit of work that
// adds an attachment holds the parent's lock, the activity's soft delete
// waits; once it commits, a new lock finds no live activity. So no
// attachment is ever added to a deleted activity.
func TestLockParentHoldsOffTheActivitysDeletion(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, postgres.SchemaSource())
	uow := database.NewUnitOfWork(db)
	repo, activities := postgres.NewAttachments(db), postgres.NewRepository(db, nil)
	parent := newParent(t, db)
	ctx := context.Background()

	locked, release := make(chan struct{}), make(chan struct{})
	addDone := make(chan error, 1)
	go func() {
		addDone <- uow.Do(ctx, func(ctx context.Context) error {
			if _, err := repo.LockParent(ctx, parent.ID()); err != nil {
				return err
			}
			close(locked)
			<-release
			return repo.Add(ctx, newAttachment(t, parent.ID(), "late.pdf"))
		})
	}()
	<-locked
	deleteDone := make(chan error, 1)
	go func() {
		deleteDone <- uow.Do(ctx, func(ctx context.Context) error {
			if err := activities.Update(ctx, parent.ID(), func(a *activity.Activity) error {
				return a.Delete(uuid.Must(uuid.NewV7()), time.Now())
			}); err != nil {
				return err
			}
			_, err := repo.DeleteAll(ctx, parent.ID())
			return err
		})
	}()
	select {
	case err := <-deleteDone:
		t.Fatalf("the deletion did not wait for the lock: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	if err := <-addDone; err != nil {
		t.Fatalf("add: %v", err)
	}
	if err := <-deleteDone; err != nil {
		t.Fatalf("delete: %v", err)
	}
	var n int64
	if err := db.Table("activities.attachments").Where("activity_id = ?", parent.ID()).Count(&n).Error; err != nil || n != 0 {
		t.Fatalf("%d attachments left on a deleted activity (%v)", n, err)
	}
	if _, err := repo.LockParent(ctx, parent.ID()); !errors.Is(err, attachment.ErrNotFound) {
		t.Fatalf("LockParent of a deleted activity = %v", err)
	}
}
