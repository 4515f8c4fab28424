package practice

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// The rate card is one table for the four levels — practice default, team
// member, client, service — and every combination of them. The rule that
// picks the rate for a piece of work is total (no ties):
//
//  1. Of the rates in force on the work date, the most specific wins.
//     Specificity ranks a client above a service above a team member, as
//     bits: client = 4, service = 2, member = 1. So
//     client×service×member (7) > client×service (6) > client×member (5) >
//     client (4) > service×member (3) > service (2) > member (1) > the
//     practice default (0). A client's agreed rate beats internal pricing;
//     the kind of work beats who did it.
//  2. Within one combination, the rate with the latest start on or before
//     the work date wins; a rate ended before the work date does not apply.
//
// PrecedenceHelp says the same for people.
const PrecedenceHelp = "The most specific rate in force on the work date wins:\n" +
	"1. client × service × person\n2. client × service\n3. client × person\n4. client\n" +
	"5. service × person\n6. service\n7. person\n8. practice default\n" +
	"A rate applies from its start date until a newer rate for the same combination starts, or until it is ended. " +
	"A new rate revalues unbilled time from its start date; billed time never changes."

// Rate is one entry of the rate card.
type Rate struct {
	ID         int64
	EntityID   *int64
	ServiceID  *int64
	MemberID   *atlas.MemberID
	HourlyRate decimal.Decimal
	From       time.Time
	To         *time.Time // first day it no longer applies
}

// Specificity is the rate's rank under the precedence rule.
func (r Rate) Specificity() int {
	n := 0
	if r.EntityID != nil {
		n += 4
	}
	if r.ServiceID != nil {
		n += 2
	}
	if r.MemberID != nil {
		n++
	}
	return n
}

// RateKey names the work a rate is looked up for.
type RateKey struct {
	EntityID  *int64
	ServiceID *int64
	MemberID  *atlas.MemberID
}

// Field names of the rate form.
const (
	FieldRateAmount = "rate_amount"
	FieldRateFrom   = "rate_from"
)

const rateColumns = `id, entity_id, service_id, member_id, hourly_rate, effective_from, effective_to`

func scanRate(row pgx.Row) (Rate, error) {
	var r Rate
	var member *int64
	err := row.Scan(&r.ID, &r.EntityID, &r.ServiceID, &member, &r.HourlyRate, &r.From, &r.To)
	if member != nil {
		m := atlas.MemberID(*member)
		r.MemberID = &m
	}
	return r, err
}

func memberArg(m *atlas.MemberID) any {
	if m == nil {
		return nil
	}
	return int64(*m)
}

// RateInForce selects the rate card row for some work under the precedence
// rule. Its parameters are $1 practice, $2 client, $3 service, $4 member and
// $5 work date; the statements that value time (package timesheet) embed it,
// binding them to their own expressions, so one rule picks the rate
// wherever time is valued.
const RateInForce = `SELECT ` + rateColumns + ` FROM rates
		WHERE practice_id = $1
		  AND (entity_id IS NULL OR entity_id = $2)
		  AND (service_id IS NULL OR service_id = $3)
		  AND (member_id IS NULL OR member_id = $4)
		  AND effective_from <= $5 AND (effective_to IS NULL OR effective_to > $5)
		ORDER BY (entity_id IS NOT NULL)::int * 4 + (service_id IS NOT NULL)::int * 2 + (member_id IS NOT NULL)::int DESC,
		         effective_from DESC
		LIMIT 1`

// ResolveRate returns the rate for work described by k on date, under the
// precedence rule. ENotFound when the card has no rate that applies.
func (s Store) ResolveRate(ctx context.Context, pid atlas.PracticeID, k RateKey, date time.Time) (Rate, error) {
	r, err := scanRate(s.DB.QueryRow(ctx, RateInForce, pid, k.EntityID, k.ServiceID, memberArg(k.MemberID), date))
	return r, db.MapError(err, "No rate applies: set a practice default with `/atlas rates set`.")
}

// RateInput is a rate to set: an amount from a date, for a combination.
type RateInput struct {
	Key    RateKey
	Amount string // as typed: "95", "£95.00"
	From   string // YYYY-MM-DD; empty for today
}

