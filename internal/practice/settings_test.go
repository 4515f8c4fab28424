package practice_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/practice"
)

func goodSettings() practice.Settings {
	return practice.Settings{
		Name: " Ledgerline ", Timezone: "Europe/Dublin", Currency: "eur", VATRate: "23%",
		RoundingIncrement: "15", RoundingMode: "nearest", InvoiceNumberFormat: "LL/{yy}{MM}/{SEQ:5}",
		NextInvoiceNumber: "120", PaymentTermsDays: "30", DigestChannel: "C0DIGEST", DigestTime: "7:30",
		TimerReminderHours: "8", PreparerMayReview: true,
	}
}

func TestSettingsValidation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		edit  func(*practice.Settings)
		field string
		want  string // part of the message
	}{
		{"no name", func(s *practice.Settings) { s.Name = " " }, practice.FieldName, "Give the practice a name"},
		{"name too long", func(s *practice.Settings) { s.Name = strings.Repeat("x", 101) }, practice.FieldName, "up to 100"},
		{"unknown timezone", func(s *practice.Settings) { s.Timezone = "Mars/Olympus" }, practice.FieldTimezone, "not a timezone"},
		{"empty timezone", func(s *practice.Settings) { s.Timezone = "" }, practice.FieldTimezone, "not a timezone"},
		{"Local is not a zone", func(s *practice.Settings) { s.Timezone = "Local" }, practice.FieldTimezone, "not a timezone"},
		{"unknown currency", func(s *practice.Settings) { s.Currency = "XYZ" }, practice.FieldCurrency, "not a currency"},
		{"currency too long", func(s *practice.Settings) { s.Currency = "EURO" }, practice.FieldCurrency, "not a currency"},
		{"negative VAT", func(s *practice.Settings) { s.VATRate = "-1" }, practice.FieldVATRate, "not a VAT rate"},
		{"VAT 100", func(s *practice.Settings) { s.VATRate = "100" }, practice.FieldVATRate, "not a VAT rate"},
		{"VAT too precise", func(s *practice.Settings) { s.VATRate = "20.125" }, practice.FieldVATRate, "not a VAT rate"},
		{"rounding 0", func(s *practice.Settings) { s.RoundingIncrement = "0" }, practice.FieldRoundingIncrement, "1 to 60"},
		{"rounding 61", func(s *practice.Settings) { s.RoundingIncrement = "61" }, practice.FieldRoundingIncrement, "1 to 60"},
		{"rounding fraction", func(s *practice.Settings) { s.RoundingIncrement = "7.5" }, practice.FieldRoundingIncrement, "1 to 60"},
		{"rounding empty", func(s *practice.Settings) { s.RoundingIncrement = "" }, practice.FieldRoundingIncrement, "1 to 60"},
		{"rounding mode", func(s *practice.Settings) { s.RoundingMode = "down" }, practice.FieldRoundingMode, "up, nearest or none"},
		{"format without SEQ", func(s *practice.Settings) { s.InvoiceNumberFormat = "INV-{YYYY}" }, practice.FieldInvoiceFormat, "has no {SEQ}"},
		{"format with two SEQ", func(s *practice.Settings) { s.InvoiceNumberFormat = "{SEQ}-{SEQ:3}" }, practice.FieldInvoiceFormat, "more than once"},
		{"format unknown token", func(s *practice.Settings) { s.InvoiceNumberFormat = "INV-{DD}-{SEQ}" }, practice.FieldInvoiceFormat, "{DD} is not a token"},
		{"format SEQ:0", func(s *practice.Settings) { s.InvoiceNumberFormat = "INV-{SEQ:0}" }, practice.FieldInvoiceFormat, "{SEQ:0} is not a token"},
		{"format SEQ:10", func(s *practice.Settings) { s.InvoiceNumberFormat = "INV-{SEQ:10}" }, practice.FieldInvoiceFormat, "{SEQ:10} is not a token"},
		{"format unclosed", func(s *practice.Settings) { s.InvoiceNumberFormat = "INV-{SEQ" }, practice.FieldInvoiceFormat, "without its }"},
		{"format stray brace", func(s *practice.Settings) { s.InvoiceNumberFormat = "INV}-{SEQ}" }, practice.FieldInvoiceFormat, "without its {"},
		{"format with a space", func(s *practice.Settings) { s.InvoiceNumberFormat = "INV {SEQ}" }, practice.FieldInvoiceFormat, "cannot contain spaces"},
		{"format empty", func(s *practice.Settings) { s.InvoiceNumberFormat = " " }, practice.FieldInvoiceFormat, "Give an invoice number format"},
		{"format too long", func(s *practice.Settings) { s.InvoiceNumberFormat = strings.Repeat("A", 40) + "{SEQ}" }, practice.FieldInvoiceFormat, "too long"},
		{"next number 0", func(s *practice.Settings) { s.NextInvoiceNumber = "0" }, practice.FieldNextInvoiceNumber, "from 1 to"},
		{"next number text", func(s *practice.Settings) { s.NextInvoiceNumber = "ten" }, practice.FieldNextInvoiceNumber, "from 1 to"},
		{"next number huge", func(s *practice.Settings) { s.NextInvoiceNumber = "1000000000" }, practice.FieldNextInvoiceNumber, "from 1 to"},
		{"terms negative", func(s *practice.Settings) { s.PaymentTermsDays = "-1" }, practice.FieldPaymentTermsDays, "0 to 365"},
		{"terms 366", func(s *practice.Settings) { s.PaymentTermsDays = "366" }, practice.FieldPaymentTermsDays, "0 to 365"},
		{"digest channel not a channel", func(s *practice.Settings) { s.DigestChannel = "UADMIN1" }, practice.FieldDigestChannel, "Pick the digest's channel"},
		{"digest time", func(s *practice.Settings) { s.DigestTime = "25:00" }, practice.FieldDigestTime, "not a time of day"},
		{"digest time empty", func(s *practice.Settings) { s.DigestTime = "" }, practice.FieldDigestTime, "not a time of day"},
		{"reminder 0", func(s *practice.Settings) { s.TimerReminderHours = "0" }, practice.FieldTimerReminder, "1 to 72"},
		{"reminder 73", func(s *practice.Settings) { s.TimerReminderHours = "73" }, practice.FieldTimerReminder, "1 to 72"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := goodSettings()
			c.edit(&s)
			_, _, err := s.Validate()
			var fe atlas.FieldErrors
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want FieldErrors", err)
			}
			got := fe.Fields()
			if len(got) != 1 || !strings.Contains(got[c.field], c.want) {
				t.Fatalf("errors %v, want only %q on %q", got, c.want, c.field)
			}
			// Code that knows single errors sees the same field.
			if atlas.ErrorCode(err) != atlas.EInvalid || atlas.ErrorField(err) != c.field {
				t.Fatalf("ErrorCode/ErrorField = %s/%s", atlas.ErrorCode(err), atlas.ErrorField(err))
			}
		})
	}

	p, next, err := goodSettings().Validate()
	if err != nil {
		t.Fatalf("good settings: %v", err)
	}
	if p.Name != "Ledgerline" || p.Currency != "EUR" || p.VATRate.String() != "23" || p.RoundingIncrement != 15 ||
		p.RoundingMode != "nearest" || p.InvoiceNumberFormat != "LL/{YY}{MM}/{SEQ:5}" || next != 120 ||
		p.PaymentTermsDays != 30 || p.DigestChannel != "C0DIGEST" || p.DigestTime != "07:30" || p.TimerReminderHours != 8 || !p.PreparerMayReview {
		t.Fatalf("good settings normalised to %+v, next %d", p, next)
	}
	none := goodSettings()
	none.RoundingMode, none.DigestChannel = "none", ""
	if _, _, err := none.Validate(); err != nil {
		t.Fatalf("exact minutes and no digest: %v", err)
	}
}

