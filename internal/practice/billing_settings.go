package practice

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// VAT rounding rules, a practice setting applied to every invoice alike
// (VAT Notice 700 §17.5; HMRC's VATREC12010 and VATREC12030).
const (
	// VATRoundInvoice: for each rate, the VAT on the sum of the net amounts
	// at that rate, rounded down to the penny.
	VATRoundInvoice = "invoice"
	// VATRoundLine: each line's VAT rounded to the nearest penny, half up,
	// then added up.
	VATRoundLine = "line"
)

// How an hourly draft lists its time, by default; each draft may change it.
const (
	GroupByService = "service" // one line per service and rate
	GroupByEntry   = "entry"   // one line per time entry
)

// VATRoundingLabel names a rounding rule for people.
func VATRoundingLabel(r string) string {
	if r == VATRoundLine {
		return "per line"
	}
	return "per invoice"
}

// LineGroupingLabel names a line grouping for people.
func LineGroupingLabel(g string) string {
	if g == GroupByEntry {
		return "per entry"
	}
	return "by service"
}

// Block ids of the billing settings fields, shared with the billing
// settings modal so a validation error lands on the right field.
const (
	FieldVATRegistered  = "vat_registered"
	FieldVATNumber      = "vat_number"
	FieldReducedVATRate = "reduced_vat_rate"
	FieldPostalAddress  = "postal_address"
	FieldVATRounding    = "vat_rounding"
	FieldLineGrouping   = "line_grouping"
	FieldBillingChannel = "billing_channel"
	FieldBillingRunDay  = "billing_run_day"
)

// MaxVATNumber is the longest VAT number accepted.
const MaxVATNumber = 20

// BillingSettings are the practice's billing settings as typed or picked in
// the billing settings modal: text, checked and converted by Validate.
type BillingSettings struct {
	VATRegistered  bool
	VATNumber      string
	ReducedVATRate string // percent
	PostalAddress  string // lines separated by \n
	VATRounding    string // invoice or line
	LineGrouping   string // service or entry
	BillingChannel string // a channel id, or "" for none
	BillingRunDay  string // 1 to 28
}

// BillingSettingsOf returns a practice's billing settings as the modal
// shows them.
func BillingSettingsOf(p Practice) BillingSettings {
	return BillingSettings{
		VATRegistered: p.VATRegistered, VATNumber: p.VATNumber, ReducedVATRate: p.ReducedVATRate.String(),
		PostalAddress: p.PostalAddress, VATRounding: p.VATRounding, LineGrouping: p.LineGrouping,
		BillingChannel: p.BillingChannel, BillingRunDay: strconv.Itoa(p.BillingRunDay),
	}
}

// vatNumberPattern is deliberately loose. A UK VAT number is GB and 9
// digits (12 for a branch of a group; GBGD and GBHA and 3 digits for
// government departments and health authorities), but a practice outside
// the UK puts its own registration here (IE1234567T, DE123456789), people
// write them with spaces as HMRC's letters do (GB 123 4567 89), and Atlas
// checks nothing against HMRC's records anyway. So it keeps what will print
// on an invoice: letters, digits and spaces, up to MaxVATNumber.
var vatNumberPattern = regexp.MustCompile(`^[A-Z0-9 ]+$`)

