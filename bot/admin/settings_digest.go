package admin

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/digest"
	"github.com/atlas-practice/atlas/internal/money"
)

// The digest settings: the practice's working days (the digest is posted
// on those, and "the last working day" is read from them), the limits past
// which a client's work in progress is listed, and whether people get the
// morning DM unless they turn it off. The channel and the time are in the
// main settings form. Kept by internal/digest.

// withDigest adds the practice's digest settings to what the settings
// message shows.
func (h handlers) withDigest(ctx context.Context, pid atlas.PracticeID, d *SettingsData) error {
	s, err := digest.ReadSettings(ctx, h.Practice.DB, pid)
	if err != nil {
		return err
	}
	d.WorkingDays, d.WIPAlertDays, d.WIPAlertValue, d.PersonalDigest = s.WorkingDays, s.WIPAlertDays, s.WIPAlertValue, s.PersonalDefault
	return nil
}

// openDigestSettings is `/atlas settings digest` and the "Change digests"
// button: the digest settings modal, filled in.
func (h handlers) openDigestSettings(ctx context.Context, r *slackapp.Request) error {
	s, err := digest.ReadSettings(ctx, h.Practice.DB, r.Practice.ID)
	if err != nil {
		return err
	}
	return r.OpenModal(DigestSettingsModal(digest.FormOf(s), r.Practice.Currency))
}

// submitDigestSettings saves the digest settings modal.
func (h handlers) submitDigestSettings(ctx context.Context, r *slackapp.Request) error {
	in := digest.Form{
		WorkingDays:     r.Values(digest.FieldWorkingDays),
		WIPAlertDays:    r.Value(digest.FieldWIPAlertDays),
		WIPAlertValue:   r.Value(digest.FieldWIPAlertValue),
		PersonalDefault: slices.Contains(r.Values(digest.FieldPersonalDefault), DigestPersonalValue),
	}
	changes, err := digest.SaveForm(ctx, h.Practice.DB, r.Practice.ID, r.Member.ID, r.Practice.Currency, in)
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

// digestFields are the digest settings as a section's fields.
func digestFields(d SettingsData, field func(label, value string) *slack.TextBlockObject) []*slack.TextBlockObject {
	personal := "Off unless people turn it on (`/atlas digest on`)"
	if d.PersonalDigest {
		personal = "On unless people turn it off (`/atlas digest off`)"
	}
	return []*slack.TextBlockObject{
		field("Working days", digest.DaysText(d.WorkingDays)),
		field("Work in progress listed", fmt.Sprintf("Older than %d days or over %s", d.WIPAlertDays, money.Format(d.WIPAlertValue, d.Currency))),
		field("Morning DM", personal),
	}
}

// DigestPersonalValue is the value of the digest settings modal's morning
// DM checkbox.
const DigestPersonalValue = "yes"

// digestSettingsHelp explains the digest settings, for the help of
// `/atlas settings digest`.
const digestSettingsHelp = "*The digest settings*\n" +
	"• *Working days*: the days the digest and the morning DMs go out; \"the last working day\" (for who logged no time) is read from them.\n" +
	"• *Work in progress*: a client is listed in the digest when its oldest unbilled work is older than these days, or its unbilled value is over this amount.\n" +
	"• *Morning DM*: whether everyone gets their own morning message unless they say `/atlas digest off`; if off, only those who said `/atlas digest on`.\n" +
	"The digest's channel and time are in `/atlas settings edit`."

// DigestSettingsModal edits the digest settings.
func DigestSettingsModal(f digest.Form, currency string) slack.ModalViewRequest {
	var days []blockkit.Option
	for _, d := range digest.Weekdays {
		days = append(days, blockkit.Option{Value: strconv.Itoa(int(d)), Label: d.String()})
	}
	var personal []string
	if f.PersonalDefault {
		personal = []string{DigestPersonalValue}
	}
	blocks := []slack.Block{
		slack.NewContextBlock("", blockkit.Markdown("Every working day at the digest's time, the digest channel gets what needs attention, "+
			"and each person their own morning DM.", 0)),
	}
	blocks = append(blocks, blockkit.Checkboxes(digest.FieldWorkingDays, "Working days", days, f.WorkingDays)...)
	blocks = append(blocks,
		blockkit.TextInput(digest.FieldWIPAlertDays, "List clients with work in progress older than (days)", "A whole number from 1 to 3650.",
			f.WIPAlertDays, "60", 4, false),
		blockkit.TextInput(digest.FieldWIPAlertValue, "…or worth more than ("+currency+")", "An amount above zero.", f.WIPAlertValue, "5,000", 20, false))
	blocks = append(blocks, blockkit.Checkboxes(digest.FieldPersonalDefault, "Morning DM",
		[]blockkit.Option{{Value: DigestPersonalValue, Label: "Everyone gets it unless they turn it off"}}, personal)...)
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackDigestSettings,
		Title:  blockkit.Plain("Digests", blockkit.MaxModalTitle),
		Submit: blockkit.Plain("Save", blockkit.MaxModalButton),
		Close:  blockkit.Plain("Cancel", blockkit.MaxModalButton),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}
