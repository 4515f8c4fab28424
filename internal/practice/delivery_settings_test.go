package practice_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/practice"
)

func goodDelivery() practice.DeliverySettings {
	return practice.DeliverySettings{
		BankAccountName: "  Ledgerline  & Co Ltd ", BankSortCode: "20 45 77", BankAccountNumber: "4321-8765",
		BankIBAN: "gb33 bukb 2045 7743 2187 65", BankBIC: "bukbgb22", InvoiceFromEmail: " accounts@ledgerline.example ",
		InvoiceFromName: " Ledgerline  Accounts ", AutoSend: true,
	}
}

func TestDeliverySettingsValidation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		edit  func(*practice.DeliverySettings)
		field string
		want  string
	}{
		{"sort code too short", func(d *practice.DeliverySettings) { d.BankSortCode = "20-45-7" }, practice.FieldBankSortCode,
			`"20-45-7" is not a sort code. Give its six digits, such as 20-45-77.`},
		{"sort code letters", func(d *practice.DeliverySettings) { d.BankSortCode = "AB-CD-EF" }, practice.FieldBankSortCode, "six digits"},
		{"account number letters", func(d *practice.DeliverySettings) { d.BankAccountNumber = "4321876X" }, practice.FieldBankAccountNumber,
			`"4321876X" is not an account number. Give its digits, usually 8`},
		{"account number too long", func(d *practice.DeliverySettings) { d.BankAccountNumber = "12345678901" }, practice.FieldBankAccountNumber, "usually 8"},
		{"sort code without account", func(d *practice.DeliverySettings) { d.BankAccountNumber = " " }, practice.FieldBankAccountNumber,
			"needs both the sort code and the account number"},
		{"account without sort code", func(d *practice.DeliverySettings) { d.BankSortCode = "" }, practice.FieldBankSortCode, "give both, or neither"},
		{"IBAN check digits", func(d *practice.DeliverySettings) { d.BankIBAN = "GB34 BUKB 2045 7743 2187 65" }, practice.FieldBankIBAN,
			`"GB34 BUKB 2045 7743 2187 65" is not an IBAN: its check digits do not match`},
		{"IBAN transposed", func(d *practice.DeliverySettings) { d.BankIBAN = "GB33 BUKB 2045 7743 2178 65" }, practice.FieldBankIBAN, "check digits"},
		{"IBAN too short", func(d *practice.DeliverySettings) { d.BankIBAN = "GB33" }, practice.FieldBankIBAN, "not an IBAN"},
		{"BIC length", func(d *practice.DeliverySettings) { d.BankBIC = "BUKBGB2" }, practice.FieldBankBIC, `"BUKBGB2" is not a BIC (SWIFT code)`},
		{"BIC digits in the bank code", func(d *practice.DeliverySettings) { d.BankBIC = "BUK1GB22" }, practice.FieldBankBIC, "8 or 11"},
		{"account name too long", func(d *practice.DeliverySettings) { d.BankAccountName = strings.Repeat("x", 101) }, practice.FieldBankAccountName, "up to 100"},
		{"from not an address", func(d *practice.DeliverySettings) { d.InvoiceFromEmail = "accounts at ledgerline" }, practice.FieldInvoiceFromEmail,
			`"accounts at ledgerline" is not an email address`},
		{"from with a name", func(d *practice.DeliverySettings) { d.InvoiceFromEmail = "Accounts <a@ledgerline.example>" }, practice.FieldInvoiceFromEmail,
			"Write it like accounts@ledgerline.co.uk"},
		{"from without a dot", func(d *practice.DeliverySettings) { d.InvoiceFromEmail = "a@localhost" }, practice.FieldInvoiceFromEmail, "not an email address"},
		{"from name too long", func(d *practice.DeliverySettings) { d.InvoiceFromName = strings.Repeat("x", 101) }, practice.FieldInvoiceFromName, "100 characters"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			d := goodDelivery()
			c.edit(&d)
			_, err := d.Validate()
			var fe atlas.FieldErrors
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want FieldErrors", err)
			}
			got := fe.Fields()
			if len(got) != 1 || !strings.Contains(got[c.field], c.want) {
				t.Fatalf("errors %v, want only %q on %q", got, c.want, c.field)
			}
		})
	}

	p, err := goodDelivery().Validate()
	if err != nil {
		t.Fatal(err)
	}
	if p.BankAccountName != "Ledgerline & Co Ltd" || p.BankSortCode != "20-45-77" || p.BankAccountNumber != "43218765" ||
		p.BankIBAN != "GB33BUKB20457743218765" || p.BankBIC != "BUKBGB22" || p.InvoiceFromEmail != "accounts@ledgerline.example" ||
		p.InvoiceFromName != "Ledgerline Accounts" || !p.AutoSend {
		t.Fatalf("good delivery settings normalised to %+v", p)
	}
	// Everything is optional.
	if p, err := (practice.DeliverySettings{}).Validate(); err != nil || p.BankIBAN != "" || p.AutoSend {
		t.Fatalf("empty settings: %+v %v", p, err)
	}
	// Every wrong field at once.
	all := practice.DeliverySettings{BankSortCode: "x", BankAccountNumber: "x", BankIBAN: "x", BankBIC: "x", InvoiceFromEmail: "x"}
	_, err = all.Validate()
	var fe atlas.FieldErrors
	if !errors.As(err, &fe) || len(fe.Fields()) != 5 {
		t.Fatalf("all wrong: %v", err)
	}
}

