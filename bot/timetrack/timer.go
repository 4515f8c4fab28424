package timetrack

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/timeparse"
	"github.com/atlas-practice/atlas/internal/timesheet"
)

const timerUsage = "`/timer start <client> [service] [note]`, `/timer stop [note]`, `/timer` to see it, `/timer discard` or `/timer adjust`"

// timerShow shows the running timer, with its buttons.
func (h handlers) timerShow(ctx context.Context, r *slackapp.Request) error {
	if r.Text != "" && r.RouteKey == "/timer" {
		return atlas.Errorf(atlas.EInvalid, "Atlas does not know `/timer %s`. Use %s.", r.Text, timerUsage)
	}
	t, err := h.Time.Running(ctx, r.Practice.ID, r.Member.ID)
	if err != nil {
		return err
	}
	return r.Reply(slackapp.Message{Text: "Timer running on " + t.ClientLabel(), Blocks: TimerRunning(ui.TimerOf(r.Practice, t, r.Now()))})
}

// timerStart starts a timer, stopping and saving one already running.
func (h handlers) timerStart(ctx context.Context, r *slackapp.Request) error {
	in, err := h.readLine(ctx, r, ui.Unescape(r.Text), false)
	if err != nil {
		return err
	}
	w, err := h.resolve(ctx, r, in)
	if err != nil {
		return err
	}
	st, err := h.Time.Start(ctx, r.Practice, timesheet.StartInput{
		Member: r.Member.ID, EntityID: w.entity, ServiceID: w.service, Note: in.Description, Key: r.Key(),
	}, r.Now())
	if err != nil {
		return err
	}
	return r.Reply(slackapp.Message{Text: "Timer started on " + st.Timer.ClientLabel(),
		Blocks: TimerStarted(ui.TimerOf(r.Practice, st.Timer, r.Now()), stoppedNote(r, st.Stopped, "Your previous timer"))})
}

// stoppedNote says what stopping a timer saved.
func stoppedNote(r *slackapp.Request, s *timesheet.Stopped, what string) string {
	switch {
	case s == nil:
		return ""
	case s.Entry == nil:
		return fmt.Sprintf(":information_source: %s on %s ran for under a minute, so there was nothing to save.", what, blockkit.Escape(s.Timer.ClientLabel()))
	}
	return fmt.Sprintf(":white_check_mark: %s stopped and was saved for %s:\n%s", what, s.Entry.WorkDate.Format("Mon 2 Jan"), ui.EntryOf(r.Practice, *s.Entry).Line())
}

// timerStop stops the running timer and saves its time.
func (h handlers) timerStop(ctx context.Context, r *slackapp.Request) error {
	s, err := h.Time.Stop(ctx, r.Practice, r.Member.ID, ui.Unescape(r.Text), r.Now())
	if err != nil {
		return err
	}
	return r.Reply(slackapp.Message{Text: "Timer stopped", Blocks: stoppedBlocks(r, s)})
}

func stoppedBlocks(r *slackapp.Request, s timesheet.Stopped) []slack.Block {
	if s.Entry == nil {
		return []slack.Block{slack.NewSectionBlock(blockkit.Markdown(stoppedNote(r, &s, "The timer"), 0), nil, nil)}
	}
	return Saved(ui.EntryOf(r.Practice, *s.Entry), "Timer stopped and saved")
}

// timerStopButton stops the timer a button belongs to: a Stop button on an
// old message does not stop a newer timer.
func (h handlers) timerStopButton(ctx context.Context, r *slackapp.Request) error {
	r.ReplaceOriginal()
	s, err := h.Time.StopID(ctx, r.Practice, r.Member.ID, ui.ParseID(r.Action.Value), r.Now())
	if errors.Is(err, timesheet.ErrNoTimer) {
		return atlas.Errorf(atlas.EConflict, "That timer has already stopped. `/timesheet` shows what was saved.")
	}
	if err != nil {
		return err
	}
	if err := r.Reply(slackapp.Message{Text: "Timer stopped", Blocks: stoppedBlocks(r, s)}); err != nil {
		return err
	}
	r.RefreshHome(ctx)
	return nil
}

