package practice

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// Entity types a client can be.
var EntityTypes = []string{"limited_company", "sole_trader", "partnership", "llp", "charity", "trust", "individual"}

// EntityTypeLabel is an entity type for people.
func EntityTypeLabel(t string) string {
	switch t {
	case "limited_company":
		return "Limited company"
	case "sole_trader":
		return "Sole trader"
	case "llp":
		return "LLP"
	default:
		return strings.ToUpper(t[:1]) + t[1:]
	}
}

// Billing types.
const (
	BillingFixed  = "fixed"
	BillingHourly = "hourly"
)

// Entity is a client business the practice serves.
type Entity struct {
	ID               int64
	Code             string
	Name             string
	Aliases          []string
	EntityType       string
	BillingType      string
	MonthlyFee       decimal.NullDecimal // the latest fee in its history
	FeeFrom          *time.Time          // the day that fee is in force from
	InvoiceTiming    string              // advance or arrears
	InvoiceDay       int
	PaymentTermsDays *int // nil: the practice's terms
	BillingEmail     string
	ManagerID        *atlas.MemberID
	RetainerServices []int64 // services the retainer covers
	ArchivedAt       *time.Time
}

// Archived reports whether the client is archived.
func (e Entity) Archived() bool { return e.ArchivedAt != nil }

// Label is "ACME · Acme Trading Ltd".
func (e Entity) Label() string { return e.Code + " · " + e.Name }

// Field names of the client form, shared with the modal.
const (
	FieldCode          = "code"
	FieldEntityName    = "entity_name"
	FieldAliases       = "aliases"
	FieldEntityType    = "entity_type"
	FieldBillingType   = "billing_type"
	FieldMonthlyFee    = "monthly_fee"
	FieldInvoiceTiming = "invoice_timing"
	FieldInvoiceDay    = "invoice_day"
	FieldTerms         = "payment_terms"
	FieldBillingEmail  = "billing_email"
	FieldManager       = "manager"
	FieldRetainer      = "retainer_services"
)

var codePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$`)

// EntityInput is a client as typed in a form or a CSV row: text, checked
// and converted by Validate.
type EntityInput struct {
	Code, Name, Aliases, EntityType, BillingType, MonthlyFee, InvoiceTiming, InvoiceDay, PaymentTerms, BillingEmail string
	// FeeFrom is the day a new monthly fee is in force from, YYYY-MM-DD;
	// empty: the first period invoiced from today, so no past month is
	// billed at it.
	FeeFrom          string
	Manager          *atlas.MemberID
	RetainerServices []int64
}

// Validate checks the input and returns the entity it describes.
func (in EntityInput) Validate() (Entity, error) {
	e := Entity{
		Code: strings.ToUpper(strings.TrimSpace(in.Code)), Name: strings.TrimSpace(in.Name),
		EntityType: norm(in.EntityType, "limited_company"), BillingType: norm(in.BillingType, BillingHourly),
		InvoiceTiming: norm(in.InvoiceTiming, "arrears"), BillingEmail: strings.TrimSpace(in.BillingEmail),
		ManagerID: in.Manager, RetainerServices: in.RetainerServices, InvoiceDay: 1, Aliases: []string{},
	}
	if !codePattern.MatchString(e.Code) {
		return e, atlas.FieldError(FieldCode, "%q is not a client code. Use 1 to 20 letters, digits, - or _, starting with a letter or digit, such as ACME.", in.Code)
	}
	if e.Name == "" || len(e.Name) > 200 {
		return e, atlas.FieldError(FieldEntityName, "Give the client's name (up to 200 characters).")
	}
	for _, a := range strings.FieldsFunc(in.Aliases, func(r rune) bool { return r == ',' || r == ';' || r == '|' }) {
		if a = strings.TrimSpace(a); a != "" && !slices.Contains(e.Aliases, a) {
			e.Aliases = append(e.Aliases, a)
		}
	}
	switch e.EntityType {
	case "ltd", "limited", "company":
		e.EntityType = "limited_company"
	case "sole trader":
		e.EntityType = "sole_trader"
	}
	if !slices.Contains(EntityTypes, e.EntityType) {
		return e, atlas.FieldError(FieldEntityType, "%q is not an entity type. Use one of: %s.", in.EntityType, strings.Join(EntityTypes, ", "))
	}
	switch e.BillingType {
	case "fixed fee", "fixed_fee", "retainer":
		e.BillingType = BillingFixed
	}
	if e.BillingType != BillingFixed && e.BillingType != BillingHourly {
		return e, atlas.FieldError(FieldBillingType, "%q is not a billing type. Use fixed or hourly.", in.BillingType)
	}
	if fee := strings.TrimSpace(in.MonthlyFee); fee != "" {
		d, err := ParseMoney(fee)
		if err != nil {
			return e, atlas.FieldError(FieldMonthlyFee, "%q is not an amount. Write the monthly fee like 450 or 1250.00.", fee)
		}
		e.MonthlyFee = decimal.NewNullDecimal(d)
	}
	if from := strings.TrimSpace(in.FeeFrom); from != "" {
		d, err := time.Parse(time.DateOnly, from)
		if err != nil {
			return e, atlas.FieldError(FieldMonthlyFee, "%q is not a date. Give the day the fee starts as YYYY-MM-DD, such as 2026-12-01.", from)
		}
		e.FeeFrom = &d
	}
	if e.BillingType == BillingFixed && !e.MonthlyFee.Valid {
		return e, atlas.FieldError(FieldMonthlyFee, "A fixed-fee client needs its monthly fee, such as 450.")
	}
	if e.InvoiceTiming != "advance" && e.InvoiceTiming != "arrears" {
		return e, atlas.FieldError(FieldInvoiceTiming, "%q is not an invoicing time. Use advance or arrears.", in.InvoiceTiming)
	}
	if d := strings.TrimSpace(in.InvoiceDay); d != "" {
		n, err := atoiRange(d, 1, 28)
		if err != nil {
			return e, atlas.FieldError(FieldInvoiceDay, "%q is not an invoice day. Use a day of the month from 1 to 28.", d)
		}
		e.InvoiceDay = n
	}
	if d := strings.TrimSpace(in.PaymentTerms); d != "" {
		n, err := atoiRange(d, 0, 365)
		if err != nil {
			return e, atlas.FieldError(FieldTerms, "%q is not a number of days. Use 0 to 365, or leave it empty for the practice's terms.", d)
		}
		e.PaymentTermsDays = &n
	}
	if e.BillingEmail != "" {
		if a, err := mail.ParseAddress(e.BillingEmail); err != nil || a.Address != e.BillingEmail || !strings.Contains(a.Address, ".") {
			return e, atlas.FieldError(FieldBillingEmail, "%q is not an email address. Write it like accounts@acme.co.uk.", e.BillingEmail)
		}
	}
	return e, nil
}

func norm(s, def string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return def
	}
	return s
}

func atoiRange(s string, lo, hi int) (int, error) {
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil || fmt.Sprint(n) != s || n < lo || n > hi {
		return 0, fmt.Errorf("out of range")
	}
	return n, nil
}

// ParseMoney reads a non-negative amount with at most two decimals, such as
// "1,250.00" or "£95".
func ParseMoney(s string) (decimal.Decimal, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimLeft(s, "£$€")
	s = strings.ReplaceAll(s, ",", "")
	d, err := decimal.NewFromString(s)
	if err != nil || d.IsNegative() || d.Exponent() < -2 || d.GreaterThan(decimal.NewFromInt(999_999_999_999)) {
		return decimal.Zero, atlas.Errorf(atlas.EInvalid, "%q is not an amount", s)
	}
	return d, nil
}

const entityColumns = `id, code, name, aliases, entity_type, billing_type,
	(SELECT f.monthly_fee FROM entity_fees f WHERE f.practice_id = entities.practice_id AND f.entity_id = entities.id
	  ORDER BY f.effective_from DESC LIMIT 1),
	(SELECT max(f.effective_from) FROM entity_fees f WHERE f.practice_id = entities.practice_id AND f.entity_id = entities.id),
	invoice_timing, invoice_day,
	payment_terms_days, coalesce(billing_email, ''), manager_id, archived_at,
	coalesce((SELECT array_agg(service_id ORDER BY service_id) FROM entity_services es
	          WHERE es.practice_id = entities.practice_id AND es.entity_id = entities.id), '{}')`

func scanEntity(row pgx.Row) (Entity, error) {
	var e Entity
	var manager *int64
	err := row.Scan(&e.ID, &e.Code, &e.Name, &e.Aliases, &e.EntityType, &e.BillingType, &e.MonthlyFee, &e.FeeFrom, &e.InvoiceTiming,
		&e.InvoiceDay, &e.PaymentTermsDays, &e.BillingEmail, &manager, &e.ArchivedAt, &e.RetainerServices)
	if manager != nil {
		m := atlas.MemberID(*manager)
		e.ManagerID = &m
	}
	return e, err
}

// Entity returns a client by id.
func (s Store) Entity(ctx context.Context, pid atlas.PracticeID, id int64) (Entity, error) {
	e, err := scanEntity(s.DB.QueryRow(ctx, `SELECT `+entityColumns+` FROM entities WHERE practice_id = $1 AND id = $2`, pid, id))
	return e, db.MapError(err, "That client does not exist.")
}

// SaveEntity creates a client, or updates the one with id (when non-zero).
func (s Store) SaveEntity(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, id int64, in EntityInput) (Entity, error) {
	e, err := in.Validate()
	if err != nil {
		return e, err
	}
	var saved Entity
	err = db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		var manager any
		if e.ManagerID != nil {
			manager = int64(*e.ManagerID)
		}
		args := []any{pid, e.Code, e.Name, e.Aliases, e.EntityType, e.BillingType, e.InvoiceTiming,
			e.InvoiceDay, e.PaymentTermsDays, nullIfEmpty(e.BillingEmail), manager}
		var err error
		action := "entity.create"
		if id == 0 {
			err = tx.QueryRow(ctx, `INSERT INTO entities (practice_id, code, name, aliases, entity_type, billing_type,
				invoice_timing, invoice_day, payment_terms_days, billing_email, manager_id)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`, args...).Scan(&id)
		} else {
			action = "entity.update"
			err = tx.QueryRow(ctx, `UPDATE entities SET code = $2, name = $3, aliases = $4, entity_type = $5, billing_type = $6,
				invoice_timing = $7, invoice_day = $8, payment_terms_days = $9, billing_email = $10,
				manager_id = $11, updated_at = now()
				WHERE practice_id = $1 AND id = $12 RETURNING id`, append(args, id)...).Scan(&id)
		}
		if db.IsUniqueViolation(err, "") {
			return atlas.FieldError(FieldCode, "Another client already has the code %s. Pick another.", e.Code)
		}
		if err != nil {
			return db.MapError(err, "That client does not exist.")
		}
		if err := saveFee(ctx, tx, pid, actor, id, e); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM entity_services WHERE practice_id = $1 AND entity_id = $2`, pid, id); err != nil {
			return err
		}
		if len(e.RetainerServices) > 0 {
			_, err := tx.Exec(ctx, `INSERT INTO entity_services (practice_id, entity_id, service_id)
				SELECT $1, $2, unnest($3::bigint[]) ON CONFLICT DO NOTHING`, pid, id, e.RetainerServices)
			if err != nil {
				return db.MapError(err, "")
			}
		}
		saved, err = scanEntity(tx.QueryRow(ctx, `SELECT `+entityColumns+` FROM entities WHERE practice_id = $1 AND id = $2`, pid, id))
		if err != nil {
			return err
		}
		return Audit(ctx, tx, pid, actor, action, "entity", id, map[string]any{"code": e.Code, "name": e.Name})
	})
	return saved, err
}

