package mailer

import (
	"context"
	"fmt"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/zebralabs/zebra/modules/identity/internal/settings"
)

// Message is one mail to send.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
	// ID becomes the Message-ID, derived from the outbox event, so a mail
	// sent twice (at-least-once delivery) is recognisably the same.
	ID string
}

// Sender delivers mail.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SMTP sends through the server of SMTP_URL with go-mail, one connection
// per mail (mails are rare: sign-ups and resets).
type SMTP struct {
	cfg  settings.SMTP
	from string
}

// NewSMTP returns a sender for cfg, sending from from.
func NewSMTP(cfg settings.SMTP, from string) *SMTP { return &SMTP{cfg: cfg, from: from} }

// Send delivers m or returns why it could not.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg := mail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return fmt.Errorf("mail from: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("mail to: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	if m.ID != "" {
		msg.SetMessageIDWithValue(m.ID)
	} else {
		msg.SetMessageID()
	}
	msg.SetBodyString(mail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(mail.TypeTextHTML, m.HTML)
	}
	c, err := mail.NewClient(s.cfg.Host, s.options()...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("send mail via %s:%d: %w", s.cfg.Host, s.cfg.Port, err)
	}
	return nil
}

func (s *SMTP) options() []mail.Option {
	opts := []mail.Option{mail.WithPort(s.cfg.Port), mail.WithTimeout(10 * time.Second)}
	switch {
	case s.cfg.ImplicitTLS:
		opts = append(opts, mail.WithSSL())
	case s.cfg.RequireTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	}
	if s.cfg.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(s.cfg.Username), mail.WithPassword(s.cfg.Password))
	}
	return opts
}
