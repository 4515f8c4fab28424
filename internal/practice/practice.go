package practice

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/money"
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
	// DefaultServiceID is the service time goes to when a /log line names
	// none; nil for none, and then Atlas asks.
	DefaultServiceID *int64
	SetUpAt          *time.Time

	// The billing settings (BillingSettings).
	VATRegistered  bool
	VATNumber      string          // "" when none
	ReducedVATRate decimal.Decimal // percent, for services with reduced VAT
	PostalAddress  string          // lines separated by \n
	VATRounding    string          // VATRoundInvoice or VATRoundLine
	LineGrouping   string          // GroupByService or GroupByEntry, for hourly drafts
	BillingChannel string          // where the billing run is posted; "" for none
	BillingRunDay  int             // the day of the month of the hourly run, 1 to 28

	// The delivery settings (DeliverySettings). The bank fields are ""
	// when not given; BankIBAN is kept without spaces.
	BankAccountName   string
	BankSortCode      string // 20-45-77
	BankAccountNumber string
	BankIBAN          string
	BankBIC           string
	InvoiceFromEmail  string // "" = the server's SMTP_FROM
	InvoiceFromName   string // "" = the practice's name
	AutoSend          bool   // approval sends the invoice to the client at once
}

// SetUp reports whether an admin has completed the practice set-up.
func (p Practice) SetUp() bool { return p.SetUpAt != nil }

// Today is the calendar date in the practice's timezone at now, as
// midnight UTC (atlas.DateOf).
func (p Practice) Today(now time.Time) time.Time { return atlas.DateOf(now.In(p.Location())) }

// Location is the practice's timezone (UTC when the name is unknown, which
// validation prevents).
func (p Practice) Location() *time.Location {
	if loc, ok := locations.Load(p.Timezone); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(p.Timezone)
	if err != nil {
		return time.UTC
	}
	locations.Store(p.Timezone, loc)
	return loc
}

// locations caches loaded timezones by name: loading one reads and parses
// its zone file, and every command asks for the practice's.
var locations sync.Map

// Store reads and writes practices and members.
type Store struct{ DB db.DB }

// In is s working through q instead, a transaction most often: a job that
// runs in one reads and writes through s.In(tx).
func (s Store) In(q db.DB) Store {
	s.DB = q
	return s
}

const practiceColumns = `id, name, timezone, currency, vat_rate, rounding_increment, rounding_mode,
	invoice_number_format, payment_terms_days, coalesce(digest_channel, ''), to_char(digest_time, 'HH24:MI'),
	timer_reminder_hours, preparer_may_review, default_service_id, set_up_at,
	vat_registered, coalesce(vat_number, ''), reduced_vat_rate, postal_address, vat_rounding, line_grouping,
	coalesce(billing_channel, ''), billing_run_day,
	bank_account_name, bank_sort_code, bank_account_number, bank_iban, bank_bic,
	coalesce(invoice_from_email, ''), invoice_from_name, auto_send`

func scanPractice(row pgx.Row) (Practice, error) {
	var p Practice
	err := row.Scan(&p.ID, &p.Name, &p.Timezone, &p.Currency, &p.VATRate, &p.RoundingIncrement, &p.RoundingMode,
		&p.InvoiceNumberFormat, &p.PaymentTermsDays, &p.DigestChannel, &p.DigestTime,
		&p.TimerReminderHours, &p.PreparerMayReview, &p.DefaultServiceID, &p.SetUpAt,
		&p.VATRegistered, &p.VATNumber, &p.ReducedVATRate, &p.PostalAddress, &p.VATRounding, &p.LineGrouping,
		&p.BillingChannel, &p.BillingRunDay,
		&p.BankAccountName, &p.BankSortCode, &p.BankAccountNumber, &p.BankIBAN, &p.BankBIC,
		&p.InvoiceFromEmail, &p.InvoiceFromName, &p.AutoSend)
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
	var err error
	if b.Name, err = validName(b.Name); err != nil {
		return b, decimal.Zero, err
	}
	if b.Timezone, err = validTimezone(b.Timezone); err != nil {
		return b, decimal.Zero, err
	}
	if b.Currency, err = validCurrency(b.Currency); err != nil {
		return b, decimal.Zero, err
	}
	vat, err := validVATRate(b.VATRate)
	if err != nil {
		return b, decimal.Zero, err
	}
	return b, vat, nil
}

