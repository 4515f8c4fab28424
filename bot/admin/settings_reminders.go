package admin

import (
	"context"
	"slices"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/reminders"
)

// The reminder settings: when overdue invoices are followed up, and
// whether the reminders show the statutory late-payment charges. They are
// a form of their own, like delivery, kept by internal/reminders.

// withReminders adds the practice's reminder settings to what the settings
// message shows.
func (h handlers) withReminders(ctx context.Context, pid atlas.PracticeID, d *SettingsData) error {
	s, err := reminders.Load(ctx, h.Practice.DB, pid)
	if err != nil {
		return err
	}
	d.ReminderSteps, d.LateInterest, d.BaseRate = s.Steps, s.LateInterest, s.BaseRate.StringFixed(2)
	return nil
}

// openReminderSettings is `/atlas settings reminders` and the "Change
// reminders" button: the reminder settings modal, filled in.
func (h handlers) openReminderSettings(ctx context.Context, r *slackapp.Request) error {
	s, err := reminders.Load(ctx, h.Practice.DB, r.Practice.ID)
	if err != nil {
		return err
	}
	f := reminders.FormOf(s)
	return r.OpenModal(ReminderSettingsModal(ReminderSettingsForm{Steps: f.Steps, LateInterest: f.LateInterest, BaseRate: f.BaseRate}))
}

// submitReminderSettings saves the reminder settings modal. Every bad
// value goes back to its own field at once, and then nothing is saved.
func (h handlers) submitReminderSettings(ctx context.Context, r *slackapp.Request) error {
	in := reminders.Form{
		Steps:        r.Value(reminders.FieldSteps),
		LateInterest: slices.Contains(r.Values(reminders.FieldLateInterest), ReminderLateInterestValue),
		BaseRate:     r.Value(reminders.FieldBaseRate),
	}
	_, changes, err := reminders.Save(ctx, h.Practice.DB, r.Practice.ID, r.Member.ID, in)
	if err != nil {
		return err
	}
	r.Ack(nil) // closes the modal
	next, err := h.Practice.NextInvoiceNumber(ctx, r.Practice.ID)
	if err != nil {
		return err
	}
	return h.showSaved(ctx, r, r.Practice, next, changes)
}

// reminderFields are the reminder settings as a section's fields.
func reminderFields(d SettingsData, field func(label, value string) *slack.TextBlockObject) []*slack.TextBlockObject {
	steps := "Off: no reminders are sent"
	if len(d.ReminderSteps) > 0 {
		steps = "Emailed " + reminders.StepsSummary(d.ReminderSteps)
	}
	late := "Off: reminders show the balance only"
	if d.LateInterest {
		late = "On: statutory interest at 8% over a base rate of " + d.BaseRate + "%, and fixed compensation"
	}
	return []*slack.TextBlockObject{
		field("Reminders", steps),
		field("Late-payment interest", late),
	}
}

// ReminderLateInterestValue is the value of the reminder settings modal's
// late-payment interest checkbox.
const ReminderLateInterestValue = "yes"

// ReminderSettingsForm pre-fills the reminder settings modal, as text.
type ReminderSettingsForm struct {
	Steps        string // "7, 14, 30"
	LateInterest bool
	BaseRate     string // "4.00"
}

// reminderSettingsHelp explains the reminder settings, for the help of
// `/atlas settings reminders`.
const reminderSettingsHelp = "*The reminder settings*\n" +
	"• *Reminder days*: the days after an invoice's due date its billing contact is emailed a reminder (with the client's copies and the PDF), " +
	"such as 7, 14, 30 — ascending, at most 6, each 1 to 365. Only sent and part-paid invoices with a balance are reminded, each step once; " +
	"the client's manager is told in Slack. Empty: no reminders.\n" +
	"• *Late-payment interest*: reminders show the interest and fixed compensation the Late Payment of Commercial Debts (Interest) Act 1998 allows " +
	"on business debts in pounds — simple interest at 8% over the base rate from the day after the due date, and £40, £70 or £100 by the size of the debt.\n" +
	"• *Base rate*: the Bank of England base rate the interest is over, 0 to 99.99; the Act uses the rate in force on 30 June or 31 December " +
	"for the half-year that follows, so change it twice a year if it moved."

// ReminderSettingsModal edits when overdue invoices are followed up and
// what the reminders show. Each input's block id is the reminders
// package's field, so an error lands on its field.
func ReminderSettingsModal(f ReminderSettingsForm) slack.ModalViewRequest {
	var late []string
	if f.LateInterest {
		late = []string{ReminderLateInterestValue}
	}
	blocks := []slack.Block{
		slack.NewContextBlock("", blockkit.Markdown("Overdue invoices are followed up by email at these steps, each once, "+
			"until they are paid or credited in full; the client's manager is told in Slack.", 0)),
		blockkit.TextInput(reminders.FieldSteps, "Reminder days",
			"Days after the due date, separated by commas, ascending, at most 6. Empty: send no reminders.",
			f.Steps, "7, 14, 30", 60, true),
	}
	blocks = append(blocks, blockkit.Checkboxes(reminders.FieldLateInterest, "Late-payment interest",
		[]blockkit.Option{{Value: ReminderLateInterestValue, Label: "Show statutory interest and compensation on reminders"}}, late)...)
	blocks = append(blocks, blockkit.TextInput(reminders.FieldBaseRate, "Bank of England base rate (%)",
		"The interest is 8% a year over it (Late Payment of Commercial Debts (Interest) Act 1998). 0 to 99.99.",
		f.BaseRate, "4.25", 6, false))
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackReminderSettings,
		Title:  blockkit.Plain("Reminders", blockkit.MaxModalTitle),
		Submit: blockkit.Plain("Save", blockkit.MaxModalButton),
		Close:  blockkit.Plain("Cancel", blockkit.MaxModalButton),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}
