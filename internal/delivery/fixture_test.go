package delivery_test

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/delivery"
	"github.com/atlas-practice/atlas/internal/mail"
	"github.com/atlas-practice/atlas/internal/maildev"
	"github.com/atlas-practice/atlas/internal/practice"
)

// practices numbers the fixtures' practices: tests run in parallel, and
// two transactions creating one practice would wait on each other.
var practices atomic.Int64

// fixture is a VAT-registered practice with bank details and its own
// sending address, a partner and a manager, and a client with a billing
// contact, address, copies and 30-day terms.
type fixture struct {
	t      testing.TB
	ctx    context.Context
	db     db.DB
	pid    atlas.PracticeID
	ps     practice.Store
	pat    atlas.MemberID // partner, Slack user UPAT
	mina   atlas.MemberID // manager
	client int64
}

func newFixture(t testing.TB, q db.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), db: q, ps: practice.Store{DB: q},
		pid: atlas.PracticeID("TDLV" + strconv.FormatInt(practices.Add(1), 10))}
	pid := f.pid
	if _, err := f.ps.Ensure(f.ctx, pid); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ps.SaveBasics(f.ctx, pid, 0, practice.Basics{Name: "Ledgerline & Co", Timezone: "Europe/London", Currency: "GBP", VATRate: "20"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ps.SaveBillingSettings(f.ctx, pid, 0, practice.BillingSettings{
		VATRegistered: true, VATNumber: "GB 123 4567 89", ReducedVATRate: "5", PostalAddress: "14 Quay Street\nBristol\nBS1 4DJ",
		VATRounding: "invoice", LineGrouping: "service", BillingRunDay: "1",
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ps.SaveDeliverySettings(f.ctx, pid, 0, practice.DeliverySettings{
		BankAccountName: "Ledgerline & Co Ltd", BankSortCode: "20-45-77", BankAccountNumber: "43218765",
		BankIBAN: "GB33BUKB20457743218765", BankBIC: "BUKBGB22", InvoiceFromEmail: "accounts@ledgerline.example",
		InvoiceFromName: "Ledgerline Accounts",
	}); err != nil {
		t.Fatal(err)
	}
	pat, err := f.ps.AddMember(f.ctx, pid, 0, practice.NewMember{SlackUserID: "UPAT", Name: "Pat", Role: atlas.RolePartner})
	if err != nil {
		t.Fatal(err)
	}
	mina, err := f.ps.AddMember(f.ctx, pid, 0, practice.NewMember{SlackUserID: "UMINA", Name: "Mina", Role: atlas.RoleManager})
	if err != nil {
		t.Fatal(err)
	}
	f.pat, f.mina = pat.ID, mina.ID
	f.client = f.newClient("HARB", "Harbour Bakery Ltd", "accounts@harbour.example")
	return f
}

func (f *fixture) newClient(code, name, email string) int64 {
	f.t.Helper()
	cc, how := "director@harbour.example", "email"
	e, err := f.ps.SaveEntity(f.ctx, f.pid, 0, 0, practice.EntityInput{Code: code, Name: name, BillingType: "hourly",
		BillingEmail: email, BillingContact: "Jane Smith", BillingAddress: "Unit 3, Wapping Wharf\nBristol\nBS1 6WP",
		PaymentTerms: "30", Manager: &f.mina, CCEmails: &cc, DeliveryMethod: &how})
	if err != nil {
		f.t.Fatal(err)
	}
	return e.ID
}

func (f *fixture) exec(sql string, args ...any) {
	f.t.Helper()
	if _, err := f.db.Exec(f.ctx, sql, args...); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
}

// invoice adds an invoice for the client in status: 7.5 hours of
// bookkeeping at £60, a VAT return's 3 hours at £95 written down to £250,
// and a Companies House fee paid on the client's behalf. Subtotal £734.00,
// VAT 20% of £700.00 = £140.00, total £874.00. An invoice past approval
// carries number.
func (f *fixture) invoice(client int64, status, number string) int64 {
	f.t.Helper()
	var num, approvedBy, approvedAt any
	if number != "" {
		num, approvedBy, approvedAt = number, int64(f.pat), time.Date(2026, 6, 30, 16, 0, 0, 0, time.UTC)
	}
	var id int64
	err := f.db.QueryRow(f.ctx, `INSERT INTO invoices (practice_id, entity_id, kind, status, number, currency, label, period, up_to,
			subtotal, vat, total, vat_registered, vat_rounding, preparer_id, approved_by, approved_at, created_at)
		VALUES ($1, $2, 'hourly', $3, $4, 'GBP', 'June 2026', '2026-06-01', '2026-06-30', 734, 140, 874, true, 'invoice', $5, $6, $7, '2026-06-30 09:00Z')
		RETURNING id`, f.pid, client, status, num, int64(f.mina), approvedBy, approvedAt).Scan(&id)
	if err != nil {
		f.t.Fatal(err)
	}
	f.exec(`INSERT INTO invoice_lines (practice_id, invoice_id, position, kind, description, minutes, rate, time_value, amount, vat_treatment, vat_rate)
		VALUES ($1, $2, 0, 'time', 'Bookkeeping for June 2026: bank reconciliations and the sales ledger', 450, 60, 450, 450, 'standard', 20),
		       ($1, $2, 1, 'time', 'VAT return for the quarter to 30 June 2026', 180, 95, 285, 250, 'standard', 20),
		       ($1, $2, 2, 'adhoc', 'Companies House confirmation statement fee', NULL, NULL, 0, 34, 'outside', 0)`, f.pid, id)
	return id
}

// approved adds an approved invoice for the fixture's client.
func (f *fixture) approved(number string) int64 {
	return f.invoice(f.client, "approved", number)
}

// queueSend sends an invoice in a transaction of its own, as Pat.
func (f *fixture) queueSend(id int64) {
	f.t.Helper()
	if err := pgx.BeginFunc(f.ctx, f.db, func(tx pgx.Tx) error { return delivery.QueueSend(f.ctx, tx, f.pid, id, f.pat) }); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) status(id int64) delivery.SendStatus {
	f.t.Helper()
	s, err := delivery.Status(f.ctx, f.db, f.pid, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

// jobs are the River jobs of a kind, with their arguments as JSON.
func (f *fixture) jobs(kind string) []string {
	f.t.Helper()
	rows, err := f.db.Query(f.ctx, `SELECT args::text FROM river_job WHERE kind = $1 ORDER BY id`, kind)
	if err != nil {
		f.t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

// sendJob is the invoice's queued send job as River hands it to a worker
// on its try'th try.
func (f *fixture) sendJob(id int64, try int) *river.Job[delivery.SendArgs] {
	f.t.Helper()
	var args delivery.SendArgs
	var jobID int64
	err := f.db.QueryRow(f.ctx, `SELECT id, (args->>'practice'), (args->>'invoice_id')::bigint, (args->>'attempt')::int
		FROM river_job WHERE kind = $1 AND (args->>'invoice_id')::bigint = $2 ORDER BY id DESC LIMIT 1`, delivery.JobKind, id).
		Scan(&jobID, &args.Practice, &args.InvoiceID, &args.Attempt)
	if err != nil {
		f.t.Fatal(err)
	}
	return &river.Job[delivery.SendArgs]{JobRow: &rivertype.JobRow{ID: jobID, Kind: delivery.JobKind, Attempt: try,
		MaxAttempts: delivery.MaxAttempts, Queue: delivery.Queue}, Args: args}
}

// londonClock is 23:30 UTC on 30 June 2026: already 1 July in London,
// where the practice is, so the invoice is dated 1 July.
func londonClock() *atlas.FixedClock {
	return atlas.NewFixedClock(time.Date(2026, 6, 30, 23, 30, 0, 0, time.UTC))
}

// countingMailer counts the sends it passes on.
type countingMailer struct {
	delivery.Mailer
	n atomic.Int32
}

func (c *countingMailer) Send(ctx context.Context, m mail.Message) error {
	c.n.Add(1)
	return c.Mailer.Send(ctx, m)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// startMaildev starts maildev for one test. A missing install fails the
// test: `make test` installs it first (mail-deps).
func startMaildev(ctx context.Context, t testing.TB) *maildev.Server {
	t.Helper()
	md, err := maildev.Start(ctx, maildev.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := md.Stop(); err != nil {
			t.Errorf("stop maildev: %v", err)
		}
	})
	return md
}

func newSender(t testing.TB, md *maildev.Server) *mail.Sender {
	t.Helper()
	s, err := mail.NewSender(md.SMTPConfig("Atlas <atlas@atlas.example>"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// updating says whether to rewrite goldens (-update or
// ATLAS_UPDATE_GOLDEN=1) instead of comparing with them.
func updating() bool {
	if on, _ := strconv.ParseBool(os.Getenv("ATLAS_UPDATE_GOLDEN")); on {
		return true
	}
	f := flag.Lookup("update")
	if f == nil {
		return false
	}
	on, _ := strconv.ParseBool(f.Value.String())
	return on
}

func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files under testdata/ with the current output instead of comparing")
	}
}

// golden compares got with testdata/name, or rewrites it.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if updating() {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with ATLAS_UPDATE_GOLDEN=1 to write it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}
