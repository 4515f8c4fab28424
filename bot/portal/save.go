package portal

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/portal"
)

// saveRefusal is what the shortcut tells someone not on the team.
const saveRefusal = "Saving files to a client's documents is for the practice's team: staff, managers, partners and admins"

// registerSave adds "Save to client documents", the message shortcut,
// and its form's submission.
func registerSave(rt *slackapp.Router, h handlers) {
	rt.HandleShortcut(ShortcutSave, slackapp.Staff(h.saveFromMessage).Because(saveRefusal))
	rt.HandleSubmit(CallbackSave, slackapp.Staff(h.submitSave).Because(saveRefusal))
}

// saveFromMessage opens the form for a message's files; a message with
// none is told so.
func (h handlers) saveFromMessage(_ context.Context, r *slackapp.Request) error {
	var files []slack.File
	if r.Interaction != nil {
		files = r.Interaction.Message.Files
	}
	if len(files) == 0 {
		return atlas.Errorf(atlas.EInvalid, "That message has no files to save. Use *Save to client documents* on a message with "+
			"files attached (%s).", portal.AllowedKinds())
	}
	if len(files) > maxSaveFiles {
		files = files[:maxSaveFiles]
	}
	var form SaveForm
	var meta SaveMeta
	for _, f := range files {
		name := f.Name
		if name == "" {
			name = f.Title
		}
		form.Files = append(form.Files, name)
		meta.Files = append(meta.Files, f.ID)
	}
	today := r.Practice.Today(r.Now())
	form.Months, form.Month = SaveMonths(atlas.PeriodOf(today))
	return r.OpenModal(SaveModal(form, meta))
}

// submitSave checks the form, closes it, then fetches each file from Slack
// and keeps those Atlas takes among the client's documents, in one
// transaction, answering with what was saved and what was not.
func (h handlers) submitSave(ctx context.Context, r *slackapp.Request) error {
	var meta SaveMeta
	if err := r.PrivateMetadata(&meta); err != nil || len(meta.Files) == 0 {
		return atlas.Errorf(atlas.EInvalid, "That form has expired. Use *Save to client documents* on the message again.")
	}
	entityID := ui.ParseID(r.Value(SaveClient))
	if entityID == 0 {
		return atlas.FieldError(SaveClient, "Pick a client: type part of its code or name.")
	}
	period, err := atlas.ParsePeriod(r.Value(SaveMonth))
	if err != nil {
		return atlas.FieldError(SaveMonth, "Pick the month the files are for.")
	}
	e, err := h.Practice.Entity(ctx, r.Practice.ID, entityID)
	if err != nil {
		if atlas.ErrorCode(err) == atlas.ENotFound {
			return atlas.FieldError(SaveClient, "That client no longer exists. Pick another.")
		}
		return err
	}
	// The form closes now: fetching the files may take longer than Slack
	// waits for an answer to it.
	r.CloseModals()

	limit := h.MaxFileBytes
	if limit <= 0 {
		limit = portal.MaxFileBytes
	}
	res := SaveResult{Client: e.Code, Period: period, Today: atlas.PeriodOf(r.Practice.Today(r.Now()))}
	type fetched struct {
		name string
		data []byte
	}
	var got []fetched
	for _, id := range meta.Files {
		name, data, err := ui.FetchFile(ctx, r.API, id, limit)
		if err != nil {
			if msg, ok := refusal(err); ok {
				res.Refused = append(res.Refused, msg)
				continue
			}
			return err
		}
		got = append(got, fetched{name, data})
	}
	if len(got) > 0 {
		blobs := h.Blobs
		if blobs == nil {
			blobs = portal.PGBlobs{}
		}
		err = db.InTx(ctx, h.DB, func(tx pgx.Tx) error {
			saved, refused := res.Saved[:0], res.Refused
			for _, f := range got {
				s, err := portal.SavePracticeFile(ctx, tx, blobs, r.Practice.ID, portal.PracticeFile{EntityID: e.ID, Period: &period,
					MemberID: r.Member.ID, Name: f.name, Data: f.data, MaxBytes: limit}, r.Now())
				if msg, ok := refusal(err); ok {
					refused = append(refused, msg)
					continue
				}
				if err != nil {
					return err
				}
				saved = append(saved, s)
			}
			res.Saved, res.Refused = saved, refused
			return nil
		})
		if err != nil {
			return err
		}
	}
	return r.Send(ctx, slackapp.Text(SavedText(res)))
}

// refusal is the message of a file refused for what it is (too large, of
// a kind not taken, not to be fetched), rather than a fault.
func refusal(err error) (string, bool) {
	var ae *atlas.Error
	if errors.As(err, &ae) && ae.Code == atlas.EInvalid {
		return ae.Message, true
	}
	return "", false
}

// maxSaveFiles bounds the files of one message the form takes (Slack
// attaches at most 10), so its metadata stays within Slack's limit.
const maxSaveFiles = 20
