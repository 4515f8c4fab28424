package workflow

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/jobs"
)

// MonthlyTasksSpec makes each month's tasks at 05:00 on the 1st in the
// practice's timezone: before anyone starts work, and clear of the hour
// daylight saving skips or repeats.
const MonthlyTasksSpec = "0 5 1 * *"

// MonthlyTasks is the periodic job that makes each month's tasks. It
// touches only the database.
type MonthlyTasks struct {
	Clock atlas.Clock
	Log   *slog.Logger
}

// RegisterJobs adds monthly generation to reg.
func (m MonthlyTasks) RegisterJobs(reg *jobs.Registry) error {
	return reg.AddPeriodic(jobs.Periodic{Name: "monthly_tasks", Spec: MonthlyTasksSpec,
		Run: func(ctx context.Context, tx pgx.Tx, p jobs.Practice, slot time.Time) error {
			return m.Generate(ctx, tx, atlas.PracticeID(p.ID), slot)
		}})
}

// Generate makes the tasks of the month slot falls in (slot is in the
// practice's timezone, so 05:00 on 1 December in Auckland is December,
// though it is still 30 November in UTC). Tasks that exist already are
// left alone, so a second run makes nothing.
func (m MonthlyTasks) Generate(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, slot time.Time) error {
	// The engine runs only the latest missed slot after downtime, so the
	// month before is made too: a 1st missed whole is caught up by the
	// next. Generation is idempotent, so a month already made costs a
	// statement that inserts nothing.
	for _, period := range []atlas.Period{atlas.PeriodOf(slot).Prev(), atlas.PeriodOf(slot)} {
		g, err := GenerateTx(ctx, tx, pid, period, m.Clock.Now())
		if err != nil {
			return err
		}
		m.Log.Info("monthly tasks generated", "practice", pid, "period", period.String(), "tasks", g.Tasks, "items", g.Items)
	}
	return nil
}
