package practice

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// Service is a kind of work the practice does: bookkeeping, payroll, VAT
// returns, advisory…
type Service struct {
	ID                int64
	Code              string
	Name              string
	CoveredByRetainer bool // a fixed fee covers it unless the client says otherwise
	Active            bool
	VATTreatment      string // VATStandard, VATReduced, VATZero, VATExempt or VATOutside
	// Billable is false for work never invoiced (internal work, training):
	// its time is logged non-billable.
	Billable bool
}

// serviceColumns are a Service's columns, in its fields' order.
const serviceColumns = `id, code, name, covered_by_retainer, active, vat_treatment, billable`

// VAT treatments of a service, and of each invoice line made from it.
const (
	VATStandard = "standard" // the practice's VAT rate
	VATReduced  = "reduced"  // the practice's reduced rate
	VATZero     = "zero"     // zero-rated: VAT at 0%, still a taxable supply
	VATExempt   = "exempt"   // exempt from VAT
	VATOutside  = "outside"  // outside the scope of VAT, such as a fee paid on the client's behalf
)

// VATTreatments lists the treatments, in the order people choose from.
var VATTreatments = []string{VATStandard, VATReduced, VATZero, VATExempt, VATOutside}

// VATTreatmentLabel names a treatment for people.
func VATTreatmentLabel(t string) string {
	switch t {
	case VATReduced:
		return "Reduced rate"
	case VATZero:
		return "Zero rated"
	case VATExempt:
		return "Exempt"
	case VATOutside:
		return "Outside the scope of VAT"
	}
	return "Standard rated"
}

// vatWords are the ways practice software and people write a treatment,
// after vatKey: Xero's tax rates ("Zero Rated Income", "No VAT"), HMRC's
// words and the codes themselves.
var vatWords = map[string]string{
	"standard": VATStandard, "standard rated": VATStandard, "standard rate": VATStandard, "sr": VATStandard,
	"reduced": VATReduced, "reduced rate": VATReduced, "reduced rated": VATReduced, "rr": VATReduced,
	"zero": VATZero, "zero rated": VATZero, "zero rate": VATZero, "zr": VATZero,
	"exempt": VATExempt, "vat exempt": VATExempt, "exempt from vat": VATExempt, "ex": VATExempt,
	"outside": VATOutside, "outside the scope": VATOutside, "outside the scope of vat": VATOutside,
	"outside scope": VATOutside, "out of scope": VATOutside, "no vat": VATOutside, "os": VATOutside,
}

// vatKey lowers a label, drops what is in brackets ("20% (VAT on Income)")
// and a trailing income or sales, and makes runs of spaces, _ and - one
// space.
func vatKey(s string) string {
	s = strings.ToLower(parenthetical.ReplaceAllString(s, " "))
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '_' || r == '-' || r == '\t' }), " ")
	for _, suffix := range []string{" income", " sales"} {
		s = strings.TrimSuffix(s, suffix)
	}
	return s
}

var parenthetical = regexp.MustCompile(`\([^)]*\)`)

// ParseVATTreatment reads a VAT treatment as people and practice software
// write it: standard, reduced, zero, exempt, outside, labels such as
// "Zero rated" or "Outside the scope", and a percentage (20% or 20), which
// is the treatment with that rate — 0% is zero rated, the practice's standard and
// reduced rates (percent) are those. Empty is standard. The error says how
// to write it.
func ParseVATTreatment(s string, standard, reduced decimal.Decimal) (string, error) {
	k := vatKey(s)
	if k == "" {
		return VATStandard, nil
	}
	if t, ok := vatWords[k]; ok {
		return t, nil
	}
	// A percentage, with or without its %.
	if pct := strings.TrimSpace(strings.TrimSuffix(k, "%")); pct != "" {
		if r, err := decimal.NewFromString(pct); err == nil {
			switch {
			case r.IsZero():
				return VATZero, nil
			case r.Equal(standard):
				return VATStandard, nil
			case r.Equal(reduced):
				return VATReduced, nil
			}
			return "", atlas.FieldError(FieldServiceVAT, "%q is not one of the practice's VAT rates (standard %s%%, reduced %s%%). Write standard, reduced, zero, exempt or outside.",
				strings.TrimSpace(s), standard.StringFixed(2), reduced.StringFixed(2))
		}
	}
	return "", atlas.FieldError(FieldServiceVAT, "%q is not a VAT treatment. Write standard, reduced, zero, exempt or outside (of the scope of VAT), or a label such as Zero rated.", strings.TrimSpace(s))
}

// Field names of the service form.
const (
	FieldServiceCode = "service_code"
	FieldServiceName = "service_name"
	FieldServiceVAT  = "service_vat"
)

