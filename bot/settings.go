package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/views"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
)

const settingsUsage = "`/atlas settings` to see them; admins change them with its *Change settings* button or `/atlas settings edit`"

// settings shows the practice settings, with a button for admins to change
// them; "edit" opens the settings modal straight away (admins).
func settings(ctx context.Context, r *Request) error {
	switch arg := strings.ToLower(strings.TrimSpace(r.Text)); arg {
	case "":
	case "edit", "change":
		if !r.Member.Can(atlas.RoleAdmin) {
			return atlas.Errorf(atlas.EForbidden, "Only admins can change the settings, and you are %s %s.", article(r.Member.Role), r.Member.Role.Title())
		}
		return openSettings(ctx, r)
	default:
		return atlas.Errorf(atlas.EInvalid, "Atlas does not know `/atlas settings %s`. Use %s.", r.Text, settingsUsage)
	}
	next, err := practice.Store{DB: r.router.DB}.NextInvoiceNumber(ctx, r.Practice.ID)
	if err != nil {
		return err
	}
	p := r.Practice
	return r.Reply(Message{
		Text:   "Practice settings" + settingsNameSuffix(p.Name),
		Blocks: views.Settings(settingsData(p, next, r.router.Clock.Now(), r.Member.Can(atlas.RoleAdmin))),
	})
}

func settingsNameSuffix(name string) string {
	if name == "" {
		return ""
	}
	return " for " + blockkit.Escape(name)
}

// settingsData is what the settings message shows, with an example of the
// next invoice number as if it were issued now.
func settingsData(p practice.Practice, next int64, now time.Time, canEdit bool) views.SettingsData {
	return views.SettingsData{
		PracticeName: p.Name, Timezone: p.Timezone, Currency: p.Currency, VATRate: p.VATRate.StringFixed(2),
		RoundingIncrement: p.RoundingIncrement, RoundingMode: p.RoundingMode,
		InvoiceNumberFormat: p.InvoiceNumberFormat, NextInvoice: practice.FormatInvoiceNumber(p.InvoiceNumberFormat, next, now.In(p.Location())),
		PaymentTermsDays: p.PaymentTermsDays, DigestChannel: p.DigestChannel, DigestTime: p.DigestTime,
		TimerReminderHours: p.TimerReminderHours, PreparerMayReview: p.PreparerMayReview, CanEdit: canEdit,
	}
}

// openSettings is the "Change settings" button: the settings modal, filled
// with the current values.
func openSettings(ctx context.Context, r *Request) error {
	p := r.Practice
	next, err := practice.Store{DB: r.router.DB}.NextInvoiceNumber(ctx, p.ID)
	if err != nil {
		return err
	}
	s := practice.SettingsOf(p, next)
	return r.OpenModal(views.SettingsModal(views.SettingsForm{
		Name: s.Name, Timezone: s.Timezone, Currency: s.Currency, VATRate: s.VATRate,
		RoundingIncrement: s.RoundingIncrement, RoundingMode: s.RoundingMode, TimerReminderHours: s.TimerReminderHours,
		InvoiceNumberFormat: s.InvoiceNumberFormat, NextInvoiceNumber: s.NextInvoiceNumber,
		NextInvoice:      practice.FormatInvoiceNumber(p.InvoiceNumberFormat, next, r.router.Clock.Now().In(p.Location())),
		PaymentTermsDays: s.PaymentTermsDays, DigestChannel: s.DigestChannel, DigestTime: s.DigestTime,
		PreparerMayReview: s.PreparerMayReview,
	}))
}

// submitSettings saves the settings modal. Every bad value goes back to its
// own field at once, and then nothing is saved.
func submitSettings(ctx context.Context, r *Request) error {
	store := practice.Store{DB: r.router.DB}
	before := r.Practice
	nextBefore, err := store.NextInvoiceNumber(ctx, before.ID)
	if err != nil {
		return err
	}
	in := practice.Settings{
		Name: r.Value(views.SettingsName), Timezone: r.Value(views.SettingsTimezone), Currency: r.Value(views.SettingsCurrency),
		VATRate: r.Value(views.SettingsVATRate), RoundingIncrement: r.Value(views.SettingsRoundingIncrement),
		RoundingMode: r.Value(views.SettingsRoundingMode), InvoiceNumberFormat: r.Value(views.SettingsInvoiceFormat),
		NextInvoiceNumber: r.Value(views.SettingsNextInvoiceNumber), PaymentTermsDays: r.Value(views.SettingsPaymentTermsDays),
		DigestChannel: selectedConversation(r, views.SettingsDigestChannel), DigestTime: r.Value(views.SettingsDigestTime),
		TimerReminderHours: r.Value(views.SettingsTimerReminder),
		PreparerMayReview:  slices.Contains(r.Values(views.SettingsPreparerReview), views.SettingsPreparerReviewValue),
	}
	if slices.Contains(r.Values(views.SettingsDigestOff), views.SettingsDigestOffValue) {
		in.DigestChannel = ""
	}
	p, err := store.SaveSettings(ctx, before.ID, r.Member.ID, in)
	if err != nil {
		return err
	}
	r.Ack(nil) // closes the modal
	next, err := store.NextInvoiceNumber(ctx, p.ID)
	if err != nil {
		return err
	}
	r.Practice = p
	if err := home(ctx, r); err != nil {
		// The settings are saved; a stale Home tab is no reason to say otherwise.
		r.log.Warn("could not refresh the home tab after saving settings", "user", r.UserID, "err", err)
	}
	summary := settingsSummary(p, practice.SettingsChanges(before, nextBefore, p, next))
	blocks := append([]slack.Block{slack.NewSectionBlock(blockkit.Markdown(summary, blockkit.MaxSectionText), nil, nil)},
		views.Settings(settingsData(p, next, r.router.Clock.Now(), true))...)
	return r.DM(ctx, r.UserID, Message{Text: blockkit.Truncate(summary, 3000), Blocks: blocks})
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
		case practice.FieldDigestChannel:
			from, to = settingsChannelText(from), settingsChannelText(to)
		case practice.FieldPreparerReview:
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
func selectedConversation(r *Request, blockID string) string {
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