// SaveRate puts a rate on the card from a date, replacing one for the same
// combination and start. It values no time: setting a rate is the time
// package's operation (timesheet.Store.SetRate), which calls this and
// revalues the time it reaches in the same transaction.
func (s Store) SaveRate(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, in RateInput, today time.Time) (Rate, error) {
	amount, err := ParseMoney(in.Amount)
	if err != nil {
		return Rate{}, atlas.FieldError(FieldRateAmount, "%q is not an hourly rate. Write it like 95 or 95.50 (no negatives).", in.Amount)
	}
	from := today
	if f := strings.TrimSpace(in.From); f != "" {
		from, err = time.Parse("2006-01-02", f)
		if err != nil {
			return Rate{}, atlas.FieldError(FieldRateFrom, "%q is not a date. Write it as YYYY-MM-DD, such as 2026-04-01.", f)
		}
	}
	var r Rate
	err = db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		var err error
		r, err = scanRate(tx.QueryRow(ctx, `INSERT INTO rates (practice_id, entity_id, service_id, member_id, hourly_rate, effective_from, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (practice_id, entity_id, service_id, member_id, effective_from)
			DO UPDATE SET hourly_rate = excluded.hourly_rate, effective_to = NULL, created_by = excluded.created_by, created_at = now()
			RETURNING `+rateColumns, pid, in.Key.EntityID, in.Key.ServiceID, memberArg(in.Key.MemberID), amount, from, nullMember(actor)))
		if err != nil {
			return db.MapError(err, "")
		}
		return Audit(ctx, tx, pid, actor, "rate.set", "rate", r.ID, map[string]any{"amount": amount.StringFixed(2), "from": from.Format("2006-01-02")})
	})
	return r, err
}

// EndRate stops a rate applying from a date (the first day it no longer
// applies). Like SaveRate it values no time; timesheet.Store.EndRate does.
func (s Store) EndRate(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, rateID int64, endOn time.Time) (Rate, error) {
	var r Rate
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		var err error
		r, err = scanRate(tx.QueryRow(ctx, `UPDATE rates SET effective_to = $3
			WHERE practice_id = $1 AND id = $2 RETURNING `+rateColumns, pid, rateID, endOn))
		if err != nil {
			mapped := db.MapError(err, "That rate does not exist.")
			if atlas.ErrorCode(mapped) == atlas.EInvalid {
				return atlas.FieldError(FieldRateFrom, "A rate must end after it starts.")
			}
			return mapped
		}
		return Audit(ctx, tx, pid, actor, "rate.end", "rate", r.ID, map[string]any{"end": endOn.Format("2006-01-02")})
	})
	return r, err
}

// Key is the combination the rate is for.
func (r Rate) Key() RateKey {
	return RateKey{EntityID: r.EntityID, ServiceID: r.ServiceID, MemberID: r.MemberID}
}

func nullMember(m atlas.MemberID) any {
	if m == 0 {
		return nil
	}
	return int64(m)
}

// Rates lists the card: every rate, newest first within a combination.
func (s Store) Rates(ctx context.Context, pid atlas.PracticeID) ([]Rate, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+rateColumns+` FROM rates WHERE practice_id = $1
		ORDER BY (entity_id IS NOT NULL)::int * 4 + (service_id IS NOT NULL)::int * 2 + (member_id IS NOT NULL)::int,
		         entity_id NULLS FIRST, service_id NULLS FIRST, member_id NULLS FIRST, effective_from DESC`, pid)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Rate, error) { return scanRate(r) })
}

// EndRateFor ends the rate in force on date for exactly the combination k
// (not a less specific one that also applies), from that date.
func (s Store) EndRateFor(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, k RateKey, date time.Time) (Rate, error) {
	var id int64
	err := s.DB.QueryRow(ctx, `SELECT id FROM rates
		WHERE practice_id = $1 AND entity_id IS NOT DISTINCT FROM $2 AND service_id IS NOT DISTINCT FROM $3
		  AND member_id IS NOT DISTINCT FROM $4 AND effective_from < $5 AND (effective_to IS NULL OR effective_to > $5)
		ORDER BY effective_from DESC LIMIT 1`, pid, k.EntityID, k.ServiceID, memberArg(k.MemberID), date).Scan(&id)
	if err != nil {
		return Rate{}, db.MapError(err, "No rate for exactly that combination is in force then, so there is nothing to end.")
	}
	return s.EndRate(ctx, pid, actor, id, date)
}