// Validate checks the billing settings and returns the practice's billing
// fields as they will be saved. All the fields in error come back at once,
// as atlas.FieldErrors, in the modal's order.
func (b BillingSettings) Validate() (Practice, error) {
	var p Practice
	var errs atlas.FieldErrors
	check := func(err error) {
		var e *atlas.Error
		if errors.As(err, &e) {
			errs = append(errs, e)
		}
	}
	p.VATRegistered = b.VATRegistered
	p.VATNumber = strings.ToUpper(strings.Join(strings.Fields(b.VATNumber), " "))
	switch {
	case p.VATNumber == "" && p.VATRegistered:
		check(atlas.FieldError(FieldVATNumber, "A VAT-registered practice prints its VAT number on every VAT invoice. Give it, such as GB123456789, or untick VAT-registered."))
	case p.VATNumber != "" && (!vatNumberPattern.MatchString(p.VATNumber) || utf8.RuneCountInString(p.VATNumber) > MaxVATNumber):
		check(atlas.FieldError(FieldVATNumber, "%q is not a VAT number. Use letters, digits and spaces only, up to %d, such as GB123456789 or GB 123 4567 89.", strings.TrimSpace(b.VATNumber), MaxVATNumber))
	}
	var err error
	if p.ReducedVATRate, err = validRate(b.ReducedVATRate); err != nil {
		check(atlas.FieldError(FieldReducedVATRate, "%q is not a VAT rate. Give the reduced rate as a percentage from 0 to 99.99, such as 5.", strings.TrimSpace(b.ReducedVATRate)))
	}
	p.VATRounding = strings.ToLower(strings.TrimSpace(b.VATRounding))
	if p.VATRounding != VATRoundInvoice && p.VATRounding != VATRoundLine {
		check(atlas.FieldError(FieldVATRounding, "%q is not a VAT rounding rule. Choose per invoice (invoice) or per line (line).", b.VATRounding))
	}
	p.PostalAddress, err = validAddress(b.PostalAddress, FieldPostalAddress, "2 Mill Lane, York YO1 7HH")
	check(err)
	if err == nil && p.PostalAddress == "" && p.VATRegistered {
		// UK VAT regulations 2007/2085 reg. 14: a VAT invoice shows the
		// supplier's name and address.
		check(atlas.FieldError(FieldPostalAddress, "A VAT invoice must show the practice's address. Give it, a line each, such as 2 Mill Lane, York YO1 7HH."))
	}
	p.LineGrouping = strings.ToLower(strings.TrimSpace(b.LineGrouping))
	if p.LineGrouping != GroupByService && p.LineGrouping != GroupByEntry {
		check(atlas.FieldError(FieldLineGrouping, "%q is not a way to list time on an invoice. Choose by service (service) or per entry (entry).", b.LineGrouping))
	}
	p.BillingChannel = strings.TrimSpace(b.BillingChannel)
	if p.BillingChannel != "" && !channelPattern.MatchString(p.BillingChannel) {
		check(atlas.FieldError(FieldBillingChannel, "Pick the billing channel from the list."))
	}
	day, ok := wholeNumber(b.BillingRunDay, 1, 28)
	if !ok {
		check(atlas.FieldError(FieldBillingRunDay, "%q is not a day for the billing run. Give a day of the month from 1 to 28, such as 1, so every month has it.", strings.TrimSpace(b.BillingRunDay)))
	}
	p.BillingRunDay = day
	if len(errs) > 0 {
		return p, errs
	}
	return p, nil
}

// validRate reads a percentage in [0, 100) with at most two decimals.
func validRate(s string) (decimal.Decimal, error) {
	r, err := decimal.NewFromString(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	if err != nil || r.IsNegative() || r.GreaterThanOrEqual(decimal.NewFromInt(100)) || r.Exponent() < -2 {
		return decimal.Zero, atlas.Errorf(atlas.EInvalid, "%q is not a rate", s)
	}
	return r, nil
}

// SaveBillingSettings stores the practice's billing settings, leaving the
// others as they are. Nothing is saved when any field is wrong; the audit
// event lists what changed.
func (s Store) SaveBillingSettings(ctx context.Context, id atlas.PracticeID, actor atlas.MemberID, in BillingSettings) (Practice, error) {
	v, err := in.Validate()
	if err != nil {
		return Practice{}, err
	}
	return s.saveSettingsGroup(ctx, id, actor, "practice.billing_settings", func(tx pgx.Tx) pgx.Row {
		return tx.QueryRow(ctx, `
			UPDATE practices SET vat_registered = $2, vat_number = $3, reduced_vat_rate = $4, postal_address = $5,
			       vat_rounding = $6, line_grouping = $7, billing_channel = $8, billing_run_day = $9, updated_at = now()
			 WHERE id = $1 RETURNING `+practiceColumns,
			id, v.VATRegistered, nullIfEmpty(v.VATNumber), v.ReducedVATRate, v.PostalAddress, v.VATRounding,
			v.LineGrouping, nullIfEmpty(v.BillingChannel), v.BillingRunDay)
	})
}

// saveSettingsGroup changes one group of a practice's settings with update
// (an UPDATE … RETURNING practiceColumns), under the practice row's lock,
// and audits what changed as action.
func (s Store) saveSettingsGroup(ctx context.Context, id atlas.PracticeID, actor atlas.MemberID, action string, update func(tx pgx.Tx) pgx.Row) (Practice, error) {
	var p Practice
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		old, err := scanPractice(tx.QueryRow(ctx, `SELECT `+practiceColumns+` FROM practices WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return db.MapError(err, "This workspace has no practice yet.")
		}
		if p, err = scanPractice(update(tx)); err != nil {
			return db.MapError(err, "This workspace has no practice yet.")
		}
		changed := map[string]any{}
		for _, c := range SettingsChanges(old, 0, p, 0) {
			changed[c.Field] = map[string]string{"from": c.From, "to": c.To}
		}
		return Audit(ctx, tx, id, actor, action, "practice", 0, map[string]any{"changed": changed})
	})
	if err != nil {
		return Practice{}, err
	}
	return p, nil
}
