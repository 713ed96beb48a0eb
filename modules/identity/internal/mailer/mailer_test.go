package mailer_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/zebralabs/zebra/modules/identity/internal/app/command"
	"github.com/zebralabs/zebra/modules/identity/internal/domain/token"
	"github.com/zebralabs/zebra/modules/identity/internal/mailer"
	"github.com/zebralabs/zebra/modules/identity/internal/mailpittest"
	"github.com/zebralabs/zebra/modules/identity/internal/settings"
	"github.com/zebralabs/zebra/platform/redistest"
	"github.com/zebralabs/zebra/platform/stream"
)

// issuer hands out recognisable secrets and remembers them.
type issuer struct {
	mu      sync.Mutex
	issued  []command.IssueMailToken
	secrets []string
	email   string
}

func (i *issuer) Handle(_ context.Context, cmd command.IssueMailToken) (command.MailToken, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.issued = append(i.issued, cmd)
	secret, _ := token.NewSecret()
	i.secrets = append(i.secrets, secret)
	return command.MailToken{Secret: secret, Email: i.email}, nil
}

type deliveries struct {
	mu   sync.Mutex
	done map[uuid.UUID]string
}

func (d *deliveries) Delivered(_ context.Context, id uuid.UUID) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.done[id]
	return ok, nil
}

func (d *deliveries) MarkDelivered(_ context.Context, id uuid.UUID, kind string, _ time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.done[id] = kind
	return nil
}

func newMailer(t *testing.T, smtpURL, email string) (*mailer.Mailer, *issuer, *deliveries) {
	t.Helper()
	cfg, err := settings.ParseSMTP(smtpURL)
	if err != nil {
		t.Fatal(err)
	}
	iss := &issuer{email: email}
	d := &deliveries{done: map[uuid.UUID]string{}}
	m := mailer.New(iss, d, mailer.NewSMTP(cfg, "Zebra <no-reply@zebra.test>"),
		mailer.Options{BaseURL: "https://app.zebra.test/", Attempts: 2, Backoff: 50 * time.Millisecond}, nil)
	return m, iss, d
}

func event(t *testing.T, typ string, userID uuid.UUID, email string) stream.Message {
	t.Helper()
	name := "Ada"
	payload, _ := json.Marshal(command.MailEvent{UserID: userID, Email: email, DisplayName: &name})
	return stream.Message{EventID: uuid.Must(uuid.NewV7()).String(), Type: typ, AggregateType: "user", AggregateID: userID.String(), Payload: payload}
}

func linkToken(t *testing.T, body, path string) string {
	t.Helper()
	i := strings.Index(body, "https://app.zebra.test"+path+"?token=")
	if i < 0 {
		t.Fatalf("no %s link in %q", path, body)
	}
	raw := strings.Fields(body[i:])[0]
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

func TestSendsVerificationAndResetMailsOnce(t *testing.T) {
	t.Parallel()
	mp := mailpittest.Start(t)
	m, iss, _ := newMailer(t, mp.SMTPURL, "ada@example.com")
	uid := uuid.Must(uuid.NewV7())
	ctx := context.Background()

	signup := event(t, command.EventSignedUp, uid, "ada@example.com")
	if err := m.Handle(ctx, signup); err != nil {
		t.Fatal(err)
	}
	got := mp.WaitFor(t, "ada@example.com", "Confirm your email", 1, 10*time.Second)
	if tok := linkToken(t, got.Text, "/verify-email"); tok != iss.secrets[0] {
		t.Fatalf("link token %q, issued %q", tok, iss.secrets[0])
	}
	if iss.issued[0].Purpose != token.PurposeVerifyEmail || iss.issued[0].UserID != uid {
		t.Fatalf("issued %+v", iss.issued[0])
	}
	if !strings.Contains(got.HTML, "Hello Ada") {
		t.Fatalf("html %q", got.HTML)
	}
	// A redelivered event is not mailed twice.
	if err := m.Handle(ctx, signup); err != nil {
		t.Fatal(err)
	}
	reset := event(t, command.EventPasswordResetRequested, uid, "ada@example.com")
	if err := m.Handle(ctx, reset); err != nil {
		t.Fatal(err)
	}
	r := mp.WaitFor(t, "ada@example.com", "Reset your password", 1, 10*time.Second)
	if tok := linkToken(t, r.Text, "/reset-password"); tok != iss.secrets[1] {
		t.Fatalf("reset link token %q", tok)
	}
	msgs, _ := mp.Messages(ctx)
	if len(msgs) != 2 || len(iss.issued) != 2 {
		t.Fatalf("%d mails, %d tokens; want 2 and 2", len(msgs), len(iss.issued))
	}
	// Other events of the stream are acknowledged without a mail.
	if err := m.Handle(ctx, event(t, "user.roles_changed", uid, "ada@example.com")); err != nil {
		t.Fatal(err)
	}
}

// TestSMTPDownNothingLost: with the SMTP server down the event stays
// pending on the stream; once the server is back, the consumer reclaims it
// and the mail goes out.
func TestSMTPDownNothingLost(t *testing.T) {
	t.Parallel()
	rdb, ks := redistest.New(t)
	smtpAddr := mailpittest.FreeAddr(t) // nothing listens here yet
	m, _, d := newMailer(t, "smtp://"+smtpAddr, "bob@example.com")
	cfg := mailer.ConsumerConfig(ks, 300*time.Millisecond)
	cfg.Block = 100 * time.Millisecond
	consumer := mailer.NewJob(rdb, cfg, m, nil)
	ctx := context.Background()

	ev := event(t, command.EventSignedUp, uuid.Must(uuid.NewV7()), "bob@example.com")
	ev.OccurredAt = time.Now()
	if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: cfg.Stream, Values: ev.Values()}).Err(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := consumer.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("a failed delivery blocked the consumer for %v", time.Since(start))
	}
	pending, err := rdb.XPending(ctx, cfg.Stream, mailer.Group).Result()
	if err != nil || pending.Count != 1 || len(d.done) != 0 {
		t.Fatalf("after SMTP failure: pending %+v (%v), delivered %d", pending, err, len(d.done))
	}

	mp := mailpittest.StartAt(t, smtpAddr)
	time.Sleep(400 * time.Millisecond) // past MinIdle
	if err := consumer.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	mp.WaitFor(t, "bob@example.com", "Confirm your email", 1, 10*time.Second)
	pending, _ = rdb.XPending(ctx, cfg.Stream, mailer.Group).Result()
	if pending.Count != 0 {
		t.Fatalf("still pending after delivery: %+v", pending)
	}
}