func TestValidIBAN(t *testing.T) {
	t.Parallel()
	for iban, want := range map[string]bool{
		"GB33BUKB20457743218765":      true,  // the example HMRC and banks print
		"GB82WEST12345698765432":      true,  // ISO 13616's example
		"DE89370400440532013000":      true,  // a German one
		"IE29AIBK93115212345678":      true,  // an Irish one
		"GB82WEST12345698765423":      false, // two digits swapped
		"GB00BUKB20457743218765":      false,
		"GB33 BUKB 2045 7743 2187 65": false, // spaces are taken out before
		"":                            false,
	} {
		if got := practice.ValidIBAN(iban); got != want {
			t.Errorf("ValidIBAN(%q) = %v, want %v", iban, got, want)
		}
	}
	if got := practice.FormatIBAN("GB33BUKB20457743218765"); got != "GB33 BUKB 2045 7743 2187 65" {
		t.Errorf("FormatIBAN: %q", got)
	}
}

func TestSaveDeliverySettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := pgtest.Tx(t)
	s := practice.Store{DB: tx}
	before, err := s.Ensure(ctx, "TDS1")
	if err != nil {
		t.Fatal(err)
	}
	if before.AutoSend || before.BankIBAN != "" || before.InvoiceFromEmail != "" {
		t.Fatalf("defaults: %+v", before)
	}
	admin, _ := s.AddMember(ctx, "TDS1", 0, practice.NewMember{SlackUserID: "UA1", Name: "Ada", Role: atlas.RoleAdmin})

	bad := goodDelivery()
	bad.BankIBAN = "GB00 0000"
	if _, err := s.SaveDeliverySettings(ctx, "TDS1", admin.ID, bad); atlas.ErrorField(err) != practice.FieldBankIBAN {
		t.Fatalf("bad IBAN: %v", err)
	}
	if p, _ := s.Get(ctx, "TDS1"); p.BankSortCode != "" {
		t.Fatalf("a rejected save changed the practice: %+v", p)
	}
	p, err := s.SaveDeliverySettings(ctx, "TDS1", admin.ID, goodDelivery())
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get(ctx, "TDS1")
	if practice.DeliverySettingsOf(got) != practice.DeliverySettingsOf(p) || got.BankIBAN != "GB33BUKB20457743218765" || !got.AutoSend ||
		practice.DeliverySettingsOf(got).BankIBAN != "GB33 BUKB 2045 7743 2187 65" {
		t.Fatalf("saved %+v, read back %+v", p, got)
	}
	var to string
	if err := tx.QueryRow(ctx, `SELECT data->'changed'->'bank_iban'->>'to' FROM audit_events
		WHERE practice_id = 'TDS1' AND action = 'practice.delivery_settings'`).Scan(&to); err != nil || to != "GB33 BUKB 2045 7743 2187 65" {
		t.Fatalf("audit: %q %v", to, err)
	}
	// The billing settings form, which does not show them, leaves them be.
	if p, err := s.SaveBillingSettings(ctx, "TDS1", admin.ID, goodBilling()); err != nil || p.BankSortCode != "20-45-77" || !p.AutoSend {
		t.Fatalf("after the billing settings: %+v %v", p, err)
	}
}