func validName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 100 {
		return s, atlas.FieldError(FieldName, "Give the practice a name (up to 100 characters).")
	}
	return s, nil
}

func validTimezone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if _, err := time.LoadLocation(s); err != nil || s == "" || s == "Local" {
		return s, atlas.FieldError(FieldTimezone, "%q is not a timezone. Use an IANA name such as Europe/London or America/New_York.", s)
	}
	return s, nil
}

func validCurrency(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if !money.Known(s) {
		return s, atlas.FieldError(FieldCurrency, "%q is not a currency Atlas knows. Use a three-letter ISO code such as GBP, EUR or USD.", s)
	}
	return s, nil
}

func validVATRate(s string) (decimal.Decimal, error) {
	vat, err := decimal.NewFromString(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	if err != nil || vat.IsNegative() || vat.GreaterThanOrEqual(decimal.NewFromInt(100)) || vat.Exponent() < -2 {
		return decimal.Zero, atlas.FieldError(FieldVATRate, "%q is not a VAT rate. Give a percentage between 0 and 99.99, such as 20.", s)
	}
	return vat, nil
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

// Rounding modes of logged time when it is valued.
const (
	RoundingUp      = "up"      // up to the next increment
	RoundingNearest = "nearest" // to the nearest increment
	RoundingNone    = "none"    // exact minutes
)

// InvoiceSeries is the invoice_counters series every invoice is numbered in.
const InvoiceSeries = "default"

// Block ids of the settings fields beyond the basics, shared with the
// settings modal so a validation error lands on the right field.
const (
	FieldRoundingIncrement = "rounding_increment"
	FieldRoundingMode      = "rounding_mode"
	FieldInvoiceFormat     = "invoice_number_format"
	FieldNextInvoiceNumber = "next_invoice_number"
	FieldPaymentTermsDays  = "payment_terms_days"
	FieldDigestChannel     = "digest_channel"
	FieldDigestTime        = "digest_time"
	FieldTimerReminder     = "timer_reminder_hours"
	FieldPreparerReview    = "preparer_may_review"
	FieldDefaultService    = "default_service"
)

// MaxNextInvoiceNumber bounds the next invoice number an admin may set.
const MaxNextInvoiceNumber = 999_999_999

// Settings are every practice setting, as typed or picked in the settings
// modal: text, checked and converted by Validate.
type Settings struct {
	Name                string
	Timezone            string
	Currency            string
	VATRate             string // percent
	RoundingIncrement   string // minutes, 1 to 60
	RoundingMode        string // up, nearest, none
	InvoiceNumberFormat string // e.g. INV-{YYYY}-{SEQ:4}
	NextInvoiceNumber   string // the number the next approved invoice gets
	PaymentTermsDays    string // 0 to 365
	DigestChannel       string // a channel id, or "" for no digest
	DigestTime          string // HH:MM
	TimerReminderHours  string // 1 to 72
	PreparerMayReview   bool
	DefaultService      string // a service id, or "" for none
}

// SettingsOf returns a practice's settings as the modal shows them.
func SettingsOf(p Practice, nextInvoice int64) Settings {
	return Settings{
		Name: p.Name, Timezone: p.Timezone, Currency: p.Currency, VATRate: p.VATRate.String(),
		RoundingIncrement: strconv.Itoa(p.RoundingIncrement), RoundingMode: p.RoundingMode,
		InvoiceNumberFormat: p.InvoiceNumberFormat, NextInvoiceNumber: strconv.FormatInt(nextInvoice, 10),
		PaymentTermsDays: strconv.Itoa(p.PaymentTermsDays), DigestChannel: p.DigestChannel, DigestTime: p.DigestTime,
		TimerReminderHours: strconv.Itoa(p.TimerReminderHours), PreparerMayReview: p.PreparerMayReview,
		DefaultService: idText(p.DefaultServiceID),
	}
}

func idText(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}

var channelPattern = regexp.MustCompile(`^[CG][A-Z0-9]{2,}$`)

// Validate checks every setting and returns the practice as it will be
// saved (without its id) and the next invoice number. All the fields in
// error come back at once, as atlas.FieldErrors.
func (s Settings) Validate() (Practice, int64, error) {
	var p Practice
	var errs atlas.FieldErrors
	check := func(err error) {
		var e *atlas.Error
		if errors.As(err, &e) {
			errs = append(errs, e)
		}
	}
	var err error
	p.Name, err = validName(s.Name)
	check(err)
	p.Timezone, err = validTimezone(s.Timezone)
	check(err)
	p.Currency, err = validCurrency(s.Currency)
	check(err)
	p.VATRate, err = validVATRate(s.VATRate)
	check(err)

	inc, ok := wholeNumber(s.RoundingIncrement, 1, 60)
	if !ok {
		check(atlas.FieldError(FieldRoundingIncrement, "%q is not a rounding increment. Give whole minutes from 1 to 60, such as 6 (tenths of an hour) or 15.", strings.TrimSpace(s.RoundingIncrement)))
	}
	p.RoundingIncrement = inc
	p.RoundingMode = strings.ToLower(strings.TrimSpace(s.RoundingMode))
	switch p.RoundingMode {
	case RoundingUp, RoundingNearest, RoundingNone:
	default:
		check(atlas.FieldError(FieldRoundingMode, "%q is not a rounding rule. Choose up, nearest or none (exact minutes).", s.RoundingMode))
	}

	p.InvoiceNumberFormat, err = ValidInvoiceNumberFormat(s.InvoiceNumberFormat)
	check(err)
	next, ok := wholeNumber(s.NextInvoiceNumber, 1, MaxNextInvoiceNumber)
	if !ok {
		check(atlas.FieldError(FieldNextInvoiceNumber, "%q is not an invoice number. Give a whole number from 1 to %d.", strings.TrimSpace(s.NextInvoiceNumber), MaxNextInvoiceNumber))
	}
	p.PaymentTermsDays, ok = wholeNumber(s.PaymentTermsDays, 0, 365)
	if !ok {
		check(atlas.FieldError(FieldPaymentTermsDays, "%q is not a payment term. Give whole days from 0 to 365, such as 14 or 30.", strings.TrimSpace(s.PaymentTermsDays)))
	}

	p.DigestChannel = strings.TrimSpace(s.DigestChannel)
	if p.DigestChannel != "" && !channelPattern.MatchString(p.DigestChannel) {
		check(atlas.FieldError(FieldDigestChannel, "Pick the digest's channel from the list."))
	}
	p.DigestTime = strings.TrimSpace(s.DigestTime)
	if t, err := time.Parse("15:04", p.DigestTime); err != nil {
		check(atlas.FieldError(FieldDigestTime, "%q is not a time of day. Pick one, such as 08:00.", p.DigestTime))
	} else {
		p.DigestTime = t.Format("15:04")
	}
	p.TimerReminderHours, ok = wholeNumber(s.TimerReminderHours, 1, 72)
	if !ok {
		check(atlas.FieldError(FieldTimerReminder, "%q is not a number of hours. Give whole hours from 1 to 72, such as 10.", strings.TrimSpace(s.TimerReminderHours)))
	}
	p.PreparerMayReview = s.PreparerMayReview
	if v := strings.TrimSpace(s.DefaultService); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			check(atlas.FieldError(FieldDefaultService, "Pick the default service from the list."))
		} else {
			p.DefaultServiceID = &id
		}
	}
	if len(errs) > 0 {
		return p, int64(next), errs
	}
	return p, int64(next), nil
}

