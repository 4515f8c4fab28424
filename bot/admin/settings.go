package admin

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/digest"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/reminders"
)

const settingsUsage = "`/atlas settings` to see them; admins change them with its *Change settings* button or `/atlas settings edit`, " +
	"`/atlas settings billing`, `/atlas settings delivery` or `/atlas settings reminders`"

// settings shows the practice settings, with a button for admins to change
// them; "edit" opens the settings modal straight away (admins).
func (h handlers) settings(ctx context.Context, r *slackapp.Request) error {
	switch arg := strings.ToLower(strings.TrimSpace(r.Text)); arg {
	case "":
	default:
		return atlas.Errorf(atlas.EInvalid, "Atlas does not know `/atlas settings %s`. Use %s.", r.Text, settingsUsage)
	}
	next, err := h.Practice.NextInvoiceNumber(ctx, r.Practice.ID)
	if err != nil {
		return err
	}
	p := r.Practice
	d := settingsData(p, next, r.Now(), r.Member.Can(atlas.RoleAdmin))
	if d.DefaultService, err = h.serviceName(ctx, p); err != nil {
		return err
	}
	if err := h.withReminders(ctx, p.ID, &d); err != nil {
		return err
	}
	if err := h.withDigest(ctx, p.ID, &d); err != nil {
		return err
	}
	if err := h.withPortal(ctx, p.ID, &d); err != nil {
		return err
	}
	return r.Reply(slackapp.Message{Text: "Practice settings" + settingsNameSuffix(p.Name), Blocks: Settings(d)})
}

// serviceName is the name of the practice's default service, or "".
func (h handlers) serviceName(ctx context.Context, p practice.Practice) (string, error) {
	if p.DefaultServiceID == nil {
		return "", nil
	}
	list, err := h.Practice.Services(ctx, p.ID)
	if err != nil {
		return "", err
	}
	for _, s := range list {
		if s.ID == *p.DefaultServiceID {
			return s.Name, nil
		}
	}
	return "", nil
}

func settingsNameSuffix(name string) string {
	if name == "" {
		return ""
	}
	return " for " + blockkit.Escape(name)
}

// settingsData is what the settings message shows, with an example of the
// next invoice number as if it were issued now.
func settingsData(p practice.Practice, next int64, now time.Time, canEdit bool) SettingsData {
	return SettingsData{
		PracticeName: p.Name, Timezone: p.Timezone, Currency: p.Currency, VATRate: p.VATRate.StringFixed(2),
		RoundingIncrement: p.RoundingIncrement, RoundingMode: p.RoundingMode,
		InvoiceNumberFormat: p.InvoiceNumberFormat, NextInvoice: practice.FormatInvoiceNumber(p.InvoiceNumberFormat, next, now.In(p.Location())),
		PaymentTermsDays: p.PaymentTermsDays, DigestChannel: p.DigestChannel, DigestTime: p.DigestTime,
		TimerReminderHours: p.TimerReminderHours, PreparerMayReview: p.PreparerMayReview, CanEdit: canEdit,
		VATRegistered: p.VATRegistered, VATNumber: p.VATNumber, ReducedVATRate: p.ReducedVATRate.StringFixed(2),
		PostalAddress: p.PostalAddress, VATRounding: p.VATRounding, LineGrouping: p.LineGrouping,
		BillingChannel: p.BillingChannel, BillingRunDay: p.BillingRunDay,
		BankAccountName: p.BankAccountName, BankSortCode: p.BankSortCode, BankAccountNumber: p.BankAccountNumber,
		BankIBAN: practice.FormatIBAN(p.BankIBAN), BankBIC: p.BankBIC, InvoiceFromEmail: p.InvoiceFromEmail,
		InvoiceFromName: p.InvoiceFromName, AutoSend: p.AutoSend,
	}
}

// openSettings is the "Change settings" button: the settings modal, filled
// with the current values.
func (h handlers) openSettings(ctx context.Context, r *slackapp.Request) error {
	p := r.Practice
	next, err := h.Practice.NextInvoiceNumber(ctx, p.ID)
	if err != nil {
		return err
	}
	s := practice.SettingsOf(p, next)
	services, err := h.Practice.Services(ctx, p.ID)
	if err != nil {
		return err
	}
	var opts []blockkit.Option
	for _, sv := range services {
		opts = append(opts, blockkit.Option{Value: ui.ID(sv.ID), Label: sv.Name})
	}
	return r.OpenModal(SettingsModal(SettingsForm{
		Services: opts, DefaultService: s.DefaultService,
		Name: s.Name, Timezone: s.Timezone, Currency: s.Currency, VATRate: s.VATRate,
		RoundingIncrement: s.RoundingIncrement, RoundingMode: s.RoundingMode, TimerReminderHours: s.TimerReminderHours,
		InvoiceNumberFormat: s.InvoiceNumberFormat, NextInvoiceNumber: s.NextInvoiceNumber,
		NextInvoice:      practice.FormatInvoiceNumber(p.InvoiceNumberFormat, next, r.Now().In(p.Location())),
		PaymentTermsDays: s.PaymentTermsDays, DigestChannel: s.DigestChannel, DigestTime: s.DigestTime,
		PreparerMayReview: s.PreparerMayReview,
	}))
}

