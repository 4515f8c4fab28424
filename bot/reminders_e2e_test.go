package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/bot/billing"
	overdue "github.com/atlas-practice/atlas/bot/reminders"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/mail"
	"github.com/atlas-practice/atlas/internal/maildev"
	"github.com/atlas-practice/atlas/internal/pdf/pdftest"
	"github.com/atlas-practice/atlas/internal/slackfake"
)

// remindRun runs the daily overdue reminders once for the practice, in its
// own transaction as the job engine runs it, and lets the outbox and the
// mail jobs deliver what it queued.
func (w *timeWorld) remindRun() {
	w.t.Helper()
	err := db.InTx(w.ctx, w.pool, func(tx pgx.Tx) error {
		return overdue.Job{Clock: w.router.Clock, Log: w.router.Log}.RemindOverdue(w.ctx, tx, w.pid)
	})
	if err != nil {
		w.t.Fatal(err)
	}
	w.deliver()
}

// reminderDMs are the messages to the manager about reminders so far.
func (w *timeWorld) reminderDMs() []string {
	var out []string
	for _, c := range w.fake.Calls("chat.postMessage") {
		if c.Param("channel") == slackfake.DMChannelID(managerID) && strings.HasPrefix(c.Param("text"), "Payment reminder") {
			out = append(out, c.Param("blocks"))
		}
	}
	return out
}

// An invoice sent on 3 December, due on the 17th after NWT's 14 days:
// on 24 December, 7 days overdue, exactly one reminder is emailed through
// a real SMTP server, with the balance and the PDF, and the client's
// manager is told; running again sends nothing more; once the invoice is
// paid, its 14-day step sends nothing.
func TestOverdueReminderJourney(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	md, err := maildev.Start(ctx, maildev.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = md.Stop() })
	w := newApprovalWorld(t)
	sender, err := mail.NewSender(md.SMTPConfig("billing@ledgerline.example"))
	if err != nil {
		t.Fatal(err)
	}
	w.mailer.Store(sender)

	w.say(managerID, "/invoices", "run")
	w.deliver()
	nwt := w.invoiceOf("NWT", "hourly")
	w.click(patID, billing.ActionApprove, fmt.Sprint(nwt))
	w.deliver()
	w.click(managerID, billing.ActionSend, fmt.Sprint(nwt))
	w.deliver()
	if emails, err := md.WaitForEmails(ctx, 1); err != nil || len(emails) != 1 {
		t.Fatalf("%d emails after sending (%v), want the invoice", len(emails), err)
	}

	// Not overdue yet on the due date, nor 6 days after it.
	for _, d := range []int{17, 23} {
		w.clock.Set(time.Date(2026, 12, d, 9, 0, 0, 0, time.UTC))
		w.remindRun()
	}
	if all, err := md.Emails(ctx); err != nil || len(all) != 1 || len(w.reminderDMs()) != 0 {
		t.Fatalf("%d emails and %d DMs before 7 days overdue (%v), want only the invoice", len(all), len(w.reminderDMs()), err)
	}

	// 24 December, due date + 7 days: one reminder.
	w.clock.Set(time.Date(2026, 12, 24, 9, 0, 0, 0, time.UTC))
	w.remindRun()
	emails, err := md.WaitForEmails(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(emails) != 2 {
		t.Fatalf("%d emails, want the invoice and one reminder", len(emails))
	}
	r := emails[1]
	mustContain(t, "reminder subject", r.Subject, "Reminder: invoice INV-2026-0003", "£480.00 overdue")
	if len(r.To) != 1 || r.To[0].Address != "accounts@nwt.example" {
		t.Fatalf("reminder to %v", r.To)
	}
	mustContain(t, "reminder text", r.Text, "was due for payment on 17 Dec 2026 and is now 7 days overdue", "Balance due: £480.00",
		"Please quote INV-2026-0003 as the payment reference")
	if got, want := r.Header("In-Reply-To"), emails[0].Header("Message-ID"); got == "" || got != want {
		t.Fatalf("the reminder replies to %q, want the invoice's %q", got, want)
	}
	if len(r.Attachments) != 1 {
		t.Fatalf("reminder has %d attachments, want the invoice's PDF", len(r.Attachments))
	}
	attached, err := md.Attachment(ctx, r.ID, r.Attachments[0])
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "reminder's PDF", pdftest.Text(t, attached), "INV-2026-0003", "480.00")
	dms := w.reminderDMs()
	if len(dms) != 1 {
		t.Fatalf("%d DMs to the manager, want 1", len(dms))
	}
	mustContain(t, "manager's DM", dms[0], "INV-2026-0003", "7 days overdue", "£480.00 unpaid", "accounts@nwt.example",
		"The next goes 14 days after it")

	// The same day again, and the day after: nothing more.
	w.remindRun()
	w.clock.Set(time.Date(2026, 12, 25, 9, 0, 0, 0, time.UTC))
	w.remindRun()
	if all, err := md.Emails(ctx); err != nil || len(all) != 2 || len(w.reminderDMs()) != 1 {
		t.Fatalf("%d emails and %d DMs after running again (%v), want 2 and 1", len(all), len(w.reminderDMs()), err)
	}

	// Paid in full; the 14-day step comes and sends nothing.
	if _, err := w.pool.Exec(w.ctx, `UPDATE invoices SET paid = total, status = 'paid' WHERE id = $1`, nwt); err != nil {
		t.Fatal(err)
	}
	w.clock.Set(time.Date(2026, 12, 31, 9, 0, 0, 0, time.UTC))
	w.remindRun()
	if all, err := md.Emails(ctx); err != nil || len(all) != 2 || len(w.reminderDMs()) != 1 {
		t.Fatalf("%d emails and %d DMs once paid (%v), want 2 and 1", len(all), len(w.reminderDMs()), err)
	}
	var outcome string
	if err := w.pool.QueryRow(w.ctx, `SELECT string_agg(step_days || ' ' || outcome, ', ' ORDER BY step_days) FROM invoice_reminders
		WHERE invoice_id = $1`, nwt).Scan(&outcome); err != nil || outcome != "7 sent" {
		t.Fatalf("reminders of the invoice: %q (%v), want 7 sent", outcome, err)
	}
}
