package workflow

import (
	"context"
	"fmt"
	"strings"
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

// boardFigures reads the month's totals and every stage's figures in one
// pass over its tasks: each stage's median is an aggregate of its own, so
// only that stage's durations are sorted, never the tasks × stages rows.
// Days in stage g run from the end of the stage before (the task's
// creation for stage 1) to the end of this one.
var boardFigures = func() string {
	var sb strings.Builder
	sb.WriteString(`SELECT count(*), count(*) FILTER (WHERE completed_at IS NOT NULL)`)
	for g := 1; g <= 6; g++ {
		from := fmt.Sprintf("stage_done_at[%d]", g-1)
		if g == 1 {
			from = "least(created_at, stage_done_at[1])"
		}
		fmt.Fprintf(&sb, `,
		count(*) FILTER (WHERE completed_at IS NULL AND stage = %[1]d),
		count(*) FILTER (WHERE completed_at IS NULL AND stage = %[1]d AND stage_targets[%[1]d] < $3),
		count(stage_done_at[%[1]d]),
		percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM stage_done_at[%[1]d] - %[2]s) / 86400)
			FILTER (WHERE stage_done_at[%[1]d] IS NOT NULL)`, g, from)
	}
	sb.WriteString(` FROM tasks WHERE practice_id = $1 AND period = $2`)
	return sb.String()
}()

// Board computes the month's figures on today (a date).
func (s Store) Board(ctx context.Context, pid atlas.PracticeID, period atlas.Period, today time.Time) (Board, error) {
	b := Board{Period: period, Today: today}
	batch := &pgx.Batch{}
	batch.Queue(boardFigures, pid, period.FirstDay(), today)
	// Each open task counts once for its preparer and once for its
	// reviewer, in one pass over the month's tasks (two hash tables, one
	// scan).
	batch.Queue(`WITH g AS (
		SELECT preparer_id, reviewer_id, count(*)::int AS n
		  FROM tasks t
		 WHERE t.practice_id = $1 AND t.period = $2 AND t.completed_at IS NULL
		 GROUP BY GROUPING SETS ((preparer_id), (reviewer_id))
	), w AS (
		SELECT coalesce(preparer_id, reviewer_id) AS member_id,
		       sum(n) FILTER (WHERE preparer_id IS NOT NULL)::int AS prep, sum(n) FILTER (WHERE reviewer_id IS NOT NULL)::int AS rev
		  FROM g GROUP BY 1)
		SELECT m.id, m.name, m.slack_user_id, m.weekly_capacity_minutes, coalesce(w.prep, 0), coalesce(w.rev, 0)
		FROM members m LEFT JOIN w ON w.member_id = m.id
		WHERE m.practice_id = $1 AND m.active AND (w.member_id IS NOT NULL OR m.role <> 'admin')
		ORDER BY coalesce(w.prep, 0) + coalesce(w.rev, 0) DESC, lower(m.name)`, pid, period.FirstDay())
	batch.Queue(`SELECT count(*) FROM tasks WHERE practice_id = $1 AND period <= $2 AND completed_at IS NULL AND due_date < $3`,
		pid, period.FirstDay(), today)
	batch.Queue(`SELECT `+taskColumns+taskFrom+`
		WHERE tk.practice_id = $1 AND tk.period <= $2 AND tk.completed_at IS NULL AND tk.due_date < $3
		ORDER BY tk.due_date, lower(en.code) LIMIT $4`, pid, period.FirstDay(), today, OverdueShown)
	br := s.DB.SendBatch(ctx, batch)
	defer br.Close()
	dest := []any{&b.Total, &b.Complete}
	for g := range b.Stages {
		f := &b.Stages[g]
		dest = append(dest, &f.Waiting, &f.PastTarget, &f.Passed, &f.MedianDays)
	}
	if err := br.QueryRow().Scan(dest...); err != nil {
		return b, fmt.Errorf("board figures: %w", err)
	}
	rows, err := br.Query()
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