// submitSettings saves the settings modal. Every bad value goes back to its
// own field at once, and then nothing is saved.
func (h handlers) submitSettings(ctx context.Context, r *slackapp.Request) error {
	store := h.Practice
	before := r.Practice
	nextBefore, err := store.NextInvoiceNumber(ctx, before.ID)
	if err != nil {
		return err
	}
	in := practice.Settings{
		Name: r.Value(SettingsName), Timezone: r.Value(SettingsTimezone), Currency: r.Value(SettingsCurrency),
		VATRate: r.Value(SettingsVATRate), RoundingIncrement: r.Value(SettingsRoundingIncrement),
		RoundingMode: r.Value(SettingsRoundingMode), InvoiceNumberFormat: r.Value(SettingsInvoiceFormat),
		NextInvoiceNumber: r.Value(SettingsNextInvoiceNumber), PaymentTermsDays: r.Value(SettingsPaymentTermsDays),
		DigestChannel: h.selectedConversation(r, SettingsDigestChannel), DigestTime: r.Value(SettingsDigestTime),
		TimerReminderHours: r.Value(SettingsTimerReminder),
		PreparerMayReview:  slices.Contains(r.Values(SettingsPreparerReview), SettingsPreparerReviewValue),
		DefaultService:     r.Value(SettingsDefaultService),
	}
	if slices.Contains(r.Values(SettingsDigestOff), SettingsDigestOffValue) {
		in.DigestChannel = ""
	}
	p, err := store.SaveSettings(ctx, before.ID, r.Member.ID, in)
	if err != nil {
		return err
	}
	return h.settingsSaved(ctx, r, before, nextBefore, p)
}

// openBillingSettings is `/atlas settings billing` and the "Change billing
// settings" button: the billing settings modal, filled in.
func (h handlers) openBillingSettings(ctx context.Context, r *slackapp.Request) error {
	p := r.Practice
	b := practice.BillingSettingsOf(p)
	return r.OpenModal(BillingSettingsModal(BillingSettingsForm{
		VATRate: p.VATRate.StringFixed(2), VATRegistered: b.VATRegistered, VATNumber: b.VATNumber,
		ReducedVATRate: b.ReducedVATRate, PostalAddress: b.PostalAddress, VATRounding: b.VATRounding,
		LineGrouping: b.LineGrouping, BillingChannel: b.BillingChannel, BillingRunDay: b.BillingRunDay,
	}))
}

// submitBillingSettings saves the billing settings modal. Every bad value
// goes back to its own field at once, and then nothing is saved.
func (h handlers) submitBillingSettings(ctx context.Context, r *slackapp.Request) error {
	store := h.Practice
	before := r.Practice
	next, err := store.NextInvoiceNumber(ctx, before.ID)
	if err != nil {
		return err
	}
	in := practice.BillingSettings{
		VATRegistered:  slices.Contains(r.Values(BillingVATRegistered), BillingVATRegisteredValue),
		VATNumber:      r.Value(BillingVATNumber),
		ReducedVATRate: r.Value(BillingReducedVATRate),
		PostalAddress:  r.Value(BillingPostalAddress),
		VATRounding:    r.Value(BillingVATRounding),
		LineGrouping:   r.Value(BillingLineGrouping),
		BillingChannel: h.selectedConversation(r, BillingChannel),
		BillingRunDay:  r.Value(BillingRunDay),
	}
	if slices.Contains(r.Values(BillingChannelOff), BillingChannelOffValue) {
		in.BillingChannel = ""
	}
	p, err := store.SaveBillingSettings(ctx, before.ID, r.Member.ID, in)
	if err != nil {
		return err
	}
	return h.settingsSaved(ctx, r, before, next, p)
}

// openDeliverySettings is `/atlas settings delivery` and the "Change
// delivery settings" button: the delivery settings modal, filled in.
func (h handlers) openDeliverySettings(_ context.Context, r *slackapp.Request) error {
	p := r.Practice
	d := practice.DeliverySettingsOf(p)
	return r.OpenModal(DeliverySettingsModal(DeliverySettingsForm{
		PracticeName: p.Name, BankAccountName: d.BankAccountName, BankSortCode: d.BankSortCode,
		BankAccountNumber: d.BankAccountNumber, BankIBAN: d.BankIBAN, BankBIC: d.BankBIC,
		InvoiceFromEmail: d.InvoiceFromEmail, InvoiceFromName: d.InvoiceFromName, AutoSend: d.AutoSend,
	}))
}