// wholeNumber reads an integer in [lo, hi].
func wholeNumber(s string, lo, hi int) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < lo || n > hi {
		return 0, false
	}
	return n, true
}

// MaxInvoiceNumberFormat is the longest invoice number format allowed.
const MaxInvoiceNumberFormat = 40

var invoiceTokenHelp = "Use {YYYY}, {YY}, {MM}, {SEQ} or {SEQ:n} (the number padded to n digits, 1 to 9)"

// ValidInvoiceNumberFormat checks an invoice number format and returns it
// with its tokens in upper case. It must hold exactly one {SEQ} or {SEQ:n};
// the other tokens are {YYYY}, {YY} and {MM}, of the invoice's issue date.
func ValidInvoiceNumberFormat(format string) (string, error) {
	f := strings.TrimSpace(format)
	bad := func(msg string, args ...any) (string, error) {
		return f, atlas.FieldError(FieldInvoiceFormat, msg, args...)
	}
	if f == "" {
		return bad("Give an invoice number format, such as INV-{YYYY}-{SEQ:4}.")
	}
	if utf8.RuneCountInString(f) > MaxInvoiceNumberFormat {
		return bad("The format is too long: keep it to %d characters, such as INV-{YYYY}-{SEQ:4}.", MaxInvoiceNumberFormat)
	}
	var out strings.Builder
	seqs := 0
	for rest := f; rest != ""; {
		open := strings.IndexAny(rest, "{}")
		if open < 0 {
			out.WriteString(rest)
			break
		}
		out.WriteString(rest[:open])
		if rest[open] == '}' {
			return bad("%q has a } without its {. %s.", f, invoiceTokenHelp)
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return bad("%q has a { without its }. %s.", f, invoiceTokenHelp)
		}
		tok := strings.ToUpper(rest[open+1 : open+end])
		switch {
		case tok == "YYYY", tok == "YY", tok == "MM":
		case tok == "SEQ":
			seqs++
		case strings.HasPrefix(tok, "SEQ:") && len(tok) == 5 && tok[4] >= '1' && tok[4] <= '9':
			seqs++
		default:
			return bad("{%s} is not a token Atlas knows. %s.", rest[open+1:open+end], invoiceTokenHelp)
		}
		out.WriteString("{" + tok + "}")
		rest = rest[open+end+1:]
	}
	for _, r := range f {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return bad("Invoice numbers cannot contain spaces: use - or / to separate the parts, such as INV-{YYYY}-{SEQ:4}.")
		}
	}
	switch {
	case seqs == 0:
		return bad("%q has no {SEQ}: every invoice number needs the running number, such as INV-{YYYY}-{SEQ:4}.", f)
	case seqs > 1:
		return bad("%q has the running number more than once; use {SEQ} or {SEQ:n} once.", f)
	}
	return out.String(), nil
}

