package reminders_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/delivery"
	"github.com/atlas-practice/atlas/internal/mail/mailtest"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/reminders"
)

func claimed(cs []reminders.Claimed) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%d@%d", c.InvoiceID, c.Step))
	}
	return out
}

// Which invoices are reminded, at which step, once: each step once however
// many runs; only the latest step reached; nothing on what is paid,
// credited in full, not yet sent or not yet overdue.
func TestClaimEachStepOnce(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	f := newFixture(t, pool)
	week := f.sent(day(2026, 12, 17))  // 7 days overdue on 24 Dec
	long := f.sent(day(2026, 11, 1))   // 53 days overdue: steps 7, 14 and 30 all passed
	part := f.sent(day(2026, 12, 10))  // 14 days overdue, part paid
	paid := f.sent(day(2026, 12, 1))   // paid in full
	cred := f.sent(day(2026, 12, 1))   // credited in full
	early := f.sent(day(2026, 12, 20)) // 4 days overdue: no step yet
	f.exec(`UPDATE invoices SET paid = 300, status = 'part_paid' WHERE id = $1`, part)
	f.exec(`UPDATE invoices SET paid = total, status = 'paid' WHERE id = $1`, paid)
	f.exec(`UPDATE invoices SET credited = total WHERE id = $1`, cred)
	approved := f.sent(day(2026, 12, 1))
	f.exec(`UPDATE invoices SET status = 'approved', issue_date = NULL, due_date = NULL, sent_at = NULL WHERE id = $1`, approved)

	got := f.claim(day(2026, 12, 24))
	want := []string{fmt.Sprint(week, "@7"), fmt.Sprint(long, "@30"), fmt.Sprint(part, "@14")}
	slices.Sort(want)
	if g := claimed(got); !slices.Equal(slices.Sorted(slices.Values(g)), want) {
		t.Fatalf("claimed %v on 24 Dec, want %v", g, want)
	}
	for _, c := range got {
		if c.Manager != "UMINA" {
			t.Fatalf("claim %+v tells %q, want the manager UMINA", c, c.Manager)
		}
	}
	if n := f.emailJobs(); n != 3 {
		t.Fatalf("%d email jobs, want 3", n)
	}
	if n := f.managerDMs("reminder:"); n != 3 {
		t.Fatalf("%d DMs to the manager, want 3", n)
	}

	// The same day again, and the days after until the next step (the
	// early one reaches 7 days on the 27th): nothing.
	for _, d := range []int{24, 25, 26} {
		if got := f.claim(day(2026, 12, d)); len(got) != 0 {
			t.Fatalf("a run on %d Dec claimed %v again", d, claimed(got))
		}
	}
	// 31 December: the week-old one reaches 14 days, the early one 11 (its
	// step 7), the part-paid one 21 (nothing new), the long one 60.
	got = f.claim(day(2026, 12, 31))
	want = []string{fmt.Sprint(week, "@14"), fmt.Sprint(early, "@7")}
	slices.Sort(want)
	if g := claimed(got); !slices.Equal(slices.Sorted(slices.Values(g)), want) {
		t.Fatalf("claimed %v on 31 Dec, want %v", g, want)
	}
	if n := f.emailJobs(); n != 5 {
		t.Fatalf("%d email jobs after 31 Dec, want 5", n)
	}
	if n := f.count(`SELECT count(*) FROM invoice_reminders WHERE practice_id = $1 AND invoice_id = ANY($2)`, f.pid,
		[]int64{paid, cred, approved}); n != 0 {
		t.Fatalf("%d reminders on paid, credited or unsent invoices", n)
	}

	// Steps changed later never send an earlier step again: the invoices
	// reminded at 14 and 30 days get nothing at 10; the one reminded at 7
	// gets its 10-day reminder.
	f.exec(`UPDATE practices SET reminder_days = '{10}' WHERE id = $1`, f.pid)
	if got := claimed(f.claim(day(2027, 1, 10))); !slices.Equal(got, []string{fmt.Sprint(early, "@10")}) {
		t.Fatalf("after the steps became {10}, claimed %v", got)
	}
	// No steps: no reminders.
	f.exec(`UPDATE practices SET reminder_days = '{}' WHERE id = $1`, f.pid)
	f.sent(day(2026, 12, 1))
	if got := f.claim(day(2027, 1, 10)); len(got) != 0 {
		t.Fatalf("with reminders off, claimed %v", claimed(got))
	}
}

