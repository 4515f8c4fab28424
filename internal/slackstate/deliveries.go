// Package slackstate is what Atlas remembers about Slack itself, apart from
// any feature: the Events API deliveries already handled, so a retried
// delivery is handled once.
package slackstate

import (
	"context"
	"fmt"

	"github.com/atlas-practice/atlas/internal/db"
)

// Deliveries records Events API deliveries in slack_events.
type Deliveries struct{ DB db.DB }

// FirstDelivery records an event id and reports whether it was new.
func (d Deliveries) FirstDelivery(ctx context.Context, team, eventID string) (bool, error) {
	tag, err := d.DB.Exec(ctx, `INSERT INTO slack_events (practice_id, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, team, eventID)
	if err != nil {
		return false, fmt.Errorf("record event %s: %w", eventID, err)
	}
	return tag.RowsAffected() == 1, nil
}
