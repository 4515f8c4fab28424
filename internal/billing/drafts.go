package billing

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/practice"
)

// Work on a draft, by managers and partners, before a partner approves it:
// a line written up or down (with a reason), a new total spread over the
// lines in proportion to their value, an ad-hoc line, time taken off
// (carried forward to a later invoice, or written off), another grouping,
// or the draft deleted. Each change is one transaction on the invoice
// locked, recomputes its VAT and totals, and is audited with the invoice
// before and after. Only drafts and invoices awaiting approval change.

// Field names of the draft forms, so a wrong value goes back to its field.
const (
	FieldAmount      = "amount"
	FieldReason      = "reason"
	FieldTotal       = "new_total"
	FieldDescription = "description"
	FieldTreatment   = "vat_treatment"
	FieldEntries     = "entries"
	FieldTakeOff     = "take_off"
	FieldGrouping    = "grouping"
)

// Expect is the revision a form was drawn from: a change made meanwhile by
// someone else refuses the form rather than being written over. AnyRevision
// skips the check.
type Expect int

// AnyRevision accepts the invoice as it is.
const AnyRevision Expect = -1

// errChanged answers a form drawn from an older revision.
const errChanged = "Someone changed this invoice since you opened it. Here it is as it stands now; make your change again."

// edit runs change on an invoice that may still be changed, then
// recomputes its VAT and totals, counts a revision and audits the change.
func (s Store) edit(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, id int64, expect Expect, action string,
	change func(tx pgx.Tx, set Settings, inv Invoice) (map[string]any, error)) (Invoice, error) {
	var after Invoice
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		var status Status
		var revision int
		err := tx.QueryRow(ctx, `SELECT status, revision FROM invoices WHERE practice_id = $1 AND id = $2 FOR UPDATE`, pid, id).
			Scan(&status, &revision)
		if err != nil {
			return db.MapError(err, fmt.Sprintf("There is no invoice %d.", id))
		}
		before, err := readInvoice(ctx, tx, pid, id)
		if err != nil {
			return err
		}
		if err := editable(before); err != nil {
			return err
		}
		if expect != AnyRevision && int(expect) != revision {
			return atlas.Errorf(atlas.EConflict, "%s", errChanged)
		}
		set, err := settings(ctx, tx, pid)
		if err != nil {
			return err
		}
		data, err := change(tx, set, before)
		if err != nil {
			return err
		}
		if err := recompute(ctx, tx, pid, id, before.Rounding); err != nil {
			return err
		}
		if after, err = readInvoice(ctx, tx, pid, id); err != nil {
			return err
		}
		// Its card, wherever it was posted, shows the change.
		if err := redraw(ctx, tx, pid, after); err != nil {
			return err
		}
		if data == nil {
			data = map[string]any{}
		}
		data["before"], data["after"] = auditView(before), auditView(after)
		return practice.Audit(ctx, tx, pid, actor, action, "invoice", id, data)
	})
	return after, err
}

// editable refuses a change to an invoice past the point of change.
func editable(inv Invoice) error {
	switch {
	case inv.Status == Deleted:
		return atlas.Errorf(atlas.EConflict, "That draft for %s was deleted; its time is back in work in progress.", inv.Client())
	case !inv.Status.Editable():
		return atlas.Errorf(atlas.EConflict, "%s for %s is %s: an approved invoice is never edited. Void it (if unsent) or credit it instead.",
			inv.Name(), inv.Client(), strings.ToLower(inv.Status.Label()))
	}
	return nil
}

// Name is how people refer to the invoice: its number, or "Draft 12".
func (inv Invoice) Name() string {
	if inv.Number != "" {
		return inv.Number
	}
	return fmt.Sprintf("Draft %d", inv.ID)
}