// FormatInvoiceNumber renders invoice number seq, issued on date, in a
// format ValidInvoiceNumberFormat accepted.
func FormatInvoiceNumber(format string, seq int64, date time.Time) string {
	var out strings.Builder
	for rest := format; rest != ""; {
		open := strings.IndexByte(rest, '{')
		end := strings.IndexByte(rest, '}')
		if open < 0 || end < open {
			out.WriteString(rest)
			break
		}
		out.WriteString(rest[:open])
		switch tok := rest[open+1 : end]; {
		case tok == "YYYY":
			fmt.Fprintf(&out, "%04d", date.Year())
		case tok == "YY":
			fmt.Fprintf(&out, "%02d", date.Year()%100)
		case tok == "MM":
			fmt.Fprintf(&out, "%02d", int(date.Month()))
		case tok == "SEQ":
			fmt.Fprintf(&out, "%d", seq)
		case strings.HasPrefix(tok, "SEQ:") && len(tok) == 5:
			fmt.Fprintf(&out, "%0*d", int(tok[4]-'0'), seq)
		default:
			out.WriteString(rest[open : end+1])
		}
		rest = rest[end+1:]
	}
	return out.String()
}

// NextInvoiceNumber is the number the next approved invoice will get: the
// default series' counter, 1 before any.
func (s Store) NextInvoiceNumber(ctx context.Context, id atlas.PracticeID) (int64, error) {
	return nextInvoiceNumber(ctx, s.DB, id, "")
}

func nextInvoiceNumber(ctx context.Context, q db.DB, id atlas.PracticeID, lock string) (int64, error) {
	var next int64
	err := q.QueryRow(ctx, `SELECT next_value FROM invoice_counters WHERE practice_id = $1 AND series = $2 `+lock,
		id, InvoiceSeries).Scan(&next)
	if errors.Is(err, pgx.ErrNoRows) {
		return 1, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read invoice counter: %w", err)
	}
	return next, nil
}