// ServiceInput is a service to save.
type ServiceInput struct {
	Code, Name        string
	CoveredByRetainer bool
	// VATTreatment is one of VATTreatments; empty keeps an existing
	// service's, and makes a new one standard rated.
	VATTreatment string
	// Billable, when set, says whether the service's time is billed; nil
	// keeps an existing service's, and makes a new one billable.
	Billable *bool
}

// SaveService creates a service, or updates the one with the same code,
// leaving its VAT treatment and whether it is billable as they are (a new
// one is standard rated and billable).
func (s Store) SaveService(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, code, name string, covered bool) (Service, error) {
	return s.PutService(ctx, pid, actor, ServiceInput{Code: code, Name: name, CoveredByRetainer: covered})
}

// PutService creates a service, or updates the one with the same code
// (making it active again).
func (s Store) PutService(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, in ServiceInput) (Service, error) {
	code := strings.ToUpper(strings.TrimSpace(in.Code))
	name := strings.TrimSpace(in.Name)
	if !codePattern.MatchString(code) {
		return Service{}, atlas.FieldError(FieldServiceCode, "%q is not a service code. Use 1 to 20 letters, digits, - or _, such as PAYROLL.", code)
	}
	if name == "" || len(name) > 100 {
		return Service{}, atlas.FieldError(FieldServiceName, "Give the service a name (up to 100 characters), such as Payroll.")
	}
	vat := strings.ToLower(strings.TrimSpace(in.VATTreatment))
	if vat != "" && !slices.Contains(VATTreatments, vat) {
		return Service{}, atlas.FieldError(FieldServiceVAT, "%q is not a VAT treatment. Use standard, reduced, zero, exempt or outside.", in.VATTreatment)
	}
	var sv Service
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			WITH upd AS (
				UPDATE services SET name = $3, covered_by_retainer = $4, active = true,
				       vat_treatment = coalesce(nullif($5, ''), vat_treatment), billable = coalesce($6, billable), updated_at = now()
				WHERE practice_id = $1 AND lower(code) = lower($2) RETURNING `+serviceColumns+`
			), ins AS (
				INSERT INTO services (practice_id, code, name, covered_by_retainer, vat_treatment, billable)
				SELECT $1, $2, $3, $4, coalesce(nullif($5, ''), 'standard'), coalesce($6, true) WHERE NOT EXISTS (SELECT 1 FROM upd)
				RETURNING `+serviceColumns+`
			)
			SELECT * FROM upd UNION ALL SELECT * FROM ins`, pid, code, name, in.CoveredByRetainer, vat, in.Billable).
			Scan(&sv.ID, &sv.Code, &sv.Name, &sv.CoveredByRetainer, &sv.Active, &sv.VATTreatment, &sv.Billable)
		if err != nil {
			return db.MapError(err, "")
		}
		return Audit(ctx, tx, pid, actor, "service.save", "service", sv.ID, map[string]any{"code": code, "name": name,
			"covered": in.CoveredByRetainer, "vat_treatment": sv.VATTreatment, "billable": sv.Billable})
	})
	return sv, err
}

// Services lists the active services by name.
func (s Store) Services(ctx context.Context, pid atlas.PracticeID) ([]Service, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+serviceColumns+` FROM services
		WHERE practice_id = $1 AND active ORDER BY lower(name), id`, pid)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Service])
}

// LookupService finds an active service by code or (case-insensitive) name.
func (s Store) LookupService(ctx context.Context, pid atlas.PracticeID, text string) (Service, error) {
	var sv Service
	err := s.DB.QueryRow(ctx, `SELECT `+serviceColumns+` FROM services
		WHERE practice_id = $1 AND active AND (lower(code) = lower($2) OR lower(name) = lower($2))
		ORDER BY lower(code) = lower($2) DESC LIMIT 1`, pid, strings.TrimSpace(text)).
		Scan(&sv.ID, &sv.Code, &sv.Name, &sv.CoveredByRetainer, &sv.Active, &sv.VATTreatment, &sv.Billable)
	if err != nil {
		return sv, db.MapError(err, "No service called \""+strings.TrimSpace(text)+"\". `/atlas services` lists them.")
	}
	return sv, nil
}

// SetDefaultService makes a service the one time goes to when a /log line
// names none (nil for none, and then Atlas asks).
func (s Store) SetDefaultService(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, id *int64) (Practice, error) {
	var p Practice
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		var err error
		p, err = scanPractice(tx.QueryRow(ctx, `UPDATE practices SET default_service_id = $2, updated_at = now()
			WHERE id = $1 RETURNING `+practiceColumns, pid, id))
		if err != nil {
			return db.MapError(err, "This workspace has no practice yet.")
		}
		return Audit(ctx, tx, pid, actor, "practice.default_service", "practice", 0, map[string]any{"service": id})
	})
	return p, err
}
