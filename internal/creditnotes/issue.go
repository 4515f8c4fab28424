package creditnotes

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/billing"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/money"
	"github.com/atlas-practice/atlas/internal/outbox"
	"github.com/atlas-practice/atlas/internal/practice"
)

// Series is the invoice_counters series credit notes are numbered in,
// apart from the invoices': a credit note is a document of its own kind,
// and HMRC expects each kind's numbers to run without a gap.
const Series = "credit_note"

// TimeTo is what becomes of the time on the lines a note credits whole.
type TimeTo string

// What becomes of the credited time.
const (
	// BackToWIP returns it to work in progress, to be billed again.
	BackToWIP TimeTo = "wip"
	// WriteOff takes it out of work in progress, its value recorded as
	// written off.
	WriteOff TimeTo = "write_off"
	// KeepBilled leaves it on the invoice: what a note records when no
	// time moved — a part of a line credited, or lines with no time.
	KeepBilled TimeTo = "none"
)

// Fields of the credit form, so a refusal goes back to its field.
const (
	FieldLine   = "line"
	FieldAmount = "amount"
	FieldReason = "reason"
	FieldTimeTo = "time_to"
)

// LineCredit is one line of the invoice to credit, and how much of its
// amount before VAT: Amount empty credits all that remains of the line.
type LineCredit struct {
	LineID int64
	Amount decimal.NullDecimal
}

// Request is a credit a partner asks for.
type Request struct {
	InvoiceID int64
	// Lines are the lines to credit; none credits the whole invoice — all
	// that remains uncredited of every line.
	Lines  []LineCredit
	Reason string
	TimeTo TimeTo // BackToWIP or WriteOff; it matters only for lines credited whole
}

// Issued is a note just issued, with what followed from it.
type Issued struct {
	Note
	// EntriesMoved is how many time entries went back to work in progress
	// or were written off.
	EntriesMoved int
	// ToAccount is the part of the credit the client had already paid,
	// now credit on its account.
	ToAccount decimal.Decimal
	// Unsent says why the note was not queued to be emailed ("" when it
	// was): the client has no billing email.
	Unsent string
}

// creditable lists the statuses an invoice may be credited in: it has gone
// to the client. An approved invoice not yet sent is voided instead.
var creditable = []billing.Status{billing.Sent, billing.PartPaid, billing.Paid}

// Creditable reports whether an invoice in status s may be credited.
func Creditable(s billing.Status) bool { return slices.Contains(creditable, s) }

// Store issues and reads credit notes.
type Store struct{ DB db.DB }

// Issue credits an invoice as req asks, in one transaction, and queues the
// note's email to the client.
func (s Store) Issue(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, req Request, now time.Time) (Issued, error) {
	var out Issued
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		var err error
		out, err = issue(ctx, tx, pid, actor, req, now)
		return err
	})
	return out, err
}

// creditLine is a line of the note in the making, beside the invoice line
// it credits.
type creditLine struct {
	line   billing.Line
	amount decimal.Decimal
	vat    decimal.Decimal
	closes bool // it credits all that remained of the line
}

// credited is what earlier notes credited of one invoice line.
type credited struct{ amount, vat decimal.Decimal }

