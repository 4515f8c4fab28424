package practice

import (
	"context"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

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
	// RetainerStart and RetainerEnd bound the retainer: no retainer invoice
	// is made for a period before its start or after its end, and the
	// first and last periods are pro-rated by calendar days. Nil: open.
	RetainerStart, RetainerEnd *time.Time
	BillingContact             string // the person invoices are addressed to
	BillingAddress             string // lines separated by \n
	// CCEmails are copied on every invoice emailed to the client, beside
	// BillingEmail; DeliveryMethod is how it takes its invoices
	// (DeliveryEmail until the client portal exists).
	CCEmails       []string
	DeliveryMethod string
	ArchivedAt     *time.Time
}

// Archived reports whether the client is archived.
func (e Entity) Archived() bool { return e.ArchivedAt != nil }

// Label is "ACME · Acme Trading Ltd".
func (e Entity) Label() string { return e.Code + " · " + e.Name }

// Field names of the client form, shared with the modal.
const (
	FieldCode           = "code"
	FieldEntityName     = "entity_name"
	FieldAliases        = "aliases"
	FieldEntityType     = "entity_type"
	FieldBillingType    = "billing_type"
	FieldMonthlyFee     = "monthly_fee"
	FieldInvoiceTiming  = "invoice_timing"
	FieldInvoiceDay     = "invoice_day"
	FieldTerms          = "payment_terms"
	FieldBillingEmail   = "billing_email"
	FieldManager        = "manager"
	FieldRetainer       = "retainer_services"
	FieldFeeFrom        = "fee_from"
	FieldRetainerStart  = "retainer_start"
	FieldRetainerEnd    = "retainer_end"
	FieldBillingContact = "billing_contact"
	FieldBillingAddress = "billing_address"
)

// Limits of the billing contact and address: an address is printed in the
// window of an envelope, so a few short lines.
const (
	MaxBillingContact      = 200
	MaxBillingAddress      = 500
	MaxBillingAddressLines = 8
)

var codePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$`)

// EntityInput is a client as typed in a form or a CSV row: text, checked
// and converted by Validate.
type EntityInput struct {
	Code, Name, Aliases, EntityType, BillingType, MonthlyFee, InvoiceTiming, InvoiceDay, PaymentTerms, BillingEmail string
	// FeeFrom is the day a new monthly fee is in force from, YYYY-MM-DD;
	// empty: the first period invoiced from today, so no past month is
	// billed at it.
	FeeFrom string
	// RetainerStart and RetainerEnd are days, YYYY-MM-DD (or 3 Nov 2026);
	// empty for none.
	RetainerStart, RetainerEnd     string
	BillingContact, BillingAddress string
	Manager                        *atlas.MemberID
	RetainerServices               []int64
	// CCEmails (addresses separated by commas, semicolons or new lines) and
	// DeliveryMethod (email; portal and both once the portal exists) are
	// left as they are when nil, so forms and imports that do not show
	// them never blank them.
	CCEmails, DeliveryMethod *string
	// Contacts are the client's contacts, one a line as ParseContacts
	// reads them; nil leaves them as they are, so forms and imports that
	// do not show them never remove them.
	Contacts *string
}

// dayLayouts are the ways a day may be written: as Slack's date pickers and
// spreadsheets write it, and as people do.
var dayLayouts = []string{time.DateOnly, "2 Jan 2006", "2 January 2006"}

// ParseDay reads a day written as 2026-11-03, 3 Nov 2026 or 3 November
// 2026, as midnight UTC. Numeric forms such as 03/11/2026 are refused:
// software disagrees on whether that is March or November.
func ParseDay(s string) (time.Time, bool) {
	s = strings.Join(strings.Fields(s), " ")
	for _, layout := range dayLayouts {
		if d, err := time.Parse(layout, s); err == nil {
			return d, true
		}
	}
	return time.Time{}, false
}

// optionalDay reads an optional day for field; what a date is for, such
// as "the day the fee starts", goes into the message.
func optionalDay(s, field, what string) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	d, ok := ParseDay(s)
	if !ok {
		return nil, atlas.FieldError(field, "%q is not a date. Give %s as YYYY-MM-DD, such as 2026-12-01, or as 1 Dec 2026.", s, what)
	}
	return &d, nil
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
	if e.BillingType == BillingFixed && !e.MonthlyFee.Valid {
		return e, atlas.FieldError(FieldMonthlyFee, "A fixed-fee client needs its monthly fee, such as 450.")
	}
	var err error
	if e.FeeFrom, err = optionalDay(in.FeeFrom, FieldFeeFrom, "the day the fee starts"); err != nil {
		return e, err
	}
	if e.FeeFrom != nil && !e.MonthlyFee.Valid {
		return e, atlas.FieldError(FieldFeeFrom, "A start date needs the monthly fee it is for: give the fee, or leave the date empty.")
	}
	if e.InvoiceTiming != "advance" && e.InvoiceTiming != "arrears" {
		return e, atlas.FieldError(FieldInvoiceTiming, "%q is not an invoicing time. Use advance or arrears.", in.InvoiceTiming)
	}
	if d := strings.TrimSpace(in.InvoiceDay); d != "" {
		n, err := atoiRange(d, 1, 31)
		if err != nil {
			return e, atlas.FieldError(FieldInvoiceDay, "%q is not an invoice day. Use a day of the month from 1 to 31; 29, 30 and 31 mean the month's last day in months that are shorter.", d)
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
	if e.RetainerStart, err = optionalDay(in.RetainerStart, FieldRetainerStart, "the retainer's first day"); err != nil {
		return e, err
	}
	if e.RetainerEnd, err = optionalDay(in.RetainerEnd, FieldRetainerEnd, "the retainer's last day"); err != nil {
		return e, err
	}
	if e.RetainerStart != nil && e.RetainerEnd != nil && e.RetainerEnd.Before(*e.RetainerStart) {
		return e, atlas.FieldError(FieldRetainerEnd, "The retainer cannot end (%s) before it starts (%s). Give its last day on or after its first, or leave the end empty.",
			e.RetainerEnd.Format(longDate), e.RetainerStart.Format(longDate))
	}
	e.BillingContact = strings.Join(strings.Fields(in.BillingContact), " ")
	if utf8.RuneCountInString(e.BillingContact) > MaxBillingContact {
		return e, atlas.FieldError(FieldBillingContact, "The billing contact is too long: give a name of up to %d characters, such as Jane Smith.", MaxBillingContact)
	}
	if e.BillingAddress, err = validAddress(in.BillingAddress, FieldBillingAddress, "1 High Street, Leeds LS1 1AA"); err != nil {
		return e, err
	}
	if in.CCEmails != nil {
		if e.CCEmails, err = validCCEmails(*in.CCEmails); err != nil {
			return e, err
		}
	}
	if in.DeliveryMethod != nil {
		if e.DeliveryMethod, err = validDeliveryMethod(*in.DeliveryMethod); err != nil {
			return e, err
		}
	}
	if in.Contacts != nil {
		if _, err := ParseContacts(*in.Contacts, "\n"); err != nil {
			return e, err
		}
	}
	return e, nil
}

// validAddress tidies a postal address — a line each, as typed, with blank
// lines and surrounding spaces dropped — and checks it fits on an invoice.
func validAddress(s, field, example string) (string, error) {
	var lines []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			lines = append(lines, l)
		}
	}
	out := strings.Join(lines, "\n")
	if len(lines) > MaxBillingAddressLines || utf8.RuneCountInString(out) > MaxBillingAddress {
		return out, atlas.FieldError(field, "The address is too long for an invoice: keep it to %d lines and %d characters, such as %s.",
			MaxBillingAddressLines, MaxBillingAddress, example)
	}
	return out, nil
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
	          WHERE es.practice_id = entities.practice_id AND es.entity_id = entities.id), '{}'),
	retainer_start, retainer_end, billing_contact, billing_address, cc_emails, delivery_method`

