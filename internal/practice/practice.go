package practice

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// Practice is a bookkeeping firm and its settings.
type Practice struct {
	ID                  atlas.PracticeID
	Name                string
	Timezone            string
	Currency            string
	VATRate             decimal.Decimal // percent
	RoundingIncrement   int             // minutes
	RoundingMode        string          // up, nearest, none
	InvoiceNumberFormat string
	PaymentTermsDays    int
	DigestChannel       string
	DigestTime          string // HH:MM
	TimerReminderHours  int
	PreparerMayReview   bool
	SetUpAt             *time.Time
}

// SetUp reports whether an admin has completed the practice set-up.
func (p Practice) SetUp() bool { return p.SetUpAt != nil }

// Location is the practice's timezone (UTC when the name is unknown, which
// validation prevents).
func (p Practice) Location() *time.Location {
	loc, err := time.LoadLocation(p.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Store reads and writes practices and members.
type Store struct{ DB db.DB }

const practiceColumns = `id, name, timezone, currency, vat_rate, rounding_increment, rounding_mode,
	invoice_number_format, payment_terms_days, coalesce(digest_channel, ''), to_char(digest_time, 'HH24:MI'),
	timer_reminder_hours, preparer_may_review, set_up_at`

func scanPractice(row pgx.Row) (Practice, error) {
	var p Practice
	err := row.Scan(&p.ID, &p.Name, &p.Timezone, &p.Currency, &p.VATRate, &p.RoundingIncrement, &p.RoundingMode,
		&p.InvoiceNumberFormat, &p.PaymentTermsDays, &p.DigestChannel, &p.DigestTime,
		&p.TimerReminderHours, &p.PreparerMayReview, &p.SetUpAt)
	return p, err
}

// Ensure returns the practice for a Slack workspace, creating it with the
// default settings on first contact.
func (s Store) Ensure(ctx context.Context, id atlas.PracticeID) (Practice, error) {
	if id == "" {
		return Practice{}, atlas.Errorf(atlas.EInvalid, "The request did not say which Slack workspace it came from.")
	}
	// DO UPDATE (a no-op) rather than DO NOTHING: it returns the row even
	// when a concurrent first request inserted it a moment ago.
	p, err := scanPractice(s.DB.QueryRow(ctx, `INSERT INTO practices (id) VALUES ($1)
		ON CONFLICT (id) DO UPDATE SET id = excluded.id RETURNING `+practiceColumns, id))
	if err != nil {
		return Practice{}, fmt.Errorf("ensure practice %s: %w", id, err)
	}
	return p, nil
}

// Get returns a practice.
func (s Store) Get(ctx context.Context, id atlas.PracticeID) (Practice, error) {
	p, err := scanPractice(s.DB.QueryRow(ctx, `SELECT `+practiceColumns+` FROM practices WHERE id = $1`, id))
	return p, db.MapError(err, "This workspace has no practice yet.")
}

// Basics are the settings asked for when a practice is first set up.
type Basics struct {
	Name     string
	Timezone string
	Currency string
	VATRate  string // percent, as typed
}

// Block ids of the set-up fields, shared with the modal so a validation
// error lands on the right field.
const (
	FieldName     = "name"
	FieldTimezone = "timezone"
	FieldCurrency = "currency"
	FieldVATRate  = "vat_rate"
)

// Validate checks the basics and returns them normalised.
func (b Basics) Validate() (Basics, decimal.Decimal, error) {
	b.Name = strings.TrimSpace(b.Name)
	if b.Name == "" || len(b.Name) > 100 {
		return b, decimal.Zero, atlas.FieldError(FieldName, "Give the practice a name (up to 100 characters).")
	}
	b.Timezone = strings.TrimSpace(b.Timezone)
	if _, err := time.LoadLocation(b.Timezone); err != nil || b.Timezone == "" || b.Timezone == "Local" {
		return b, decimal.Zero, atlas.FieldError(FieldTimezone, "%q is not a timezone. Use an IANA name such as Europe/London or America/New_York.", b.Timezone)
	}
	b.Currency = strings.ToUpper(strings.TrimSpace(b.Currency))
	if !KnownCurrency(b.Currency) {
		return b, decimal.Zero, atlas.FieldError(FieldCurrency, "%q is not a currency Atlas knows. Use a three-letter ISO code such as GBP, EUR or USD.", b.Currency)
	}
	vat, err := decimal.NewFromString(strings.TrimSuffix(strings.TrimSpace(b.VATRate), "%"))
	if err != nil || vat.IsNegative() || vat.GreaterThanOrEqual(decimal.NewFromInt(100)) || vat.Exponent() < -2 {
		return b, decimal.Zero, atlas.FieldError(FieldVATRate, "%q is not a VAT rate. Give a percentage between 0 and 99.99, such as 20.", b.VATRate)
	}
	return b, vat, nil
}

// SaveBasics stores the set-up basics and marks the practice set up.
func (s Store) SaveBasics(ctx context.Context, id atlas.PracticeID, actor atlas.MemberID, b Basics) (Practice, error) {
	b, vat, err := b.Validate()
	if err != nil {
		return Practice{}, err
	}
	var p Practice
	err = db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		p, err = scanPractice(tx.QueryRow(ctx, `
			UPDATE practices SET name = $2, timezone = $3, currency = $4, vat_rate = $5,
			       set_up_at = coalesce(set_up_at, now()), updated_at = now()
			 WHERE id = $1 RETURNING `+practiceColumns, id, b.Name, b.Timezone, b.Currency, vat))
		if err != nil {
			return db.MapError(err, "This workspace has no practice yet.")
		}
		return Audit(ctx, tx, id, actor, "practice.settings", "practice", 0, map[string]any{
			"name": b.Name, "timezone": b.Timezone, "currency": b.Currency, "vat_rate": vat.String(),
		})
	})
	return p, err
}
