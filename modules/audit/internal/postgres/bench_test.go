package postgres_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/zebralabs/zebra/modules/audit/internal/app/command"
	"github.com/zebralabs/zebra/modules/audit/internal/postgres"
	"github.com/zebralabs/zebra/modules/audit/internal/repotest"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
)

// BenchmarkCommandWithAudit measures whole commands (write the entity,
// record the audit event, write two more rows as the outbox and the
// idempotency store do, commit) from 8 concurrent callers over a pool of
// 8, without an audit event and with the event written at Record or just
// before commit (appending takes no lock: the chain is linked after the
// commit), and with the chainer job linking them meanwhile, as in
// `zebra serve`:
//
//	go test ./internal/postgres -run '^$' -bench CommandWithAudit -benchtime 3000x
func BenchmarkCommandWithAudit(b *testing.B) {
	tests := []struct {
		name    string
		record  bool
		timing  command.LockTiming
		chainer bool
	}{
		{"no-audit", false, 0, false},
		{"at-commit", true, command.LockAtCommit, false},
		{"at-record", true, command.LockAtRecord, false},
		{"at-commit-with-chainer", true, command.LockAtCommit, true},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			db := dbtest.New(b, postgres.Source())
			if err := db.Exec("CREATE TABLE bench_entity (id bigserial PRIMARY KEY, body jsonb NOT NULL)").Error; err != nil {
				b.Fatal(err)
			}
			uow := database.NewUnitOfWork(db)
			store := postgres.NewStore(db)
			rec := command.NewRecordEventHandler(postgres.Transactor{UnitOfWork: uow}, store, repotest.Keys, time.Now, tt.timing)
			if tt.chainer {
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan struct{})
				go func() { _ = postgres.NewChainer(store, zap.NewNop()).Run(ctx); close(done) }()
				b.Cleanup(func() { cancel(); <-done })
			}
			write := func(ctx context.Context) error {
				return database.Conn(ctx, db).Exec(`INSERT INTO bench_entity (body) VALUES ('{"title":"x"}')`).Error
			}
			b.SetParallelism(4)
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					err := uow.Do(context.Background(), func(ctx context.Context) error {
						if err := write(ctx); err != nil {
							return err
						}
						if tt.record {
							if err := rec.Record(ctx, auditlog.Event{
								Actor: auditlog.SystemActor, Action: "activity.created", EntityType: "activity", EntityID: "1",
								After: map[string]string{"title": "x"},
							}); err != nil {
								return err
							}
						}
						if err := write(ctx); err != nil {
							return err
						}
						return write(ctx)
					})
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "commands/s")
		})
	}
}

// BenchmarkLink measures the chainer's work per event: b.N events with
// entity-sized snapshots are queued, then Link chains them all (in
// batches of linkBatch); the CPU and allocations per event are the
// worker's share of every audited write.
//
//	go test ./internal/postgres -run '^$' -bench Link -benchmem -benchtime 20000x
func BenchmarkLink(b *testing.B) {
	db := dbtest.New(b, postgres.Source())
	// The queue's trigger queues every inserted event for Link.
	if err := db.Exec(`INSERT INTO audit.events (id, occurred_at, actor, action, entity_type, entity_id, request_id, before, after, metadata, mac, mac_key_id)
		SELECT (lpad(to_hex(1700000000000 + g), 12, '0') || '7000' || '8000' || lpad(to_hex(g), 12, '0'))::uuid,
		       now(), 'user', 'activity.updated', 'activity', g::text, 'req',
		       jsonb_build_object('id', gen_random_uuid(), 'title', 'title ' || g, 'description', null, 'status', 'planned',
		         'ownerId', gen_random_uuid(), 'createdAt', now(), 'updatedAt', now(), 'createdBy', gen_random_uuid(),
		         'updatedBy', gen_random_uuid(), 'version', g),
		       jsonb_build_object('id', gen_random_uuid(), 'title', 'title ' || g || '!', 'description', null, 'status', 'planned',
		         'ownerId', gen_random_uuid(), 'createdAt', now(), 'updatedAt', now(), 'createdBy', gen_random_uuid(),
		         'updatedBy', gen_random_uuid(), 'version', g + 1),
		       '{"events":["activity.updated"]}'::jsonb, sha256(g::text::bytea), 'bench'
		FROM generate_series(1, ?) g`, b.N).Error; err != nil {
		b.Fatal(err)
	}
	store := postgres.NewStore(db)
	b.ResetTimer()
	n, err := store.Link(context.Background())
	b.StopTimer()
	if err != nil || n != b.N {
		b.Fatalf("linked %d of %d: %v", n, b.N, err)
	}
}
