package delivery

import (
	"context"
	"log/slog"

	"github.com/riverqueue/river"

	"github.com/atlas-practice/atlas/internal/mail"
)

// EmailOpts put an email job of another feature on Queue, beside the
// invoices' emails, tried as often as a send.
func EmailOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: MaxAttempts}
}

// SendNotice sends m through mailer for a job that records nothing of its
// email (a request, a query, a delivered pack), and tells River what to
// do: nil when it went, or was refused for good (logged; trying again
// would be refused again), the error when a later try may get through.
// what names the feature in the log ("requests").
func SendNotice(ctx context.Context, mailer Mailer, m mail.Message, log *slog.Logger, what string) error {
	err := mailer.Send(ctx, m)
	switch {
	case err == nil:
		log.Info(what+": email sent", "to", m.To, "subject", m.Subject)
		return nil
	case mail.IsPermanent(err):
		log.Warn(what+": email refused; not tried again", "to", m.To, "error", err)
		return nil
	}
	log.Warn(what+": send failed for now; River tries again", "error", err)
	return err
}
