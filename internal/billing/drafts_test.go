package billing_test

import (
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/pgtest"
)

// A manager's work on a draft: each change recomputes VAT and totals,
// counts a revision and is audited; bad input changes nothing.
func TestWorkingOnADraft(t *testing.T) {
	t.Parallel()
	f := newFixture(t, pgtest.Tx(t), "TBILLDRAFT", day("2026-12-03").Add(9*3600*1e9))
	west := f.hourlyClient("WEST")
	f.log(west, "PAYROLL", "2026-11-02", 60)  // 60.00
	f.log(west, "PAYROLL", "2026-11-03", 120) // 120.00
	e3 := f.log(west, "BK", "2026-11-04", 60) // 60.00
	e4 := f.log(west, "BK", "2026-11-05", 30) // 30.00
	made, err := f.bs.DraftFor(f.ctx, f.pid, west, day("2026-11-30"), f.now, f.mina)
	if err != nil {
		t.Fatal(err)
	}
	id := made[0].InvoiceID
	inv, _ := f.bs.Invoice(f.ctx, f.pid, id)
	if inv.Subtotal.StringFixed(2) != "270.00" || len(inv.Lines) != 2 {
		t.Fatalf("draft: %s over %d lines", inv.Subtotal, len(inv.Lines))
	}
	bk := inv.Lines[0] // by service name: Bookkeeping, then Payroll
	var all []int64
	for _, l := range inv.Lines {
		for _, e := range l.Entries {
			all = append(all, e.ID)
		}
	}

	// Bad input, each refused with the field and nothing changed.
	bad := []struct {
		name  string
		run   func() error
		field string
		says  string
	}{
		{"negative amount", func() error {
			_, err := f.bs.SetLineAmount(f.ctx, f.pid, f.mina, id, bk.ID, billing.AnyRevision, "-50", "discount")
			return err
		}, billing.FieldAmount, "cannot be below zero"},
		{"not a number", func() error {
			_, err := f.bs.SetLineAmount(f.ctx, f.pid, f.mina, id, bk.ID, billing.AnyRevision, "eighty", "discount")
			return err
		}, billing.FieldAmount, `"eighty" is not an amount`},
		{"a write-down without a reason", func() error {
			_, err := f.bs.SetLineAmount(f.ctx, f.pid, f.mina, id, bk.ID, billing.AnyRevision, "80", " ")
			return err
		}, billing.FieldReason, "Say why"},
		{"a total of zero", func() error {
			_, err := f.bs.SetTotal(f.ctx, f.pid, f.mina, id, billing.AnyRevision, "0", "goodwill")
			return err
		}, billing.FieldTotal, "more than zero"},
		{"a total below zero", func() error {
			_, err := f.bs.SetTotal(f.ctx, f.pid, f.mina, id, billing.AnyRevision, "-10", "goodwill")
			return err
		}, billing.FieldTotal, "cannot be below zero"},
		{"an empty line", func() error {
			_, err := f.bs.AddLine(f.ctx, f.pid, f.mina, id, billing.AnyRevision, "", "13", billing.OutsideScope)
			return err
		}, billing.FieldDescription, "Say what the line is for"},
		{"taking all the time off", func() error {
			_, err := f.bs.TakeOff(f.ctx, f.pid, f.mina, id, billing.AnyRevision, all, false, "")
			return err
		}, billing.FieldEntries, "Delete the draft instead"},
		{"a stale form", func() error {
			_, err := f.bs.SetLineAmount(f.ctx, f.pid, f.mina, id, bk.ID, billing.Expect(inv.Revision+5), "80", "discount")
			return err
		}, "", "changed this invoice since you opened it"},
	}
	for _, b := range bad {
		err := b.run()
		if !strings.Contains(atlas.ErrorMessage(err), b.says) || (b.field != "" && atlas.ErrorField(err) != b.field) {
			t.Errorf("%s: %v (field %q)", b.name, err, atlas.ErrorField(err))
		}
	}
	if again, _ := f.bs.Invoice(f.ctx, f.pid, id); again.Revision != inv.Revision || !again.Total.Equal(inv.Total) {
		t.Fatalf("refused changes changed the invoice: revision %d → %d", inv.Revision, again.Revision)
	}

	// Write Bookkeeping down from 90.00 to 75.00.
	inv, err = f.bs.SetLineAmount(f.ctx, f.pid, f.mina, id, bk.ID, billing.Expect(inv.Revision), "75", "first month")
	if err != nil || inv.Subtotal.StringFixed(2) != "255.00" || inv.VAT.StringFixed(2) != "51.00" || inv.Lines[0].Adjustment().StringFixed(2) != "-15.00" {
		t.Fatalf("write-down: %s %s %v", inv.Subtotal, inv.VAT, err)
	}
	// A new total of 200.00 spread by value: 90 and 180 of 270.
	inv, err = f.bs.SetTotal(f.ctx, f.pid, f.mina, id, billing.Expect(inv.Revision), "200", "agreed with the client")
	if err != nil || inv.Lines[0].Amount.StringFixed(2) != "66.66" || inv.Lines[1].Amount.StringFixed(2) != "133.34" || inv.Subtotal.StringFixed(2) != "200.00" {
		t.Fatalf("new total: %v %v %v", inv.Lines[0].Amount, inv.Lines[1].Amount, err)
	}
	if p, ok := inv.Realisation(); !ok || p != 74 {
		t.Errorf("realisation %d%% %v, want 74%%", p, ok)
	}
	// A disbursement outside the scope of VAT.
	inv, err = f.bs.AddLine(f.ctx, f.pid, f.mina, id, billing.AnyRevision, "Companies House filing fee", "13", billing.OutsideScope)
	if err != nil || len(inv.Lines) != 3 || inv.Subtotal.StringFixed(2) != "213.00" || inv.VAT.StringFixed(2) != "40.00" {
		t.Fatalf("ad-hoc line: %v %v %v", inv.Subtotal, inv.VAT, err)
	}
	// Carry one bookkeeping entry forward: back in WIP; the line keeps its
	// write-down's proportion (66.66 × 60/90 = 44.44).
	inv, err = f.bs.TakeOff(f.ctx, f.pid, f.mina, id, billing.AnyRevision, []int64{e4.ID}, false, "")
	if err != nil || inv.Lines[0].TimeValue.StringFixed(2) != "60.00" || inv.Lines[0].Amount.StringFixed(2) != "44.44" {
		t.Fatalf("carry forward: %+v %v", inv.Lines[0], err)
	}
	if e, _ := f.ts.Entry(f.ctx, f.pid, e4.ID); e.InvoiceID != nil || e.BillingState != "unbilled" {
		t.Fatalf("carried entry: %+v", e)
	}
	// Write the other off, with a reason: the line goes; its value is
	// recorded as written off.
	if _, err := f.bs.TakeOff(f.ctx, f.pid, f.mina, id, billing.AnyRevision, []int64{e3.ID}, true, ""); atlas.ErrorField(err) != billing.FieldReason {
		t.Fatalf("write-off without a reason: %v", err)
	}
	inv, err = f.bs.TakeOff(f.ctx, f.pid, f.mina, id, billing.AnyRevision, []int64{e3.ID}, true, "training time")
	if err != nil || len(inv.Lines) != 2 {
		t.Fatalf("write-off: %v %v", len(inv.Lines), err)
	}
	var written string
	if err := f.db.QueryRow(f.ctx, `SELECT value::text FROM write_offs WHERE entry_id = $1`, e3.ID).Scan(&written); err != nil || written != "60.00" {
		t.Fatalf("write-off recorded: %q %v", written, err)
	}
	// Per entry: two payroll lines, still billing 133.34 between them.
	inv, err = f.bs.SetGrouping(f.ctx, f.pid, f.mina, id, billing.AnyRevision, billing.PerEntry)
	if err != nil || inv.Grouping != billing.PerEntry {
		t.Fatalf("per entry: %v", err)
	}
	var timeLines int
	var billed string
	for _, l := range inv.Lines {
		if l.Kind == billing.TimeLine {
			timeLines++
		}
	}
	if err := f.db.QueryRow(f.ctx, `SELECT sum(amount)::text FROM invoice_lines WHERE invoice_id = $1 AND kind = 'time'`, id).Scan(&billed); err != nil ||
		timeLines != 2 || billed != "133.34" {
		t.Fatalf("per entry: %d time lines billing %s (%v)", timeLines, billed, err)
	}
	if _, err := f.bs.TakeOff(f.ctx, f.pid, f.mina, id, billing.AnyRevision, []int64{999999}, false, ""); atlas.ErrorField(err) != billing.FieldEntries {
		t.Fatalf("an entry not on the invoice: %v", err)
	}
	// Delete: its time is WIP again, and it cannot be edited.
	if _, err := f.bs.Delete(f.ctx, f.pid, f.mina, id, billing.AnyRevision); err != nil {
		t.Fatal(err)
	}
	var onInvoice int
	if err := f.db.QueryRow(f.ctx, `SELECT count(*) FROM time_entries WHERE invoice_id = $1`, id).Scan(&onInvoice); err != nil || onInvoice != 0 {
		t.Fatalf("%d entries still on a deleted draft", onInvoice)
	}
	if _, err := f.bs.AddLine(f.ctx, f.pid, f.mina, id, billing.AnyRevision, "late", "5", billing.Standard); atlas.ErrorCode(err) != atlas.EConflict ||
		!strings.Contains(atlas.ErrorMessage(err), "was deleted") {
		t.Fatalf("editing a deleted draft: %v", err)
	}
	// An approved invoice is never edited.
	made, err = f.bs.DraftFor(f.ctx, f.pid, west, day("2026-11-30"), f.now, f.mina)
	if err != nil {
		t.Fatal(err)
	}
	f.exec(`UPDATE invoices SET status = 'approved', number = 'INV-2026-0001', approved_by = $2, approved_at = now() WHERE id = $1`, made[0].InvoiceID, f.mina)
	if _, err := f.bs.SetTotal(f.ctx, f.pid, f.mina, made[0].InvoiceID, billing.AnyRevision, "10", "x"); atlas.ErrorCode(err) != atlas.EConflict ||
		!strings.Contains(atlas.ErrorMessage(err), "INV-2026-0001 for WEST · WEST Ltd is approved: an approved invoice is never edited") {
		t.Fatalf("editing an approved invoice: %v", err)
	}
	// Every change is in the audit trail.
	var audited int
	if err := f.db.QueryRow(f.ctx, `SELECT count(*) FROM audit_events WHERE practice_id = $1 AND subject_type = 'invoice'
		AND data ? 'before' AND data ? 'after'`, f.pid).Scan(&audited); err != nil || audited != 7 {
		t.Fatalf("%d audited changes (%v)", audited, err)
	}
}