// Two replicas running the claim at once claim each reminder once between
// them; a run that rolls back claims and queues nothing.
func TestClaimTwoReplicas(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	f := newFixture(t, pool)
	for range 5 {
		f.sent(day(2026, 12, 17))
	}
	// A run that fails leaves nothing behind.
	err := db.InTx(f.ctx, pool, func(tx pgx.Tx) error {
		if got, err := reminders.Claim(f.ctx, tx, f.pid, day(2026, 12, 24)); err != nil || len(got) != 5 {
			t.Errorf("claim in the failed run: %d (%v)", len(got), err)
		}
		return fmt.Errorf("the run failed")
	})
	if err == nil || f.count(`SELECT count(*) FROM invoice_reminders`) != 0 || f.emailJobs() != 0 || f.managerDMs("") != 0 {
		t.Fatalf("a rolled-back run left claims, jobs or DMs (%v)", err)
	}

	const replicas = 4
	var wg sync.WaitGroup
	counts := make([]int, replicas)
	start := make(chan struct{})
	for i := range replicas {
		wg.Go(func() {
			<-start
			err := db.InTx(context.Background(), pool, func(tx pgx.Tx) error {
				got, err := reminders.Claim(context.Background(), tx, f.pid, day(2026, 12, 24))
				counts[i] = len(got)
				return err
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()
	total := 0
	for _, n := range counts {
		total += n
	}
	if total != 5 || f.emailJobs() != 5 || f.managerDMs("reminder:") != 5 {
		t.Fatalf("%d replicas claimed %v (%d in all), %d email jobs, %d DMs; want 5 of each",
			replicas, counts, total, f.emailJobs(), f.managerDMs("reminder:"))
	}
}

// The reminder 7 days after the due date goes to the billing contact with
// the copy, from the practice, in the invoice's thread, with the balance,
// the due date, the days overdue, how to pay and the PDF; a second try of
// the job sends nothing more.
func TestReminderEmail(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	f := newFixture(t, pool)
	id := f.sent(day(2026, 12, 17))
	f.exec(`UPDATE invoices SET paid = 100, status = 'part_paid' WHERE id = $1`, id)
	today := day(2026, 12, 24)
	f.claim(today)
	srv := mailtest.Start(t)
	m := mailer(t, srv)
	args := reminders.SendArgs{Practice: string(f.pid), InvoiceID: id, Step: 7}
	if err := reminders.Work(f.ctx, f.deps(m, today), args, 1, delivery.MaxAttempts); err != nil {
		t.Fatal(err)
	}
	sent := m.messages()
	if len(sent) != 1 || len(srv.Accepted()) != 1 {
		t.Fatalf("%d messages sent, %d accepted; want 1", len(sent), len(srv.Accepted()))
	}
	msg := sent[0]
	if len(msg.To) != 1 || msg.To[0] != `"Jane Smith" <accounts@harbour.example>` || !slices.Equal(msg.CC, []string{"director@harbour.example"}) {
		t.Fatalf("to %v cc %v", msg.To, msg.CC)
	}
	if msg.From != `"Ledgerline Accounts" <accounts@ledgerline.example>` {
		t.Fatalf("from %q", msg.From)
	}
	number := fmt.Sprint("INV-2026-", 1001)
	if msg.Subject != "Reminder: invoice "+number+" from Ledgerline & Co — £774.00 overdue" {
		t.Fatalf("subject %q", msg.Subject)
	}
	if msg.Headers["In-Reply-To"] != "<invoice-"+number+".1@ledgerline.example>" {
		t.Fatalf("headers %v", msg.Headers)
	}
	if want := fmt.Sprintf("<reminder-%d.7.%s@ledgerline.example>", id, strings.ToLower(string(f.pid))); msg.MessageID != want {
		t.Fatalf("message id %q, want %q", msg.MessageID, want)
	}
	for _, want := range []string{"Dear Jane Smith,", "was due for payment on 17 Dec 2026 and is now 7 days overdue",
		"Balance due: £774.00", "£874.00 invoiced, £100.00 already paid or credited", "Sort code 20-45-77 · Account number 43218765",
		"Please quote " + number, "Payment within 30 days"} {
		if !strings.Contains(msg.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, msg.Text)
		}
	}
	if strings.Contains(msg.Text, "Late Payment") {
		t.Errorf("late-payment interest shown while the setting is off:\n%s", msg.Text)
	}
	if !strings.Contains(msg.HTML, "<strong>£774.00</strong>") || !strings.Contains(msg.HTML, "Ledgerline &amp; Co") {
		t.Errorf("html:\n%s", msg.HTML)
	}
	if len(msg.Attachments) != 1 || msg.Attachments[0].Name != number+".pdf" || len(msg.Attachments[0].Data) < 1000 {
		t.Fatalf("attachments %v", msg.Attachments)
	}
	if o, _ := f.outcome(id, 7); o != reminders.OutcomeSent {
		t.Fatalf("reminder is %s, want sent", o)
	}
	if n := f.count(`SELECT count(*) FROM audit_events WHERE practice_id = $1 AND action = 'invoice.reminded' AND subject_id = $2
		AND data->>'balance' = '774.00'`, f.pid, id); n != 1 {
		t.Fatalf("%d audit events of the reminder", n)
	}
	// River tries the job again (its completion was lost): nothing more.
	if err := reminders.Work(f.ctx, f.deps(m, today), args, 2, delivery.MaxAttempts); err != nil || len(m.messages()) != 1 {
		t.Fatalf("a second try sent %d messages (%v)", len(m.messages()), err)
	}
}

// With late-payment interest on, the reminder shows the statutory interest
// and compensation: £874.00 due 17 Dec, on 24 Dec at a 4.00% base rate,
// 874 × 12 × 7 ÷ 36,500 = 2.0113… → £2.01, compensation £40.00 (under
// £1,000), in all £916.01.
func TestReminderWithLateInterest(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	f := newFixture(t, pool)
	if _, _, err := reminders.Save(f.ctx, pool, f.pid, 0, reminders.Form{Steps: "7, 14, 30", LateInterest: true, BaseRate: "4.00"}); err != nil {
		t.Fatal(err)
	}
	id := f.sent(day(2026, 12, 17))
	today := day(2026, 12, 24)
	f.claim(today)
	m := mailer(t, mailtest.Start(t))
	if err := reminders.Work(f.ctx, f.deps(m, today), reminders.SendArgs{Practice: string(f.pid), InvoiceID: id, Step: 7}, 1, delivery.MaxAttempts); err != nil {
		t.Fatal(err)
	}
	if len(m.messages()) != 1 {
		t.Fatalf("%d messages", len(m.messages()))
	}
	text := m.messages()[0].Text
	for _, want := range []string{"Late Payment of Commercial Debts (Interest) Act 1998",
		"Interest at 12.00% a year (8% over the Bank of England base rate of 4.00%), simple, from 18 Dec 2026 to 24 Dec 2026 (7 days): £2.01",
		"Fixed compensation for the cost of recovering the debt: £40.00", "Balance with interest and compensation: £916.01"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
}

// An invoice paid, or credited, in full between the claim and the send is
// reminded of nothing, and the reminder says why.
func TestReminderStopsWhenSettled(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	f := newFixture(t, pool)
	paid, credited := f.sent(day(2026, 12, 17)), f.sent(day(2026, 12, 17))
	today := day(2026, 12, 24)
	if got := f.claim(today); len(got) != 2 {
		t.Fatalf("claimed %v", claimed(got))
	}
	f.exec(`UPDATE invoices SET paid = total, status = 'paid' WHERE id = $1`, paid)
	f.exec(`UPDATE invoices SET paid = 74, credited = 800 WHERE id = $1`, credited)
	srv := mailtest.Start(t)
	m := mailer(t, srv)
	for _, id := range []int64{paid, credited} {
		if err := reminders.Work(f.ctx, f.deps(m, today), reminders.SendArgs{Practice: string(f.pid), InvoiceID: id, Step: 7}, 1, delivery.MaxAttempts); err != nil {
			t.Fatal(err)
		}
	}
	if len(srv.Accepted()) != 0 {
		t.Fatalf("%d reminders went for settled invoices", len(srv.Accepted()))
	}
	if o, why := f.outcome(paid, 7); o != reminders.OutcomeStopped || why != "The invoice was paid in full before the reminder went." {
		t.Fatalf("paid: %s, %q", o, why)
	}
	if o, why := f.outcome(credited, 7); o != reminders.OutcomeStopped || why != "The invoice was paid and credited in full before the reminder went." {
		t.Fatalf("credited: %s, %q", o, why)
	}
	if n := f.count(`SELECT count(*) FROM audit_events WHERE practice_id = $1 AND action = 'invoice.reminder_stopped'`, f.pid); n != 2 {
		t.Fatalf("%d audit events of stopped reminders", n)
	}
}

// A reminder the mail server refuses is recorded failed with the server's
// words, and the manager is told.
func TestReminderRefused(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	f := newFixture(t, pool)
	id := f.sent(day(2026, 12, 17))
	today := day(2026, 12, 24)
	f.claim(today)
	srv := mailtest.Start(t)
	srv.RefuseRecipient("accounts@harbour.example", "550 5.1.1 <accounts@harbour.example>: Recipient address rejected")
	m := mailer(t, srv)
	if err := reminders.Work(f.ctx, f.deps(m, today), reminders.SendArgs{Practice: string(f.pid), InvoiceID: id, Step: 7}, 1, delivery.MaxAttempts); err != nil {
		t.Fatal(err)
	}
	if o, why := f.outcome(id, 7); o != reminders.OutcomeFailed || !strings.Contains(why, "Recipient address rejected") {
		t.Fatalf("refused reminder: %s, %q", o, why)
	}
	if n := f.managerDMs("reminder_failed:"); n != 1 {
		t.Fatalf("%d DMs about the failure, want 1", n)
	}

	// A client with no billing email: the reminder fails with the reason,
	// and the manager's one message (queued with the claim) says so.
	f.exec(`UPDATE entities SET billing_email = NULL WHERE id = $1`, f.client)
	other := f.sent(day(2026, 12, 17))
	f.claim(today)
	if err := reminders.Work(f.ctx, f.deps(m, today), reminders.SendArgs{Practice: string(f.pid), InvoiceID: other, Step: 7}, 1, delivery.MaxAttempts); err != nil {
		t.Fatal(err)
	}
	if o, why := f.outcome(other, 7); o != reminders.OutcomeFailed || why != "HARB · Harbour Bakery Ltd has no billing email, so the reminder had nowhere to go." {
		t.Fatalf("no billing email: %s, %q", o, why)
	}
	if n, all := f.managerDMs("reminder_failed:"), f.managerDMs("reminder:"); n != 1 || all != 2 {
		t.Fatalf("%d failure DMs and %d reminder DMs, want 1 and 2", n, all)
	}
	if len(srv.Accepted()) != 0 {
		t.Fatalf("%d messages accepted", len(srv.Accepted()))
	}
}

func TestParsePurpose(t *testing.T) {
	t.Parallel()
	for purpose, want := range map[string]struct {
		step         int
		failed, okay bool
	}{
		reminders.Purpose(14): {14, false, true}, reminders.FailedPurpose(7): {7, true, true},
		"reminder:0": {}, "reminder:x": {}, "overdue:7": {}, "": {},
	} {
		step, failed, ok := reminders.ParsePurpose(purpose)
		if step != want.step || failed != want.failed || ok != want.okay {
			t.Errorf("%q: %d %v %v, want %+v", purpose, step, failed, ok, want)
		}
	}
}