// timerDiscard asks to confirm discarding the running timer.
func (h handlers) timerDiscard(ctx context.Context, r *slackapp.Request) error {
	t, err := h.Time.Running(ctx, r.Practice.ID, r.Member.ID)
	if err != nil {
		return err
	}
	if r.Kind == slackapp.KindAction {
		r.ReplaceOriginal()
	}
	return r.Reply(slackapp.Message{Text: "Discard the timer?", Blocks: DiscardConfirm(ui.TimerOf(r.Practice, t, r.Now()))})
}

// timerDiscardConfirmed drops the timer the confirmation named.
func (h handlers) timerDiscardConfirmed(ctx context.Context, r *slackapp.Request) error {
	r.ReplaceOriginal()
	t, err := h.Time.Discard(ctx, r.Practice.ID, r.Member.ID, ui.ParseID(r.Action.Value))
	if errors.Is(err, timesheet.ErrNoTimer) {
		return atlas.Errorf(atlas.EConflict, "That timer has already stopped, so there is nothing to discard.")
	}
	if err != nil {
		return err
	}
	if err := r.Reply(slackapp.Message{Text: fmt.Sprintf(":wastebasket: Timer on %s discarded; its %s were not saved.",
		t.ClientLabel(), timeparse.Format(max(1, int(t.Elapsed(r.Now())/time.Minute))))}); err != nil {
		return err
	}
	r.RefreshHome(ctx)
	return nil
}

// timerKeep leaves a timer running: the answer to the forgotten-timer DM
// and to a discard confirmation.
func (h handlers) timerKeep(ctx context.Context, r *slackapp.Request) error {
	r.ReplaceOriginal()
	t, err := h.Time.Running(ctx, r.Practice.ID, r.Member.ID)
	if err != nil || t.ID != ui.ParseID(r.Action.Value) {
		return atlas.Errorf(atlas.EConflict, "That timer has already stopped. `/timer` shows what is running now.")
	}
	return r.Reply(slackapp.Message{Text: fmt.Sprintf(":stopwatch: Keeping your timer on %s running (%s so far). Atlas will not ask about it again; stop it with `/timer stop`.",
		t.ClientLabel(), timeparse.Format(max(1, int(t.Elapsed(r.Now())/time.Minute))))})
}

// timerAdjust opens the modal that stops a timer at a given time.
func (h handlers) timerAdjust(ctx context.Context, r *slackapp.Request) error {
	t, err := h.Time.Running(ctx, r.Practice.ID, r.Member.ID)
	if err != nil {
		return err
	}
	if r.Kind == slackapp.KindAction && t.ID != ui.ParseID(r.Action.Value) {
		return atlas.Errorf(atlas.EConflict, "That timer has already stopped. `/timer` shows what is running now.")
	}
	end := r.Now().In(r.Practice.Location())
	if max := t.StartedAt.Add(8 * time.Hour).In(r.Practice.Location()); end.After(max) {
		end = max // a forgotten timer: suggest a working day
	}
	return r.OpenModal(AdjustModal(ui.TimerOf(r.Practice, t, r.Now()), end.Format(time.DateOnly), end.Format("15:04")))
}

// submitAdjust stops the timer at the time given.
func (h handlers) submitAdjust(ctx context.Context, r *slackapp.Request) error {
	var meta AdjustMeta
	if err := r.PrivateMetadata(&meta); err != nil {
		return err
	}
	end, err := time.ParseInLocation("2006-01-02 15:04", r.Value(AdjustDate)+" "+r.Value(AdjustTime), r.Practice.Location())
	if err != nil {
		return atlas.FieldError(AdjustTime, "Pick the date and the time the work stopped.")
	}
	s, err := h.Time.StopAt(ctx, r.Practice, r.Member.ID, meta.TimerID, end, r.Now())
	switch {
	case errors.Is(err, timesheet.ErrNoTimer):
		return atlas.FieldError(AdjustTime, "That timer has already stopped.")
	case atlas.ErrorCode(err) == atlas.EInvalid:
		return atlas.FieldError(AdjustTime, "%s", atlas.ErrorMessage(err))
	case err != nil:
		return err
	}
	r.Ack(nil)
	if err := r.Send(ctx, slackapp.Message{Text: "Timer stopped", Blocks: stoppedBlocks(r, s)}); err != nil {
		return err
	}
	r.RefreshHome(ctx)
	return nil
}
