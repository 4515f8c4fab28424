package workflow

import (
	"cmp"
	"context"
	"fmt"
	"slices"
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
// the alerts to send. The key (task, person, kind, day), day being the day
// the task fell overdue, makes each alert once: a second run that day or
// any later one, or a second replica, claims nothing; a task whose due date
// moves and falls overdue again is claimed again. Run it in the
// transaction that queues the alerts' DMs.
func ClaimOverdue(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, today time.Time) ([]Alert, error) {
	rows, err := tx.Query(ctx, `WITH due AS (
		SELECT tk.id, tk.due_date + 1 AS day, r.member_id
		  FROM tasks tk
		  JOIN entities en ON en.practice_id = tk.practice_id AND en.id = tk.entity_id
		  CROSS JOIN LATERAL (VALUES (tk.preparer_id), (en.manager_id)) AS r(member_id)
		 WHERE tk.practice_id = $1 AND tk.completed_at IS NULL AND tk.due_date < $2 AND r.member_id IS NOT NULL
		   AND en.archived_at IS NULL
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
	// Two reads for the whole batch, however many alerts: a first run over
	// a backlog must not cost a round trip per alert.
	taskIDs := make([]int64, 0, len(claims))
	memberIDs := make([]int64, 0, len(claims))
	for _, c := range claims {
		taskIDs, memberIDs = append(taskIDs, c.task), append(memberIDs, c.member)
	}
	rows, err = tx.Query(ctx, `SELECT `+taskColumns+taskFrom+` WHERE tk.practice_id = $1 AND tk.id = ANY($2)`, pid, taskIDs)
	if err != nil {
		return nil, fmt.Errorf("overdue tasks: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Task, error) { return scanTask(r) })
	if err != nil {
		return nil, err
	}
	tasks := make(map[int64]Task, len(list))
	for _, t := range list {
		tasks[t.ID] = t
	}
	rows, err = tx.Query(ctx, `SELECT id, slack_user_id FROM members WHERE practice_id = $1 AND id = ANY($2)`, pid, memberIDs)
	if err != nil {
		return nil, fmt.Errorf("overdue alert people: %w", err)
	}
	slackIDs := map[int64]string{}
	var id int64
	var slackID string
	if _, err := pgx.ForEachRow(rows, []any{&id, &slackID}, func() error { slackIDs[id] = slackID; return nil }); err != nil {
		return nil, err
	}
	out := make([]Alert, 0, len(claims))
	for _, c := range claims {
		out = append(out, Alert{Task: tasks[c.task], Member: atlas.MemberID(c.member), SlackUser: slackIDs[c.member], Day: c.day})
	}
	slices.SortFunc(out, func(a, b Alert) int {
		return cmp.Or(cmp.Compare(a.Task.ID, b.Task.ID), cmp.Compare(a.Member, b.Member))
	})
	return out, nil
}
