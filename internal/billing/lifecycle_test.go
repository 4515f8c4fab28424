package billing_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/pgtest"
)

// queued lists the outbox jobs queued for the practice: "post <render>
// <subject>" or "update <render> <subject>".
func (f *fixture) queued() []string {
	f.t.Helper()
	rows, err := f.db.Query(f.ctx, `SELECT CASE kind WHEN 'slack_post' THEN 'post' ELSE 'update' END || ' ' || (args->>'render') || ' ' ||
			(args->'subject'->>'type') || ':' || (args->'subject'->>'id') || ' ' || coalesce(args->>'channel', '')
		FROM river_job WHERE kind IN ('slack_post', 'slack_update') AND args->>'practice' = $1 ORDER BY id`, string(f.pid))
	if err != nil {
		f.t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

// The lifecycle of the month's invoices: the run posts a summary and a
// card for those that need a look; an approval numbers the invoice, takes
// its time out of WIP, and a retainer absorbs its period's covered time;
// a rejection goes back to the preparer; a void returns the time and frees
// the period; recorded = WIP + billed + written off throughout.
func TestApprovalLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t, pgtest.Tx(t), "TLIFE", day("2026-12-03").Add(9*time.Hour))
	f.exec(`UPDATE practices SET billing_channel = 'C0BILLING' WHERE id = $1`, f.pid)
	west := f.hourlyClient("WEST")
	acme := f.retainerClient("ACME", "arrears", 1, "2026-10-01", "2026-01-01", "450")
	baker := f.retainerClient("BAKER", "arrears", 1, "2026-11-01", "2026-01-01", "300")
	f.log(west, "PAYROLL", "2026-11-02", 60)
	f.log(acme, "BK", "2026-10-20", 120) // October: covered, absorbed by October's retainer
	f.log(acme, "BK", "2026-11-05", 90)  // November: covered
	f.log(acme, "BK", "2026-11-06", 30)  // November: covered
	f.log(acme, "ADV", "2026-11-07", 60) // not covered: billed by the hour
	f.log(baker, "BK", "2026-11-10", 60)

	// October's retainers, made and approved a month ago.
	if _, err := f.bs.Run(f.ctx, f.pid, month("2026-10"), day("2026-11-02").Add(9*time.Hour), f.mina); err != nil {
		t.Fatal(err)
	}
	for _, inv := range f.invoices() {
		if _, err := f.bs.Approve(f.ctx, f.pid, f.mina, inv.ID, day("2026-11-02").Add(10*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	f.exec(`DELETE FROM river_job`)

	// November's run: ACME's retainer is unchanged (no card); BAKER's is
	// its first (card); WEST and ACME's hourly invoices (cards).
	if _, err := f.bs.Run(f.ctx, f.pid, month("2026-11"), f.now, f.mina); err != nil {
		t.Fatal(err)
	}
	byKey := map[string]billing.Invoice{}
	for _, inv := range f.invoices() {
		if inv.Period != nil && *inv.Period == month("2026-11") {
			byKey[inv.EntityCode+" "+string(inv.Kind)] = inv
		}
	}
	q := strings.Join(f.queued(), "\n")
	for _, want := range []string{"post billing.summary billing_run:202611 C0BILLING", "post invoice.card invoice:" + strconv.FormatInt(byKey["BAKER recurring"].ID, 10),
		"post invoice.card invoice:" + strconv.FormatInt(byKey["WEST hourly"].ID, 10), "post invoice.card invoice:" + strconv.FormatInt(byKey["ACME hourly"].ID, 10)} {
		if !strings.Contains(q, want) {
			t.Errorf("queued lacks %q:\n%s", want, q)
		}
	}
	if strings.Contains(q, "invoice:"+strconv.FormatInt(byKey["ACME recurring"].ID, 10)) {
		t.Errorf("an unchanged retainer got a card:\n%s", q)
	}
	unchanged, err := f.bs.Unchanged(f.ctx, f.pid, month("2026-11"))
	if err != nil || len(unchanged) != 1 || unchanged[0].EntityCode != "ACME" {
		t.Fatalf("unchanged: %+v %v", unchanged, err)
	}
	if sum := f.checkSummary(month("2026-11")); sum.Awaiting != 4 || sum.Approved != 0 || sum.Unchanged != 1 || len(sum.Kinds) != 2 {
		t.Fatalf("summary after the run: %+v", sum)
	}

	// Approve ACME's retainer: its covered November time (£120) is absorbed.
	inv, err := f.bs.Approve(f.ctx, f.pid, f.mina, byKey["ACME recurring"].ID, f.now)
	if err == nil {
		inv, err = f.bs.Invoice(f.ctx, f.pid, inv.ID)
	}
	if err != nil || inv.Number != "INV-2026-0002" || inv.Status != billing.Approved || len(inv.Lines[0].Entries) != 2 ||
		inv.Lines[0].TimeValue.StringFixed(2) != "120.00" {
		t.Fatalf("approved retainer: %s %s, %d entries worth %s (%v)", inv.Number, inv.Status, len(inv.Lines[0].Entries), inv.Lines[0].TimeValue, err)
	}
	// Approving again: told by whom.
	if _, err := f.bs.Approve(f.ctx, f.pid, f.mina, inv.ID, f.now); atlas.ErrorCode(err) != atlas.EConflict ||
		!strings.Contains(atlas.ErrorMessage(err), "INV-2026-0002 for ACME · ACME Ltd is already approved, by Mina at 09:00 on 3 Dec") {
		t.Fatalf("second approval: %v", err)
	}
	// Reject WEST's: back to a draft, the note DM'd to the preparer.
	w, err := f.bs.Reject(f.ctx, f.pid, f.mina, byKey["WEST hourly"].ID, "Check the payroll hours", f.now)
	if err != nil || w.Status != billing.Draft || w.RejectNote != "Check the payroll hours" {
		t.Fatalf("reject: %+v %v", w, err)
	}
	if q := strings.Join(f.queued(), "\n"); !strings.Contains(q, "post invoice.returned invoice:"+strconv.FormatInt(w.ID, 10)+" UMINA") {
		t.Fatalf("no DM to the preparer:\n%s", q)
	}
	if _, err := f.bs.Approve(f.ctx, f.pid, f.mina, w.ID, f.now); !strings.Contains(atlas.ErrorMessage(err), "is a draft: its preparer submits it") {
		t.Fatalf("approving a returned draft: %v", err)
	}
	if w, err = f.bs.Submit(f.ctx, f.pid, f.mina, w.ID); err != nil || w.Status != billing.AwaitingApproval {
		t.Fatalf("resubmit: %v", err)
	}
	if _, err := f.bs.Approve(f.ctx, f.pid, f.mina, w.ID, f.now); err != nil {
		t.Fatal(err)
	}
	f.checkIdentity()
	if sum := f.checkSummary(month("2026-11")); sum.Awaiting != 2 || sum.Approved != 2 || sum.Unchanged != 0 {
		t.Fatalf("summary after two approvals: %+v", sum)
	}

	// Void ACME's November retainer: its time is WIP again, the period can
	// be invoiced again — and the run does.
	if _, err := f.bs.Void(f.ctx, f.pid, f.mina, inv.ID, " ", f.now); atlas.ErrorField(err) != billing.FieldReason {
		t.Fatalf("void without a reason: %v", err)
	}
	v, err := f.bs.Void(f.ctx, f.pid, f.mina, inv.ID, "Wrong fee", f.now)
	if err != nil || v.Status != billing.Void || v.Number != "INV-2026-0002" || len(v.Lines[0].Entries) != 0 {
		t.Fatalf("void: %+v %v", v, err)
	}
	f.checkIdentity()
	if _, err := f.bs.Void(f.ctx, f.pid, f.mina, inv.ID, "again", f.now); !strings.Contains(atlas.ErrorMessage(err), "already void") {
		t.Fatalf("void twice: %v", err)
	}
	res, err := f.bs.Run(f.ctx, f.pid, month("2026-11"), f.now, f.mina)
	if err != nil || len(res.Retainers) != 1 || res.Retainers[0].Client != "ACME · ACME Ltd" {
		t.Fatalf("the voided period again: %+v %v", res.Retainers, err)
	}
	f.checkSummary(month("2026-11"))
}

// checkIdentity: for every client, the value of its billable time =
// work in progress (drafts included) + billed (the time value of
// approved lines) + written off.
func (f *fixture) checkIdentity() {
	f.t.Helper()
	rows, err := f.db.Query(f.ctx, `
		SELECT e.code,
		       coalesce((SELECT sum(value) FROM time_entries te WHERE te.entity_id = e.id AND te.billable AND te.value IS NOT NULL
		                   AND te.billing_state IN ('unbilled', 'billed', 'written_off')), 0),
		       coalesce((SELECT sum(value) FROM time_entries te WHERE te.entity_id = e.id AND te.billing_state = 'unbilled' AND te.billable), 0),
		       coalesce((SELECT sum(l.time_value) FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
		                  WHERE i.entity_id = e.id AND i.status IN ('approved', 'sending', 'sent', 'part_paid', 'paid')), 0),
		       coalesce((SELECT sum(w.value) FROM write_offs w JOIN time_entries te ON te.id = w.entry_id WHERE te.entity_id = e.id), 0)
		  FROM entities e WHERE e.practice_id = $1`, f.pid)
	if err != nil {
		f.t.Fatal(err)
	}
	var code string
	var recorded, wip, billed, written decimal.Decimal
	if _, err := pgx.ForEachRow(rows, []any{&code, &recorded, &wip, &billed, &written}, func() error {
		if !recorded.Equal(wip.Add(billed).Add(written)) {
			f.t.Fatalf("%s: recorded %s ≠ WIP %s + billed %s + written off %s", code, recorded, wip, billed, written)
		}
		return nil
	}); err != nil {
		f.t.Fatal(err)
	}
}
