package workflow

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// Refresh lets tests that tick items with SQL bring the tasks' kept
// progress up to date as the store's own statements do.
func Refresh(ctx context.Context, q db.DB, pid atlas.PracticeID, ids []int64, now time.Time) error {
	return refresh(ctx, q, pid, ids, now)
}

// BoardFiguresSQL is the board's stage figures computed directly from the
// month's tasks ($1 practice, $2 period, $3 today): totals, then per stage
// waiting, past target, passed and median days (percentile_cont over each
// task's time in the stage). Tests hold the board's kept figures to it.
var BoardFiguresSQL = func() string {
	var sb strings.Builder
	sb.WriteString(`SELECT count(*)::int, (count(*) FILTER (WHERE completed_at IS NOT NULL))::int`)
	for g := 1; g <= 6; g++ {
		from := fmt.Sprintf("stage_done_at[%d]", g-1)
		if g == 1 {
			from = "least(created_at, stage_done_at[1])"
		}
		fmt.Fprintf(&sb, `,
		(count(*) FILTER (WHERE completed_at IS NULL AND stage = %[1]d))::int,
		(count(*) FILTER (WHERE completed_at IS NULL AND stage = %[1]d AND stage_targets[%[1]d] < $3))::int,
		count(stage_done_at[%[1]d])::int,
		percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM stage_done_at[%[1]d] - %[2]s) / 86400)
			FILTER (WHERE stage_done_at[%[1]d] IS NOT NULL)`, g, from)
	}
	sb.WriteString(` FROM tasks WHERE practice_id = $1 AND period = $2`)
	return sb.String()
}()
