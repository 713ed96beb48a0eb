// Package mailer sends the identity context's mails: it consumes the
// user.signed_up and user.password_reset_requested events that the outbox
// relay puts on the "user" stream, creates the one-time token the mail
// links to (so the raw token never rests in the outbox or the stream) and
// delivers through SMTP. Mail is never sent inside a request: an SMTP
// outage leaves the events pending on the stream, retried until the
// server is back, and the API does not notice.
package mailer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/zebralabs/zebra/modules/identity/internal/app/command"
	"github.com/zebralabs/zebra/modules/identity/internal/domain/token"
	"github.com/zebralabs/zebra/platform/redisdb"
	"github.com/zebralabs/zebra/platform/stream"
)

// Mail kinds, recorded with each delivery.
const (
	kindVerify = "verify_email"
	kindReset  = "reset_password"
)

// Group is the consumer group of the mailer on the user stream.
const Group = "identity-mailer"

// TokenIssuer creates the one-time token a mail carries.
type TokenIssuer interface {
	Handle(ctx context.Context, cmd command.IssueMailToken) (command.MailToken, error)
}

// Deliveries remembers which events were mailed, durably (the stream's
// own de-duplication expires).
type Deliveries interface {
	Delivered(ctx context.Context, eventID uuid.UUID) (bool, error)
	MarkDelivered(ctx context.Context, eventID uuid.UUID, kind string, at time.Time) error
}

// Options configure the mailer.
type Options struct {
	// BaseURL is APP_BASE_URL, the web app the links open.
	BaseURL string
	// Attempts is how many times one handling tries SMTP before giving the
	// event back to the stream (default 3), waiting Backoff, 2xBackoff, ...
	Attempts int
	Backoff  time.Duration
}

// Mailer handles the user stream's mail events.
type Mailer struct {
	tokens     TokenIssuer
	deliveries Deliveries
	sender     Sender
	opts       Options
	log        *zap.Logger
}

// New returns the mailer.
func New(tokens TokenIssuer, deliveries Deliveries, sender Sender, opts Options, log *zap.Logger) *Mailer {
	if opts.Attempts <= 0 {
		opts.Attempts = 3
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 250 * time.Millisecond
	}
	if log == nil {
		log = zap.NewNop()
	}
	return &Mailer{tokens: tokens, deliveries: deliveries, sender: sender, opts: opts, log: log}
}

// ConsumerConfig describes the mailer's consumer of the user stream:
// retryAfter is how long a failed event waits before it is handled again.
func ConsumerConfig(ks redisdb.Keyspace, retryAfter time.Duration) stream.Config {
	return stream.Config{
		Stream:     stream.Name(ks, "user"),
		Group:      Group,
		MinIdle:    retryAfter,
		ClaimEvery: max(retryAfter/2, time.Second),
	}
}

// NewJob returns the consumer that feeds m, a background.Job.
func NewJob(rdb redis.UniversalClient, cfg stream.Config, m *Mailer, metrics *stream.Metrics) *stream.Consumer {
	opts := []stream.Option{stream.WithLogger(m.log)}
	if metrics != nil {
		opts = append(opts, stream.WithMetrics(metrics))
	}
	return stream.NewConsumer(rdb, cfg, m.Handle, opts...)
}

// Handle is the stream handler: nil acknowledges the event, an error
// leaves it pending for a retry.
func (m *Mailer) Handle(ctx context.Context, msg stream.Message) error {
	var kind string
	var purpose token.Purpose
	switch msg.Type {
	case command.EventSignedUp:
		kind, purpose = kindVerify, token.PurposeVerifyEmail
	case command.EventPasswordResetRequested:
		kind, purpose = kindReset, token.PurposeResetPassword
	default:
		return nil // not a mail event
	}
	eventID, err := uuid.Parse(msg.EventID)
	if err != nil {
		m.log.Error("mailer: event without a valid id, dropped", zap.String("type", msg.Type))
		return nil
	}
	var ev command.MailEvent
	if err := json.Unmarshal(msg.Payload, &ev); err != nil || ev.UserID == uuid.Nil {
		m.log.Error("mailer: malformed payload, dropped", zap.String("event", msg.EventID), zap.Error(err))
		return nil
	}
	done, err := m.deliveries.Delivered(ctx, eventID)
	if err != nil || done {
		return err
	}
	mt, err := m.tokens.Handle(ctx, command.IssueMailToken{UserID: ev.UserID, Purpose: purpose})
	if err != nil {
		return fmt.Errorf("issue %s token: %w", kind, err)
	}
	if mt.Skip {
		return nil
	}
	name := ""
	if ev.DisplayName != nil {
		name = *ev.DisplayName
	}
	subject, text, html, err := render(kind, m.opts.BaseURL, name, mt.Email, mt.Secret)
	if err != nil {
		return err
	}
	mail := Message{To: mt.Email, Subject: subject, Text: text, HTML: html, ID: "<" + eventID.String() + "@zebra>"}
	if err := m.send(ctx, mail); err != nil {
		return err
	}
	if err := m.deliveries.MarkDelivered(ctx, eventID, kind, time.Now()); err != nil {
		// The mail went out; a redelivery may send it again (at least once).
		m.log.Warn("mailer: could not record delivery", zap.String("event", msg.EventID), zap.Error(err))
	}
	m.log.Info("mailer: sent", zap.String("event", msg.EventID), zap.String("kind", kind), zap.String("requestId", msg.RequestID))
	return nil
}

// send tries a few times with exponential backoff, for short blips; a
// longer outage hands the event back to the stream.
func (m *Mailer) send(ctx context.Context, mail Message) error {
	var err error
	for attempt := range m.opts.Attempts {
		if attempt > 0 {
			wait := stream.Backoff(attempt, m.opts.Backoff, 10*time.Second)
			select {
			case <-ctx.Done():
				return errors.Join(err, ctx.Err())
			case <-time.After(wait):
			}
		}
		if err = m.sender.Send(ctx, mail); err == nil {
			return nil
		}
	}
	return err
}
