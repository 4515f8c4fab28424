package tasks

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/jobs"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// OverdueTasksSpec is how often overdue tasks are looked for: an alert
// comes at most this late after a task falls overdue (or after a DM that
// failed).
const OverdueTasksSpec = "*/15 * * * *"

// overdueAlertsPerRun bounds the DMs one run sends. The claims commit only
// when the run ends, so a run cut short by the tick's timeout would forget
// DMs already delivered and send them again; alerts past the bound are
// released and go out 15 minutes later instead.
const overdueAlertsPerRun = 300

// OverdueAlerts tells preparers and managers when a pack falls overdue.
type OverdueAlerts struct {
	Slack slackapp.Notifier
	Clock atlas.Clock
	Log   *slog.Logger
}

// RegisterJobs adds the overdue alerts to reg.
func (oa OverdueAlerts) RegisterJobs(reg *jobs.Registry) error {
	return reg.AddPeriodic(jobs.Periodic{Name: "overdue_tasks", Spec: OverdueTasksSpec,
		Run: func(ctx context.Context, tx pgx.Tx, p jobs.Practice, _ time.Time) error {
			return oa.AlertOverdueTasks(ctx, tx, atlas.PracticeID(p.ID))
		}})
}

// AlertOverdueTasks DMs the preparer of each open task past its due date,
// and the client's manager, once per task and person. The alerts are
// claimed in tx; those whose DM cannot be sent are released for the next
// run, while those sent stay claimed and are never repeated.
func (oa OverdueAlerts) AlertOverdueTasks(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID) error {
	p, err := practice.Store{DB: tx}.Get(ctx, pid)
	if err != nil {
		return err
	}
	today := p.Today(oa.Clock.Now())
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
		if err := oa.alertOverdue(ctx, a, today); err != nil {
			oa.Log.Warn("overdue task alert not sent; will retry", "practice", pid, "task", a.Task.ID, "user", a.SlackUser, "err", err)
			unsent = append(unsent, a)
			continue
		}
		oa.Log.Info("overdue task alert sent", "practice", pid, "task", a.Task.ID, "user", a.SlackUser)
	}
	if len(unsent) > 0 {
		return workflow.Release(ctx, tx, pid, unsent)
	}
	return nil
}

// alertOverdue sends one overdue-task DM.
func (oa OverdueAlerts) alertOverdue(ctx context.Context, a workflow.Alert, today time.Time) error {
	t := a.Task
	d := OverdueAlertData{TaskID: t.ID, Title: t.Title(), Stage: atlas.StageName(t.Stage), Due: t.DueDate,
		DaysOverdue: atlas.DaysBetween(t.DueDate, today), Preparer: t.PreparerName,
		AsManager: a.Member != t.PreparerID && a.Member == t.ManagerID}
	return oa.Slack.DM(ctx, a.SlackUser, slackapp.Message{Text: OverdueAlertText(d), Blocks: OverdueAlert(d)})
}
