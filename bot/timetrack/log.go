package timetrack

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/timeparse"
	"github.com/atlas-practice/atlas/internal/timesheet"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// logTime logs time from a /log line, or opens the modal when there is none.
func (h handlers) logTime(ctx context.Context, r *slackapp.Request) error {
	text := strings.TrimSpace(ui.Unescape(r.Text))
	if text == "" {
		return h.openLogModal(ctx, r, LogForm{})
	}
	list, err := h.services(ctx, r.Practice.ID)
	if err != nil {
		return err
	}
	if done, err := h.logOneTrip(ctx, r, text, list); done || err != nil {
		return err
	}
	line, err := h.readLineWith(ctx, r, text, true, list)
	if err != nil {
		return err
	}
	w, err := h.resolve(ctx, r, line)
	if err != nil {
		return err
	}
	entry, created, err := h.Time.Log(ctx, r.Practice, lineEntry(r, line.Reading, w), r.Now())
	if err != nil {
		return err
	}
	return h.logged(r, entry, created, w.note)
}

// logOneTrip saves a /log line whose client is one run of words, the usual
// line ("/log 1h30 acme payroll …"), in one round trip: the line is read
// with a stand-in client (oneRun), and timesheet.LogNamedClient looks the
// run up and saves the entry in one statement when it names one active
// client. done is false, with nothing saved, when the line must be read
// the long way: its client could be several runs of words, or the run
// names no client, several or an archived one, or the reading stops on a
// question or a mistake. The long way then gives every answer, question and
// choice it always has, in the order it always has.
func (h handlers) logOneTrip(ctx context.Context, r *slackapp.Request, text string, list []practice.Service) (done bool, err error) {
	var run oneRun
	line, err := timeparse.ReadLog(text, today(r), &run, lineServices(list))
	if err != nil || run.words == "" || len(line.AskClient) > 0 {
		return false, nil
	}
	// No lookup runs here: the reading has no client to ask about and
	// none archived, so resolve only settles the service.
	w, err := h.resolve(ctx, r, reading{Reading: line, services: list})
	if err != nil {
		return false, nil
	}
	entry, done, err := h.Time.LogNamedClient(ctx, r.Practice, run.words, lineEntry(r, line, w), r.Now())
	if err != nil || !done {
		return false, err
	}
	return true, h.logged(r, entry, true, w.note)
}

// lineEntry is the entry a /log line saves once read and resolved.
func lineEntry(r *slackapp.Request, line timeparse.Reading, w work) timesheet.NewEntry {
	return timesheet.NewEntry{
		Member: r.Member.ID, EntityID: w.entity, ServiceID: w.service, WorkDate: line.Date, Minutes: line.Minutes,
		Description: line.Description, Billable: true, Source: timesheet.SourceManual, Key: r.Key(),
	}
}

// logged answers a /log line with the entry it saved, or found saved by
// the same request before.
func (h handlers) logged(r *slackapp.Request, entry timesheet.Entry, created bool, note string) error {
	verb := "Logged"
	if !created {
		verb = "Already logged"
	}
	return r.Reply(slackapp.Message{Text: verb + " " + timeparse.Format(entry.Minutes) + " for " + entry.ClientLabel(),
		Blocks: Saved(ui.EntryOf(r.Practice, entry), verb, note)})
}

// openLogModal opens the log modal with the date defaulting to today,
// billable on, and the practice's services.
func (h handlers) openLogModal(ctx context.Context, r *slackapp.Request, f LogForm) error {
	list, err := h.services(ctx, r.Practice.ID)
	if err != nil {
		return err
	}
	f.Services = serviceOptions(list)
	if f.Service == "" && f.EntryID == 0 && r.Practice.DefaultServiceID != nil {
		f.Service = ui.ID(*r.Practice.DefaultServiceID)
	}
	if f.Date == "" {
		f.Date = today(r).Format(time.DateOnly)
	}
	if f.EntryID == 0 {
		f.Billable = true
	}
	return r.OpenModal(LogModal(f, LogMeta{EntryID: f.EntryID}))
}

// logFromAnywhere opens the log modal from the lightning menu, the App
// Home's button, or a slash command without text.
func (h handlers) logFromAnywhere(ctx context.Context, r *slackapp.Request) error {
	return h.openLogModal(ctx, r, LogForm{})
}

// logFromMessage opens the log modal with a message's text as the
// description: "Log time for this" in a message's menu.
func (h handlers) logFromMessage(ctx context.Context, r *slackapp.Request) error {
	desc := ""
	if r.Interaction != nil {
		desc = blockkit.Truncate(ui.Unescape(r.Interaction.Message.Text), timesheet.MaxDescription)
	}
	return h.openLogModal(ctx, r, LogForm{Description: desc})
}

