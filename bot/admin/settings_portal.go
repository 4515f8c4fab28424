package admin

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
)

// The portal settings: on which working day after a month ends its
// documents are asked of the clients, the days after that the reminders
// go, and how much one client may upload. Kept by internal/practice apart
// from the practice's main settings.

// withPortal adds the practice's portal settings to what the settings
// message shows.
func (h handlers) withPortal(ctx context.Context, pid atlas.PracticeID, d *SettingsData) error {
	s, err := practice.LoadPortalSettings(ctx, h.Practice.DB, pid)
	d.Portal = s
	return err
}

// openPortalSettings is `/atlas settings portal` and the settings'
// "Change portal settings" button.
func (h handlers) openPortalSettings(ctx context.Context, r *slackapp.Request) error {
	s, err := practice.LoadPortalSettings(ctx, h.Practice.DB, r.Practice.ID)
	if err != nil {
		return err
	}
	return r.OpenModal(PortalSettingsModal(practice.PortalFormOf(s)))
}

// submitPortalSettings saves the portal settings modal.
func (h handlers) submitPortalSettings(ctx context.Context, r *slackapp.Request) error {
	in := practice.PortalForm{RequestDay: r.Value(practice.FieldRequestDay), ReminderDays: r.Value(practice.FieldRequestSteps),
		QuotaMB: r.Value(practice.FieldUploadQuotaMB)}
	_, changes, err := practice.SavePortalSettings(ctx, h.Practice.DB, r.Practice.ID, r.Member.ID, in)
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

// portalFields are the portal settings as a section's fields.
func portalFields(d SettingsData, field func(label, value string) *slack.TextBlockObject) []*slack.TextBlockObject {
	return []*slack.TextBlockObject{
		field("Documents asked for", fmt.Sprintf("On working day %d after the month ends", d.Portal.RequestDay)),
		field("Reminders", d.Portal.DaysText()),
		field("Upload quota", fmt.Sprintf("%d MB a client", d.Portal.QuotaMB)),
	}
}

// portalSettingsHelp explains the portal settings, for the help of
// `/atlas settings portal`.
const portalSettingsHelp = "*The portal settings*\n" +
	"• *Ask for documents on working day*: a pack's documents can exist only once its month has ended; they are asked of the client's contacts " +
	"on this working day after it, 1 to 20.\n" +
	"• *Reminder days*: the days after the request a reminder lists what is still missing, each once, ascending, at most 6, each 1 to 60; empty for none.\n" +
	"• *Upload quota*: how much one client may upload in all, in megabytes.\n" +
	"The portal's address and secret are the PORTAL_URL and PORTAL_SECRET settings of the server."

// PortalSettingsModal edits the portal settings.
func PortalSettingsModal(f practice.PortalForm) slack.ModalViewRequest {
	blocks := []slack.Block{
		slack.NewContextBlock("", blockkit.Markdown("Clients are asked for their documents by email once a month has ended, "+
			"with a link to the portal where they upload them.", 0)),
		blockkit.TextInput(practice.FieldRequestDay, "Ask for documents on working day", "After the month ends: 1 is the first working day, up to 20.",
			f.RequestDay, "1", 2, false),
		blockkit.TextInput(practice.FieldRequestSteps, "Reminder days", "Days after the request, separated by commas, ascending, at most 6. Empty: no reminders.",
			f.ReminderDays, "3, 7", 40, true),
		blockkit.TextInput(practice.FieldUploadQuotaMB, "Upload quota per client (MB)", "How much one client may upload in all.",
			f.QuotaMB, "2048", 8, false),
	}
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackPortalSettings,
		Title:  blockkit.Plain("Client portal", blockkit.MaxModalTitle),
		Submit: blockkit.Plain("Save", blockkit.MaxModalButton),
		Close:  blockkit.Plain("Cancel", blockkit.MaxModalButton),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}
