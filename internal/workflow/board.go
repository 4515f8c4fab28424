package workflow

import (
	"context"
	"fmt"
	"slices"
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

// boardCounts adds up the month's task states kept in task_month_counts
// (migration 00031), grouped three ways: by open, stage and past the
// stage's target on $3 for the stage figures; by open and preparer, and by
// open and reviewer, for the workload. A few hundred kept states replace a
// pass over every task.
const boardCounts = `SELECT GROUPING(stage, preparer_id, reviewer_id), NOT done, coalesce(stage, 0),
	coalesce(target < $3, false), coalesce(preparer_id, reviewer_id, 0), sum(tasks)::int
	FROM task_month_counts WHERE practice_id = $1 AND period = $2
	GROUP BY GROUPING SETS ((done, stage, target < $3), (done, preparer_id), (done, reviewer_id))`

// The grouping sets boardCounts returns, by GROUPING(stage, preparer_id,
// reviewer_id): a bit is set for each column the set leaves out.
const (
	byStage    = 0b011
	byPreparer = 0b101
	byReviewer = 0b110
)

// boardStageTimes reads each stage's passed count and median days from
// task_stage_times, kept by the triggers of migration 00028: a walk over
// the month's distinct times per stage, not a sort of every task's. The
// median is percentile_cont(0.5)'s: the time at the middle position, or
// halfway between the two middle times (lo + 0.5 × (hi − lo), as
// PostgreSQL interpolates) when the count is even, each time in days as
// extract(epoch)/86400 in float8. Days in stage g run from the end of the
// stage before (the task's creation for stage 1) to the end of this one.
const boardStageTimes = `WITH h AS (
		SELECT stage, took, tasks, (extract(epoch FROM took) / 86400)::float8 AS days,
		       sum(tasks) OVER (PARTITION BY stage ORDER BY took ROWS UNBOUNDED PRECEDING) AS upto,
		       sum(tasks) FILTER (WHERE took IS NOT NULL) OVER (PARTITION BY stage) AS timed
		  FROM task_stage_times WHERE practice_id = $1 AND period = $2
	), m AS (
		SELECT stage, sum(tasks)::int AS passed, max(timed) AS timed,
		       min(days) FILTER (WHERE took IS NOT NULL AND (timed - 1) / 2 BETWEEN upto - tasks AND upto - 1) AS lo,
		       min(days) FILTER (WHERE took IS NOT NULL AND timed / 2 BETWEEN upto - tasks AND upto - 1) AS hi
		  FROM h GROUP BY stage)
	SELECT stage, passed, CASE WHEN timed % 2 = 1 THEN lo ELSE lo + 0.5::float8 * (hi - lo) END FROM m`

// Board computes the month's figures on today (a date).
func (s Store) Board(ctx context.Context, pid atlas.PracticeID, period atlas.Period, today time.Time) (Board, error) {
	b := Board{Period: period, Today: today}
	batch := &pgx.Batch{}
	batch.Queue(boardCounts, pid, period.FirstDay(), today)
	batch.Queue(boardStageTimes, pid, period.FirstDay())
	// The people in name order; the workload orders them by their load,
	// stably, so that equal loads keep it.
	batch.Queue(`SELECT id, name, slack_user_id, weekly_capacity_minutes, role = 'admin' FROM members
		WHERE practice_id = $1 AND active ORDER BY lower(name)`, pid)
	// The overdue tasks are few, but the planner, not knowing that open
	// tasks of past months are rare, would join every client to them: the
	// client's code is looked up per task instead, and the page of them
	// joined to its rows alone.
	batch.Queue(`SELECT `+taskColumns+`, pg.n FROM (SELECT tk.id, count(*) OVER () AS n FROM tasks tk
		WHERE tk.practice_id = $1 AND tk.period <= $2 AND tk.completed_at IS NULL AND tk.due_date < $3
		ORDER BY tk.due_date, (SELECT lower(e.code) FROM entities e WHERE e.practice_id = tk.practice_id AND e.id = tk.entity_id)
		LIMIT $4) pg
		JOIN tasks tk ON tk.practice_id = $1 AND tk.id = pg.id`+taskJoins+`
		ORDER BY tk.due_date, lower(en.code)`, pid, period.FirstDay(), today, OverdueShown)
	br := s.DB.SendBatch(ctx, batch)
	defer br.Close()

	rows, err := br.Query()
	if err != nil {
		return b, fmt.Errorf("board figures: %w", err)
	}
	load := map[int64]*[2]int{} // open packs each person prepares and reviews
	var set, stage, n int
	var open, late bool
	var member int64
	if _, err := pgx.ForEachRow(rows, []any{&set, &open, &stage, &late, &member, &n}, func() error {
		if set == byStage {
			b.Total += n
			switch {
			case !open:
				b.Complete += n
			case stage >= 1 && stage <= 6:
				b.Stages[stage-1].Waiting += n
				if late {
					b.Stages[stage-1].PastTarget += n
				}
			}
			return nil
		}
		if open {
			if load[member] == nil {
				load[member] = new([2]int)
			}
			if set == byPreparer {
				load[member][0] += n
			} else {
				load[member][1] += n
			}
		}
		return nil
	}); err != nil {
		return b, fmt.Errorf("board figures: %w", err)
	}

	rows, err = br.Query()
	if err != nil {
		return b, fmt.Errorf("board stage times: %w", err)
	}
	var median *float64
	if _, err := pgx.ForEachRow(rows, []any{&stage, &n, &median}, func() error {
		if stage >= 1 && stage <= 6 {
			b.Stages[stage-1].Passed, b.Stages[stage-1].MedianDays = n, median
		}
		return nil
	}); err != nil {
		return b, fmt.Errorf("board stage times: %w", err)
	}

	rows, err = br.Query()
	if err != nil {
		return b, fmt.Errorf("board workload: %w", err)
	}
	var w Workload
	var admin bool
	if _, err := pgx.ForEachRow(rows, []any{&member, &w.Name, &w.SlackUserID, &w.WeeklyCapacityMinutes, &admin}, func() error {
		l := load[member]
		// An admin is listed only while carrying work.
		if l == nil && admin {
			return nil
		}
		w.Member, w.Preparing, w.Reviewing = atlas.MemberID(member), 0, 0
		if l != nil {
			w.Preparing, w.Reviewing = l[0], l[1]
		}
		b.Workload = append(b.Workload, w)
		return nil
	}); err != nil {
		return b, fmt.Errorf("board workload: %w", err)
	}
	slices.SortStableFunc(b.Workload, func(x, y Workload) int {
		return (y.Preparing + y.Reviewing) - (x.Preparing + x.Reviewing)
	})

	rows, err = br.Query()
	if err != nil {
		return b, fmt.Errorf("board overdue: %w", err)
	}
	b.Overdue, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Task, error) {
		t, err := scanTask(extraColumn{r, &b.OverdueTotal})
		return t, err
	})
	if err != nil {
		return b, fmt.Errorf("board overdue: %w", err)
	}
	return b, nil
}

// extraColumn scans a task row that carries one more column at its end.
type extraColumn struct {
	pgx.Row
	extra any
}

func (r extraColumn) Scan(dest ...any) error { return r.Row.Scan(append(dest, r.extra)...) }
