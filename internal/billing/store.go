package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// Store reads and writes invoices.
type Store struct {
	DB db.DB
	// AfterApprove, when set, runs in each approval's transaction once the
	// invoice is approved, for what follows from approval there — sending
	// it at once where the practice asks for that — so that it happens
	// exactly when the approval commits.
	AfterApprove func(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, actor atlas.MemberID, inv Invoice) error
}

// Settings are the practice settings billing follows.
type Settings struct {
	PracticeID atlas.PracticeID
	Currency   string
	Location   *time.Location
	Rates      VATRates
	Rounding   Rounding
	Grouping   Grouping
	RunDay     int
	Channel    string
	// RoundingIncrement and RoundingMode are how minutes are rounded when
	// time is valued.
	RoundingIncrement int
	RoundingMode      string
}

// settings reads the practice's billing settings.
func settings(ctx context.Context, q db.DB, pid atlas.PracticeID) (Settings, error) {
	s := Settings{PracticeID: pid}
	var tz string
	var channel *string
	err := q.QueryRow(ctx, `SELECT currency, timezone, vat_registered, vat_rate, reduced_vat_rate, vat_rounding, line_grouping,
			billing_run_day, billing_channel, rounding_increment, rounding_mode
		FROM practices WHERE id = $1`, pid).Scan(&s.Currency, &tz, &s.Rates.Registered, &s.Rates.Standard, &s.Rates.Reduced,
		&s.Rounding, &s.Grouping, &s.RunDay, &channel, &s.RoundingIncrement, &s.RoundingMode)
	if err != nil {
		return s, db.MapError(err, "Atlas has no practice for this workspace yet.")
	}
	if channel != nil {
		s.Channel = *channel
	}
	if s.Location, err = time.LoadLocation(tz); err != nil {
		s.Location = time.UTC
	}
	return s, nil
}

// newInvoice is an invoice about to be written, with its lines.
type newInvoice struct {
	EntityID  int64
	Kind      Kind
	Status    Status
	Period    *atlas.Period
	UpTo      *time.Time
	Label     string
	MadeByRun bool
	RunPeriod *atlas.Period // the run whose summary it belongs to
	Grouping  Grouping
	Preparer  *int64
	CreatedBy atlas.MemberID
	Lines     []DraftLine
}

// key tells the invoices of one batch apart: a client has at most one of a
// kind for a period in any batch.
type invoiceKey struct {
	entity int64
	kind   Kind
	period string
}

func (n newInvoice) key() invoiceKey {
	k := invoiceKey{entity: n.EntityID, kind: n.Kind}
	if n.Period != nil {
		k.period = n.Period.String()
	}
	return k
}

// written is an invoice a batch made.
type written struct {
	Index    int // in the batch
	ID       int64
	EntityID int64
	Kind     Kind
	Subtotal decimal.Decimal
	Total    decimal.Decimal
	Lines    int
}