// auditView is an invoice as the audit trail keeps it.
func auditView(inv Invoice) map[string]any {
	lines := make([]map[string]any, len(inv.Lines))
	for i, l := range inv.Lines {
		lines[i] = map[string]any{"id": l.ID, "description": l.Description, "time_value": l.TimeValue.StringFixed(2),
			"amount": l.Amount.StringFixed(2), "entries": len(l.Entries)}
	}
	return map[string]any{"status": inv.Status, "subtotal": inv.Subtotal.StringFixed(2), "vat": inv.VAT.StringFixed(2),
		"total": inv.Total.StringFixed(2), "grouping": inv.Grouping, "lines": lines}
}

// recompute writes an invoice's VAT and totals from its lines, and counts
// a revision.
func recompute(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, id int64, rounding Rounding) error {
	rows, err := tx.Query(ctx, `SELECT id, amount, vat_treatment, vat_rate FROM invoice_lines
		WHERE practice_id = $1 AND invoice_id = $2 ORDER BY position`, pid, id)
	if err != nil {
		return err
	}
	var ids []int64
	var lines []Taxed
	var lid int64
	var t Taxed
	if _, err := pgx.ForEachRow(rows, []any{&lid, &t.Net, &t.Treatment, &t.Rate}, func() error {
		ids, lines = append(ids, lid), append(lines, t)
		return nil
	}); err != nil {
		return err
	}
	tot := Compute(lines, rounding)
	vats := make([]*decimal.Decimal, len(ids))
	for i := range ids {
		if tot.LineVAT != nil {
			vats[i] = &tot.LineVAT[i]
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE invoice_lines l SET vat = x.vat FROM unnest($2::bigint[], $3::numeric[]) AS x(id, vat)
		WHERE l.practice_id = $1 AND l.id = x.id`, pid, ids, vats); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE invoices SET subtotal = $3, vat = $4, total = $5, revision = revision + 1, updated_at = now()
		WHERE practice_id = $1 AND id = $2`, pid, id, tot.Subtotal, tot.VAT, tot.Total)
	return err
}

// parseAmount reads an amount typed into a draft form.
func parseAmount(field, typed, what string) (decimal.Decimal, error) {
	t := strings.TrimSpace(typed)
	if strings.HasPrefix(t, "-") || strings.HasPrefix(t, "−") {
		return decimal.Zero, atlas.FieldError(field, "%s cannot be below zero. To bill nothing for it, write 0.", what)
	}
	d, err := practice.ParseMoney(t)
	if err != nil || t == "" {
		return decimal.Zero, atlas.FieldError(field, "%q is not an amount. Write it like 1,150.00 or 95.", typed)
	}
	return d, nil
}

// SetLineAmount writes a line up or down to amount, for reason.
func (s Store) SetLineAmount(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, id, lineID int64, expect Expect,
	amountText, reason string) (Invoice, error) {
	amount, err := parseAmount(FieldAmount, amountText, "A line's amount")
	if err != nil {
		return Invoice{}, err
	}
	reason = strings.TrimSpace(reason)
	return s.edit(ctx, pid, actor, id, expect, "invoice.line.amount", func(tx pgx.Tx, _ Settings, inv Invoice) (map[string]any, error) {
		i := slices.IndexFunc(inv.Lines, func(l Line) bool { return l.ID == lineID })
		if i < 0 {
			return nil, atlas.Errorf(atlas.ENotFound, "That line is no longer on the invoice.")
		}
		l := inv.Lines[i]
		if l.Kind == TimeLine && !amount.Equal(l.TimeValue) && reason == "" {
			return nil, atlas.FieldError(FieldReason, "Say why the line bills %s rather than its time's value: the reason stays with the invoice.",
				amount.StringFixed(2))
		}
		_, err := tx.Exec(ctx, `UPDATE invoice_lines SET amount = $3, adjust_reason = $4 WHERE practice_id = $1 AND id = $2`,
			pid, lineID, amount, reasonFor(l, amount, reason))
		return map[string]any{"line": lineID, "from": l.Amount.StringFixed(2), "to": amount.StringFixed(2), "reason": reason}, err
	})
}

// reasonFor is the reason a line keeps: none once it bills its value again.
func reasonFor(l Line, amount decimal.Decimal, reason string) string {
	if l.Kind == TimeLine && amount.Equal(l.TimeValue) {
		return ""
	}
	return reason
}

// SetTotal sets the invoice's total before VAT to totalText, spread over
// the lines in proportion to their value (a line of time by its time's
// value, any other by its amount); the remainder penny goes to the largest
// line.
func (s Store) SetTotal(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, id int64, expect Expect,
	totalText, reason string) (Invoice, error) {
	total, err := parseAmount(FieldTotal, totalText, "A new total")
	if err != nil {
		return Invoice{}, err
	}
	if !total.IsPositive() {
		return Invoice{}, atlas.FieldError(FieldTotal, "A new total must be more than zero. To bill nothing, delete the draft.")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Invoice{}, atlas.FieldError(FieldReason, "Say why the invoice bills a different total: the reason stays with the invoice.")
	}
	return s.edit(ctx, pid, actor, id, expect, "invoice.total", func(tx pgx.Tx, _ Settings, inv Invoice) (map[string]any, error) {
		weights := make([]decimal.Decimal, len(inv.Lines))
		for i, l := range inv.Lines {
			weights[i] = weight(l)
		}
		shares, ok := Spread(total, weights)
		if !ok {
			return nil, atlas.Errorf(atlas.EInvalid, "The invoice has no line with a value to spread a total over. Change a line's amount instead.")
		}
		ids := make([]int64, len(inv.Lines))
		reasons := make([]string, len(inv.Lines))
		for i, l := range inv.Lines {
			ids[i], reasons[i] = l.ID, reasonFor(l, shares[i], reason)
		}
		_, err := tx.Exec(ctx, `UPDATE invoice_lines l SET amount = x.amount, adjust_reason = x.reason
			FROM unnest($2::bigint[], $3::numeric[], $4::text[]) AS x(id, amount, reason)
			WHERE l.practice_id = $1 AND l.id = x.id`, pid, ids, shares, reasons)
		return map[string]any{"from": inv.Subtotal.StringFixed(2), "to": total.StringFixed(2), "reason": reason}, err
	})
}

// weight is what a line counts for when a total is spread.
func weight(l Line) decimal.Decimal {
	if l.Kind == TimeLine && l.TimeValue.IsPositive() {
		return l.TimeValue
	}
	return l.Amount
}

// Spread divides total over weights in proportion, each share rounded down
// to the penny and the pennies left over given to the largest weight, so
// the shares add up to total exactly. ok is false when no weight is above
// zero.
func Spread(total decimal.Decimal, weights []decimal.Decimal) (shares []decimal.Decimal, ok bool) {
	var sum decimal.Decimal
	largest := -1
	for i, w := range weights {
		sum = sum.Add(w)
		if largest < 0 || w.GreaterThan(weights[largest]) {
			largest = i
		}
	}
	if !sum.IsPositive() {
		return nil, false
	}
	shares = make([]decimal.Decimal, len(weights))
	var given decimal.Decimal
	for i, w := range weights {
		shares[i] = total.Mul(w).Div(sum).RoundFloor(2)
		given = given.Add(shares[i])
	}
	shares[largest] = shares[largest].Add(total.Sub(given))
	return shares, true
}

// AddLine adds a line a manager types: a disbursement or a fixed item, at
// amount, with its VAT treatment.
func (s Store) AddLine(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, id int64, expect Expect,
	description, amountText string, t Treatment) (Invoice, error) {
	description = strings.TrimSpace(description)
	if description == "" || len(description) > 300 {
		return Invoice{}, atlas.FieldError(FieldDescription, "Say what the line is for, such as \"Companies House filing fee\" (up to 300 characters).")
	}
	amount, err := parseAmount(FieldAmount, amountText, "A line's amount")
	if err != nil {
		return Invoice{}, err
	}
	if !amount.IsPositive() {
		return Invoice{}, atlas.FieldError(FieldAmount, "A new line needs an amount above zero, such as 13.00.")
	}
	if !t.Valid() {
		return Invoice{}, atlas.FieldError(FieldTreatment, "Pick the line's VAT treatment.")
	}
	return s.edit(ctx, pid, actor, id, expect, "invoice.line.add", func(tx pgx.Tx, set Settings, inv Invoice) (map[string]any, error) {
		_, err := tx.Exec(ctx, `INSERT INTO invoice_lines (practice_id, invoice_id, position, kind, description, time_value, amount,
				vat_treatment, vat_rate)
			VALUES ($1, $2, (SELECT coalesce(max(position), -1) + 1 FROM invoice_lines WHERE practice_id = $1 AND invoice_id = $2),
				'adhoc', $3, 0, $4, $5, $6)`, pid, id, description, amount, t, rateFor(set, inv, t))
		return map[string]any{"description": description, "amount": amount.StringFixed(2), "vat_treatment": t}, err
	})
}

// rateFor is the VAT rate of a treatment on an invoice: none on one drafted
// when the practice was not VAT-registered.
func rateFor(set Settings, inv Invoice, t Treatment) decimal.Decimal {
	r := set.Rates
	r.Registered = inv.Registered
	return r.RateOf(t)
}

// TakeOff takes entries off a draft: carried forward, they are work in
// progress again for a later invoice; written off, they leave work in
// progress and their value is recorded as written off. The lines they
// were on lose their value, and a line written up or down keeps its
// proportion of it.
func (s Store) TakeOff(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, id int64, expect Expect,
	entries []int64, writeOff bool, reason string) (Invoice, error) {
	if len(entries) == 0 {
		return Invoice{}, atlas.FieldError(FieldEntries, "Pick the time to take off.")
	}
	reason = strings.TrimSpace(reason)
	if writeOff && reason == "" {
		return Invoice{}, atlas.FieldError(FieldReason, "Say why the time is written off: the reason stays with the write-off.")
	}
	action := "invoice.carry_forward"
	if writeOff {
		action = "invoice.write_off"
	}
	return s.edit(ctx, pid, actor, id, expect, action, func(tx pgx.Tx, set Settings, inv Invoice) (map[string]any, error) {
		onLine := map[int64]int64{} // entry → line
		lineOf := map[int64]*Line{}
		for i := range inv.Lines {
			for _, e := range inv.Lines[i].Entries {
				onLine[e.ID] = inv.Lines[i].ID
			}
			lineOf[inv.Lines[i].ID] = &inv.Lines[i]
		}
		left := map[int64]int{}
		for _, l := range inv.Lines {
			left[l.ID] = len(l.Entries)
		}
		for _, e := range entries {
			line, ok := onLine[e]
			if !ok {
				return nil, atlas.FieldError(FieldEntries, "Some of that time is no longer on this invoice. Open it again to see what is.")
			}
			left[line]--
		}
		remaining := 0
		for _, l := range inv.Lines {
			if l.Kind != TimeLine || left[l.ID] > 0 {
				remaining++
			}
		}
		if remaining == 0 {
			return nil, atlas.FieldError(FieldEntries, "That is all the invoice bills. Delete the draft instead: its time goes back to work in progress.")
		}
		// Take the entries off, with what each was worth.
		rows, err := tx.Query(ctx, `UPDATE time_entries te SET invoice_id = NULL, invoice_line_id = NULL,
				billing_state = CASE WHEN $4 THEN 'written_off' ELSE 'unbilled' END, updated_at = now()
			FROM (SELECT id, invoice_line_id AS line FROM time_entries WHERE practice_id = $1 AND invoice_id = $2 AND id = ANY($3)) old
			WHERE te.practice_id = $1 AND te.id = old.id
			RETURNING te.id, old.line, coalesce(te.value, 0),
			          billed_minutes(te.minutes, (SELECT rounding_increment FROM practices WHERE id = $1),
			                         (SELECT rounding_mode FROM practices WHERE id = $1))`, pid, id, entries, writeOff)
		if err != nil {
			return nil, err
		}
		lost := map[int64]decimal.Decimal{}
		lostMinutes := map[int64]int{}
		var ids []int64
		var values []decimal.Decimal
		var eid, line int64
		var value decimal.Decimal
		var minutes int
		if _, err := pgx.ForEachRow(rows, []any{&eid, &line, &value, &minutes}, func() error {
			lost[line] = lost[line].Add(value)
			lostMinutes[line] += minutes
			ids, values = append(ids, eid), append(values, value)
			return nil
		}); err != nil {
			return nil, err
		}
		if writeOff {
			if _, err := tx.Exec(ctx, `INSERT INTO write_offs (practice_id, entry_id, invoice_id, value, reason, written_by)
				SELECT $1, x.id, $2, x.value, $4, $5 FROM unnest($3::bigint[], $6::numeric[]) AS x(id, value)`,
				pid, id, ids, reason, nullMember(actor), values); err != nil {
				return nil, err
			}
		}
		for lineID, v := range lost {
			l := lineOf[lineID]
			if left[lineID] == 0 {
				if _, err := tx.Exec(ctx, `DELETE FROM invoice_lines WHERE practice_id = $1 AND id = $2`, pid, lineID); err != nil {
					return nil, err
				}
				continue
			}
			newValue := l.TimeValue.Sub(v)
			newAmount := newValue
			if !l.Amount.Equal(l.TimeValue) && l.TimeValue.IsPositive() {
				newAmount = l.Amount.Mul(newValue).Div(l.TimeValue).Round(2)
			}
			if _, err := tx.Exec(ctx, `UPDATE invoice_lines SET time_value = $3, amount = $4, minutes = greatest(coalesce(minutes, 0) - $5, 0)
				WHERE practice_id = $1 AND id = $2`, pid, lineID, newValue, newAmount, lostMinutes[lineID]); err != nil {
				return nil, err
			}
		}
		return map[string]any{"entries": ids, "reason": reason}, nil
	})
}

// SetGrouping lists the invoice's time again, by service and rate or per
// entry. What the time bills in all is kept: a total written up or down
// before is spread over the new lines.
func (s Store) SetGrouping(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, id int64, expect Expect, g Grouping) (Invoice, error) {
	if g != ByService && g != PerEntry {
		return Invoice{}, atlas.FieldError(FieldGrouping, "Pick by service or per entry.")
	}
	return s.edit(ctx, pid, actor, id, expect, "invoice.grouping", func(tx pgx.Tx, set Settings, inv Invoice) (map[string]any, error) {
		var timeAmount, timeValue decimal.Decimal
		var reasons []string
		for _, l := range inv.Lines {
			if l.Kind == TimeLine {
				timeAmount, timeValue = timeAmount.Add(l.Amount), timeValue.Add(l.TimeValue)
				if l.AdjustReason != "" && !slices.Contains(reasons, l.AdjustReason) {
					reasons = append(reasons, l.AdjustReason)
				}
			}
		}
		entries, err := invoiceWIP(ctx, tx, set, pid, id)
		if err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `UPDATE time_entries SET invoice_id = NULL, invoice_line_id = NULL
			WHERE practice_id = $1 AND invoice_id = $2`, pid, id); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM invoice_lines WHERE practice_id = $1 AND invoice_id = $2 AND kind = 'time'`, pid, id); err != nil {
			return nil, err
		}
		// Lines that are not time keep their order, first.
		if _, err := tx.Exec(ctx, `UPDATE invoice_lines l SET position = x.n - 1
			FROM (SELECT id, row_number() OVER (ORDER BY position) AS n FROM invoice_lines WHERE practice_id = $1 AND invoice_id = $2) x
			WHERE l.practice_id = $1 AND l.id = x.id`, pid, id); err != nil {
			return nil, err
		}
		rates := set.Rates
		rates.Registered = inv.Registered
		lines := GroupLines(entries, g, rates, set.Currency)
		if !timeAmount.Equal(timeValue) {
			weights := make([]decimal.Decimal, len(lines))
			for i, l := range lines {
				weights[i] = l.TimeValue
			}
			if shares, ok := Spread(timeAmount, weights); ok {
				for i := range lines {
					lines[i].Amount = shares[i]
				}
			}
		}
		if err := appendLines(ctx, tx, pid, id, lines, strings.Join(reasons, "; ")); err != nil {
			return nil, err
		}
		_, err = tx.Exec(ctx, `UPDATE invoices SET grouping = $3 WHERE practice_id = $1 AND id = $2`, pid, id, g)
		return map[string]any{"from": inv.Grouping, "to": g}, err
	})
}

// invoiceWIP reads the time on an invoice as lines bill it.
func invoiceWIP(ctx context.Context, tx pgx.Tx, set Settings, pid atlas.PracticeID, id int64) ([]WIP, error) {
	rows, err := tx.Query(ctx, `
		SELECT te.id, te.entity_id, te.service_id, coalesce(sv.name, ''), coalesce(sv.vat_treatment, 'standard'),
		       te.member_id, m.name, te.work_date, te.minutes, billed_minutes(te.minutes, $3, $4), te.rate, te.value, te.description
		  FROM time_entries te
		  JOIN members m ON m.practice_id = te.practice_id AND m.id = te.member_id
		  LEFT JOIN services sv ON sv.practice_id = te.practice_id AND sv.id = te.service_id
		 WHERE te.practice_id = $1 AND te.invoice_id = $2 ORDER BY te.id FOR UPDATE OF te`,
		pid, id, set.RoundingIncrement, set.RoundingMode)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (WIP, error) {
		var e WIP
		var t string
		err := r.Scan(&e.ID, &e.EntityID, &e.ServiceID, &e.Service, &t, &e.MemberID, &e.Member, &e.WorkDate, &e.Minutes,
			&e.BilledMinutes, &e.Rate, &e.Value, &e.Description)
		e.Treatment = Treatment(t)
		return e, err
	})
}

// appendLines writes lines after an invoice's last and attaches their
// entries.
func appendLines(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, id int64, lines []DraftLine, reason string) error {
	for _, l := range lines {
		var mem *int64
		if l.MemberID != nil {
			v := int64(*l.MemberID)
			mem = &v
		}
		r := ""
		if !l.Amount.Equal(l.TimeValue) {
			r = reason
		}
		var lineID int64
		err := tx.QueryRow(ctx, `INSERT INTO invoice_lines (practice_id, invoice_id, position, kind, description, service_id, minutes,
				rate, time_value, amount, vat_treatment, vat_rate, note, adjust_reason, member_id, work_date)
			VALUES ($1, $2, (SELECT coalesce(max(position), -1) + 1 FROM invoice_lines WHERE practice_id = $1 AND invoice_id = $2),
				$3, $4, $5, nullif($6, 0), $7, $8, $9, $10, $11, $12, $13, $14, $15)
			RETURNING id`, pid, id, l.Kind, l.Description, l.ServiceID, l.Minutes, l.Rate, l.TimeValue, l.Amount, l.Treatment,
			l.VATRate, l.Note, r, mem, l.WorkDate).Scan(&lineID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE time_entries SET invoice_id = $2, invoice_line_id = $3
			WHERE practice_id = $1 AND id = ANY($4) AND invoice_id IS NULL`, pid, id, lineID, l.Entries); err != nil {
			return err
		}
	}
	return nil
}

// Delete deletes a draft: its time goes back to work in progress, and the
// run does not make it again (it is kept, marked deleted, for the record).
func (s Store) Delete(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, id int64, expect Expect) (Invoice, error) {
	return s.edit(ctx, pid, actor, id, expect, "invoice.delete", func(tx pgx.Tx, _ Settings, inv Invoice) (map[string]any, error) {
		tag, err := tx.Exec(ctx, `UPDATE time_entries SET invoice_id = NULL, invoice_line_id = NULL, updated_at = now()
			WHERE practice_id = $1 AND invoice_id = $2`, pid, id)
		if err != nil {
			return nil, err
		}
		_, err = tx.Exec(ctx, `UPDATE invoices SET status = 'deleted', deleted_at = now() WHERE practice_id = $1 AND id = $2`, pid, id)
		return map[string]any{"entries_back_in_wip": tag.RowsAffected()}, err
	})
}

func nullMember(m atlas.MemberID) any {
	if m == 0 {
		return nil
	}
	return int64(m)
}
