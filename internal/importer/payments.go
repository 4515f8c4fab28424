package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/payments"
)

// paymentsFormat is money received as a bank export gives it after light
// editing: a row per payment, naming the invoice it pays. The aliases are
// the names banks and accounting software give the same columns.
var paymentsFormat = format{
	columns:  []string{"date", "amount", "reference", "invoice", "overpayment"},
	required: []string{"date", "amount", "invoice"},
	aliases: map[string]string{
		"payment_date": "date", "transaction_date": "date", "received_on": "date", "value_date": "date",
		"paid_in": "amount", "money_in": "amount", "credit": "amount", "credit_amount": "amount", "value": "amount",
		"description": "reference", "memo": "reference", "narrative": "reference", "details": "reference", "payee": "reference",
		"invoice_number": "invoice", "invoice_no": "invoice", "invoice_ref": "invoice", "inv": "invoice",
		"overpaid": "overpayment",
	},
}

// paymentFields maps the payments package's field names to the columns.
var paymentFields = map[string]string{
	payments.FieldAmount: "amount", payments.FieldDate: "date", payments.FieldReference: "reference",
	payments.FieldInvoice: "invoice", payments.FieldOverpayment: "overpayment",
}

// importPayments records each row as a payment, in file order, through
// payments.Record — the same checks and the same writes as a payment typed
// in Slack — each in a savepoint, so a refused row leaves nothing behind.
// A row's key is made from its content and its occurrence among identical
// rows, so importing the same file again records nothing twice.
func importPayments(ctx context.Context, r *run, t *table) error {
	p, err := r.store.Get(ctx, r.pid())
	if err != nil {
		return err
	}
	now := time.Now()
	if r.todayGiven {
		now = r.o.Today
	}
	store := payments.Store{DB: r.tx}
	seen := map[string]int{}
	for _, row := range t.rows {
		over, ok := parseBool(row.get("overpayment"))
		if !ok {
			r.invalid(row.line, "overpayment", "Write yes or no: yes keeps what is paid above the balance as credit on the client's account.")
			continue
		}
		in := payments.Input{Invoice: row.get("invoice"), Amount: row.get("amount"), Date: row.get("date"),
			Reference: row.get("reference"), Overpayment: over, Source: payments.Import}
		content := paymentKey(in)
		seen[content]++
		in.Key = fmt.Sprintf("import:%s:%d", content, seen[content])
		out, err := store.Record(ctx, r.pid(), r.o.Actor, in, now.In(p.Location()))
		if err != nil {
			if atlas.ErrorField(err) == "" && atlas.ErrorCode(err) != atlas.EInternal {
				// Not found, not sent, paid: the invoice column is at fault.
				r.invalid(row.line, "invoice", atlas.ErrorMessage(err))
				continue
			}
			if err := r.reject(row.line, paymentFields, err); err != nil {
				return err
			}
			continue
		}
		if out.Again {
			r.rep.Unchanged++
			continue
		}
		r.rep.Created++
	}
	return nil
}

// paymentKey identifies a row by what it records, as typed.
func paymentKey(in payments.Input) string {
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%s\x00%s", norm(in.Invoice), norm(in.Date), norm(in.Amount), norm(in.Reference)))
	return hex.EncodeToString(sum[:12])
}