// A client's copies and delivery method: checked, kept when a form that
// does not show them saves the client, and the portal refused until it
// exists.
func TestEntityDelivery(t *testing.T) {
	t.Parallel()
	ptr := func(s string) *string { return &s }
	cases := []struct {
		name     string
		cc, how  *string
		field    string
		want     string
		wantCC   []string
		wantHow  string
		wantNone bool
	}{
		{name: "left out", wantNone: true},
		{name: "copies", cc: ptr(" director@acme.example, books@acme.example;\nDirector@acme.example "), how: ptr(""),
			wantCC: []string{"director@acme.example", "books@acme.example"}, wantHow: practice.DeliveryEmail},
		{name: "no copies", cc: ptr(""), how: ptr("Email"), wantCC: []string{}, wantHow: practice.DeliveryEmail},
		{name: "portal", how: ptr("Portal"), wantCC: nil, wantHow: practice.DeliveryPortal},
		{name: "both", how: ptr("both"), wantCC: nil, wantHow: practice.DeliveryBoth},
		{name: "carrier pigeon", how: ptr("pigeon"), field: practice.FieldDeliveryMethod, want: `"pigeon" is not a way to deliver invoices`},
		{name: "bad copy", cc: ptr("books@acme.example, director at acme"), field: practice.FieldCCEmails, want: `"director" is not an email address`},
		{name: "too many copies", cc: ptr("a1@b.example,a2@b.example,a3@b.example,a4@b.example,a5@b.example,a6@b.example,a7@b.example,a8@b.example,a9@b.example,a10@b.example,a11@b.example"),
			field: practice.FieldCCEmails, want: "at most 10"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			in := goodEntity()
			in.CCEmails, in.DeliveryMethod = c.cc, c.how
			e, err := in.Validate()
			if c.field != "" {
				if atlas.ErrorField(err) != c.field || !strings.Contains(atlas.ErrorMessage(err), c.want) {
					t.Fatalf("got %v, want %q on %s", err, c.want, c.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.wantNone {
				if e.CCEmails != nil || e.DeliveryMethod != "" {
					t.Fatalf("left out, read as %q %q", e.CCEmails, e.DeliveryMethod)
				}
				return
			}
			if strings.Join(e.CCEmails, "|") != strings.Join(c.wantCC, "|") || e.DeliveryMethod != c.wantHow {
				t.Fatalf("read as %q %q", e.CCEmails, e.DeliveryMethod)
			}
		})
	}

	ctx := context.Background()
	s := practice.Store{DB: pgtest.Tx(t)}
	if _, err := s.Ensure(ctx, "TED1"); err != nil {
		t.Fatal(err)
	}
	in := goodEntity()
	e, err := s.SaveEntity(ctx, "TED1", 0, 0, in)
	if err != nil || len(e.CCEmails) != 0 || e.DeliveryMethod != practice.DeliveryEmail {
		t.Fatalf("a new client without the delivery fields: %+v %v", e, err)
	}
	in.CCEmails = ptr("director@acme.example")
	if e, err = s.SaveEntity(ctx, "TED1", 0, e.ID, in); err != nil || strings.Join(e.CCEmails, ",") != "director@acme.example" {
		t.Fatalf("copies saved: %+v %v", e, err)
	}
	in.CCEmails, in.Name = nil, "Acme Trading Limited"
	if e, err = s.SaveEntity(ctx, "TED1", 0, e.ID, in); err != nil || strings.Join(e.CCEmails, ",") != "director@acme.example" || e.Name != "Acme Trading Limited" {
		t.Fatalf("a save without the copies kept %+v %v", e, err)
	}
}
