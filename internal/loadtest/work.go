package loadtest

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/slackfake"
)

// WorkFor reads what each person has to do: the packs each one prepares
// this month, and the invoices awaiting approval shared among the partners.
func WorkFor(ctx context.Context, pool *pgxpool.Pool, p Practice) (tasks, invoices map[string][]int64, err error) {
	tasks, invoices = map[string][]int64{}, map[string][]int64{}
	rows, err := pool.Query(ctx, `SELECT m.slack_user_id, t.id FROM tasks t JOIN members m ON m.practice_id = t.practice_id AND m.id = t.preparer_id
		WHERE t.practice_id = $1 AND t.period = $2 ORDER BY t.id`, p.ID, p.Month.FirstDay())
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var user string
		var id int64
		if err := rows.Scan(&user, &id); err != nil {
			return nil, nil, err
		}
		tasks[user] = append(tasks[user], id)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	var partners []string
	for _, person := range p.People {
		if person.Role == atlas.RolePartner {
			partners = append(partners, person.SlackID)
		}
	}
	if len(partners) == 0 {
		return tasks, invoices, nil
	}
	rows, err = pool.Query(ctx, `SELECT id FROM invoices WHERE practice_id = $1 AND status = 'awaiting_approval' ORDER BY id`, p.ID)
	if err != nil {
		return nil, nil, err
	}
	i := 0
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, nil, err
		}
		invoices[partners[i%len(partners)]] = append(invoices[partners[i%len(partners)]], id)
		i++
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("invoices awaiting approval: %w", err)
	}
	return tasks, invoices, nil
}

// WaitForConnections waits until n Socket Mode connections are in the
// stand-in's rotation.
func WaitForConnections(ctx context.Context, fake *slackfake.Server, n int) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for fake.ActiveConnections() < n {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d of %d socket connections after 30s", fake.ActiveConnections(), n)
		case <-tick.C:
		}
	}
	return nil
}
