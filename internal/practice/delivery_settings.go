package practice

import (
	"context"
	"math/big"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// Delivery settings: how the practice's invoices reach its clients and how
// clients pay them. They are a form of their own rather than more fields of
// BillingSettings: a save of the billing settings form, which does not show
// them, would otherwise blank the bank details.

// Block ids of the delivery settings fields, shared with the modal so a
// validation error lands on the right field.
const (
	FieldBankAccountName   = "bank_account_name"
	FieldBankSortCode      = "bank_sort_code"
	FieldBankAccountNumber = "bank_account_number"
	FieldBankIBAN          = "bank_iban"
	FieldBankBIC           = "bank_bic"
	FieldInvoiceFromEmail  = "invoice_from_email"
	FieldInvoiceFromName   = "invoice_from_name"
	FieldAutoSend          = "auto_send"
)

// Limits of the names printed on invoices and in the From of their email.
const (
	MaxBankAccountName = 100
	MaxFromName        = 100
)

// DeliverySettings are the practice's delivery settings as typed in the
// delivery settings modal: text, checked and converted by Validate. Every
// bank field is optional; those given are printed under "Bank details".
type DeliverySettings struct {
	BankAccountName   string
	BankSortCode      string // 20-45-77, 204577 or 20 45 77
	BankAccountNumber string
	BankIBAN          string // spaces allowed, as banks print it
	BankBIC           string
	InvoiceFromEmail  string // "" = the server's SMTP_FROM
	InvoiceFromName   string // "" = the practice's name
	AutoSend          bool   // an approved invoice goes to the client at once
}

// DeliverySettingsOf returns a practice's delivery settings as the modal
// shows them.
func DeliverySettingsOf(p Practice) DeliverySettings {
	return DeliverySettings{
		BankAccountName: p.BankAccountName, BankSortCode: p.BankSortCode, BankAccountNumber: p.BankAccountNumber,
		BankIBAN: FormatIBAN(p.BankIBAN), BankBIC: p.BankBIC, InvoiceFromEmail: p.InvoiceFromEmail,
		InvoiceFromName: p.InvoiceFromName, AutoSend: p.AutoSend,
	}
}

var (
	bicPattern     = regexp.MustCompile(`^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$`)
	ibanShape      = regexp.MustCompile(`^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$`)
	digitsOnly     = regexp.MustCompile(`^[0-9]+$`)
	bankSeparators = strings.NewReplacer(" ", "", "-", "", "\u00a0", "")
)

// Validate checks the delivery settings and returns the practice's delivery
// fields as they will be saved. All the fields in error come back at once,
// as atlas.FieldErrors, in the modal's order.
func (d DeliverySettings) Validate() (Practice, error) {
	var p Practice
	var errs atlas.FieldErrors
	bad := func(field, format string, args ...any) { errs = append(errs, atlas.FieldError(field, format, args...)) }

	p.BankAccountName = strings.Join(strings.Fields(d.BankAccountName), " ")
	if utf8.RuneCountInString(p.BankAccountName) > MaxBankAccountName {
		bad(FieldBankAccountName, "The account name is too long: give it as the bank has it, up to %d characters, such as Ledgerline & Co Ltd.", MaxBankAccountName)
	}
	typed := func(s string) bool { return strings.TrimSpace(s) != "" }
	if sc := bankSeparators.Replace(strings.TrimSpace(d.BankSortCode)); sc != "" {
		if len(sc) != 6 || !digitsOnly.MatchString(sc) {
			bad(FieldBankSortCode, "%q is not a sort code. Give its six digits, such as 20-45-77.", strings.TrimSpace(d.BankSortCode))
		} else {
			p.BankSortCode = sc[0:2] + "-" + sc[2:4] + "-" + sc[4:6]
		}
	}
	if an := bankSeparators.Replace(strings.TrimSpace(d.BankAccountNumber)); an != "" {
		// UK account numbers are 8 digits; a few banks use 6, 7, 9 or 10,
		// which clients' banking apps take as they are.
		if len(an) < 6 || len(an) > 10 || !digitsOnly.MatchString(an) {
			bad(FieldBankAccountNumber, "%q is not an account number. Give its digits, usually 8, such as 43218765.", strings.TrimSpace(d.BankAccountNumber))
		} else {
			p.BankAccountNumber = an
		}
	}
	if typed(d.BankSortCode) != typed(d.BankAccountNumber) {
		field := FieldBankAccountNumber
		if !typed(d.BankSortCode) {
			field = FieldBankSortCode
		}
		bad(field, "A client paying by UK transfer needs both the sort code and the account number: give both, or neither.")
	}
	if iban := strings.ToUpper(bankSeparators.Replace(strings.TrimSpace(d.BankIBAN))); iban != "" {
		if !ValidIBAN(iban) {
			bad(FieldBankIBAN, "%q is not an IBAN: its check digits do not match. Copy it from a bank statement, such as GB33 BUKB 2045 7743 2187 65.", strings.TrimSpace(d.BankIBAN))
		} else {
			p.BankIBAN = iban
		}
	}
	if bic := strings.ToUpper(bankSeparators.Replace(strings.TrimSpace(d.BankBIC))); bic != "" {
		if !bicPattern.MatchString(bic) {
			bad(FieldBankBIC, "%q is not a BIC (SWIFT code). Give its 8 or 11 letters and digits, such as BUKBGB22.", strings.TrimSpace(d.BankBIC))
		} else {
			p.BankBIC = bic
		}
	}
	if from := strings.TrimSpace(d.InvoiceFromEmail); from != "" {
		if a, err := mail.ParseAddress(from); err != nil || a.Address != from || !strings.Contains(a.Address[strings.IndexByte(a.Address, '@'):], ".") {
			bad(FieldInvoiceFromEmail, "%q is not an email address. Write it like accounts@ledgerline.co.uk, or leave it empty to send from Atlas's own address.", from)
		} else {
			p.InvoiceFromEmail = from
		}
	}
	p.InvoiceFromName = strings.Join(strings.Fields(d.InvoiceFromName), " ")
	if utf8.RuneCountInString(p.InvoiceFromName) > MaxFromName {
		bad(FieldInvoiceFromName, "The sender's name is too long: keep it to %d characters, such as Ledgerline Accounts.", MaxFromName)
	}
	p.AutoSend = d.AutoSend
	if len(errs) > 0 {
		return p, errs
	}
	return p, nil
}

// ValidIBAN reports whether s, in capitals without spaces, is shaped like
// an IBAN and its check digits hold (ISO 13616: the number, its first four
// characters moved to the end and letters read as 10 to 35, leaves 1 when
// divided by 97). The check catches a mistyped or transposed character,
// which would send a client's payment nowhere.
func ValidIBAN(s string) bool {
	if !ibanShape.MatchString(s) {
		return false
	}
	var digits strings.Builder
	for _, r := range s[4:] + s[:4] {
		if r >= 'A' && r <= 'Z' {
			digits.WriteString(strconv.Itoa(int(r-'A') + 10))
		} else {
			digits.WriteRune(r)
		}
	}
	n, ok := new(big.Int).SetString(digits.String(), 10)
	return ok && new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

// FormatIBAN writes an IBAN in groups of four, as banks print it: GB33
// BUKB 2045 7743 2187 65.
func FormatIBAN(iban string) string {
	var b strings.Builder
	for i, r := range iban {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// SaveDeliverySettings stores the practice's delivery settings, leaving
// the others as they are. Nothing is saved when any field is wrong; the
// audit event lists what changed.
func (s Store) SaveDeliverySettings(ctx context.Context, id atlas.PracticeID, actor atlas.MemberID, in DeliverySettings) (Practice, error) {
	v, err := in.Validate()
	if err != nil {
		return Practice{}, err
	}
	return s.saveSettingsGroup(ctx, id, actor, "practice.delivery_settings", func(tx pgx.Tx) pgx.Row {
		return tx.QueryRow(ctx, `
			UPDATE practices SET bank_account_name = $2, bank_sort_code = $3, bank_account_number = $4, bank_iban = $5,
			       bank_bic = $6, invoice_from_email = $7, invoice_from_name = $8, auto_send = $9, updated_at = now()
			 WHERE id = $1 RETURNING `+practiceColumns,
			id, v.BankAccountName, v.BankSortCode, v.BankAccountNumber, v.BankIBAN, v.BankBIC,
			nullIfEmpty(v.InvoiceFromEmail), v.InvoiceFromName, v.AutoSend)
	})
}

// How a client takes its invoices.
const (
	DeliveryEmail  = "email"  // by email to its billing address, the default
	DeliveryPortal = "portal" // in the client portal only
	DeliveryBoth   = "both"   // by email and in the portal
)

// FieldCCEmails and FieldDeliveryMethod are the client form's block ids
// of the delivery fields.
const (
	FieldCCEmails       = "cc_emails"
	FieldDeliveryMethod = "delivery_method"
)

// MaxCCEmails is how many addresses may be copied on a client's invoices.
const MaxCCEmails = 10

// validDeliveryMethod reads a delivery method.
func validDeliveryMethod(s string) (string, error) {
	m := norm(s, DeliveryEmail)
	switch m {
	case DeliveryEmail, DeliveryPortal, DeliveryBoth:
		return m, nil
	}
	return m, atlas.FieldError(FieldDeliveryMethod, "%q is not a way to deliver invoices. Choose email, portal or both.", strings.TrimSpace(s))
}

// validCCEmails reads the addresses copied on a client's invoices: written
// one a line, or separated by commas or semicolons; repeats dropped.
func validCCEmails(s string) ([]string, error) {
	out := []string{}
	for _, a := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' || r == ' ' }) {
		addr, err := mail.ParseAddress(a)
		if err != nil || addr.Address != a || !strings.Contains(a[strings.IndexByte(a, '@'):], ".") {
			return nil, atlas.FieldError(FieldCCEmails, "%q is not an email address. Give each copy's address, separated by commas, such as director@acme.co.uk, books@acme.co.uk.", a)
		}
		if !containsFold(out, a) {
			out = append(out, a)
		}
	}
	if len(out) > MaxCCEmails {
		return nil, atlas.FieldError(FieldCCEmails, "That is %d addresses: copy invoices to at most %d.", len(out), MaxCCEmails)
	}
	return out, nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
