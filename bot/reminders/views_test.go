package reminders_test

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/bot/blockkit/blockkittest"
	"github.com/atlas-practice/atlas/bot/reminders"
	overdue "github.com/atlas-practice/atlas/internal/reminders"
)

func invoice() overdue.Invoice {
	return overdue.Invoice{ID: 42, Number: "INV-2026-0042", Status: "part_paid", Currency: "GBP",
		Total: decimal.RequireFromString("874.00"), Paid: decimal.RequireFromString("100.00"), Credited: decimal.Zero,
		IssueDate: time.Date(2026, 11, 17, 0, 0, 0, 0, time.UTC), DueDate: time.Date(2026, 12, 17, 0, 0, 0, 0, time.UTC),
		ClientCode: "HARB", ClientName: "Harbour <Bakery> Ltd", BillingEmail: "accounts@harbour.example", ManagerSlackID: "UMINA"}
}

func TestRemindedGolden(t *testing.T) {
	t.Parallel()
	today := time.Date(2026, 12, 24, 0, 0, 0, 0, time.UTC)
	m := reminders.Reminded(invoice(), 7, 14, today)
	blockkittest.GoldenMessage(t, "reminded", m.Blocks)
	raw := blockkittest.JSON(t, m.Blocks)
	for _, want := range []string{"*INV-2026-0042* for HARB · Harbour &lt;Bakery&gt; Ltd is 7 days overdue: £774.00 unpaid, due Thu 17 Dec 2026.",
		"emailing a payment reminder to accounts@harbour.example, 7 days after the due date", "The next goes 14 days after it"} {
		if !strings.Contains(raw, want) {
			t.Errorf("reminded lacks %q: %s", want, raw)
		}
	}
	if m.Text != "Payment reminder: INV-2026-0042 is 7 days overdue" {
		t.Errorf("text %q", m.Text)
	}
	last := blockkittest.JSON(t, reminders.Reminded(invoice(), 30, 0, today.AddDate(0, 0, 23)).Blocks)
	if !strings.Contains(last, "30 days overdue") || !strings.Contains(last, "It is the last reminder Atlas sends.") {
		t.Errorf("the last step: %s", last)
	}
	noEmail := invoice()
	noEmail.BillingEmail = ""
	raw = blockkittest.JSON(t, reminders.Reminded(noEmail, 7, 14, today).Blocks)
	if !strings.Contains(raw, "no billing email, so no payment reminder can go") || !strings.Contains(raw, "/atlas clients edit HARB") {
		t.Errorf("no billing email: %s", raw)
	}
}

func TestReminderFailedGolden(t *testing.T) {
	t.Parallel()
	m := reminders.ReminderFailed(invoice(), overdue.Reminder{Step: 14, Outcome: overdue.OutcomeFailed,
		Why: "550 5.1.1 <accounts@harbour.example>: Recipient address rejected"})
	blockkittest.GoldenMessage(t, "reminder_failed", m.Blocks)
	raw := blockkittest.JSON(t, m.Blocks)
	for _, want := range []string{"The 14-day payment reminder for *INV-2026-0042*", "Recipient address rejected", "/atlas clients edit HARB"} {
		if !strings.Contains(raw, want) {
			t.Errorf("failure message lacks %q: %s", want, raw)
		}
	}
}

func TestNextStep(t *testing.T) {
	t.Parallel()
	steps := []int{7, 14, 30}
	for step, want := range map[int]int{7: 14, 14: 30, 30: 0, 10: 14, 1: 7} {
		if got := reminders.NextStep(steps, step); got != want {
			t.Errorf("after %d: %d, want %d", step, got, want)
		}
	}
}
