package auditlog_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"go.uber.org/fx"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/zebralabs/zebra/platform/auditlog"
	"github.com/zebralabs/zebra/platform/config"
	"github.com/zebralabs/zebra/platform/database"
	"github.com/zebralabs/zebra/platform/dbtest"
)

// stored is the recorder of a module that stores the events.
type stored struct{ n int }

func (s *stored) Record(context.Context, auditlog.Event) error { s.n++; return nil }

// recorderOf builds auditlog.Module with recorders contributed, in env.
func recorderOf(t *testing.T, env string, recorders ...auditlog.Recorder) (auditlog.Recorder, *observer.ObservedLogs, error) {
	t.Helper()
	core, logs := observer.New(zapcore.DebugLevel)
	opts := []fx.Option{fx.NopLogger, fx.Supply(config.Config{Env: env}, zap.New(core)), auditlog.Module}
	for _, r := range recorders {
		opts = append(opts, fx.Provide(auditlog.AsRecorder(func() auditlog.Recorder { return r })))
	}
	var rec auditlog.Recorder
	app := fx.New(append(opts, fx.Populate(&rec))...)
	return rec, logs, app.Err()
}

func TestTheContributedRecorderIsTheOne(t *testing.T) {
	t.Parallel()
	s := &stored{}
	rec, logs, err := recorderOf(t, config.EnvProd, s)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Record(context.Background(), auditlog.Event{Action: "thing.created"}); err != nil || s.n != 1 {
		t.Fatalf("recorded %d through the contributed recorder, err %v", s.n, err)
	}
	if logs.Len() != 0 {
		t.Errorf("logged %v", logs.All())
	}
}

func TestWithoutARecorderDevelopmentLogsWithAWarning(t *testing.T) {
	t.Parallel()
	rec, logs, err := recorderOf(t, config.EnvDev)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := rec.(*auditlog.LogRecorder); !ok {
		t.Fatalf("recorder is %T, want *auditlog.LogRecorder", rec)
	}
	if w := logs.FilterLevelExact(zapcore.WarnLevel).All(); len(w) != 1 {
		t.Fatalf("startup warnings = %v, want one", w)
	}
}

func TestWithoutARecorderProductionRefusesToStart(t *testing.T) {
	t.Parallel()
	_, _, err := recorderOf(t, config.EnvProd)
	if !errors.Is(err, auditlog.ErrNoRecorder) {
		t.Fatalf("err = %v, want ErrNoRecorder", err)
	}
}

func TestTwoRecordersAreRefused(t *testing.T) {
	t.Parallel()
	if _, _, err := recorderOf(t, config.EnvDev, &stored{}, &stored{}); err == nil {
		t.Fatal("two recorders were accepted")
	}
}

// TestLogRecorderLogsCommittedEventsOnly runs it inside real units of
// work: a committed change leaves one line with its redacted documents, a
// rolled-back one none.
func TestLogRecorderLogsCommittedEventsOnly(t *testing.T) {
	t.Parallel()
	core, logs := observer.New(zapcore.InfoLevel)
	rec := auditlog.NewLogRecorder(zap.New(core))
	uow := database.NewUnitOfWork(dbtest.New(t))
	ctx := context.Background()

	event := auditlog.Event{Actor: "u-1", Action: "thing.created", EntityType: "thing", EntityID: "t-1",
		After: map[string]any{"name": "first", "password": "hunter2"}}
	err := uow.Do(ctx, func(ctx context.Context) error {
		if err := rec.Record(ctx, event); err != nil {
			return err
		}
		if logs.Len() != 0 {
			t.Error("logged before the commit")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rollback := errors.New("rolled back")
	err = uow.Do(ctx, func(ctx context.Context) error {
		if err := rec.Record(ctx, auditlog.Event{Action: "thing.deleted"}); err != nil {
			return err
		}
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatal(err)
	}

	lines := logs.All()
	if len(lines) != 1 {
		t.Fatalf("logged %d lines, want the committed event only: %v", len(lines), lines)
	}
	f := lines[0].ContextMap()
	if f["action"] != "thing.created" || f["actor"] != "u-1" || f["eventId"] == "" {
		t.Errorf("fields = %v", f)
	}
	after, err := json.Marshal(f["after"])
	if err != nil || string(after) != `{"name":"first"}` {
		t.Errorf("after = %s (%v), want the document without its secret", after, err)
	}
}