func scanEntity(row pgx.Row) (Entity, error) {
	var e Entity
	var manager *int64
	err := row.Scan(&e.ID, &e.Code, &e.Name, &e.Aliases, &e.EntityType, &e.BillingType, &e.MonthlyFee, &e.FeeFrom, &e.InvoiceTiming,
		&e.InvoiceDay, &e.PaymentTermsDays, &e.BillingEmail, &manager, &e.ArchivedAt, &e.RetainerServices,
		&e.RetainerStart, &e.RetainerEnd, &e.BillingContact, &e.BillingAddress, &e.CCEmails, &e.DeliveryMethod)
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
		// Delivery fields left out of the input (nil) keep what is stored,
		// or take the column's default on a new client.
		var cc, method any
		if in.CCEmails != nil {
			cc = e.CCEmails
		}
		if in.DeliveryMethod != nil {
			method = e.DeliveryMethod
		}
		args := []any{pid, e.Code, e.Name, e.Aliases, e.EntityType, e.BillingType, e.InvoiceTiming,
			e.InvoiceDay, e.PaymentTermsDays, nullIfEmpty(e.BillingEmail), manager,
			e.RetainerStart, e.RetainerEnd, e.BillingContact, e.BillingAddress, cc, method}
		var err error
		action := "entity.create"
		if id == 0 {
			err = tx.QueryRow(ctx, `INSERT INTO entities (practice_id, code, name, aliases, entity_type, billing_type,
				invoice_timing, invoice_day, payment_terms_days, billing_email, manager_id,
				retainer_start, retainer_end, billing_contact, billing_address, cc_emails, delivery_method)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
				        coalesce($16::text[], '{}'), coalesce($17::text, 'email')) RETURNING id`, args...).Scan(&id)
		} else {
			action = "entity.update"
			err = tx.QueryRow(ctx, `UPDATE entities SET code = $2, name = $3, aliases = $4, entity_type = $5, billing_type = $6,
				invoice_timing = $7, invoice_day = $8, payment_terms_days = $9, billing_email = $10,
				manager_id = $11, retainer_start = $12, retainer_end = $13, billing_contact = $14, billing_address = $15,
				cc_emails = coalesce($16::text[], cc_emails), delivery_method = coalesce($17::text, delivery_method),
				updated_at = now()
				WHERE practice_id = $1 AND id = $18 RETURNING id`, append(args, id)...).Scan(&id)
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
		if in.Contacts != nil {
			cs, err := ParseContacts(*in.Contacts, "\n")
			if err != nil {
				return err
			}
			if _, err := ReplaceContacts(ctx, tx, pid, actor, id, cs); err != nil {
				return err
			}
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
		data := map[string]any{"code": e.Code, "name": e.Name, "billing_type": e.BillingType, "invoice_timing": e.InvoiceTiming,
			"invoice_day": e.InvoiceDay, "retainer_start": e.RetainerStart, "retainer_end": e.RetainerEnd, "billing_contact": e.BillingContact,
			"cc_emails": saved.CCEmails, "delivery_method": saved.DeliveryMethod}
		if saved.MonthlyFee.Valid {
			// The fee in the history after the save, and the day it is from.
			data["monthly_fee"], data["fee_from"] = saved.MonthlyFee.Decimal.String(), saved.FeeFrom
		}
		return Audit(ctx, tx, pid, actor, action, "entity", id, data)
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

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