// ArchiveEntity archives (or, with archived false, restores) a client.
// Archived clients keep their history but take no new time or tasks.
func (s Store) ArchiveEntity(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, id int64, archived bool) (Entity, error) {
	var e Entity
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE entities SET archived_at = CASE WHEN $3 THEN coalesce(archived_at, now()) END, updated_at = now()
			WHERE practice_id = $1 AND id = $2`, pid, id, archived)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return atlas.Errorf(atlas.ENotFound, "That client does not exist.")
		}
		action := "entity.archive"
		if !archived {
			action = "entity.restore"
		}
		if err := Audit(ctx, tx, pid, actor, action, "entity", id, nil); err != nil {
			return err
		}
		e, err = scanEntity(tx.QueryRow(ctx, `SELECT `+entityColumns+` FROM entities WHERE practice_id = $1 AND id = $2`, pid, id))
		return err
	})
	return e, err
}

// saveFee adds the client's monthly fee to its history when it is new or
// changed: from the day given, else from the first period invoiced from
// today. The same fee again changes nothing, so saving the form twice does
// not move the fee's start.
func saveFee(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, actor atlas.MemberID, id int64, e Entity) error {
	if !e.MonthlyFee.Valid {
		return nil
	}
	from := e.FeeFrom
	if from == nil {
		var latest decimal.NullDecimal
		err := tx.QueryRow(ctx, `SELECT monthly_fee FROM entity_fees WHERE practice_id = $1 AND entity_id = $2
			ORDER BY effective_from DESC LIMIT 1`, pid, id).Scan(&latest)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if latest.Valid && latest.Decimal.Equal(e.MonthlyFee.Decimal) {
			return nil
		}
		d := ScheduleOf(e).FirstBilledFrom(time.Now()).FirstDay()
		from = &d
	}
	_, err := tx.Exec(ctx, `INSERT INTO entity_fees (practice_id, entity_id, monthly_fee, effective_from, created_by)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (practice_id, entity_id, effective_from) DO UPDATE SET monthly_fee = excluded.monthly_fee`,
		pid, id, e.MonthlyFee.Decimal, *from, nullMember(actor))
	if err != nil {
		return db.MapError(err, "")
	}
	// The client's first fee says where Atlas's billing of it begins: a
	// date someone chose in the form is meant, so it stands.
	_, err = tx.Exec(ctx, `UPDATE entities SET bill_from = date_trunc('month', $3::date)::date
		WHERE practice_id = $1 AND id = $2 AND bill_from IS NULL`, pid, id, *from)
	return err
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
