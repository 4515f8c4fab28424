package bot_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	botinbox "github.com/atlas-practice/atlas/bot/inbox"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/inbox"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/slackfake"
)

// newInboxWorld is a practice with staff, a manager and clients ACME and
// NWT, with only /inbox's routes registered (registered here until the
// shared wiring adds them).
func newInboxWorld(t *testing.T) *timeWorld {
	t.Helper()
	clock := atlas.NewFixedClock(time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC))
	h := newHarnessWith(t, "socket", func(rt *slackapp.Router, pool *pgxpool.Pool) {
		rt.Clock = clock
		botinbox.Register(rt, botinbox.Deps{DB: pool, Domains: []string{"in.ledgerline.example"}})
	})
	h.fake.AddUser(managerID, "mina", "Mina Manager", "mina@example.com")
	w := &timeWorld{harness: h, clock: clock, ctx: context.Background(), store: practice.Store{DB: h.pool}, pid: slackfake.TeamID}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := w.store.Ensure(w.ctx, w.pid)
	must(err)
	w.p, err = w.store.SaveBasics(w.ctx, w.pid, 0, practice.Basics{Name: "Ledgerline", Timezone: "Europe/London", Currency: "GBP", VATRate: "20"})
	must(err)
	m, err := w.store.AddMember(w.ctx, w.pid, 0, practice.NewMember{SlackUserID: staffID, Name: "Sam Staff", Role: atlas.RoleStaff})
	must(err)
	w.staff = m.ID
	m, err = w.store.AddMember(w.ctx, w.pid, 0, practice.NewMember{SlackUserID: managerID, Name: "Mina Manager", Role: atlas.RoleManager})
	must(err)
	w.manager = m.ID
	for _, c := range []struct {
		code, name string
		id         *int64
	}{{"ACME", "Acme Trading Ltd", &w.acme}, {"NWT", "Northwind Traders", &w.nwt}} {
		e, err := w.store.SaveEntity(w.ctx, w.pid, 0, 0, practice.EntityInput{Code: c.code, Name: c.name})
		must(err)
		*c.id = e.ID
	}
	return w
}

// mailIn delivers an email that names no client, with one PDF.
func (w *timeWorld) mailIn(subject, fileName string) int64 {
	w.t.Helper()
	d, err := inbox.Deliver(w.ctx, w.pool, nil, w.pid, "", inbox.Parsed{From: "someone@unknown.example", FromName: "Some One", Subject: subject,
		Snippet: "Please find attached.", Attachments: []inbox.Attachment{{Name: fileName, Data: []byte("%PDF-1.4\nscan\n%%EOF\n")}}}, w.clock.Now())
	if err != nil || d.EntityID != 0 {
		w.t.Fatalf("deliver: %+v %v", d, err)
	}
	return d.ID
}

// /inbox lists the emails that found no client to managers; Assign files
// one for ACME (a documents row appears, the email leaves the list) and
// Discard throws the other away; staff are refused.
func TestInboxTriageJourney(t *testing.T) {
	t.Parallel()
	w := newInboxWorld(t)
	first := w.mailIn("Receipts for last month", "receipts.pdf")
	second := w.mailIn("You have won a prize", "prize.pdf")

	mustContain(t, "staff", w.ask(staffID, "/inbox", ""), "for managers, partners and admins")
	got := w.ask(managerID, "/inbox", "")
	mustContain(t, "list", got, "Inbox · 2 emails waiting for a client", "Receipts for last month", "receipts.pdf", "Some One",
		"You have won a prize", `"action_id":"`+botinbox.ActionAssign+`"`, `"action_id":"`+botinbox.ActionDiscard+`"`,
		"docs@in.ledgerline.example")

	w.click(managerID, botinbox.ActionAssign, itoa64(first))
	view, meta := w.openedView(botinbox.CallbackAssign)
	if view["callback_id"] != botinbox.CallbackAssign || !strings.HasSuffix(meta, "|"+itoa64(first)) {
		t.Fatalf("the assign form: %v %q", view["callback_id"], meta)
	}
	errs := responseErrors(t, w.interact(submission(managerID, botinbox.CallbackAssign, meta, map[string]any{})))
	mustContain(t, "no client", errs[botinbox.AssignClient], "Pick the client")
	w.mark()
	clientPick := map[string]any{"x": map[string]any{"type": "external_select", "selected_option": map[string]any{"value": itoa64(w.acme)}}}
	if errs := responseErrors(t, w.interact(submission(managerID, botinbox.CallbackAssign, meta, map[string]any{botinbox.AssignClient: clientPick}))); errs != nil {
		t.Fatalf("assign refused: %v", errs)
	}
	mustContain(t, "assigned", w.said(), "Filed “Receipts for last month” for ACME · Acme Trading Ltd: 1 document")
	var docs int
	if err := w.pool.QueryRow(w.ctx, `SELECT count(*) FROM documents WHERE practice_id = $1 AND entity_id = $2 AND source = 'inbox' AND file_name = 'receipts.pdf'`,
		w.pid, w.acme).Scan(&docs); err != nil || docs != 1 {
		t.Fatalf("%d documents for ACME, %v", docs, err)
	}

	// Staff cannot discard; the manager can.
	w.click(staffID, botinbox.ActionDiscard, itoa64(second))
	w.settle()
	if n := pendingCount(t, w); n != 1 {
		t.Fatalf("staff discarded: %d pending", n)
	}
	w.mark()
	w.click(managerID, botinbox.ActionDiscard, itoa64(second))
	mustContain(t, "discarded", w.said(), "Inbox · nothing waiting")
	if n := pendingCount(t, w); n != 0 {
		t.Fatalf("%d pending after discarding", n)
	}
	var status string
	if err := w.pool.QueryRow(w.ctx, `SELECT status FROM inbox_messages WHERE id = $1`, second).Scan(&status); err != nil || status != "discarded" {
		t.Fatalf("the discarded email: %q %v", status, err)
	}
	if got := w.ask(managerID, "/inbox", ""); strings.Contains(got, "Receipts for last month") {
		t.Fatalf("an assigned email is still listed:\n%s", got)
	}
}

func pendingCount(t *testing.T, w *timeWorld) int {
	t.Helper()
	_, n, err := inbox.PendingMessages(w.ctx, w.pool, w.pid, 10)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