// submitDeliverySettings saves the delivery settings modal. Every bad
// value goes back to its own field at once, and then nothing is saved.
func (h handlers) submitDeliverySettings(ctx context.Context, r *slackapp.Request) error {
	store := h.Practice
	before := r.Practice
	next, err := store.NextInvoiceNumber(ctx, before.ID)
	if err != nil {
		return err
	}
	in := practice.DeliverySettings{
		BankAccountName:   r.Value(practice.FieldBankAccountName),
		BankSortCode:      r.Value(practice.FieldBankSortCode),
		BankAccountNumber: r.Value(practice.FieldBankAccountNumber),
		BankIBAN:          r.Value(practice.FieldBankIBAN),
		BankBIC:           r.Value(practice.FieldBankBIC),
		InvoiceFromEmail:  r.Value(practice.FieldInvoiceFromEmail),
		InvoiceFromName:   r.Value(practice.FieldInvoiceFromName),
		AutoSend:          slices.Contains(r.Values(practice.FieldAutoSend), DeliveryAutoSendValue),
	}
	p, err := store.SaveDeliverySettings(ctx, before.ID, r.Member.ID, in)
	if err != nil {
		return err
	}
	return h.settingsSaved(ctx, r, before, next, p)
}

// settingsSaved closes the modal and says what the save changed, with the
// settings as they now are.
func (h handlers) settingsSaved(ctx context.Context, r *slackapp.Request, before practice.Practice, nextBefore int64, p practice.Practice) error {
	store := h.Practice
	r.Ack(nil) // closes the modal
	next, err := store.NextInvoiceNumber(ctx, p.ID)
	if err != nil {
		return err
	}
	r.Practice = p
	// The settings are saved; a stale Home tab is no reason to say otherwise.
	r.RefreshHome(ctx)
	return h.showSaved(ctx, r, p, next, practice.SettingsChanges(before, nextBefore, p, next))
}

// showSaved says what a save changed, with the settings as they now are.
func (h handlers) showSaved(ctx context.Context, r *slackapp.Request, p practice.Practice, next int64, changes []practice.SettingChange) error {
	summary := settingsSummary(p, changes)
	d := settingsData(p, next, r.Now(), true)
	var err error
	if d.DefaultService, err = h.serviceName(ctx, p); err != nil {
		return err
	}
	if err := h.withReminders(ctx, p.ID, &d); err != nil {
		return err
	}
	if err := h.withDigest(ctx, p.ID, &d); err != nil {
		return err
	}
	if err := h.withPortal(ctx, p.ID, &d); err != nil {
		return err
	}
	blocks := append([]slack.Block{slack.NewSectionBlock(blockkit.Markdown(summary, blockkit.MaxSectionText), nil, nil)}, Settings(d)...)
	return r.Send(ctx, slackapp.Message{Text: blockkit.Truncate(summary, 3000), Blocks: blocks})
}

// settingsSummary says what a save changed.
func settingsSummary(p practice.Practice, changes []practice.SettingChange) string {
	if len(changes) == 0 {
		return ":white_check_mark: Settings saved" + settingsNameSuffix(p.Name) + "; nothing changed."
	}
	lines := make([]string, 0, len(changes)+1)
	lines = append(lines, ":white_check_mark: Settings saved"+settingsNameSuffix(p.Name)+":")
	for _, c := range changes {
		from, to := c.From, c.To
		switch c.Field {
		case practice.FieldDigestChannel, practice.FieldBillingChannel:
			from, to = settingsChannelText(from), settingsChannelText(to)
		case practice.FieldPreparerReview, practice.FieldVATRegistered, practice.FieldAutoSend, reminders.FieldLateInterest, digest.FieldPersonalDefault:
			from, to = settingsYesNo(from), settingsYesNo(to)
		default:
			from, to = blockkit.Escape(from), blockkit.Escape(to)
		}
		lines = append(lines, fmt.Sprintf("• %s: %s → *%s*", c.Label, from, to))
	}
	return strings.Join(lines, "\n")
}

func settingsChannelText(id string) string {
	if id == "" || id == "none" {
		return "off"
	}
	return "<#" + id + ">"
}

func settingsYesNo(b string) string {
	if b == "true" {
		return "yes"
	}
	return "no"
}

// selectedConversation reads a conversations_select or channels_select of
// a submitted modal.
func (h handlers) selectedConversation(r *slackapp.Request, blockID string) string {
	if r.Interaction == nil || r.Interaction.View.State == nil {
		return ""
	}
	for _, a := range r.Interaction.View.State.Values[blockID] {
		if a.SelectedConversation != "" {
			return a.SelectedConversation
		}
		if a.SelectedChannel != "" {
			return a.SelectedChannel
		}
	}
	return ""
}