// writeInvoices writes a batch of invoices, their lines and the entries
// each line bills, in three statements whatever the batch's size. An
// invoice whose client already has one of its kind for its period (the
// unique indexes) is skipped, with its lines and entries; so is an entry
// another invoice took meanwhile, which the caller prevents by locking
// the entries first.
func writeInvoices(ctx context.Context, tx pgx.Tx, s Settings, batch []newInvoice) ([]written, error) {
	if len(batch) == 0 {
		return nil, nil
	}
	n := len(batch)
	var (
		entities, preparers, creators      = make([]int64, n), make([]*int64, n), make([]*int64, n)
		kinds, statuses, labels, groupings = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		periods, upTos, runPeriods         = make([]*time.Time, n), make([]*time.Time, n), make([]*time.Time, n)
		runs                               = make([]bool, n)
		subtotals, vats, totals            = make([]decimal.Decimal, n), make([]decimal.Decimal, n), make([]decimal.Decimal, n)
		computed                           = make([]Totals, n)
	)
	for i, inv := range batch {
		entities[i], preparers[i], kinds[i], statuses[i] = inv.EntityID, inv.Preparer, string(inv.Kind), string(inv.Status)
		labels[i], groupings[i], upTos[i], runs[i] = inv.Label, string(inv.Grouping), inv.UpTo, inv.MadeByRun
		if inv.CreatedBy != 0 {
			c := int64(inv.CreatedBy)
			creators[i] = &c
		}
		if inv.Period != nil {
			d := inv.Period.FirstDay()
			periods[i] = &d
		}
		if inv.RunPeriod != nil {
			d := inv.RunPeriod.FirstDay()
			runPeriods[i] = &d
		}
		computed[i] = Compute(taxed(inv.Lines), s.Rounding)
		subtotals[i], vats[i], totals[i] = computed[i].Subtotal, computed[i].VAT, computed[i].Total
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO invoices (practice_id, entity_id, kind, status, period, up_to, label, made_by_run, grouping,
		                      vat_registered, vat_rounding, currency, subtotal, vat, total, preparer_id, created_by, run_period)
		SELECT $1, x.entity, x.kind, x.status, x.period, x.up_to, x.label, x.run, x.grouping,
		       $2, $3, $4, x.subtotal, x.vat, x.total, x.preparer, x.creator, x.run_period
		  FROM unnest($5::bigint[], $6::text[], $7::text[], $8::date[], $9::date[], $10::text[], $11::bool[], $12::text[],
		              $13::numeric[], $14::numeric[], $15::numeric[], $16::bigint[], $17::bigint[], $18::date[])
		       AS x(entity, kind, status, period, up_to, label, run, grouping, subtotal, vat, total, preparer, creator, run_period)
		ON CONFLICT DO NOTHING
		RETURNING id, entity_id, kind, coalesce(to_char(period, 'YYYY-MM'), '')`,
		s.PracticeID, s.Rates.Registered, s.Rounding, s.Currency,
		entities, kinds, statuses, periods, upTos, labels, runs, groupings, subtotals, vats, totals, preparers, creators, runPeriods)
	if err != nil {
		return nil, fmt.Errorf("write invoices: %w", err)
	}
	ids := map[invoiceKey]int64{}
	var id, entity int64
	var kind, period string
	if _, err := pgx.ForEachRow(rows, []any{&id, &entity, &kind, &period}, func() error {
		ids[invoiceKey{entity, Kind(kind), period}] = id
		return nil
	}); err != nil {
		return nil, fmt.Errorf("write invoices: %w", err)
	}

	var (
		lineServices, lineMembers                  []*int64
		lineInv                                    []int64
		positions, minutes                         []int32
		lineKinds, descriptions, treatments, notes []string
		rates                                      []decimal.NullDecimal
		values, amounts, vatRates                  []decimal.Decimal
		lineVAT                                    []*decimal.Decimal
		workDates                                  []*time.Time
		out                                        []written
	)
	for i, inv := range batch {
		invID, ok := ids[inv.key()]
		if !ok {
			continue
		}
		out = append(out, written{Index: i, ID: invID, EntityID: inv.EntityID, Kind: inv.Kind, Subtotal: subtotals[i], Total: totals[i], Lines: len(inv.Lines)})
		for j, l := range inv.Lines {
			lineInv = append(lineInv, invID)
			positions = append(positions, int32(j))
			lineKinds, descriptions = append(lineKinds, string(l.Kind)), append(descriptions, l.Description)
			lineServices = append(lineServices, l.ServiceID)
			minutes = append(minutes, int32(l.Minutes))
			rates, values, amounts = append(rates, l.Rate), append(values, l.TimeValue), append(amounts, l.Amount)
			treatments, vatRates, notes = append(treatments, string(l.Treatment)), append(vatRates, l.VATRate), append(notes, l.Note)
			var mem *int64
			if l.MemberID != nil {
				v := int64(*l.MemberID)
				mem = &v
			}
			lineMembers, workDates = append(lineMembers, mem), append(workDates, l.WorkDate)
			var lv *decimal.Decimal
			if computed[i].LineVAT != nil {
				lv = &computed[i].LineVAT[j]
			}
			lineVAT = append(lineVAT, lv)
		}
	}
	if len(lineInv) == 0 {
		return out, nil
	}
	rows, err = tx.Query(ctx, `
		INSERT INTO invoice_lines (practice_id, invoice_id, position, kind, description, service_id, minutes, rate,
		                           time_value, amount, vat_treatment, vat_rate, vat, note, member_id, work_date)
		SELECT $1, x.inv, x.pos, x.kind, x.description, x.service, nullif(x.minutes, 0), x.rate,
		       x.value, x.amount, x.treatment, x.vat_rate, x.vat, x.note, x.member, x.work_date
		  FROM unnest($2::bigint[], $3::int[], $4::text[], $5::text[], $6::bigint[], $7::int[], $8::numeric[],
		              $9::numeric[], $10::numeric[], $11::text[], $12::numeric[], $13::numeric[], $14::text[], $15::bigint[], $16::date[])
		       AS x(inv, pos, kind, description, service, minutes, rate, value, amount, treatment, vat_rate, vat, note, member, work_date)
		RETURNING invoice_id, position, id`,
		s.PracticeID, lineInv, positions, lineKinds, descriptions, lineServices, minutes, rates,
		values, amounts, treatments, vatRates, lineVAT, notes, lineMembers, workDates)
	if err != nil {
		return nil, fmt.Errorf("write invoice lines: %w", err)
	}
	type linePos struct {
		inv int64
		pos int32
	}
	lineIDs := map[linePos]int64{}
	var pos int32
	var lineID int64
	if _, err := pgx.ForEachRow(rows, []any{&id, &pos, &lineID}, func() error {
		lineIDs[linePos{id, pos}] = lineID
		return nil
	}); err != nil {
		return nil, fmt.Errorf("write invoice lines: %w", err)
	}

	var entryIDs, entryInvoices, entryLines []int64
	for _, inv := range batch {
		invID, ok := ids[inv.key()]
		if !ok {
			continue
		}
		for j, l := range inv.Lines {
			for _, e := range l.Entries {
				entryIDs, entryInvoices = append(entryIDs, e), append(entryInvoices, invID)
				entryLines = append(entryLines, lineIDs[linePos{invID, int32(j)}])
			}
		}
	}
	if len(entryIDs) == 0 {
		return out, nil
	}
	tag, err := tx.Exec(ctx, `
		UPDATE time_entries te SET invoice_id = x.inv, invoice_line_id = x.line, updated_at = now()
		  FROM unnest($2::bigint[], $3::bigint[], $4::bigint[]) AS x(id, inv, line)
		 WHERE te.practice_id = $1 AND te.id = x.id AND te.invoice_id IS NULL AND te.billing_state = 'unbilled'`,
		s.PracticeID, entryIDs, entryInvoices, entryLines)
	if err != nil {
		return nil, fmt.Errorf("attach time to invoices: %w", err)
	}
	if int(tag.RowsAffected()) != len(entryIDs) {
		// The entries were locked when read; one that moved means a bug,
		// and the batch must not stand half-attached.
		return nil, fmt.Errorf("attach time to invoices: %d of %d entries were still unbilled", tag.RowsAffected(), len(entryIDs))
	}
	return out, nil
}
