package tasks

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/jobs"
	"github.com/atlas-practice/atlas/internal/outbox"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// OverdueTasksSpec is how often overdue tasks are looked for: an alert
// comes at most this late after a task falls overdue.
const OverdueTasksSpec = "*/15 * * * *"

// RenderOverdue names the overdue-task DM's renderer in the outbox.
const RenderOverdue = "task.overdue"

// OverdueAlerts tells preparers and managers when a pack falls overdue.
type OverdueAlerts struct {
	Clock atlas.Clock
	Log   *slog.Logger
	// Practice reads the practice, through the job's transaction; its zero
	// value will do.
	Practice practice.Store
}

// RegisterJobs adds the overdue alerts to reg.
func (oa OverdueAlerts) RegisterJobs(reg *jobs.Registry) error {
	return reg.AddPeriodic(jobs.Periodic{Name: "overdue_tasks", Spec: OverdueTasksSpec,
		Run: func(ctx context.Context, tx pgx.Tx, p jobs.Practice, _ time.Time) error {
			return oa.AlertOverdueTasks(ctx, tx, atlas.PracticeID(p.ID))
		}})
}

// AlertOverdueTasks queues a DM to the preparer of each open task past its
// due date, and to the client's manager, once per task and person. The
// alerts are claimed and their DMs queued in tx, so a run that fails to
// commit neither claims nor sends anything, and one that commits sends
// each DM once (the outbox delivers it).
func (oa OverdueAlerts) AlertOverdueTasks(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID) error {
	p, err := oa.Practice.In(tx).Get(ctx, pid)
	if err != nil {
		return err
	}
	alerts, err := workflow.ClaimOverdue(ctx, tx, pid, p.Today(oa.Clock.Now()))
	if err != nil {
		return err
	}
	for _, a := range alerts {
		role := "preparer"
		if a.Member != a.Task.PreparerID && a.Member == a.Task.ManagerID {
			role = "manager"
		}
		if err := outbox.QueuePost(ctx, tx, outbox.Post{Practice: string(pid), Channel: a.SlackUser, Render: RenderOverdue,
			Subject: outbox.Subject{Type: "task", ID: a.Task.ID, Purpose: overduePurpose(a.Day, role)}}); err != nil {
			return err
		}
	}
	if len(alerts) > 0 {
		oa.Log.Info("overdue task alerts queued", "practice", pid, "alerts", len(alerts))
	}
	return nil
}

// overduePurpose keys an alert's DM by the day the task fell overdue (a
// task whose due date moves can fall overdue again) and why the person is
// told.
func overduePurpose(day time.Time, role string) string {
	return "overdue:" + day.Format(time.DateOnly) + ":" + role
}

// renderOverdue draws an overdue-task DM from the task as it stands: a task
// completed before the DM went out is not worth a message.
func renderOverdue(d Deps, rt *slackapp.Router) slackapp.RenderFunc {
	return func(ctx context.Context, post outbox.Post) (slackapp.Message, error) {
		pid := atlas.PracticeID(post.Practice)
		p, err := d.Practice.Get(ctx, pid)
		if err != nil {
			return slackapp.Message{}, err
		}
		t, err := d.Work.Task(ctx, pid, post.Subject.ID)
		if atlas.ErrorCode(err) == atlas.ENotFound {
			return slackapp.Message{}, slackapp.ErrNothingToSay
		}
		if err != nil {
			return slackapp.Message{}, err
		}
		if t.CompletedAt != nil {
			return slackapp.Message{}, slackapp.ErrNothingToSay
		}
		if !strings.HasPrefix(post.Subject.Purpose, "overdue:") {
			return slackapp.Message{}, fmt.Errorf("overdue alert: purpose %q", post.Subject.Purpose)
		}
		today := p.Today(rt.Clock.Now())
		data := OverdueAlertData{TaskID: t.ID, Title: t.Title(), Stage: atlas.StageName(t.Stage), Due: t.DueDate,
			DaysOverdue: atlas.DaysBetween(t.DueDate, today), Preparer: t.PreparerName,
			AsManager: strings.HasSuffix(post.Subject.Purpose, ":manager")}
		return slackapp.Message{Text: OverdueAlertText(data), Blocks: OverdueAlert(data)}, nil
	}
}
