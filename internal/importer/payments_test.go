package importer_test

import (
	"context"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/internal/importer"
)

// sentInvoice writes a sent invoice of total for a new client.
func (f *fixture) sentInvoice(code, number, total string) int64 {
	f.t.Helper()
	var id int64
	if err := f.tx.QueryRow(context.Background(), `
		WITH e AS (INSERT INTO entities (practice_id, code, name, billing_type) VALUES ($1, $2, $2 || ' Ltd', 'hourly') RETURNING id)
		INSERT INTO invoices (practice_id, entity_id, kind, status, number, currency, issue_date, due_date, subtotal, vat, total, label, sent_at)
		SELECT $1, e.id, 'adhoc', 'sent', $3, 'GBP', '2026-02-01', '2026-03-03', $4, 0, $4, 'Work', now() FROM e
		RETURNING id`, f.pid, code, number, total).Scan(&id); err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *fixture) paidOf(id int64) (paid, status string) {
	f.t.Helper()
	if err := f.tx.QueryRow(context.Background(), `SELECT paid::text, status FROM invoices WHERE id = $1`, id).Scan(&paid, &status); err != nil {
		f.t.Fatal(err)
	}
	return paid, status
}

// A bank export, lightly edited: its own column names, £ signs, thousands
// commas, day-first and ISO dates.
const paymentsCSV = "\ufeffDate,Paid in,Description,Invoice number,Balance\r\n" +
	"03/03/2026,\"£1,000.00\",BACS ACME,INV-0001,5000\r\n" +
	"2026-03-10,200,FPS ACME,inv-0001,5200\r\n" +
	"10/03/2026,£50.00,NWT,INV-0002,5250\r\n"

func TestImportPayments(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	acme := f.sentInvoice("ACME", "INV-0001", "1200.00")
	nwt := f.sentInvoice("NWT", "INV-0002", "300.00")

	// A dry run reports and writes nothing.
	rep := f.run(importer.Payments, paymentsCSV, dryRun)
	if rep.Created != 3 || rep.Rejected || len(rep.Errors) != 0 || rep.Imported {
		t.Fatalf("dry run: %+v", rep)
	}
	if paid, status := f.paidOf(acme); paid != "0.00" || status != "sent" {
		t.Fatalf("a dry run paid ACME's invoice: %s, %s", paid, status)
	}
	if len(rep.IgnoredColumns) != 1 || rep.IgnoredColumns[0] != "Balance" {
		t.Fatalf("ignored columns %v, want the bank's balance", rep.IgnoredColumns)
	}

	rep = f.run(importer.Payments, paymentsCSV)
	if rep.Created != 3 || !rep.Imported {
		t.Fatalf("import: %+v", rep)
	}
	if paid, status := f.paidOf(acme); paid != "1200.00" || status != "paid" {
		t.Fatalf("ACME's invoice after the import: %s, %s", paid, status)
	}
	if paid, status := f.paidOf(nwt); paid != "50.00" || status != "part_paid" {
		t.Fatalf("NWT's invoice after the import: %s, %s", paid, status)
	}
	var source string
	if err := f.tx.QueryRow(context.Background(), `SELECT string_agg(DISTINCT source, ',') FROM payments WHERE practice_id = $1`, f.pid).Scan(&source); err != nil || source != "import" {
		t.Fatalf("payments' source %q (%v)", source, err)
	}

	// The same file again records nothing twice.
	rep = f.run(importer.Payments, paymentsCSV)
	if rep.Created != 0 || rep.Unchanged != 3 || !strings.Contains(rep.Summary(), "3 already imported") {
		t.Fatalf("second import: %+v — %s", rep, rep.Summary())
	}
	if paid, _ := f.paidOf(nwt); paid != "50.00" {
		t.Fatalf("NWT paid %s after the second import", paid)
	}
}

// Any bad row stops the whole file, each with its line, column and reason;
// --skip-invalid records the good rows.
func TestImportPaymentsRowErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	acme := f.sentInvoice("ACME", "INV-0001", "1200.00")
	const file = "date,amount,reference,invoice\n" +
		"2026-03-03,500,BACS,INV-0001\n" +
		"2026-03-03,100,BACS,INV-9999\n" +
		"2026-03-03,lots,BACS,INV-0001\n" +
		"2026-03-03,€50,BACS,INV-0001\n" +
		"2026-03-03,0,BACS,INV-0001\n" +
		"31/02/2026,10,BACS,INV-0001\n" +
		"2026-03-03,800,BACS,INV-0001\n"
	want := []importer.RowError{
		{Line: 3, Column: "invoice", Reason: "There is no invoice INV-9999."},
		{Line: 4, Column: "amount", Reason: `"lots" is not an amount.`},
		{Line: 5, Column: "amount", Reason: `"€50" is in EUR, but the invoice is in GBP`},
		{Line: 6, Column: "amount", Reason: "records nothing"},
		{Line: 7, Column: "date", Reason: "is not a date"},
		{Line: 8, Column: "amount", Reason: "more than the balance of £700.00 on INV-0001"},
	}
	check := func(rep importer.Report) {
		t.Helper()
		if len(rep.Errors) != len(want) {
			t.Fatalf("%d row errors, want %d: %v", len(rep.Errors), len(want), rep.Errors)
		}
		for i, w := range want {
			got := rep.Errors[i]
			if got.Line != w.Line || got.Column != w.Column || !strings.Contains(got.Reason, w.Reason) {
				t.Errorf("row error %d: %v, want line %d column %s containing %q", i, got, w.Line, w.Column, w.Reason)
			}
		}
	}
	rep := f.run(importer.Payments, file)
	check(rep)
	if !rep.Rejected || rep.Imported || !strings.Contains(rep.Summary(), "pass --skip-invalid to import the 1 valid row") {
		t.Fatalf("a file with bad rows: %+v — %s", rep, rep.Summary())
	}
	if paid, status := f.paidOf(acme); paid != "0.00" || status != "sent" {
		t.Fatalf("a rejected file paid the invoice: %s, %s", paid, status)
	}
	var n int
	if err := f.tx.QueryRow(context.Background(), `SELECT count(*) FROM payments WHERE practice_id = $1`, f.pid).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d payments after a rejected file (%v)", n, err)
	}

	rep = f.run(importer.Payments, file, skipInvalid)
	check(rep)
	if rep.Created != 1 || rep.Skipped != 6 || !rep.Imported {
		t.Fatalf("skipping the bad rows: %+v", rep)
	}
	if paid, status := f.paidOf(acme); paid != "500.00" || status != "part_paid" {
		t.Fatalf("after skipping the bad rows: %s, %s", paid, status)
	}
}
