package requests_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/jobs"
	"github.com/atlas-practice/atlas/internal/mail"
	"github.com/atlas-practice/atlas/internal/maildev"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/portal"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/requests"
	"github.com/atlas-practice/atlas/internal/workflow"
)

const portalURL = "https://portal.ledgerline.example"

var secret = []byte("0123456789abcdef0123456789abcdef")

const (
	bankWords  = "Your bank statements for November, for every account"
	salesWords = "Copies of your sales invoices"
)

type fixture struct {
	t     *testing.T
	ctx   context.Context
	pool  *pgxpool.Pool
	pid   atlas.PracticeID
	clock *atlas.FixedClock
	md    *maildev.Server
	deps  requests.Deps
	sent  *countingMailer // every message the workers handed to the mail server
	job   requests.Job
	acme  int64 // the pack asked for
	items map[string]int64
	// contacts by address
	contacts map[string]int64
}

func london(y int, m time.Month, d int) time.Time {
	loc, _ := time.LoadLocation("Europe/London")
	return time.Date(y, m, d, 7, 0, 0, 0, loc)
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	f := &fixture{t: t, ctx: ctx, pool: pool, pid: atlas.PracticeID("TREQ" + time.Now().Format("150405.000000")),
		clock: atlas.NewFixedClock(london(2026, 11, 2)), items: map[string]int64{}, contacts: map[string]int64{}}
	ps := practice.Store{DB: pool}
	if _, err := ps.Ensure(ctx, f.pid); err != nil {
		t.Fatal(err)
	}
	p, err := ps.SaveBasics(ctx, f.pid, 0, practice.Basics{Name: "Ledgerline & Co", Timezone: "Europe/London", Currency: "GBP", VATRate: "20"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ps.SaveDeliverySettings(ctx, f.pid, 0, practice.DeliverySettings{
		BankAccountName: "Ledgerline & Co Ltd", BankSortCode: "20-45-77", BankAccountNumber: "43218765",
		InvoiceFromEmail: "accounts@ledgerline.example", InvoiceFromName: "Ledgerline Accounts",
	}); err != nil {
		t.Fatal(err)
	}
	// The request goes on the second working day after the period ends;
	// working days Monday to Friday.
	f.exec(`UPDATE practices SET portal_request_day = 2, portal_reminder_days = '{3,7}', working_days = '{1,2,3,4,5}' WHERE id = $1`, f.pid)
	bea, err := ps.AddMember(ctx, f.pid, 0, practice.NewMember{SlackUserID: "UBEA", Name: "Bea", Role: atlas.RoleStaff})
	if err != nil {
		t.Fatal(err)
	}
	rex, err := ps.AddMember(ctx, f.pid, 0, practice.NewMember{SlackUserID: "UREX", Name: "Rex", Role: atlas.RoleManager})
	if err != nil {
		t.Fatal(err)
	}
	ws := workflow.Store{DB: pool}
	tpl, err := ws.EnsureStandard(ctx, f.pid, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{bankWords, salesWords} {
		if _, err := ws.SaveItem(ctx, f.pid, 0, tpl, 0, workflow.ItemInput{Stage: 1, Text: "Received: " + w, Mandatory: true, ClientRequest: w}, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	client := func(code, contacts string) int64 {
		e, err := ps.SaveEntity(ctx, f.pid, 0, 0, practice.EntityInput{Code: code, Name: code + " Ltd", Contacts: &contacts})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ws.Assign(ctx, p, 0, workflow.AssignInput{EntityID: e.ID, TemplateID: tpl, Preparer: bea.ID, Reviewer: rex.ID}, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		return e.ID
	}
	acme := client("ACME", "Jane Smith <jane@acme.example> requests\nBob Jones <bob@acme.example>\nIvy <ivy@acme.example> invoices")
	done := client("DONE", "Dee <dee@done.example>")
	rows, err := pool.Query(ctx, `SELECT c.email, c.id FROM client_contacts c WHERE c.practice_id = $1`, f.pid)
	if err != nil {
		t.Fatal(err)
	}
	var email string
	var id int64
	if _, err := pgx.ForEachRow(rows, []any{&email, &id}, func() error { f.contacts[email] = id; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `SELECT id FROM tasks WHERE practice_id = $1 AND entity_id = $2`, f.pid, acme).Scan(&f.acme); err != nil {
		t.Fatal(err)
	}
	rows, err = pool.Query(ctx, `SELECT client_request, id FROM task_items WHERE practice_id = $1 AND task_id = $2 AND client_request IS NOT NULL`, f.pid, f.acme)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pgx.ForEachRow(rows, []any{&email, &id}, func() error { f.items[email] = id; return nil }); err != nil {
		t.Fatal(err)
	}
	if len(f.items) != 2 {
		t.Fatalf("the pack's requested items: %v", f.items)
	}
	// DONE's client has sent everything already.
	f.exec(`UPDATE task_items ti SET received_at = now(), received_by = $3, done_at = now()
		FROM tasks t WHERE t.practice_id = ti.practice_id AND t.id = ti.task_id AND ti.practice_id = $1 AND t.entity_id = $2 AND ti.client_request IS NOT NULL`,
		f.pid, done, f.contacts["dee@done.example"])

	f.md, err = maildev.Start(ctx, maildev.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.md.Stop(); err != nil {
			t.Errorf("stop maildev: %v", err)
		}
	})
	sender, err := mail.NewSender(f.md.SMTPConfig("Atlas <atlas@atlas.example>"))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.sent = &countingMailer{Sender: sender}
	f.deps = requests.Deps{Pool: pool, Mail: f.sent, Clock: f.clock, Log: log, Signer: portal.Signer{Secret: secret}, PortalURL: portalURL + "/"}
	f.job = requests.Job{Clock: f.clock, Log: log, Signer: portal.Signer{Secret: secret}, PortalURL: portalURL + "/"}
	return f
}

func (f *fixture) exec(sql string, args ...any) {
	f.t.Helper()
	if _, err := f.pool.Exec(f.ctx, sql, args...); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
}

// day runs the job on a day, as the engine does (its own transaction),
// then works the email jobs it queued, as River would; it returns the
// claims.
func (f *fixture) day(d time.Time) []requests.Claimed {
	f.t.Helper()
	f.clock.Set(d)
	var claimed []requests.Claimed
	if err := db.InTx(f.ctx, f.pool, func(tx pgx.Tx) error {
		var err error
		claimed, err = f.job.Run(f.ctx, tx, f.pid)
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	rows, err := f.pool.Query(f.ctx, `SELECT id, args FROM river_job WHERE kind = $1 AND args->>'practice' = $2 ORDER BY id`, requests.JobKind, string(f.pid))
	if err != nil {
		f.t.Fatal(err)
	}
	var ids []int64
	var all [][]byte
	var id int64
	var raw []byte
	if _, err := pgx.ForEachRow(rows, []any{&id, &raw}, func() error { ids = append(ids, id); all = append(all, raw); return nil }); err != nil {
		f.t.Fatal(err)
	}
	emails := 0
	for _, c := range claimed {
		emails += c.Emails
	}
	if len(ids) != emails {
		f.t.Fatalf("%s: %d email jobs queued for %d claimed", d.Format(time.DateOnly), len(ids), emails)
	}
	for i, raw := range all {
		var a requests.SendArgs
		if err := json.Unmarshal(raw, &a); err != nil {
			f.t.Fatal(err)
		}
		if a.LinkID == 0 || strings.Contains(string(raw), "/portal/login") {
			f.t.Fatalf("the job carries no link id, or a working link: %s", raw)
		}
		if err := requests.Work(f.ctx, f.deps, a); err != nil {
			f.t.Fatal(err)
		}
		f.exec(`DELETE FROM river_job WHERE id = $1`, ids[i])
	}
	return claimed
}

// inbox checks that n emails were sent in all — the workers run in the
// test's goroutine, so the count is final — waits for maildev to hold them,
// and returns the new ones since seen, by recipient.
func (f *fixture) inbox(n, seen int) map[string]maildev.Email {
	f.t.Helper()
	if got := int(f.sent.n.Load()); got != n {
		f.t.Fatalf("%d emails sent, want %d", got, n)
	}
	ctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
	defer cancel()
	if _, err := f.md.WaitForEmails(ctx, n); err != nil {
		f.t.Fatal(err)
	}
	emails, err := f.md.Emails(f.ctx)
	if err != nil || len(emails) != n {
		f.t.Fatalf("inbox: %d emails, want %d (%v)", len(emails), n, err)
	}
	out := map[string]maildev.Email{}
	for _, e := range emails[seen:] {
		if len(e.To) != 1 {
			f.t.Fatalf("email to %+v", e.To)
		}
		out[e.To[0].Address] = e
	}
	return out
}

var linkPattern = regexp.MustCompile(regexp.QuoteMeta(portalURL) + `/portal/login\?t=([A-Za-z0-9_-]+)`)

// check checks a batch's email to each of Jane and Bob: its subject, the
// items listed and no other, and its link signing in that contact.
func (f *fixture) check(got map[string]maildev.Email, reminder bool, items ...string) {
	f.t.Helper()
	var to []string
	for addr := range got {
		to = append(to, addr)
	}
	slices.Sort(to)
	if !slices.Equal(to, []string{"bob@acme.example", "jane@acme.example"}) {
		f.t.Fatalf("sent to %v, want Bob and Jane (not Ivy, who takes invoices only)", to)
	}
	for addr, e := range got {
		if reminder != strings.HasPrefix(e.Subject, "Reminder: ") || !strings.Contains(e.Subject, "November 2026") || !strings.Contains(e.Subject, "ACME Ltd") {
			f.t.Errorf("%s: subject %q", addr, e.Subject)
		}
		if len(e.From) != 1 || e.From[0].Address != "accounts@ledgerline.example" {
			f.t.Errorf("%s: from %+v", addr, e.From)
		}
		for _, w := range []string{bankWords, salesWords} {
			if want := slices.Contains(items, w); strings.Contains(e.Text, w) != want {
				f.t.Errorf("%s: listing %q is %v, want %v:\n%s", addr, w, !want, want, e.Text)
			}
		}
		m := linkPattern.FindStringSubmatch(e.Text)
		if m == nil {
			f.t.Fatalf("%s: no sign-in link in\n%s", addr, e.Text)
		}
		c, err := portal.Signer{Secret: secret}.Resolve(f.ctx, f.pool, m[1], f.clock.Now())
		if err != nil {
			f.t.Fatalf("%s: the link does not sign in: %v", addr, err)
		}
		if c.Practice != f.pid || c.ID != f.contacts[addr] || c.Email != addr {
			f.t.Errorf("%s: the link signs in %+v", addr, c)
		}
		if !strings.Contains(e.HTML, "/portal/login?t="+m[1]) {
			f.t.Errorf("%s: the HTML body lacks the link", addr)
		}
	}
}

func TestRequestsAndReminders(t *testing.T) {
	f := newFixture(t)
	// November ends on Monday 30th: its first working day after is
	// Tuesday 1 December, the second (the request day) Wednesday 2nd.
	for _, d := range []time.Time{london(2026, 11, 30), london(2026, 12, 1)} {
		if c := f.day(d); len(c) != 0 {
			t.Fatalf("%s, before the request day: claimed %+v", d.Format(time.DateOnly), c)
		}
	}
	if emails, _ := f.md.Emails(f.ctx); len(emails) != 0 {
		t.Fatalf("emails before the request day: %d", len(emails))
	}

	c := f.day(london(2026, 12, 2))
	if len(c) != 1 || c[0].TaskID != f.acme || c[0].Step != 0 || c[0].Emails != 2 || !slices.Equal(c[0].Items, []string{bankWords, salesWords}) {
		t.Fatalf("request day: claimed %+v (DONE's pack, all received, is not asked for)", c)
	}
	f.check(f.inbox(2, 0), false, bankWords, salesWords)
	if c := f.day(london(2026, 12, 2).Add(5 * time.Hour)); len(c) != 0 {
		t.Fatalf("a second run on the request day claimed %+v", c)
	}
	f.inbox(2, 2)

	// The bank statements come in through the portal.
	f.exec(`UPDATE task_items SET received_at = now(), received_by = $2, done_at = now() WHERE id = $1`, f.items[bankWords], f.contacts["jane@acme.example"])
	if c := f.day(london(2026, 12, 4)); len(c) != 0 {
		t.Fatalf("the day before the first reminder: %+v", c)
	}
	c = f.day(london(2026, 12, 5)) // 3 days after the request (a Saturday: reminders count calendar days)
	if len(c) != 1 || c[0].Step != 3 || !slices.Equal(c[0].Items, []string{salesWords}) {
		t.Fatalf("+3: claimed %+v", c)
	}
	f.check(f.inbox(4, 2), true, salesWords)
	if c := f.day(london(2026, 12, 5).Add(3 * time.Hour)); len(c) != 0 {
		t.Fatalf("a second run on +3 claimed %+v", c)
	}
	if c := f.day(london(2026, 12, 6)); len(c) != 0 {
		t.Fatalf("+4 claimed %+v", c)
	}
	c = f.day(london(2026, 12, 9))
	if len(c) != 1 || c[0].Step != 7 || !slices.Equal(c[0].Items, []string{salesWords}) {
		t.Fatalf("+7: claimed %+v", c)
	}
	f.check(f.inbox(6, 4), true, salesWords)
	for _, d := range []time.Time{london(2026, 12, 9).Add(time.Hour), london(2026, 12, 10), london(2026, 12, 20)} {
		if c := f.day(d); len(c) != 0 {
			t.Fatalf("%s: claimed %+v after the last reminder", d.Format(time.DateOnly), c)
		}
	}
	f.inbox(6, 6)

	var steps []int32
	if err := f.pool.QueryRow(f.ctx, `SELECT array_agg(step ORDER BY step) FROM document_requests WHERE practice_id = $1`, f.pid).Scan(&steps); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(steps, []int32{0, 3, 7}) {
		t.Fatalf("claims: %v", steps)
	}
}

// No reminder is claimed once everything is in; and an email claimed while
// items were missing does not go when they arrived before it was worked.
func TestNothingWhenEverythingIsIn(t *testing.T) {
	f := newFixture(t)
	if c := f.day(london(2026, 12, 2)); len(c) != 1 {
		t.Fatalf("request day: %+v", c)
	}
	f.inbox(2, 0)
	f.exec(`UPDATE task_items SET received_at = now(), received_by = $2, done_at = now() WHERE id = ANY($1)`,
		[]int64{f.items[bankWords], f.items[salesWords]}, f.contacts["bob@acme.example"])
	for _, d := range []time.Time{london(2026, 12, 5), london(2026, 12, 9)} {
		if c := f.day(d); len(c) != 0 {
			t.Fatalf("%s: claimed %+v with everything in", d.Format(time.DateOnly), c)
		}
	}
	f.inbox(2, 2)

	// Worked after the items arrived, an email sends nothing.
	if err := requests.Work(f.ctx, f.deps, requests.SendArgs{Practice: string(f.pid), TaskID: f.acme, Step: 3,
		ContactID: f.contacts["jane@acme.example"]}); err != nil {
		t.Fatal(err)
	}
	f.inbox(2, 2)
}

func TestRegisterJobs(t *testing.T) {
	reg := jobs.NewRegistry()
	if err := (requests.Job{}).RegisterJobs(reg); err != nil {
		t.Fatal(err)
	}
	if err := (requests.Job{}).RegisterJobs(reg); err == nil {
		t.Fatal("registered twice")
	}
}

// countingMailer counts the messages it passes to the mail server.
type countingMailer struct {
	*mail.Sender
	n atomic.Int32
}

func (c *countingMailer) Send(ctx context.Context, m mail.Message) error {
	err := c.Sender.Send(ctx, m)
	if err == nil {
		c.n.Add(1)
	}
	return err
}