func issue(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, actor atlas.MemberID, req Request, now time.Time) (Issued, error) {
	var out Issued
	reason := strings.TrimSpace(req.Reason)
	if reason == "" {
		return out, atlas.FieldError(FieldReason, "Say why the invoice is credited: the reason goes on the credit note the client receives.")
	}
	if req.TimeTo != "" && req.TimeTo != BackToWIP && req.TimeTo != WriteOff {
		return out, atlas.FieldError(FieldTimeTo, "Choose whether the credited time goes back to work in progress or is written off.")
	}
	// The invoice's row lock orders every credit of it, and of its
	// payments: the checks below read figures nobody else can move.
	var paid, alreadyCredited decimal.Decimal
	var entityID int64
	err := tx.QueryRow(ctx, `SELECT paid, credited, entity_id FROM invoices WHERE practice_id = $1 AND id = $2 FOR UPDATE`,
		pid, req.InvoiceID).Scan(&paid, &alreadyCredited, &entityID)
	if errors.Is(err, pgx.ErrNoRows) {
		return out, atlas.Errorf(atlas.ENotFound, "There is no invoice %d.", req.InvoiceID)
	}
	if err != nil {
		return out, fmt.Errorf("credit invoice %d: %w", req.InvoiceID, err)
	}
	inv, err := billing.Store{DB: tx}.Invoice(ctx, pid, req.InvoiceID)
	if err != nil {
		return out, err
	}
	if err := mayCredit(inv); err != nil {
		return out, err
	}
	before, err := creditedByLine(ctx, tx, pid, inv.ID)
	if err != nil {
		return out, err
	}
	lines, err := pick(inv, before, req.Lines)
	if err != nil {
		return out, err
	}
	taxLines(inv, before, lines)
	var subtotal, vat decimal.Decimal
	for _, l := range lines {
		subtotal, vat = subtotal.Add(l.amount), vat.Add(l.vat)
	}
	total := subtotal.Add(vat)
	if remaining := inv.Total.Sub(alreadyCredited); total.GreaterThan(remaining) {
		// The lines' own checks keep a credit within what remains; this is
		// the invoice's, should its lines and total disagree.
		return out, atlas.Errorf(atlas.EInvalid, "%s has %s left uncredited, less than this credit of %s: nothing was credited.",
			inv.Number, money.Format(remaining, inv.Currency), money.Format(total, inv.Currency))
	}

	// The credited time, of the lines now credited whole.
	var whole []int64
	for _, l := range lines {
		if l.closes && len(l.line.Entries) > 0 {
			whole = append(whole, l.line.ID)
		}
	}
	timeTo := KeepBilled
	if len(whole) > 0 {
		if req.TimeTo == "" {
			return out, atlas.FieldError(FieldTimeTo, "Say what becomes of the credited time: back to work in progress, to bill again, or written off.")
		}
		timeTo = req.TimeTo
	}

	// Of the credit, what the client has not paid comes off the balance;
	// what it has paid becomes credit on its account (ToAccount), since
	// paid + credited may never pass the total.
	balance := inv.Total.Sub(paid).Sub(alreadyCredited)
	toAccount := decimal.Zero
	if total.GreaterThan(balance) {
		toAccount = total.Sub(balance)
	}

	// The number, late, so the counter row is held for as short a time as
	// may be: concurrent notes queue on it, not on each other's checks.
	p, err := practice.Store{DB: tx}.Get(ctx, pid)
	if err != nil {
		return out, err
	}
	issued := p.Today(now)
	var number string
	if err := tx.QueryRow(ctx, `
		WITH n AS (
			INSERT INTO invoice_counters (practice_id, series, next_value) VALUES ($1, $2, 2)
			ON CONFLICT (practice_id, series) DO UPDATE SET next_value = invoice_counters.next_value + 1
			RETURNING next_value - 1 AS seq)
		SELECT invoice_number(p.credit_note_number_format, n.seq, $3::date) FROM n, practices p WHERE p.id = $1`,
		pid, Series, issued).Scan(&number); err != nil {
		return out, fmt.Errorf("number the credit note: %w", err)
	}

	moved, err := moveTime(ctx, tx, pid, actor, inv, whole, timeTo, reason, number)
	if err != nil {
		return out, err
	}
	if moved == 0 {
		timeTo = KeepBilled
	}

	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO credit_notes (practice_id, invoice_id, number, issued_on, reason, time_to, subtotal, vat, total, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		pid, inv.ID, number, issued, reason, string(timeTo), subtotal, vat, total, memberOrNil(actor)).Scan(&id)
	if db.IsUniqueViolation(err, "credit_notes_practice_id_number_key") {
		return out, atlas.Errorf(atlas.EConflict, "The next credit note number, %s, is already taken: the credit-note number format in /atlas settings makes a number used before. Change it, then credit again.", number)
	}
	if err != nil {
		return out, fmt.Errorf("write the credit note: %w", err)
	}
	ids, descs, amounts, treatments, rates, vats := []int64{}, []string{}, []decimal.Decimal{}, []string{}, []decimal.Decimal{}, []decimal.Decimal{}
	for _, l := range lines {
		ids, descs, amounts = append(ids, l.line.ID), append(descs, l.line.Description), append(amounts, l.amount)
		treatments, rates, vats = append(treatments, string(l.line.Treatment)), append(rates, l.line.VATRate), append(vats, l.vat)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO credit_note_lines (practice_id, credit_note_id, invoice_line_id, description, amount, vat_treatment, vat_rate, vat)
		SELECT $1, $2, x.line, x.description, x.amount, x.treatment, x.rate, x.vat
		  FROM unnest($3::bigint[], $4::text[], $5::numeric[], $6::text[], $7::numeric[], $8::numeric[])
		       WITH ORDINALITY AS x(line, description, amount, treatment, rate, vat, n) ORDER BY x.n`,
		pid, id, ids, descs, amounts, treatments, rates, vats); err != nil {
		return out, fmt.Errorf("write the credit note's lines: %w", err)
	}

	if toAccount.IsPositive() {
		if err := toCreditOnAccount(ctx, tx, pid, actor, inv, entityID, toAccount, number); err != nil {
			return out, err
		}
	}
	// The balance moves by a conditional update: the credit fits what
	// remains uncredited and unpaid, or nothing changes. A fully credited
	// invoice with nothing owed is settled, and "paid" is the lifecycle's
	// settled status (BILLING.md: reminders stop "the moment the invoice
	// is paid or credited in full"); one still owing part keeps "part
	// paid" when something was paid, else stays "sent".
	var status billing.Status
	err = tx.QueryRow(ctx, `
		UPDATE invoices SET credited = credited + $3, paid = paid - $4,
		       status = CASE WHEN total - (paid - $4) - (credited + $3) = 0 THEN 'paid'
		                     WHEN paid - $4 > 0 THEN 'part_paid' ELSE 'sent' END,
		       revision = revision + 1, updated_at = now()
		 WHERE practice_id = $1 AND id = $2 AND status = ANY($5::text[])
		   AND (paid - $4) + (credited + $3) <= total AND paid - $4 >= 0
		RETURNING status`, pid, inv.ID, total, toAccount, statusTexts(creditable)).Scan(&status)
	if errors.Is(err, pgx.ErrNoRows) {
		return out, atlas.Errorf(atlas.EConflict, "%s changed while it was being credited: nothing was credited. Open it again and credit what remains.", inv.Number)
	}
	if err != nil {
		return out, fmt.Errorf("credit invoice %d: %w", inv.ID, err)
	}

	if err := practice.Audit(ctx, tx, pid, actor, "credit_note.issue", "credit_note", id, map[string]any{
		"number": number, "invoice": inv.Number, "invoice_id": inv.ID, "reason": reason, "subtotal": subtotal.StringFixed(2),
		"vat": vat.StringFixed(2), "total": total.StringFixed(2), "time_to": timeTo, "entries": moved, "to_account": toAccount.StringFixed(2),
	}); err != nil {
		return out, err
	}
	if err := practice.Audit(ctx, tx, pid, actor, "invoice.credit", "invoice", inv.ID, map[string]any{
		"credit_note": number, "total": total.StringFixed(2), "status_before": inv.Status, "status": status,
	}); err != nil {
		return out, err
	}
	if err := outbox.QueueUpdate(ctx, tx, outbox.Update{Practice: string(pid), Render: billing.RenderCard, Subject: billing.CardSubject(inv.ID)}); err != nil {
		return out, err
	}

	err = QueueSend(ctx, tx, pid, id, actor)
	var refused *NotSendable
	switch {
	case errors.As(err, &refused):
		out.Unsent = refused.Message
	case err != nil:
		return out, err
	}
	if out.Note, err = read(ctx, tx, pid, id); err != nil {
		return out, err
	}
	out.EntriesMoved, out.ToAccount = moved, toAccount
	return out, nil
}

// mayCredit refuses an invoice that is not the client's yet, or no longer
// an invoice.
func mayCredit(inv billing.Invoice) error {
	switch inv.Status {
	case billing.Sent, billing.PartPaid, billing.Paid:
		return nil
	case billing.Approved:
		return atlas.Errorf(atlas.EConflict, "%s for %s has not been sent: void it instead (it keeps its number and its time goes back to work in progress).",
			inv.Number, inv.Client())
	case billing.Sending:
		return atlas.Errorf(atlas.EConflict, "%s for %s is on its way to the client: credit it once it has gone.", inv.Number, inv.Client())
	case billing.Void:
		return atlas.Errorf(atlas.EConflict, "%s for %s is void: there is nothing to credit.", inv.Number, inv.Client())
	}
	return atlas.Errorf(atlas.EConflict, "%s for %s is %s: only an invoice sent to the client is credited; a draft is changed or deleted instead.",
		inv.Name(), inv.Client(), strings.ToLower(inv.Status.Label()))
}

// creditedByLine is what earlier notes credited of each line of an invoice.
func creditedByLine(ctx context.Context, q db.DB, pid atlas.PracticeID, invoiceID int64) (map[int64]credited, error) {
	rows, err := q.Query(ctx, `SELECT l.invoice_line_id, sum(l.amount), sum(l.vat) FROM credit_note_lines l
		JOIN credit_notes n ON n.id = l.credit_note_id
		WHERE n.practice_id = $1 AND n.invoice_id = $2 GROUP BY l.invoice_line_id`, pid, invoiceID)
	if err != nil {
		return nil, fmt.Errorf("read what is credited: %w", err)
	}
	out := map[int64]credited{}
	var line int64
	var c credited
	_, err = pgx.ForEachRow(rows, []any{&line, &c.amount, &c.vat}, func() error { out[line] = c; return nil })
	return out, err
}

// pick turns the lines asked for into the note's lines: every line with
// something left for a whole credit; else each line asked for, within what
// remains of it.
func pick(inv billing.Invoice, before map[int64]credited, asked []LineCredit) ([]creditLine, error) {
	cur := inv.Currency
	var out []creditLine
	if len(asked) == 0 {
		for _, l := range inv.Lines {
			if left := l.Amount.Sub(before[l.ID].amount); left.IsPositive() {
				out = append(out, creditLine{line: l, amount: left, closes: true})
			}
		}
		if len(out) == 0 {
			return nil, atlas.Errorf(atlas.EConflict, "%s is credited in full already: nothing remains to credit.", inv.Number)
		}
		return out, nil
	}
	seen := map[int64]bool{}
	for _, a := range asked {
		i := slices.IndexFunc(inv.Lines, func(l billing.Line) bool { return l.ID == a.LineID })
		if i < 0 {
			return nil, atlas.FieldError(FieldLine, "That line is not on %s. Pick one of its lines.", inv.Number)
		}
		if seen[a.LineID] {
			return nil, atlas.FieldError(FieldLine, "A line is credited once per credit note.")
		}
		seen[a.LineID] = true
		l := inv.Lines[i]
		left := l.Amount.Sub(before[l.ID].amount)
		if !left.IsPositive() {
			return nil, atlas.FieldError(FieldLine, "“%s” is credited in full already: pick another line.", l.Description)
		}
		amount := left
		if a.Amount.Valid {
			amount = a.Amount.Decimal
		}
		switch {
		case !amount.IsPositive():
			return nil, atlas.FieldError(FieldAmount, "A credit is more than zero. Leave the amount empty to credit all that remains of the line (%s).",
				money.Format(left, cur))
		case amount.Exponent() < -2:
			return nil, atlas.FieldError(FieldAmount, "Credit whole pennies, such as 120.50.")
		case amount.GreaterThan(left):
			what := "is left uncredited"
			if left.LessThan(l.Amount) {
				what = fmt.Sprintf("is left of its %s after earlier credit notes", money.Format(l.Amount, cur))
			}
			return nil, atlas.FieldError(FieldAmount, "That is more than remains of the line: %s %s. Credit at most that.",
				money.Format(left, cur), what)
		}
		out = append(out, creditLine{line: l, amount: amount, closes: amount.Equal(left)})
	}
	return out, nil
}

var hundred = decimal.NewFromInt(100)

// taxLines works out each line's VAT at the treatment and rate of the
// invoice line it credits, the invoice's way (VAT Notice 700 §17.5):
//
//   - rounded per line: each line's VAT to the nearest penny, half up;
//   - rounded per invoice: for each rate, the VAT on the note's net at
//     that rate, rounded down, shared among its lines (each its own VAT
//     rounded down, the pennies over to the largest), since a note's line
//     still records its VAT.
//
// The note that credits the last of a line (per line) or of a rate (per
// invoice) takes exactly the VAT that remains of it, so an invoice
// credited in pieces is credited to the penny of its total; and no note
// takes more VAT than remains.
func taxLines(inv billing.Invoice, before map[int64]credited, lines []creditLine) {
	if inv.Rounding == billing.PerLine {
		for i, l := range lines {
			charged := lineVAT(l.line)
			left := charged.Sub(before[l.line.ID].vat)
			vat := l.amount.Mul(l.line.VATRate).Div(hundred).Round(2)
			if l.closes || vat.GreaterThan(left) {
				vat = left
			}
			lines[i].vat = decimal.Max(vat, decimal.Zero)
		}
		return
	}
	type key struct {
		t    billing.Treatment
		rate string
	}
	// The invoice's VAT by rate, as billing worked it out, and what the
	// note and earlier notes credit of each rate.
	taxed := make([]billing.Taxed, len(inv.Lines))
	for i, l := range inv.Lines {
		taxed[i] = billing.Taxed{Net: l.Amount, Treatment: l.Treatment, Rate: l.VATRate}
	}
	charged := map[key]billing.Band{}
	for _, b := range billing.Compute(taxed, billing.PerInvoice).Bands {
		charged[key{b.Treatment, b.Rate.String()}] = b
	}
	prevNet, prevVAT := map[key]decimal.Decimal{}, map[key]decimal.Decimal{}
	for _, l := range inv.Lines {
		k := key{l.Treatment, l.VATRate.String()}
		prevNet[k], prevVAT[k] = prevNet[k].Add(before[l.ID].amount), prevVAT[k].Add(before[l.ID].vat)
	}
	groups := map[key][]int{}
	var order []key
	for i, l := range lines {
		k := key{l.line.Treatment, l.line.VATRate.String()}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	for _, k := range order {
		idx := groups[k]
		net := decimal.Zero
		for _, i := range idx {
			net = net.Add(lines[i].amount)
		}
		band := charged[k]
		left := band.VAT.Sub(prevVAT[k])
		vat := net.Mul(band.Rate).Div(hundred).RoundFloor(2)
		if prevNet[k].Add(net).Equal(band.Net) || vat.GreaterThan(left) {
			vat = left
		}
		vat = decimal.Max(vat, decimal.Zero)
		largest := idx[0]
		for _, i := range idx {
			if lines[i].amount.GreaterThan(lines[largest].amount) {
				largest = i
			}
		}
		rest := vat
		for _, i := range idx {
			if i != largest {
				lines[i].vat = decimal.Min(lines[i].amount.Mul(lines[i].line.VATRate).Div(hundred).RoundFloor(2), rest)
				rest = rest.Sub(lines[i].vat)
			}
		}
		lines[largest].vat = rest
	}
}

// lineVAT is the VAT an invoice line charged, rounded per line: as stored,
// or worked out the same way where an older invoice did not store it.
func lineVAT(l billing.Line) decimal.Decimal {
	if l.VAT.Valid {
		return l.VAT.Decimal
	}
	return l.Amount.Mul(l.VATRate).Div(hundred).Round(2)
}

// moveTime returns the time of the lines credited whole to work in
// progress, or writes it off, and says how many entries moved. Only a
// line credited whole gives its time back: a line credited in part still
// bills the client for part of that time, and an entry cannot be split,
// so its time stays billed and the part credited shows as the credit
// note's, not as a write-off.
func moveTime(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, actor atlas.MemberID, inv billing.Invoice, lines []int64, to TimeTo,
	reason, number string) (int, error) {
	if len(lines) == 0 || to == KeepBilled {
		return 0, nil
	}
	state := "unbilled"
	if to == WriteOff {
		state = "written_off"
	}
	rows, err := tx.Query(ctx, `UPDATE time_entries SET billing_state = $4, invoice_id = NULL, invoice_line_id = NULL, updated_at = now()
		WHERE practice_id = $1 AND invoice_id = $2 AND invoice_line_id = ANY($3)
		RETURNING id, coalesce(value, 0)`, pid, inv.ID, lines, state)
	if err != nil {
		return 0, fmt.Errorf("move the credited time: %w", err)
	}
	var ids []int64
	var values []decimal.Decimal
	var id int64
	var value decimal.Decimal
	if _, err := pgx.ForEachRow(rows, []any{&id, &value}, func() error {
		ids, values = append(ids, id), append(values, value)
		return nil
	}); err != nil {
		return 0, fmt.Errorf("move the credited time: %w", err)
	}
	if to == WriteOff && len(ids) > 0 {
		// An entry written off once before, then billed, keeps one
		// write-off record: this one, the latest.
		if _, err := tx.Exec(ctx, `INSERT INTO write_offs (practice_id, entry_id, invoice_id, value, reason, written_by)
			SELECT $1, x.id, $2, x.value, $4, $5 FROM unnest($3::bigint[], $6::numeric[]) AS x(id, value)
			ON CONFLICT (practice_id, entry_id) DO UPDATE SET invoice_id = excluded.invoice_id, value = excluded.value,
			       reason = excluded.reason, written_by = excluded.written_by, at = now()`,
			pid, inv.ID, ids, "Credit note "+number+": "+reason, memberOrNil(actor), values); err != nil {
			return 0, fmt.Errorf("write off the credited time: %w", err)
		}
	}
	return len(ids), nil
}

// toCreditOnAccount makes the part of a credit the client had already paid
// credit on its account: the invoice's payments, newest first, give up
// that much of what they applied to it, and each part becomes an
// account_credits row tied to its payment — so a payment's amount is still
// what it applied plus the credit it left on account.
func toCreditOnAccount(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, actor atlas.MemberID, inv billing.Invoice, entityID int64,
	amount decimal.Decimal, number string) error {
	rows, err := tx.Query(ctx, `SELECT id, applied FROM payments
		WHERE practice_id = $1 AND invoice_id = $2 AND reversed_at IS NULL AND applied > 0
		ORDER BY received_on DESC, id DESC FOR UPDATE`, pid, inv.ID)
	if err != nil {
		return fmt.Errorf("read the invoice's payments: %w", err)
	}
	type payment struct {
		id      int64
		applied decimal.Decimal
	}
	payments, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (payment, error) {
		var p payment
		return p, r.Scan(&p.id, &p.applied)
	})
	if err != nil {
		return fmt.Errorf("read the invoice's payments: %w", err)
	}
	left := amount
	for _, p := range payments {
		if !left.IsPositive() {
			break
		}
		take := decimal.Min(left, p.applied)
		if _, err := tx.Exec(ctx, `UPDATE payments SET applied = applied - $3 WHERE practice_id = $1 AND id = $2`, pid, p.id, take); err != nil {
			return fmt.Errorf("move a payment to credit on account: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO account_credits (practice_id, entity_id, amount, payment_id, invoice_id, note, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, pid, entityID, take, p.id, inv.ID,
			fmt.Sprintf("Credit note %s on %s, already paid", number, inv.Number), memberOrNil(actor)); err != nil {
			return fmt.Errorf("record credit on account: %w", err)
		}
		left = left.Sub(take)
	}
	if left.IsPositive() {
		// paid says more than the payments applied: the figures disagree,
		// and a credit must not paper over it.
		return fmt.Errorf("credit invoice %d: its payments apply %s less than its paid amount", inv.ID, left)
	}
	return nil
}

func statusTexts(ss []billing.Status) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

func memberOrNil(m atlas.MemberID) any {
	if m == 0 {
		return nil
	}
	return int64(m)
}
