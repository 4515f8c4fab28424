package reminders_test

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/delivery"
	"github.com/atlas-practice/atlas/internal/mail"
	"github.com/atlas-practice/atlas/internal/mail/mailtest"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/reminders"
)

var practices atomic.Int64

// fixture is a VAT-registered London practice with bank details and its
// own sending address, a partner (Pat) and a manager (Mina, Slack user
// UMINA) who manages the client, Harbour Bakery: billing contact Jane
// Smith, a copy to its director, 30-day terms.
type fixture struct {
	t      testing.TB
	ctx    context.Context
	pool   *pgxpool.Pool
	pid    atlas.PracticeID
	pat    atlas.MemberID
	mina   atlas.MemberID
	client int64
	seq    int
}

func newFixture(t testing.TB, pool *pgxpool.Pool) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), pool: pool,
		pid: atlas.PracticeID("TREM" + strconv.FormatInt(practices.Add(1), 10))}
	ps := practice.Store{DB: pool}
	if _, err := ps.Ensure(f.ctx, f.pid); err != nil {
		t.Fatal(err)
	}
	if _, err := ps.SaveBasics(f.ctx, f.pid, 0, practice.Basics{Name: "Ledgerline & Co", Timezone: "Europe/London", Currency: "GBP", VATRate: "20"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ps.SaveBillingSettings(f.ctx, f.pid, 0, practice.BillingSettings{
		VATRegistered: true, VATNumber: "GB 123 4567 89", ReducedVATRate: "5", PostalAddress: "14 Quay Street\nBristol\nBS1 4DJ",
		VATRounding: "invoice", LineGrouping: "service", BillingRunDay: "1",
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := ps.SaveDeliverySettings(f.ctx, f.pid, 0, practice.DeliverySettings{
		BankAccountName: "Ledgerline & Co Ltd", BankSortCode: "20-45-77", BankAccountNumber: "43218765",
		InvoiceFromEmail: "accounts@ledgerline.example", InvoiceFromName: "Ledgerline Accounts",
	}); err != nil {
		t.Fatal(err)
	}
	pat, err := ps.AddMember(f.ctx, f.pid, 0, practice.NewMember{SlackUserID: "UPAT", Name: "Pat", Role: atlas.RolePartner})
	if err != nil {
		t.Fatal(err)
	}
	mina, err := ps.AddMember(f.ctx, f.pid, 0, practice.NewMember{SlackUserID: "UMINA", Name: "Mina", Role: atlas.RoleManager})
	if err != nil {
		t.Fatal(err)
	}
	f.pat, f.mina = pat.ID, mina.ID
	cc, how := "director@harbour.example", "email"
	e, err := ps.SaveEntity(f.ctx, f.pid, 0, 0, practice.EntityInput{Code: "HARB", Name: "Harbour Bakery Ltd", BillingType: "hourly",
		BillingEmail: "accounts@harbour.example", BillingContact: "Jane Smith", BillingAddress: "Unit 3, Wapping Wharf\nBristol\nBS1 6WP",
		PaymentTerms: "30", Manager: &f.mina, CCEmails: &cc, DeliveryMethod: &how})
	if err != nil {
		t.Fatal(err)
	}
	f.client = e.ID
	return f
}

func (f *fixture) exec(sql string, args ...any) {
	f.t.Helper()
	if _, err := f.pool.Exec(f.ctx, sql, args...); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
}

// sent adds an invoice sent 30 days before due and due on due: bookkeeping
// £450, a VAT return written down to £250 and a £34 Companies House fee
// outside the scope of VAT; subtotal £734.00, VAT £140.00, total £874.00.
func (f *fixture) sent(due time.Time) int64 {
	f.t.Helper()
	f.seq++
	number := "INV-2026-" + strconv.Itoa(1000+f.seq)
	issue := due.AddDate(0, 0, -30)
	var id int64
	err := f.pool.QueryRow(f.ctx, `INSERT INTO invoices (practice_id, entity_id, kind, status, number, currency, label, period, up_to,
			subtotal, vat, total, vat_registered, vat_rounding, preparer_id, approved_by, approved_at, created_at,
			issue_date, due_date, sent_at, send_attempt, message_id)
		VALUES ($1, $2, 'hourly', 'sent', $3, 'GBP', 'June 2026', '2026-06-01', '2026-06-30', 734, 140, 874, true, 'invoice', $4, $5,
			$6::date, $6::date, $6::date, $7, $6::date + time '10:00', 1, $8)
		RETURNING id`, f.pid, f.client, number, int64(f.mina), int64(f.pat), issue, due,
		"<invoice-"+number+".1@ledgerline.example>").Scan(&id)
	if err != nil {
		f.t.Fatal(err)
	}
	f.exec(`INSERT INTO invoice_lines (practice_id, invoice_id, position, kind, description, minutes, rate, time_value, amount, vat_treatment, vat_rate)
		VALUES ($1, $2, 0, 'time', 'Bookkeeping for June 2026', 450, 60, 450, 450, 'standard', 20),
		       ($1, $2, 1, 'time', 'VAT return for the quarter to 30 June 2026', 180, 95, 285, 250, 'standard', 20),
		       ($1, $2, 2, 'adhoc', 'Companies House confirmation statement fee', NULL, NULL, 0, 34, 'outside', 0)`, f.pid, id)
	return id
}

// claim runs a day's claim in a transaction of its own, as the job does.
func (f *fixture) claim(today time.Time) []reminders.Claimed {
	f.t.Helper()
	var got []reminders.Claimed
	err := db.InTx(f.ctx, f.pool, func(tx pgx.Tx) error {
		var err error
		got, err = reminders.Claim(f.ctx, tx, f.pid, today)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return got
}

// count is a count(*) query's answer.
func (f *fixture) count(sql string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.pool.QueryRow(f.ctx, sql, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// emailJobs counts the reminder email jobs queued for the practice.
func (f *fixture) emailJobs() int {
	return f.count(`SELECT count(*) FROM river_job WHERE kind = $1 AND args->>'practice' = $2`, reminders.JobKind, string(f.pid))
}

// managerDMs counts the posts to Mina about reminders.
func (f *fixture) managerDMs(purposePrefix string) int {
	return f.count(`SELECT count(*) FROM river_job WHERE kind = 'slack_post' AND args->>'practice' = $1 AND args->>'channel' = 'UMINA'
		AND args->>'render' = $2 AND args->'subject'->>'purpose' LIKE $3`, string(f.pid), reminders.RenderReminded, purposePrefix+"%")
}

// recorder sends through a real SMTP server and keeps what it sent.
type recorder struct {
	next delivery.Mailer
	mu   sync.Mutex
	sent []mail.Message
}

func (r *recorder) Send(ctx context.Context, m mail.Message) error {
	if err := r.next.Send(ctx, m); err != nil {
		return err
	}
	r.mu.Lock()
	r.sent = append(r.sent, m)
	r.mu.Unlock()
	return nil
}

func (r *recorder) messages() []mail.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]mail.Message(nil), r.sent...)
}

// mailer is a recorder in front of a test SMTP server.
func mailer(t testing.TB, srv *mailtest.Server) *recorder {
	t.Helper()
	s, err := mail.NewSender(srv.SMTPConfig("atlas@ledgerline.example"))
	if err != nil {
		t.Fatal(err)
	}
	return &recorder{next: s}
}

// deps are the worker's, on a clock stopped at noon on today.
func (f *fixture) deps(m delivery.Mailer, today time.Time) reminders.Deps {
	return reminders.Deps{Pool: f.pool, Mail: m, Clock: atlas.NewFixedClock(today.Add(12 * time.Hour)),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// outcome is what became of an invoice's reminder at step.
func (f *fixture) outcome(invoice int64, step int) (outcome, why string) {
	f.t.Helper()
	if err := f.pool.QueryRow(f.ctx, `SELECT outcome, error FROM invoice_reminders WHERE practice_id = $1 AND invoice_id = $2 AND step_days = $3`,
		f.pid, invoice, step).Scan(&outcome, &why); err != nil {
		f.t.Fatalf("reminder %d/%d: %v", invoice, step, err)
	}
	return outcome, why
}