func TestSettingsValidationReportsEveryField(t *testing.T) {
	t.Parallel()
	s := goodSettings()
	s.Timezone, s.VATRate, s.RoundingIncrement, s.InvoiceNumberFormat = "Mars/Olympus", "-1", "0", "INV-{YYYY}"
	_, _, err := s.Validate()
	var fe atlas.FieldErrors
	if !errors.As(err, &fe) {
		t.Fatalf("got %v, want FieldErrors", err)
	}
	got := fe.Fields()
	for _, f := range []string{practice.FieldTimezone, practice.FieldVATRate, practice.FieldRoundingIncrement, practice.FieldInvoiceFormat} {
		if got[f] == "" {
			t.Errorf("no error on %s: %v", f, got)
		}
	}
	if len(got) != 4 {
		t.Errorf("errors on %d fields, want 4: %v", len(got), got)
	}
	if fe[0].Field != practice.FieldTimezone {
		t.Errorf("first error on %s, want the first field in the form (timezone)", fe[0].Field)
	}
}

func TestFormatInvoiceNumber(t *testing.T) {
	t.Parallel()
	on := time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		format string
		seq    int64
		want   string
	}{
		{"INV-{YYYY}-{SEQ:4}", 7, "INV-2026-0007"},
		{"{YY}{MM}{SEQ}", 12, "260312"},
		{"A{SEQ:2}", 12345, "A12345"},
		{"{SEQ:9}", 1, "000000001"},
		{"LL/{YY}/{SEQ:1}", 3, "LL/26/3"},
	}
	for _, c := range cases {
		f, err := practice.ValidInvoiceNumberFormat(c.format)
		if err != nil {
			t.Fatalf("%s: %v", c.format, err)
		}
		if got := practice.FormatInvoiceNumber(f, c.seq, on); got != c.want {
			t.Errorf("FormatInvoiceNumber(%q, %d) = %q, want %q", c.format, c.seq, got, c.want)
		}
	}
}

func TestSaveSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := pgtest.Tx(t)
	s := practice.Store{DB: tx}
	if _, err := s.Ensure(ctx, "TPS1"); err != nil {
		t.Fatal(err)
	}
	admin, err := s.AddMember(ctx, "TPS1", 0, practice.NewMember{SlackUserID: "UA1", Name: "Ada", Role: atlas.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.NextInvoiceNumber(ctx, "TPS1"); err != nil || n != 1 {
		t.Fatalf("next invoice number before any counter = %d (%v), want 1", n, err)
	}

	// A bad field saves nothing.
	bad := goodSettings()
	bad.TimerReminderHours = "100"
	if _, err := s.SaveSettings(ctx, "TPS1", admin.ID, bad); atlas.ErrorField(err) != practice.FieldTimerReminder {
		t.Fatalf("bad reminder: %v", err)
	}
	if p, _ := s.Get(ctx, "TPS1"); p.Name != "" || p.SetUp() {
		t.Fatalf("a rejected save changed the practice: %+v", p)
	}

	p, err := s.SaveSettings(ctx, "TPS1", admin.ID, goodSettings())
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "TPS1")
	if err != nil || practice.SettingsOf(got, 0) != practice.SettingsOf(p, 0) || !got.SetUpAt.Equal(*p.SetUpAt) {
		t.Fatalf("saved %+v, read back %+v (%v)", p, got, err)
	}
	if p.Name != "Ledgerline" || p.Timezone != "Europe/Dublin" || p.Currency != "EUR" || p.VATRate.StringFixed(2) != "23.00" ||
		p.RoundingIncrement != 15 || p.RoundingMode != "nearest" || p.InvoiceNumberFormat != "LL/{YY}{MM}/{SEQ:5}" ||
		p.PaymentTermsDays != 30 || p.DigestChannel != "C0DIGEST" || p.DigestTime != "07:30" || p.TimerReminderHours != 8 ||
		!p.PreparerMayReview || !p.SetUp() {
		t.Fatalf("saved %+v", p)
	}
	if n, err := s.NextInvoiceNumber(ctx, "TPS1"); err != nil || n != 120 {
		t.Fatalf("next invoice number = %d (%v), want 120", n, err)
	}
	var changed, action string
	if err := tx.QueryRow(ctx, `SELECT action, data->'changed'->'vat_rate'->>'to' FROM audit_events
		WHERE practice_id = 'TPS1' ORDER BY id DESC LIMIT 1`).Scan(&action, &changed); err != nil || action != "practice.settings" || changed != "23.00%" {
		t.Fatalf("audit: %q %q (%v)", action, changed, err)
	}

	// No invoice has a number yet, so the counter may go down; the digest
	// may be turned off.
	lower := goodSettings()
	lower.NextInvoiceNumber, lower.DigestChannel = "5", ""
	p, err = s.SaveSettings(ctx, "TPS1", admin.ID, lower)
	if err != nil || p.DigestChannel != "" {
		t.Fatalf("lowering an unused counter: %+v %v", p, err)
	}
	if n, _ := s.NextInvoiceNumber(ctx, "TPS1"); n != 5 {
		t.Fatalf("next invoice number = %d, want 5", n)
	}

	// Once an invoice is numbered, the counter may only go up.
	if _, err := tx.Exec(ctx, `INSERT INTO entities (practice_id, code, name) VALUES ('TPS1', 'ACME', 'Acme')`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO invoices (practice_id, entity_id, kind, status, number, currency)
		SELECT 'TPS1', id, 'adhoc', 'sent', 'LL/2603/00004', 'EUR' FROM entities WHERE practice_id = 'TPS1'`); err != nil {
		t.Fatal(err)
	}
	lower.NextInvoiceNumber = "4"
	_, err = s.SaveSettings(ctx, "TPS1", admin.ID, lower)
	var fe atlas.FieldErrors
	if !errors.As(err, &fe) || !strings.Contains(fe.Fields()[practice.FieldNextInvoiceNumber], "cannot go lower than 5") {
		t.Fatalf("lowering a used counter: %v", err)
	}
	lower.NextInvoiceNumber, lower.Name = "5", "Still Ledgerline"
	if p, err = s.SaveSettings(ctx, "TPS1", admin.ID, lower); err != nil || p.Name != "Still Ledgerline" {
		t.Fatalf("keeping a used counter: %+v %v", p, err)
	}
	lower.NextInvoiceNumber = "50"
	if _, err = s.SaveSettings(ctx, "TPS1", admin.ID, lower); err != nil {
		t.Fatalf("raising a used counter: %v", err)
	}
	if n, _ := s.NextInvoiceNumber(ctx, "TPS1"); n != 50 {
		t.Fatalf("next invoice number = %d, want 50", n)
	}

	// The set-up modal's basics still save on their own, leaving the rest.
	p, err = s.SaveBasics(ctx, "TPS1", admin.ID, practice.Basics{Name: "Basics", Timezone: "Europe/London", Currency: "GBP", VATRate: "20"})
	if err != nil || p.Name != "Basics" || p.RoundingIncrement != 15 || p.InvoiceNumberFormat != "LL/{YY}{MM}/{SEQ:5}" {
		t.Fatalf("basics after settings: %+v %v", p, err)
	}
}

func TestSettingsChanges(t *testing.T) {
	t.Parallel()
	before, _, err := goodSettings().Validate()
	if err != nil {
		t.Fatal(err)
	}
	after := before
	after.RoundingMode, after.DigestChannel = "none", ""
	got := practice.SettingsChanges(before, 120, after, 121)
	want := []practice.SettingChange{
		{Field: practice.FieldRoundingMode, Label: "Rounding", From: "nearest", To: "none"},
		{Field: practice.FieldNextInvoiceNumber, Label: "Next invoice number", From: "120", To: "121"},
		{Field: practice.FieldDigestChannel, Label: "Digest channel", From: "C0DIGEST", To: "none"},
	}
	if len(got) != len(want) {
		t.Fatalf("changes %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("change %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if c := practice.SettingsChanges(before, 1, before, 1); len(c) != 0 {
		t.Errorf("no change reported as %+v", c)
	}
}

func TestMemberUpdateValidation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		u     practice.MemberUpdate
		field string
	}{
		{"unknown role", practice.MemberUpdate{Role: "boss", CapacityHours: "37.5"}, practice.FieldMemberRole},
		{"negative capacity", practice.MemberUpdate{Role: "staff", CapacityHours: "-1"}, practice.FieldMemberCapacity},
		{"capacity over a week", practice.MemberUpdate{Role: "staff", CapacityHours: "168.5"}, practice.FieldMemberCapacity},
		{"capacity not a number", practice.MemberUpdate{Role: "staff", CapacityHours: "full time"}, practice.FieldMemberCapacity},
		{"capacity too precise", practice.MemberUpdate{Role: "staff", CapacityHours: "37.125"}, practice.FieldMemberCapacity},
		{"capacity empty", practice.MemberUpdate{Role: "staff", CapacityHours: ""}, practice.FieldMemberCapacity},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := c.u.Validate()
			var fe atlas.FieldErrors
			if !errors.As(err, &fe) || len(fe) != 1 || fe[0].Field != c.field {
				t.Fatalf("got %v, want one error on %s", err, c.field)
			}
		})
	}
	for text, want := range map[string]int{"37.5": 2250, "0": 0, "168": 10080, "32.25h": 1935, " 40 ": 2400, "37.33": 2240} {
		role, minutes, err := practice.MemberUpdate{Role: " Manager ", CapacityHours: text, Active: true}.Validate()
		if err != nil || role != atlas.RoleManager || minutes != want {
			t.Errorf("%q: %s %d %v, want manager %d", text, role, minutes, err, want)
		}
	}
}

func TestUpdateMember(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := pgtest.Tx(t)
	s := practice.Store{DB: tx}
	if _, err := s.Ensure(ctx, "TPM1"); err != nil {
		t.Fatal(err)
	}
	admin, _ := s.AddMember(ctx, "TPM1", 0, practice.NewMember{SlackUserID: "UA1", Name: "Ada", Role: atlas.RoleAdmin})
	staff, _ := s.AddMember(ctx, "TPM1", admin.ID, practice.NewMember{SlackUserID: "US1", Name: "Sam", Role: atlas.RoleStaff})
	if staff.WeeklyCapacityMinutes != 2250 || !staff.Active || staff.WeeklyCapacityHours().String() != "37.5" {
		t.Fatalf("new member: %+v", staff)
	}

	m, err := s.UpdateMember(ctx, "TPM1", admin.ID, staff.ID, practice.MemberUpdate{Role: "manager", CapacityHours: "30", Active: true})
	if err != nil || m.Role != atlas.RoleManager || m.WeeklyCapacityMinutes != 1800 || !m.Active {
		t.Fatalf("update: %+v %v", m, err)
	}
	var audit string
	if err := tx.QueryRow(ctx, `SELECT data->'role'->>'to' FROM audit_events WHERE practice_id = 'TPM1' AND action = 'member.update'`).Scan(&audit); err != nil || audit != "manager" {
		t.Fatalf("audit: %q %v", audit, err)
	}

	// The last active admin can neither step down nor leave.
	for _, u := range []practice.MemberUpdate{
		{Role: "partner", CapacityHours: "37.5", Active: true},
		{Role: "admin", CapacityHours: "37.5", Active: false},
	} {
		_, err := s.UpdateMember(ctx, "TPM1", admin.ID, admin.ID, u)
		if atlas.ErrorCode(err) != atlas.EInvalid || !strings.Contains(atlas.ErrorMessage(err), "You are the last active admin") {
			t.Fatalf("last admin %+v: %v", u, err)
		}
		wantField := practice.FieldMemberRole
		if !u.Active {
			wantField = practice.FieldMemberActive
		}
		if atlas.ErrorField(err) != wantField {
			t.Fatalf("last admin %+v: error on %q, want %q", u, atlas.ErrorField(err), wantField)
		}
	}
	if got, _ := s.MemberByID(ctx, "TPM1", admin.ID); got.Role != atlas.RoleAdmin || !got.Active {
		t.Fatalf("refused update changed the admin: %+v", got)
	}
	// Their capacity may change all the same.
	if got, err := s.UpdateMember(ctx, "TPM1", admin.ID, admin.ID, practice.MemberUpdate{Role: "admin", CapacityHours: "20", Active: true}); err != nil || got.WeeklyCapacityMinutes != 1200 {
		t.Fatalf("admin's own capacity: %+v %v", got, err)
	}

	// With a second admin, the first may step down.
	if _, err := s.UpdateMember(ctx, "TPM1", admin.ID, staff.ID, practice.MemberUpdate{Role: "admin", CapacityHours: "30", Active: true}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.UpdateMember(ctx, "TPM1", admin.ID, admin.ID, practice.MemberUpdate{Role: "partner", CapacityHours: "20", Active: true}); err != nil || got.Role != atlas.RolePartner {
		t.Fatalf("stepping down with another admin: %+v %v", got, err)
	}

	// Deactivated members drop out of Members but stay in Team.
	if _, err := s.UpdateMember(ctx, "TPM1", staff.ID, admin.ID, practice.MemberUpdate{Role: "partner", CapacityHours: "20", Active: false}); err != nil {
		t.Fatal(err)
	}
	active, _ := s.Members(ctx, "TPM1")
	all, _ := s.Team(ctx, "TPM1")
	if len(active) != 1 || len(all) != 2 || all[0].ID != staff.ID || all[1].Active {
		t.Fatalf("members %+v, team %+v", active, all)
	}
	if got, err := s.TeamMemberBySlackID(ctx, "TPM1", "UA1"); err != nil || got.Active {
		t.Fatalf("inactive member by Slack id: %+v %v", got, err)
	}
	if _, err := s.TeamMemberBySlackID(ctx, "TPM1", "UNOBODY"); atlas.ErrorCode(err) != atlas.ENotFound ||
		atlas.ErrorMessage(err) != "<@UNOBODY> is not on the team yet — add them with `/atlas team add @person role`." {
		t.Fatalf("unknown member: %v", err)
	}
	if _, err := s.UpdateMember(ctx, "TPM1", staff.ID, 999999, practice.MemberUpdate{Role: "staff", CapacityHours: "1", Active: true}); atlas.ErrorCode(err) != atlas.ENotFound {
		t.Fatalf("unknown member id: %v", err)
	}
}

func goodBilling() practice.BillingSettings {
	return practice.BillingSettings{
		VATRegistered: true, VATNumber: " gb 123  4567 89 ", ReducedVATRate: "5%", PostalAddress: "Ledgerline\r\n2 Mill Lane\n\nYork YO1 7HH ",
		VATRounding: "line", LineGrouping: "entry", BillingChannel: "C0BILLING", BillingRunDay: "28",
	}
}

// Each bad billing setting comes back on its own field, saying how to write
// it right.
func TestBillingSettingsValidation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		edit  func(*practice.BillingSettings)
		field string
		want  string
	}{
		{"registered without a number", func(b *practice.BillingSettings) { b.VATNumber = " " }, practice.FieldVATNumber, "Give it, such as GB123456789, or untick VAT-registered"},
		{"number with punctuation", func(b *practice.BillingSettings) { b.VATNumber = "GB-123.456" }, practice.FieldVATNumber, `"GB-123.456" is not a VAT number. Use letters, digits and spaces only`},
		{"number too long", func(b *practice.BillingSettings) { b.VATNumber = "GB" + strings.Repeat("1", 19) }, practice.FieldVATNumber, "up to 20"},
		{"reduced rate negative", func(b *practice.BillingSettings) { b.ReducedVATRate = "-5" }, practice.FieldReducedVATRate, `"-5" is not a VAT rate. Give the reduced rate as a percentage from 0 to 99.99, such as 5.`},
		{"reduced rate 100", func(b *practice.BillingSettings) { b.ReducedVATRate = "100" }, practice.FieldReducedVATRate, "from 0 to 99.99"},
		{"reduced rate text", func(b *practice.BillingSettings) { b.ReducedVATRate = "five" }, practice.FieldReducedVATRate, "from 0 to 99.99"},
		{"reduced rate too precise", func(b *practice.BillingSettings) { b.ReducedVATRate = "5.125" }, practice.FieldReducedVATRate, "from 0 to 99.99"},
		{"rounding", func(b *practice.BillingSettings) { b.VATRounding = "bankers" }, practice.FieldVATRounding, "Choose per invoice (invoice) or per line (line)"},
		{"address missing when registered", func(b *practice.BillingSettings) { b.PostalAddress = "\n " }, practice.FieldPostalAddress, "A VAT invoice must show the practice's address"},
		{"address too long", func(b *practice.BillingSettings) { b.PostalAddress = strings.Repeat("x", 501) }, practice.FieldPostalAddress, "keep it to 8 lines and 500 characters"},
		{"grouping", func(b *practice.BillingSettings) { b.LineGrouping = "client" }, practice.FieldLineGrouping, "Choose by service (service) or per entry (entry)"},
		{"channel not a channel", func(b *practice.BillingSettings) { b.BillingChannel = "UADMIN1" }, practice.FieldBillingChannel, "Pick the billing channel from the list"},
		{"run day 0", func(b *practice.BillingSettings) { b.BillingRunDay = "0" }, practice.FieldBillingRunDay, `"0" is not a day for the billing run. Give a day of the month from 1 to 28`},
		{"run day 29", func(b *practice.BillingSettings) { b.BillingRunDay = "29" }, practice.FieldBillingRunDay, "from 1 to 28, such as 1, so every month has it"},
		{"run day empty", func(b *practice.BillingSettings) { b.BillingRunDay = "" }, practice.FieldBillingRunDay, "from 1 to 28"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := goodBilling()
			c.edit(&b)
			_, err := b.Validate()
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

	p, err := goodBilling().Validate()
	if err != nil {
		t.Fatal(err)
	}
	if !p.VATRegistered || p.VATNumber != "GB 123 4567 89" || p.ReducedVATRate.String() != "5" || p.PostalAddress != "Ledgerline\n2 Mill Lane\nYork YO1 7HH" ||
		p.VATRounding != practice.VATRoundLine || p.LineGrouping != practice.GroupByEntry || p.BillingChannel != "C0BILLING" || p.BillingRunDay != 28 {
		t.Fatalf("good billing settings normalised to %+v", p)
	}
	// Not registered: no number or address needed, and none kept empty.
	off := practice.BillingSettings{ReducedVATRate: "0", VATRounding: "invoice", LineGrouping: "service", BillingRunDay: "1"}
	if _, err := off.Validate(); err != nil {
		t.Fatalf("an unregistered practice: %v", err)
	}
	// Every wrong field at once.
	all := practice.BillingSettings{VATRegistered: true, ReducedVATRate: "x", VATRounding: "x", LineGrouping: "x", BillingChannel: "x", BillingRunDay: "x"}
	_, err = all.Validate()
	var fe atlas.FieldErrors
	if !errors.As(err, &fe) || len(fe.Fields()) != 7 {
		t.Fatalf("all wrong: %v", err)
	}
}

func TestSaveBillingSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := pgtest.Tx(t)
	s := practice.Store{DB: tx}
	before, err := s.Ensure(ctx, "TBS1")
	if err != nil {
		t.Fatal(err)
	}
	// The defaults: not registered, 5% reduced, per invoice, by service, day 1.
	if before.VATRegistered || before.ReducedVATRate.StringFixed(2) != "5.00" || before.VATRounding != practice.VATRoundInvoice ||
		before.LineGrouping != practice.GroupByService || before.BillingRunDay != 1 || before.BillingChannel != "" {
		t.Fatalf("defaults: %+v", before)
	}
	admin, _ := s.AddMember(ctx, "TBS1", 0, practice.NewMember{SlackUserID: "UA1", Name: "Ada", Role: atlas.RoleAdmin})

	bad := goodBilling()
	bad.VATNumber = ""
	if _, err := s.SaveBillingSettings(ctx, "TBS1", admin.ID, bad); atlas.ErrorField(err) != practice.FieldVATNumber {
		t.Fatalf("registered without a number: %v", err)
	}
	if p, _ := s.Get(ctx, "TBS1"); p.VATRegistered {
		t.Fatalf("a rejected save changed the practice: %+v", p)
	}

	p, err := s.SaveBillingSettings(ctx, "TBS1", admin.ID, goodBilling())
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get(ctx, "TBS1")
	if practice.BillingSettingsOf(got) != practice.BillingSettingsOf(p) || got.VATNumber != "GB 123 4567 89" || got.BillingRunDay != 28 ||
		got.PostalAddress != "Ledgerline\n2 Mill Lane\nYork YO1 7HH" || got.Name != before.Name || got.VATRate.String() != before.VATRate.String() {
		t.Fatalf("saved %+v, read back %+v", p, got)
	}
	var to string
	if err := tx.QueryRow(ctx, `SELECT data->'changed'->'billing_channel'->>'to' FROM audit_events
		WHERE practice_id = 'TBS1' AND action = 'practice.billing_settings'`).Scan(&to); err != nil || to != "C0BILLING" {
		t.Fatalf("audit: %q %v", to, err)
	}

	// The other settings' form leaves the billing settings alone, and
	// unregistering keeps the number for later.
	if _, err := s.SaveSettings(ctx, "TBS1", admin.ID, goodSettings()); err != nil {
		t.Fatal(err)
	}
	off := goodBilling()
	off.VATRegistered, off.BillingChannel = false, ""
	p, err = s.SaveBillingSettings(ctx, "TBS1", admin.ID, off)
	if err != nil || p.VATRegistered || p.VATNumber != "GB 123 4567 89" || p.BillingChannel != "" || p.Name != "Ledgerline" {
		t.Fatalf("after settings and unregistering: %+v %v", p, err)
	}
	changes := practice.SettingsChanges(got, 0, p, 0)
	var fields []string
	for _, c := range changes {
		fields = append(fields, c.Field)
	}
	if strings.Join(fields, " ") != "name timezone currency vat_rate rounding_increment rounding_mode timer_reminder_hours invoice_number_format payment_terms_days digest_channel digest_time preparer_may_review vat_registered billing_channel" {
		t.Fatalf("changes: %+v", changes)
	}
}

func TestParseVATTreatment(t *testing.T) {
	t.Parallel()
	standard, reduced := decimal.RequireFromString("20"), decimal.RequireFromString("5.00")
	for text, want := range map[string]string{
		"": practice.VATStandard, "standard": practice.VATStandard, "Standard rated": practice.VATStandard, "20%": practice.VATStandard,
		"20% (VAT on Income)": practice.VATStandard, "20.00 %": practice.VATStandard, "20": practice.VATStandard, "0": practice.VATZero,
		"Reduced": practice.VATReduced, "reduced rate": practice.VATReduced, "5%": practice.VATReduced,
		"zero": practice.VATZero, "Zero Rated": practice.VATZero, "Zero Rated Income": practice.VATZero, "0%": practice.VATZero, "zero-rated": practice.VATZero,
		"Exempt": practice.VATExempt, "Exempt Income": practice.VATExempt, "VAT exempt": practice.VATExempt,
		"Outside the scope": practice.VATOutside, "outside the scope of VAT": practice.VATOutside, "No VAT": practice.VATOutside, "out of scope": practice.VATOutside,
	} {
		if got, err := practice.ParseVATTreatment(text, standard, reduced); err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", text, got, err, want)
		}
	}
	for text, msg := range map[string]string{
		"17.5%":    `"17.5%" is not one of the practice's VAT rates (standard 20.00%, reduced 5.00%). Write standard, reduced, zero, exempt or outside.`,
		"sometime": `"sometime" is not a VAT treatment. Write standard, reduced, zero, exempt or outside`,
	} {
		_, err := practice.ParseVATTreatment(text, standard, reduced)
		if atlas.ErrorField(err) != practice.FieldServiceVAT || !strings.Contains(atlas.ErrorMessage(err), msg) {
			t.Errorf("%q: %v, want %q", text, err, msg)
		}
	}
}

