package practice

import (
	"context"
	"fmt"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// Audit records who did what to which subject. Call it inside the
// transaction that makes the change, so the record and the change stand or
// fall together. actor 0 means Atlas itself.
func Audit(ctx context.Context, q db.DB, pid atlas.PracticeID, actor atlas.MemberID, action, subjectType string, subjectID int64, data map[string]any) error {
	var actorID, subject any
	if actor != 0 {
		actorID = actor
	}
	if subjectID != 0 {
		subject = subjectID
	}
	if data == nil {
		data = map[string]any{}
	}
	_, err := q.Exec(ctx, `INSERT INTO audit_events (practice_id, actor_id, action, subject_type, subject_id, data)
		VALUES ($1, $2, $3, $4, $5, $6)`, pid, actorID, action, subjectType, subject, data)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}
