package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/views"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/timekeeping"
	"github.com/atlas-practice/atlas/internal/timeparse"
)

const timerUsage = "`/timer start <client> [service] [note]`, `/timer stop [note]`, `/timer` to see it, `/timer discard` or `/timer adjust`"

// timerShow shows the running timer, with its buttons.
func timerShow(ctx context.Context, r *Request) error {
	if r.Text != "" && r.RouteKey == "/timer" {
		return atlas.Errorf(atlas.EInvalid, "Atlas does not know `/timer %s`. Use %s.", r.Text, timerUsage)
	}
	t, err := r.timeStore().Running(ctx, r.Practice.ID, r.Member.ID)
	if err != nil {
		return err
	}
	return r.Reply(Message{Text: "Timer running on " + t.ClientLabel(), Blocks: views.TimerRunning(r.timerView(t))})
}

// timerStart starts a timer, stopping and saving one already running.
func timerStart(ctx context.Context, r *Request) error {
	services, err := servicesOf(ctx, r)
	if err != nil {
		return err
	}
	in, err := timeparse.TimerStartLine(unescape(r.Text), services.names)
	if err != nil {
		return err
	}
	e, svc, err := resolveWork(ctx, r, services, in.Client, in.Service)
	if err != nil {
		return err
	}
	st, err := r.timeStore().Start(ctx, r.Practice, timekeeping.StartInput{
		Member: r.Member.ID, EntityID: e.ID, ServiceID: svc, Note: in.Note, Key: r.key(),
	}, r.now())
	if err != nil {
		return err
	}
	return r.Reply(Message{Text: "Timer started on " + st.Timer.ClientLabel(),
		Blocks: views.TimerStarted(r.timerView(st.Timer), r.stoppedNote(st.Stopped, "Your previous timer"))})
}

// stoppedNote says what stopping a timer saved.
func (r *Request) stoppedNote(s *timekeeping.Stopped, what string) string {
	switch {
	case s == nil:
		return ""
	case s.Entry == nil:
		return fmt.Sprintf(":information_source: %s on %s ran for under a minute, so there was nothing to save.", what, blockkit.Escape(s.Timer.ClientLabel()))
	}
	return fmt.Sprintf(":white_check_mark: %s stopped and was saved for %s:\n%s", what, s.Entry.WorkDate.Format("Mon 2 Jan"), r.entryView(*s.Entry).Line())
}

// timerStop stops the running timer and saves its time.
func timerStop(ctx context.Context, r *Request) error {
	s, err := r.timeStore().Stop(ctx, r.Practice, r.Member.ID, unescape(r.Text), r.now())
	if err != nil {
		return err
	}
	return r.Reply(Message{Text: "Timer stopped", Blocks: stoppedBlocks(r, s)})
}

func stoppedBlocks(r *Request, s timekeeping.Stopped) []slack.Block {
	if s.Entry == nil {
		return []slack.Block{slack.NewSectionBlock(blockkit.Markdown(r.stoppedNote(&s, "The timer"), 0), nil, nil)}
	}
	return views.Saved(r.entryView(*s.Entry), "Timer stopped and saved")
}

// timerStopButton stops the timer a button belongs to: a Stop button on an
// old message does not stop a newer timer.
func timerStopButton(ctx context.Context, r *Request) error {
	r.replace = true
	s, err := r.timeStore().StopID(ctx, r.Practice, r.Member.ID, atoi64(r.Action.Value), r.now())
	if errors.Is(err, timekeeping.ErrNoTimer) {
		return atlas.Errorf(atlas.EConflict, "That timer has already stopped. `/timesheet` shows what was saved.")
	}
	if err != nil {
		return err
	}
	if err := r.Reply(Message{Text: "Timer stopped", Blocks: stoppedBlocks(r, s)}); err != nil {
		return err
	}
	return r.refreshHome(ctx)
}

// timerDiscard asks to confirm discarding the running timer.
func timerDiscard(ctx context.Context, r *Request) error {
	t, err := r.timeStore().Running(ctx, r.Practice.ID, r.Member.ID)
	if err != nil {
		return err
	}
	if r.Kind == KindAction {
		r.replace = true
	}
	return r.Reply(Message{Text: "Discard the timer?", Blocks: views.DiscardConfirm(r.timerView(t))})
}