// logFromTask opens the log modal for a month's task: its client, the task,
// and its name and current stage as the description.
func (h handlers) logFromTask(ctx context.Context, r *slackapp.Request) error {
	t, err := h.Work.Task(ctx, r.Practice.ID, ui.ParseID(r.Action.Value))
	if err != nil {
		return err
	}
	return h.openLogModal(ctx, r, LogForm{
		Client:      &blockkit.Option{Value: ui.ID(t.EntityID), Label: t.EntityCode + " · " + t.EntityName},
		Task:        &blockkit.Option{Value: ui.ID(t.ID), Label: t.Label()},
		Description: t.Describe(),
	})
}

// taskOptions offers this month's tasks: the chosen client's, or else the
// person's own.
func (h handlers) taskOptions(ctx context.Context, r *slackapp.Request) error {
	var entity int64
	if r.Interaction != nil && r.Interaction.View.State != nil {
		for _, a := range r.Interaction.View.State.Values[LogClient] {
			entity = ui.ParseID(a.SelectedOption.Value)
		}
	}
	f := workflow.Filter{Period: atlas.PeriodOf(r.Now().In(r.Practice.Location())), Today: today(r), EntityID: entity, Limit: blockkit.MaxSelectOptions}
	if entity == 0 {
		f.Member = r.Member.ID
	}
	page, err := h.Work.List(ctx, r.Practice.ID, f)
	if err != nil {
		return err
	}
	tasks := page.Tasks
	q := ""
	if r.Interaction != nil {
		q = strings.ToLower(r.Interaction.Value)
	}
	var opts []*slack.OptionBlockObject
	for _, t := range tasks {
		if q == "" || strings.Contains(strings.ToLower(t.Label()), q) {
			opts = append(opts, slack.NewOptionBlockObject(ui.ID(t.ID), blockkit.Plain(t.Label(), blockkit.MaxOptionText), nil))
		}
	}
	r.Options(opts)
	return nil
}

// entryForm reads the log modal into a new entry or an edit, putting each
// mistake on its own field.
func (h handlers) entryForm(ctx context.Context, r *slackapp.Request) (timesheet.Edit, error) {
	var ed timesheet.Edit
	ed.EntityID = ui.ParseID(r.Value(LogClient))
	if ed.EntityID == 0 {
		return ed, atlas.FieldError(LogClient, "Pick a client: type part of its code or name.")
	}
	e, err := h.Practice.Entity(ctx, r.Practice.ID, ed.EntityID)
	if err != nil {
		return ed, atlas.FieldError(LogClient, "That client no longer exists; pick another.")
	}
	if e.Archived() {
		return ed, atlas.FieldError(LogClient, "%s is archived and takes no new time. Pick another client, or ask a manager to restore it.", e.Name)
	}
	date, err := time.Parse(time.DateOnly, r.Value(LogDate))
	if err != nil {
		return ed, atlas.FieldError(LogDate, "Pick the day the work was done.")
	}
	ed.WorkDate = date
	ed.Minutes, err = timeparse.Duration(r.Value(LogDuration))
	if err != nil {
		return ed, atlas.FieldError(LogDuration, "%s", atlas.ErrorMessage(err))
	}
	if id := ui.ParseID(r.Value(LogService)); id != 0 {
		ed.ServiceID = &id
	}
	if id := ui.ParseID(r.Value(LogTask)); id != 0 {
		t, err := h.Work.Task(ctx, r.Practice.ID, id)
		if err != nil || t.EntityID != ed.EntityID {
			return ed, atlas.FieldError(LogTask, "That task is for another client. Pick one of %s's tasks, or none.", e.Name)
		}
		ed.TaskID = &id
	}
	ed.Description = r.Value(LogDescription)
	ed.Billable = len(r.Values(LogBillable)) > 0
	if ed.Billable && ed.ServiceID == nil && r.Practice.DefaultServiceID != nil {
		ed.ServiceID = r.Practice.DefaultServiceID
	}
	if ed.Billable && ed.ServiceID == nil {
		// Billing needs every billable entry to have a service.
		list, err := h.services(ctx, r.Practice.ID)
		if err != nil {
			return ed, err
		}
		if len(list) > 0 {
			return ed, atlas.FieldError(LogService, "Pick the service this time was for: every billable entry needs one.")
		}
	}
	return ed, nil
}

// submitLog saves the time from the log modal.
func (h handlers) submitLog(ctx context.Context, r *slackapp.Request) error {
	ed, err := h.entryForm(ctx, r)
	if err != nil {
		return err
	}
	source := timesheet.SourceManual
	if ed.TaskID != nil {
		source = timesheet.SourceTask
	}
	entry, _, err := h.Time.Log(ctx, r.Practice, timesheet.NewEntry{
		Member: r.Member.ID, EntityID: ed.EntityID, ServiceID: ed.ServiceID, TaskID: ed.TaskID, WorkDate: ed.WorkDate,
		Minutes: ed.Minutes, Description: ed.Description, Billable: ed.Billable, Source: source, Key: r.Key(),
	}, r.Now())
	if err != nil {
		return err
	}
	r.Ack(nil)
	return h.confirm(ctx, r, slackapp.Message{Text: "Logged " + timeparse.Format(entry.Minutes) + " for " + entry.ClientLabel(), Blocks: Saved(ui.EntryOf(r.Practice, entry), "Logged")})
}

