package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/views"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/timekeeping"
	"github.com/atlas-practice/atlas/internal/timeparse"
)

// logTime logs time from a /log line, or opens the modal when there is none.
func logTime(ctx context.Context, r *Request) error {
	text := strings.TrimSpace(unescape(r.Text))
	if text == "" {
		return openLogModal(ctx, r, views.LogForm{})
	}
	services, err := servicesOf(ctx, r)
	if err != nil {
		return err
	}
	line, err := timeparse.LogLine(text, r.today(), services.names)
	if err != nil {
		return err
	}
	e, svc, err := resolveWork(ctx, r, services, line.Client, line.Service)
	if err != nil {
		return err
	}
	entry, created, err := r.timeStore().Log(ctx, r.Practice, timekeeping.NewEntry{
		Member: r.Member.ID, EntityID: e.ID, ServiceID: svc, WorkDate: line.Date, Minutes: line.Minutes,
		Description: line.Description, Billable: true, Source: timekeeping.SourceManual, Key: r.key(),
	}, r.now())
	if err != nil {
		return err
	}
	verb := "Logged"
	if !created {
		verb = "Already logged"
	}
	return r.Reply(Message{Text: verb + " " + timeparse.Format(entry.Minutes) + " for " + entry.ClientLabel(), Blocks: views.Saved(r.entryView(entry), verb)})
}

// openLogModal opens the log modal with the date defaulting to today,
// billable on, and the practice's services.
func openLogModal(ctx context.Context, r *Request, f views.LogForm) error {
	list, err := servicesOf(ctx, r)
	if err != nil {
		return err
	}
	f.Services = serviceOptions(list)
	if f.Date == "" {
		f.Date = r.today().Format(time.DateOnly)
	}
	if f.EntryID == 0 {
		f.Billable = true
	}
	return r.OpenModal(views.LogModal(f, views.LogMeta{EntryID: f.EntryID, Channel: r.ChannelID}))
}

// logFromAnywhere opens the log modal from the lightning menu, the App
// Home's button, or a slash command without text.
func logFromAnywhere(ctx context.Context, r *Request) error {
	return openLogModal(ctx, r, views.LogForm{})
}

// logFromMessage opens the log modal with a message's text as the
// description: "Log time for this" in a message's menu.
func logFromMessage(ctx context.Context, r *Request) error {
	desc := ""
	if r.Interaction != nil {
		desc = blockkit.Truncate(unescape(r.Interaction.Message.Text), timekeeping.MaxDescription)
	}
	return openLogModal(ctx, r, views.LogForm{Description: desc})
}

// logFromTask opens the log modal for a month's task: its client, the task,
// and its name and current stage as the description.
func logFromTask(ctx context.Context, r *Request) error {
	t, err := r.timeStore().Task(ctx, r.Practice.ID, atoi64(r.Action.Value))
	if err != nil {
		return err
	}
	return openLogModal(ctx, r, views.LogForm{
		Client:      &views.Option{Value: itoa(t.EntityID), Label: t.EntityCode + " · " + t.EntityName},
		Task:        &views.Option{Value: itoa(t.ID), Label: t.Label()},
		Description: t.Describe(),
	})
}

// taskOptions offers this month's tasks: the chosen client's, or else the
// person's own.
func taskOptions(ctx context.Context, r *Request) error {
	var entity int64
	if r.Interaction != nil && r.Interaction.View.State != nil {
		for _, a := range r.Interaction.View.State.Values[views.LogClient] {
			entity = atoi64(a.SelectedOption.Value)
		}
	}
	now := r.now().In(r.Practice.Location())
	period := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	tasks, err := r.timeStore().Tasks(ctx, r.Practice.ID, entity, r.Member.ID, period, blockkit.MaxSelectOptions)
	if err != nil {
		return err
	}
	q := ""
	if r.Interaction != nil {
		q = strings.ToLower(r.Interaction.Value)
	}
	var opts []*slack.OptionBlockObject
	for _, t := range tasks {
		if q == "" || strings.Contains(strings.ToLower(t.Label()), q) {
			opts = append(opts, slack.NewOptionBlockObject(itoa(t.ID), blockkit.Plain(t.Label(), blockkit.MaxOptionText), nil))
		}
	}
	r.Options(opts)
	return nil
}

// entryForm reads the log modal into a new entry or an edit, putting each
// mistake on its own field.
func entryForm(ctx context.Context, r *Request) (timekeeping.Edit, error) {
	var ed timekeeping.Edit
	ed.EntityID = atoi64(r.Value(views.LogClient))
	if ed.EntityID == 0 {
		return ed, atlas.FieldError(views.LogClient, "Pick a client: type part of its code or name.")
	}
	e, err := r.practiceStore().Entity(ctx, r.Practice.ID, ed.EntityID)
	if err != nil {
		return ed, atlas.FieldError(views.LogClient, "That client no longer exists; pick another.")
	}
	if e.Archived() {
		return ed, atlas.FieldError(views.LogClient, "%s is archived and takes no new time. Pick another client, or ask a manager to restore it.", e.Name)
	}
	date, err := time.Parse(time.DateOnly, r.Value(views.LogDate))
	if err != nil {
		return ed, atlas.FieldError(views.LogDate, "Pick the day the work was done.")
	}
	ed.WorkDate = date
	ed.Minutes, err = timeparse.Duration(r.Value(views.LogDuration))
	if err != nil {
		return ed, atlas.FieldError(views.LogDuration, "%s", atlas.ErrorMessage(err))
	}
	if id := atoi64(r.Value(views.LogService)); id != 0 {
		ed.ServiceID = &id
	}
	if id := atoi64(r.Value(views.LogTask)); id != 0 {
		t, err := r.timeStore().Task(ctx, r.Practice.ID, id)
		if err != nil || t.EntityID != ed.EntityID {
			return ed, atlas.FieldError(views.LogTask, "That task is for another client. Pick one of %s's tasks, or none.", e.Name)
		}
		ed.TaskID = &id
	}
	ed.Description = r.Value(views.LogDescription)
	ed.Billable = len(r.Values(views.LogBillable)) > 0
	return ed, nil
}