// SaveSettings stores every practice setting, and the next invoice number,
// and marks the practice set up. Nothing is saved when any field is wrong.
// The next invoice number may go below the counter only while no invoice
// has a number, so numbers are never issued twice.
func (s Store) SaveSettings(ctx context.Context, id atlas.PracticeID, actor atlas.MemberID, in Settings) (Practice, error) {
	v, next, err := in.Validate()
	if err != nil {
		return Practice{}, err
	}
	var p Practice
	err = db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		old, err := scanPractice(tx.QueryRow(ctx, `SELECT `+practiceColumns+` FROM practices WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return db.MapError(err, "This workspace has no practice yet.")
		}
		current, err := nextInvoiceNumber(ctx, tx, id, "FOR UPDATE")
		if err != nil {
			return err
		}
		if next < current {
			var used bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM invoices WHERE practice_id = $1 AND number IS NOT NULL)`, id).Scan(&used); err != nil {
				return fmt.Errorf("check numbered invoices: %w", err)
			}
			if used {
				return atlas.FieldErrors{atlas.FieldError(FieldNextInvoiceNumber,
					"Invoices already have numbers below %d, so the next number cannot go lower than %d: that could number two invoices the same.", current, current)}
			}
		}
		var digest any
		if v.DigestChannel != "" {
			digest = v.DigestChannel
		}
		p, err = scanPractice(tx.QueryRow(ctx, `
			UPDATE practices SET name = $2, timezone = $3, currency = $4, vat_rate = $5,
			       rounding_increment = $6, rounding_mode = $7, invoice_number_format = $8, payment_terms_days = $9,
			       digest_channel = $10, digest_time = $11::time, timer_reminder_hours = $12, preparer_may_review = $13,
			       default_service_id = $14, set_up_at = coalesce(set_up_at, now()), updated_at = now()
			 WHERE id = $1 RETURNING `+practiceColumns,
			id, v.Name, v.Timezone, v.Currency, v.VATRate, v.RoundingIncrement, v.RoundingMode, v.InvoiceNumberFormat,
			v.PaymentTermsDays, digest, v.DigestTime, v.TimerReminderHours, v.PreparerMayReview, v.DefaultServiceID))
		if db.IsForeignKeyViolation(err) {
			return atlas.FieldErrors{atlas.FieldError(FieldDefaultService, "That service no longer exists; pick another.")}
		}
		if err != nil {
			return db.MapError(err, "This workspace has no practice yet.")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO invoice_counters (practice_id, series, next_value) VALUES ($1, $2, $3)
			ON CONFLICT (practice_id, series) DO UPDATE SET next_value = excluded.next_value`, id, InvoiceSeries, next); err != nil {
			return fmt.Errorf("set invoice counter: %w", err)
		}
		changed := map[string]any{}
		for _, c := range SettingsChanges(old, current, p, next) {
			changed[c.Field] = map[string]string{"from": c.From, "to": c.To}
		}
		data := settingValues(p, next)
		audit := make(map[string]any, len(data)+1)
		for k, v := range data {
			audit[k] = v
		}
		audit["changed"] = changed
		return Audit(ctx, tx, id, actor, "practice.settings", "practice", 0, audit)
	})
	if err != nil {
		return Practice{}, err
	}
	return p, nil
}

// SettingChange is one setting a save changed, with its values before and
// after as settingValues writes them.
type SettingChange struct {
	Field, Label, From, To string
}

// settingLabels names each setting for people, in the modal's order.
var settingLabels = []struct{ field, label string }{
	{FieldName, "Name"},
	{FieldTimezone, "Timezone"},
	{FieldCurrency, "Currency"},
	{FieldVATRate, "VAT rate"},
	{FieldRoundingIncrement, "Rounding increment"},
	{FieldRoundingMode, "Rounding"},
	{FieldTimerReminder, "Forgotten-timer reminder"},
	{FieldInvoiceFormat, "Invoice number format"},
	{FieldNextInvoiceNumber, "Next invoice number"},
	{FieldPaymentTermsDays, "Payment terms"},
	{FieldDigestChannel, "Digest channel"},
	{FieldDigestTime, "Digest time"},
	{FieldPreparerReview, "Preparer may review"},
	{FieldDefaultService, "Default service"},
	{FieldVATRegistered, "VAT-registered"},
	{FieldVATNumber, "VAT number"},
	{FieldReducedVATRate, "Reduced VAT rate"},
	{FieldVATRounding, "VAT rounding"},
	{FieldPostalAddress, "Postal address"},
	{FieldLineGrouping, "Invoice lines"},
	{FieldBillingChannel, "Billing channel"},
	{FieldBillingRunDay, "Billing run day"},
	{FieldBankAccountName, "Bank account name"},
	{FieldBankSortCode, "Sort code"},
	{FieldBankAccountNumber, "Account number"},
	{FieldBankIBAN, "IBAN"},
	{FieldBankBIC, "BIC"},
	{FieldInvoiceFromEmail, "Invoices sent from"},
	{FieldInvoiceFromName, "Sender's name"},
	{FieldAutoSend, "Send on approval"},
}

// settingValues is every setting as text, for the audit trail and diffs.
func settingValues(p Practice, next int64) map[string]string {
	return map[string]string{
		FieldName:              p.Name,
		FieldTimezone:          p.Timezone,
		FieldCurrency:          p.Currency,
		FieldVATRate:           p.VATRate.StringFixed(2) + "%",
		FieldRoundingIncrement: fmt.Sprintf("%d min", p.RoundingIncrement),
		FieldRoundingMode:      p.RoundingMode,
		FieldTimerReminder:     fmt.Sprintf("%d h", p.TimerReminderHours),
		FieldInvoiceFormat:     p.InvoiceNumberFormat,
		FieldNextInvoiceNumber: strconv.FormatInt(next, 10),
		FieldPaymentTermsDays:  fmt.Sprintf("%d days", p.PaymentTermsDays),
		FieldDigestChannel:     noneIfEmpty(p.DigestChannel),
		FieldDigestTime:        p.DigestTime,
		FieldPreparerReview:    strconv.FormatBool(p.PreparerMayReview),
		FieldDefaultService:    defaultServiceText(p.DefaultServiceID),
		FieldVATRegistered:     strconv.FormatBool(p.VATRegistered),
		FieldVATNumber:         noneIfEmpty(p.VATNumber),
		FieldReducedVATRate:    p.ReducedVATRate.StringFixed(2) + "%",
		FieldVATRounding:       VATRoundingLabel(p.VATRounding),
		FieldPostalAddress:     noneIfEmpty(strings.ReplaceAll(p.PostalAddress, "\n", ", ")),
		FieldLineGrouping:      LineGroupingLabel(p.LineGrouping),
		FieldBillingChannel:    noneIfEmpty(p.BillingChannel),
		FieldBillingRunDay:     fmt.Sprintf("day %d", p.BillingRunDay),
		FieldBankAccountName:   noneIfEmpty(p.BankAccountName),
		FieldBankSortCode:      noneIfEmpty(p.BankSortCode),
		FieldBankAccountNumber: noneIfEmpty(p.BankAccountNumber),
		FieldBankIBAN:          noneIfEmpty(FormatIBAN(p.BankIBAN)),
		FieldBankBIC:           noneIfEmpty(p.BankBIC),
		FieldInvoiceFromEmail:  noneIfEmpty(p.InvoiceFromEmail),
		FieldInvoiceFromName:   noneIfEmpty(p.InvoiceFromName),
		FieldAutoSend:          strconv.FormatBool(p.AutoSend),
	}
}

func noneIfEmpty(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func defaultServiceText(id *int64) string {
	if id == nil {
		return "none"
	}
	return "service " + strconv.FormatInt(*id, 10)
}

// SettingsChanges lists the settings that differ between two states of a
// practice, in the modal's order.
func SettingsChanges(before Practice, nextBefore int64, after Practice, nextAfter int64) []SettingChange {
	a, b := settingValues(before, nextBefore), settingValues(after, nextAfter)
	var out []SettingChange
	for _, l := range settingLabels {
		if a[l.field] != b[l.field] {
			out = append(out, SettingChange{Field: l.field, Label: l.label, From: a[l.field], To: b[l.field]})
		}
	}
	return out
}