// timerDiscardConfirmed drops the timer the confirmation named.
func timerDiscardConfirmed(ctx context.Context, r *Request) error {
	r.replace = true
	t, err := r.timeStore().Discard(ctx, r.Practice.ID, r.Member.ID, atoi64(r.Action.Value))
	if errors.Is(err, timekeeping.ErrNoTimer) {
		return atlas.Errorf(atlas.EConflict, "That timer has already stopped, so there is nothing to discard.")
	}
	if err != nil {
		return err
	}
	if err := r.Reply(Message{Text: fmt.Sprintf(":wastebasket: Timer on %s discarded; its %s were not saved.",
		t.ClientLabel(), timeparse.Format(max(1, int(t.Elapsed(r.now())/time.Minute))))}); err != nil {
		return err
	}
	return r.refreshHome(ctx)
}

// timerKeep leaves a timer running: the answer to the forgotten-timer DM
// and to a discard confirmation.
func timerKeep(ctx context.Context, r *Request) error {
	r.replace = true
	t, err := r.timeStore().Running(ctx, r.Practice.ID, r.Member.ID)
	if err != nil || t.ID != atoi64(r.Action.Value) {
		return atlas.Errorf(atlas.EConflict, "That timer has already stopped. `/timer` shows what is running now.")
	}
	return r.Reply(Message{Text: fmt.Sprintf(":stopwatch: Keeping your timer on %s running (%s so far). Atlas will not ask about it again; stop it with `/timer stop`.",
		t.ClientLabel(), timeparse.Format(max(1, int(t.Elapsed(r.now())/time.Minute))))})
}

// timerAdjust opens the modal that stops a timer at a given time.
func timerAdjust(ctx context.Context, r *Request) error {
	t, err := r.timeStore().Running(ctx, r.Practice.ID, r.Member.ID)
	if err != nil {
		return err
	}
	if r.Kind == KindAction && t.ID != atoi64(r.Action.Value) {
		return atlas.Errorf(atlas.EConflict, "That timer has already stopped. `/timer` shows what is running now.")
	}
	end := r.now().In(r.Practice.Location())
	if max := t.StartedAt.Add(8 * time.Hour).In(r.Practice.Location()); end.After(max) {
		end = max // a forgotten timer: suggest a working day
	}
	return r.OpenModal(views.AdjustModal(r.timerView(t), end.Format(time.DateOnly), end.Format("15:04")))
}

// submitAdjust stops the timer at the time given.
func submitAdjust(ctx context.Context, r *Request) error {
	var meta views.AdjustMeta
	if err := r.PrivateMetadata(&meta); err != nil {
		return err
	}
	end, err := time.ParseInLocation("2006-01-02 15:04", r.Value(views.AdjustDate)+" "+r.Value(views.AdjustTime), r.Practice.Location())
	if err != nil {
		return atlas.FieldError(views.AdjustTime, "Pick the date and the time the work stopped.")
	}
	s, err := r.timeStore().StopAt(ctx, r.Practice, r.Member.ID, meta.TimerID, end, r.now())
	switch {
	case errors.Is(err, timekeeping.ErrNoTimer):
		return atlas.FieldError(views.AdjustTime, "That timer has already stopped.")
	case atlas.ErrorCode(err) == atlas.EInvalid:
		return atlas.FieldError(views.AdjustTime, "%s", atlas.ErrorMessage(err))
	case err != nil:
		return err
	}
	r.Ack(nil)
	if err := r.DM(ctx, r.UserID, Message{Text: "Timer stopped", Blocks: stoppedBlocks(r, s)}); err != nil {
		return err
	}
	return r.refreshHome(ctx)
}

// refreshHome republishes the person's App Home after their time changed,
// when they have one open; a failure is logged, not shown.
func (r *Request) refreshHome(ctx context.Context) error {
	if err := home(ctx, r); err != nil {
		r.log.Warn("could not refresh the App Home", "user", r.UserID, "err", err)
	}
	return nil
}
