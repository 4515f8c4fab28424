package workflow

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// Alert is one DM to send about an overdue task.
type Alert struct {
	Task      Task
	Member    atlas.MemberID
	SlackUser string
	Day       time.Time // the day the task became overdue
}

// ClaimOverdue records an overdue alert for every open task past its due
// date on today, to its preparer and to the client's manager, and returns
// the alerts to send. The key (task, person, kind, day) makes each alert
// once: a second run, or a second replica, claims nothing. Run it in the
// transaction that sends the alerts, and Release those that fail to send.
func ClaimOverdue(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, today time.Time) ([]Alert, error) {
	rows, err := tx.Query(ctx, `WITH due AS (
		SELECT tk.id, tk.due_date + 1 AS day, r.member_id
		  FROM tasks tk
		  JOIN entities en ON en.practice_id = tk.practice_id AND en.id = tk.entity_id
		  CROSS JOIN LATERAL (VALUES (tk.preparer_id), (en.manager_id)) AS r(member_id)
		 WHERE tk.practice_id = $1 AND tk.completed_at IS NULL AND tk.due_date < $2 AND r.member_id IS NOT NULL
	)
	INSERT INTO task_alerts (practice_id, task_id, member_id, kind, day)
	SELECT DISTINCT $1, d.id, d.member_id, 'overdue', d.day FROM due d
	  JOIN members m ON m.practice_id = $1 AND m.id = d.member_id AND m.active
	ON CONFLICT DO NOTHING
	RETURNING task_id, member_id, day`, pid, today)
	if err != nil {
		return nil, fmt.Errorf("claim overdue alerts: %w", err)
	}
	type claim struct {
		task, member int64
		day          time.Time
	}
	var claims []claim
	var c claim
	if _, err := pgx.ForEachRow(rows, []any{&c.task, &c.member, &c.day}, func() error {
		claims = append(claims, c)
		return nil
	}); err != nil || len(claims) == 0 {
		return nil, err
	}
	out := make([]Alert, 0, len(claims))
	tasks := map[int64]Task{}
	for _, c := range claims {
		t, ok := tasks[c.task]
		if !ok {
			if t, err = loadTask(ctx, tx, pid, c.task, false); err != nil {
				return nil, err
			}
			tasks[c.task] = t
		}
		var slackID string
		if err := tx.QueryRow(ctx, `SELECT slack_user_id FROM members WHERE practice_id = $1 AND id = $2`, pid, c.member).Scan(&slackID); err != nil {
			return nil, err
		}
		out = append(out, Alert{Task: t, Member: atlas.MemberID(c.member), SlackUser: slackID, Day: c.day})
	}
	return out, nil
}

// Release forgets alerts that could not be sent, so the next run tries
// them again.
func Release(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, alerts []Alert) error {
	for _, a := range alerts {
		if _, err := tx.Exec(ctx, `DELETE FROM task_alerts WHERE practice_id = $1 AND task_id = $2 AND member_id = $3 AND kind = 'overdue' AND day = $4`,
			pid, a.Task.ID, int64(a.Member), a.Day); err != nil {
			return fmt.Errorf("release alert: %w", err)
		}
	}
	return nil
}