// submitLog saves the time from the log modal.
func submitLog(ctx context.Context, r *Request) error {
	ed, err := entryForm(ctx, r)
	if err != nil {
		return err
	}
	source := timekeeping.SourceManual
	if ed.TaskID != nil {
		source = timekeeping.SourceTask
	}
	entry, _, err := r.timeStore().Log(ctx, r.Practice, timekeeping.NewEntry{
		Member: r.Member.ID, EntityID: ed.EntityID, ServiceID: ed.ServiceID, TaskID: ed.TaskID, WorkDate: ed.WorkDate,
		Minutes: ed.Minutes, Description: ed.Description, Billable: ed.Billable, Source: source, Key: r.key(),
	}, r.now())
	if err != nil {
		return err
	}
	r.Ack(nil)
	return r.confirm(ctx, Message{Text: "Logged " + timeparse.Format(entry.Minutes) + " for " + entry.ClientLabel(), Blocks: views.Saved(r.entryView(entry), "Logged")})
}

// confirm tells the person about a change made in a modal: privately in
// the channel it was opened from, or by DM.
func (r *Request) confirm(ctx context.Context, m Message) error {
	var meta views.LogMeta
	_ = r.PrivateMetadata(&meta)
	if meta.Channel != "" {
		r.ChannelID = meta.Channel
	}
	if err := r.send(ctx, m); err != nil {
		return err
	}
	return r.refreshHome(ctx)
}

// pickEntry opens the edit modal for an entry chosen on a timesheet.
func pickEntry(ctx context.Context, r *Request) error {
	id := int64(0)
	if r.Action != nil {
		id = atoi64(r.Action.SelectedOption.Value)
	}
	e, err := r.timeStore().Entry(ctx, r.Practice.ID, id)
	if err != nil {
		return err
	}
	if e.MemberID != r.Member.ID && !r.Member.Can(atlas.RoleManager) {
		return atlas.Errorf(atlas.EForbidden, "That entry is %s's. Only they, a manager or a partner can change it.", e.MemberName)
	}
	if e.Locked() {
		return atlas.Errorf(atlas.EConflict, "The %s entry for %s on %s is on an invoice, so it is locked and cannot change. Ask a partner to credit the invoice if it is wrong.",
			timeparse.Format(e.Minutes), e.ClientLabel(), e.WorkDate.Format("Mon 2 Jan"))
	}
	f := views.LogForm{
		EntryID: e.ID, Client: &views.Option{Value: itoa(e.EntityID), Label: e.ClientLabel()},
		Date: e.WorkDate.Format(time.DateOnly), Duration: timeparse.Format(e.Minutes),
		Description: e.Description, Billable: e.Billable,
	}
	if e.ServiceID != nil {
		f.Service = itoa(*e.ServiceID)
	}
	if e.TaskID != nil {
		t, err := r.timeStore().Task(ctx, r.Practice.ID, *e.TaskID)
		if err == nil {
			f.Task = &views.Option{Value: itoa(t.ID), Label: t.Label()}
		}
	}
	if e.MemberID != r.Member.ID {
		f.Person = e.MemberName
	}
	return openLogModal(ctx, r, f)
}

// submitEdit saves changes to an entry.
func submitEdit(ctx context.Context, r *Request) error {
	var meta views.LogMeta
	if err := r.PrivateMetadata(&meta); err != nil {
		return err
	}
	ed, err := entryForm(ctx, r)
	if err != nil {
		return err
	}
	e, err := r.timeStore().Update(ctx, r.Practice, r.actor(), meta.EntryID, ed, r.now())
	if err != nil {
		return err
	}
	r.Ack(nil)
	return r.confirm(ctx, Message{Text: "Entry saved", Blocks: views.Saved(r.entryView(e), "Saved")})
}

// askDelete replaces the edit modal's content with a confirmation.
func askDelete(ctx context.Context, r *Request) error {
	e, err := r.timeStore().Entry(ctx, r.Practice.ID, atoi64(r.Action.Value))
	if err != nil {
		return err
	}
	var meta views.LogMeta
	_ = r.PrivateMetadata(&meta)
	meta.EntryID = e.ID
	_, err = r.API.PushViewContext(ctx, r.TriggerID, views.DeleteModal(r.entryView(e), meta))
	if err != nil {
		return fmt.Errorf("push delete confirmation: %w", err)
	}
	return nil
}

// submitDelete deletes the entry once confirmed, and closes every modal.
func submitDelete(ctx context.Context, r *Request) error {
	var meta views.LogMeta
	if err := r.PrivateMetadata(&meta); err != nil {
		return err
	}
	e, err := r.timeStore().Delete(ctx, r.Practice.ID, r.actor(), meta.EntryID)
	if err != nil {
		return err
	}
	r.Ack(slack.NewClearViewSubmissionResponse())
	return r.confirm(ctx, Message{Text: fmt.Sprintf(":wastebasket: Deleted %s for %s on %s.", timeparse.Format(e.Minutes), e.ClientLabel(), e.WorkDate.Format("Mon 2 Jan"))})
}