func TestPutService(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := practice.Store{DB: pgtest.Tx(t)}
	if _, err := s.Ensure(ctx, "TSVC"); err != nil {
		t.Fatal(err)
	}
	no := false
	sv, err := s.PutService(ctx, "TSVC", 0, practice.ServiceInput{Code: "chfee", Name: "Companies House fees", VATTreatment: "outside"})
	if err != nil || sv.Code != "CHFEE" || sv.VATTreatment != practice.VATOutside || !sv.Billable {
		t.Fatalf("new service: %+v %v", sv, err)
	}
	sv, err = s.PutService(ctx, "TSVC", 0, practice.ServiceInput{Code: "TRAIN", Name: "Training", Billable: &no})
	if err != nil || sv.VATTreatment != practice.VATStandard || sv.Billable {
		t.Fatalf("non-billable service: %+v %v", sv, err)
	}
	// SaveService renames and keeps the treatment and billable flag.
	if sv, err = s.SaveService(ctx, "TSVC", 0, "train", "Internal training", false); err != nil || sv.Billable || sv.Name != "Internal training" {
		t.Fatalf("rename: %+v %v", sv, err)
	}
	if sv, err = s.LookupService(ctx, "TSVC", "chfee"); err != nil || sv.VATTreatment != practice.VATOutside {
		t.Fatalf("lookup: %+v %v", sv, err)
	}
	if _, err := s.PutService(ctx, "TSVC", 0, practice.ServiceInput{Code: "X", Name: "X", VATTreatment: "lots"}); atlas.ErrorField(err) != practice.FieldServiceVAT {
		t.Fatalf("unknown treatment: %v", err)
	}
	list, err := s.Services(ctx, "TSVC")
	if err != nil || len(list) != 2 || list[0].VATTreatment != practice.VATOutside || list[1].Billable {
		t.Fatalf("services: %+v %v", list, err)
	}
}
