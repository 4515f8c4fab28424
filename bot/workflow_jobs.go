package bot

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/bot/views"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/timekeeping"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// MonthlyTasksSpec makes each month's tasks at 05:00 on the 1st in the
// practice's timezone: before anyone starts work, and clear of the hour
// daylight saving skips or repeats.
const MonthlyTasksSpec = "0 5 1 * *"

// OverdueTasksSpec is how often overdue tasks are looked for: an alert
// comes at most this late after a task falls overdue (or after a DM that
// failed).
const OverdueTasksSpec = "*/15 * * * *"

// overdueAlertsPerRun bounds the DMs one run sends. The claims commit only
// when the run ends, so a run cut short by the tick's timeout would forget
// DMs already delivered and send them again; alerts past the bound are
// released and go out 15 minutes later instead.
const overdueAlertsPerRun = 300

// GenerateMonthlyTasks makes the tasks of the month slot falls in (slot is
// in the practice's timezone, so 05:00 on 1 December in Auckland is
// December, though it is still 30 November in UTC). Tasks that exist
// already are left alone, so a second run makes nothing.
func (rt *Router) GenerateMonthlyTasks(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, slot time.Time) error {
	// The engine runs only the latest missed slot after downtime, so the
	// month before is made too: a 1st missed whole is caught up by the
	// next. Generation is idempotent, so a month already made costs a
	// statement that inserts nothing.
	for _, period := range []atlas.Period{atlas.PeriodOf(slot).Prev(), atlas.PeriodOf(slot)} {
		g, err := workflow.GenerateTx(ctx, tx, pid, period, rt.Clock.Now())
		if err != nil {
			return err
		}
		rt.Log.Info("monthly tasks generated", "practice", pid, "period", period.String(), "tasks", g.Tasks, "items", g.Items)
	}
	return nil
}

// AlertOverdueTasks DMs the preparer of each open task past its due date,
// and the client's manager, once per task and person. The alerts are
// claimed in tx; those whose DM cannot be sent are released for the next
// run, while those sent stay claimed and are never repeated.
func (rt *Router) AlertOverdueTasks(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID) error {
	p, err := practice.Store{DB: tx}.Get(ctx, pid)
	if err != nil {
		return err
	}
	today := timekeeping.Today(p, rt.Clock.Now())
	alerts, err := workflow.ClaimOverdue(ctx, tx, pid, today)
	if err != nil {
		return err
	}
	var unsent []workflow.Alert
	if len(alerts) > overdueAlertsPerRun {
		unsent = append(unsent, alerts[overdueAlertsPerRun:]...)
		alerts = alerts[:overdueAlertsPerRun]
	}
	for _, a := range alerts {
		if err := rt.alertOverdue(ctx, a, today); err != nil {
			rt.Log.Warn("overdue task alert not sent; will retry", "practice", pid, "task", a.Task.ID, "user", a.SlackUser, "err", err)
			unsent = append(unsent, a)
			continue
		}
		rt.Log.Info("overdue task alert sent", "practice", pid, "task", a.Task.ID, "user", a.SlackUser)
	}
	if len(unsent) > 0 {
		return workflow.Release(ctx, tx, pid, unsent)
	}
	return nil
}

// alertOverdue sends one overdue-task DM.
func (rt *Router) alertOverdue(ctx context.Context, a workflow.Alert, today time.Time) error {
	t := a.Task
	d := views.OverdueAlertData{TaskID: t.ID, Title: t.Title(), Stage: atlas.StageName(t.Stage), Due: t.DueDate,
		DaysOverdue: daysBetween(t.DueDate, today), Preparer: t.PreparerName,
		AsManager: a.Member != t.PreparerID && a.Member == t.ManagerID}
	return sendDM(ctx, rt.API, a.SlackUser, Message{Text: views.OverdueAlertText(d), Blocks: views.OverdueAlert(d)})
}