// confirm tells the person about a change made in a modal: privately in
// the channel it was opened from, or by DM.
func (h handlers) confirm(ctx context.Context, r *slackapp.Request, m slackapp.Message) error {
	if err := r.Send(ctx, m); err != nil {
		return err
	}
	r.RefreshHome(ctx)
	return nil
}

// pickEntry opens the edit modal for an entry chosen on a timesheet.
func (h handlers) pickEntry(ctx context.Context, r *slackapp.Request) error {
	id := int64(0)
	if r.Action != nil {
		id = ui.ParseID(cmp.Or(r.Action.SelectedOption.Value, r.Action.Value))
	}
	e, err := h.Time.Entry(ctx, r.Practice.ID, id)
	if err != nil {
		return err
	}
	if e.MemberID != r.Member.ID && !r.Member.Can(atlas.RoleManager) {
		return atlas.Errorf(atlas.EForbidden, "That entry is %s's. Only they, a manager or a partner can change it.", e.MemberName)
	}
	if e.Locked() {
		return atlas.Errorf(atlas.EConflict, "The %s entry for %s on %s is locked (%s), so it cannot change.%s",
			timeparse.Format(e.Minutes), e.ClientLabel(), e.WorkDate.Format("Mon 2 Jan"), e.LockedAs(), lockedAdvice(e))
	}
	f := LogForm{
		EntryID: e.ID, Client: &blockkit.Option{Value: ui.ID(e.EntityID), Label: e.ClientLabel()},
		Date: e.WorkDate.Format(time.DateOnly), Duration: timeparse.Format(e.Minutes),
		Description: e.Description, Billable: e.Billable,
	}
	if e.ServiceID != nil {
		f.Service = ui.ID(*e.ServiceID)
	}
	if e.TaskID != nil {
		t, err := h.Work.Task(ctx, r.Practice.ID, *e.TaskID)
		if err == nil {
			f.Task = &blockkit.Option{Value: ui.ID(t.ID), Label: t.Label()}
		}
	}
	if e.MemberID != r.Member.ID {
		f.Person = e.MemberName
	}
	return h.openLogModal(ctx, r, f)
}

// submitEdit saves changes to an entry.
func (h handlers) submitEdit(ctx context.Context, r *slackapp.Request) error {
	var meta LogMeta
	if err := r.PrivateMetadata(&meta); err != nil {
		return err
	}
	ed, err := h.entryForm(ctx, r)
	if err != nil {
		return err
	}
	e, err := h.Time.Update(ctx, r.Practice, actor(r), meta.EntryID, ed, r.Now())
	if err != nil {
		return err
	}
	r.Ack(nil)
	return h.confirm(ctx, r, slackapp.Message{Text: "Entry saved", Blocks: Saved(ui.EntryOf(r.Practice, e), "Saved")})
}

// askDelete replaces the edit modal's content with a confirmation.
func (h handlers) askDelete(ctx context.Context, r *slackapp.Request) error {
	e, err := h.Time.Entry(ctx, r.Practice.ID, ui.ParseID(r.Action.Value))
	if err != nil {
		return err
	}
	var meta LogMeta
	_ = r.PrivateMetadata(&meta)
	meta.EntryID = e.ID
	_, err = r.API.PushViewContext(ctx, r.TriggerID, DeleteModal(ui.EntryOf(r.Practice, e), meta))
	if err != nil {
		return fmt.Errorf("push delete confirmation: %w", err)
	}
	return nil
}

// submitDelete deletes the entry once confirmed, and closes every modal.
func (h handlers) submitDelete(ctx context.Context, r *slackapp.Request) error {
	var meta LogMeta
	if err := r.PrivateMetadata(&meta); err != nil {
		return err
	}
	e, err := h.Time.Delete(ctx, r.Practice.ID, actor(r), meta.EntryID)
	if err != nil {
		return err
	}
	r.Ack(slack.NewClearViewSubmissionResponse())
	return h.confirm(ctx, r, slackapp.Message{Text: fmt.Sprintf(":wastebasket: Deleted %s for %s on %s.", timeparse.Format(e.Minutes), e.ClientLabel(), e.WorkDate.Format("Mon 2 Jan"))})
}

// lockedAdvice says what can be done about a locked entry.
func lockedAdvice(e timesheet.Entry) string {
	if e.BillingState == timesheet.Unbilled && e.InvoiceID != nil {
		return " Ask a manager to take it off the draft (carry it forward) first."
	}
	switch e.BillingState {
	case timesheet.Billed:
		return " Ask a partner to credit the invoice if it is wrong."
	case timesheet.WrittenOff:
		return " A partner can reverse the write-off first."
	}
	return ""
}
