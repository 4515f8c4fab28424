package workflow

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// Board is the month's figures for managers: how much is done, which stage
// holds work up, who carries how much, and what is overdue. The daily
// digest reads the same figures.
type Board struct {
	Period   atlas.Period
	Today    time.Time
	Total    int
	Complete int
	Stages   [6]StageFigures
	Workload []Workload
	Overdue  []Task // open tasks past their due date, this month's and earlier, most overdue first
	// OverdueTotal counts them all; Overdue holds at most OverdueShown.
	OverdueTotal int
}

// OverdueShown is how many overdue tasks the board lists.
const OverdueShown = 20

// StageFigures is one stage's part in the bottleneck analysis.
type StageFigures struct {
	Waiting    int // open tasks whose current stage this is
	PastTarget int // of those, how many are past this stage's target date
	Passed     int // tasks that have finished this stage
	// MedianDays is the median time the tasks that finished this stage
	// spent in it, in days; nil when none has.
	MedianDays *float64
}

// Workload is one person's share of the month.
type Workload struct {
	Member                atlas.MemberID
	Name                  string
	SlackUserID           string
	Preparing             int // open packs they prepare
	Reviewing             int // open packs they review
	WeeklyCapacityMinutes int
}

// CompletionRate is complete ÷ all tasks of the month, in percent, rounded
// down so that 100 means every pack is done.
func (b Board) CompletionRate() int {
	if b.Total == 0 {
		return 0
	}
	return b.Complete * 100 / b.Total
}

// Bottleneck is the stage with the most tasks waiting (the earliest on a
// tie), or 0 when nothing waits.
func (b Board) Bottleneck() int {
	best, most := 0, 0
	for i, s := range b.Stages {
		if s.Waiting > most {
			best, most = i+1, s.Waiting
		}
	}
	return best
}

// Board computes the month's figures on today (a date).
func (s Store) Board(ctx context.Context, pid atlas.PracticeID, period atlas.Period, today time.Time) (Board, error) {
	b := Board{Period: period, Today: today}
	batch := &pgx.Batch{}
	batch.Queue(`SELECT count(*), count(*) FILTER (WHERE completed_at IS NOT NULL) FROM tasks WHERE practice_id = $1 AND period = $2`,
		pid, period.FirstDay())
	// Days in stage g: from the end of the stage before (the task's
	// creation for stage 1) to the end of this one.
	batch.Queue(`SELECT g,
		count(*) FILTER (WHERE t.completed_at IS NULL AND t.stage = g),
		count(*) FILTER (WHERE t.completed_at IS NULL AND t.stage = g AND t.stage_targets[g] < $3),
		count(*) FILTER (WHERE t.stage_done_at[g] IS NOT NULL),
		percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t.stage_done_at[g]
			- CASE WHEN g = 1 THEN least(t.created_at, t.stage_done_at[1]) ELSE t.stage_done_at[g - 1] END) / 86400)
			FILTER (WHERE t.stage_done_at[g] IS NOT NULL)
		FROM tasks t CROSS JOIN generate_series(1, 6) g
		WHERE t.practice_id = $1 AND t.period = $2
		GROUP BY g ORDER BY g`, pid, period.FirstDay(), today)
	batch.Queue(`SELECT m.id, m.name, m.slack_user_id, m.weekly_capacity_minutes,
		count(t.id) FILTER (WHERE t.preparer_id = m.id), count(t.id) FILTER (WHERE t.reviewer_id = m.id)
		FROM members m
		LEFT JOIN tasks t ON t.practice_id = m.practice_id AND t.period = $2 AND t.completed_at IS NULL
		                 AND m.id IN (t.preparer_id, t.reviewer_id)
		WHERE m.practice_id = $1 AND m.active
		GROUP BY m.id
		HAVING count(t.id) > 0 OR m.role <> 'admin'
		ORDER BY count(t.id) DESC, lower(m.name)`, pid, period.FirstDay())
	batch.Queue(`SELECT count(*) FROM tasks WHERE practice_id = $1 AND period <= $2 AND completed_at IS NULL AND due_date < $3`,
		pid, period.FirstDay(), today)
	batch.Queue(`SELECT `+taskColumns+taskFrom+`
		WHERE tk.practice_id = $1 AND tk.period <= $2 AND tk.completed_at IS NULL AND tk.due_date < $3
		ORDER BY tk.due_date, lower(en.code) LIMIT $4`, pid, period.FirstDay(), today, OverdueShown)
	br := s.DB.SendBatch(ctx, batch)
	defer br.Close()
	if err := br.QueryRow().Scan(&b.Total, &b.Complete); err != nil {
		return b, fmt.Errorf("board totals: %w", err)
	}
	rows, err := br.Query()
	if err != nil {
		return b, fmt.Errorf("board stages: %w", err)
	}
	var g int
	var f StageFigures
	if _, err := pgx.ForEachRow(rows, []any{&g, &f.Waiting, &f.PastTarget, &f.Passed, &f.MedianDays}, func() error {
		if g >= 1 && g <= 6 {
			b.Stages[g-1] = f
		}
		f = StageFigures{}
		return nil
	}); err != nil {
		return b, fmt.Errorf("board stages: %w", err)
	}
	rows, err = br.Query()
	if err != nil {
		return b, fmt.Errorf("board workload: %w", err)
	}
	var w Workload
	var id int64
	if _, err := pgx.ForEachRow(rows, []any{&id, &w.Name, &w.SlackUserID, &w.WeeklyCapacityMinutes, &w.Preparing, &w.Reviewing}, func() error {
		w.Member = atlas.MemberID(id)
		b.Workload = append(b.Workload, w)
		return nil
	}); err != nil {
		return b, fmt.Errorf("board workload: %w", err)
	}
	if err := br.QueryRow().Scan(&b.OverdueTotal); err != nil {
		return b, fmt.Errorf("board overdue: %w", err)
	}
	rows, err = br.Query()
	if err != nil {
		return b, fmt.Errorf("board overdue: %w", err)
	}
	b.Overdue, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Task, error) { return scanTask(r) })
	return b, err
}
