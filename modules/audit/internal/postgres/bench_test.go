package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/zebralabs/zebra/modules/audit/internal/app/command"
	"github.com/zebralabs/zebra/modules/audit/internal/postgres"
	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
)

// BenchmarkCommandWithAudit measures whole commands (write the entity,
// record the audit event, write two more rows as the outbox and the
// idempotency store do, commit) from 8 concurrent callers over a pool of
// 8, without an audit event and with the chain locked at Record or just
// before commit. The chain serialises writers only while its lock is
// held, so where it is taken is what matters:
//
//	go test ./internal/postgres -run '^$' -bench CommandWithAudit -benchtime 3000x
func BenchmarkCommandWithAudit(b *testing.B) {
	tests := []struct {
		name   string
		record bool
		timing command.LockTiming
	}{
		{"no-audit", false, 0},
		{"lock-at-commit", true, command.LockAtCommit},
		{"lock-at-record", true, command.LockAtRecord},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			db := dbtest.New(b, postgres.Source())
			if err := db.Exec("CREATE TABLE bench_entity (id bigserial PRIMARY KEY, body jsonb NOT NULL)").Error; err != nil {
				b.Fatal(err)
			}
			uow := database.NewUnitOfWork(db)
			rec := command.NewRecordEventHandler(postgres.Transactor{UnitOfWork: uow}, postgres.NewStore(db), time.Now, tt.timing)
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
