package digest

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// PracticeRecipient is the practice's digest's recipient in digest_claims.
const PracticeRecipient = "practice"

// MemberRecipient is a person's DM's recipient: "member:12".
func MemberRecipient(m atlas.MemberID) string { return memberPrefix + strconv.FormatInt(int64(m), 10) }

const memberPrefix = "member:"

// Claim claims recipient's digest of day in tx, marked late or not: true
// when this call claimed it, false when it was claimed before (by another
// replica, or an earlier run of the day). The caller queues the digest's
// post in the same tx, so the claim and the post commit together.
func Claim(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, day time.Time, recipient string, late bool) (bool, error) {
	tag, err := tx.Exec(ctx, `INSERT INTO digest_claims (practice_id, day, recipient, late) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
		pid, day, recipient, late)
	if err != nil {
		return false, fmt.Errorf("digest: claim %s of %s: %w", recipient, day.Format(time.DateOnly), err)
	}
	return tag.RowsAffected() == 1, nil
}

// ClaimRecipients claims the DM of day, marked late or not, of each person
// who gets it (Recipients) and whose DM was not claimed before, in one
// statement in tx, and returns them, by name. The caller queues their
// posts in the same tx.
func ClaimRecipients(ctx context.Context, tx pgx.Tx, s Settings, day time.Time, late bool) ([]Recipient, error) {
	// The claims go in by member id, so replicas claiming at once take
	// their locks in the same order.
	rows, err := tx.Query(ctx, `
		WITH r AS (SELECT id, slack_user_id, lower(name) AS sort, $5::text || id AS recipient FROM members WHERE `+recipients+`),
		     c AS (INSERT INTO digest_claims (practice_id, day, recipient, late)
		           SELECT $1, $3::date, recipient, $4::boolean FROM r ORDER BY id
		           ON CONFLICT DO NOTHING RETURNING recipient)
		SELECT r.id, r.slack_user_id FROM r JOIN c USING (recipient) ORDER BY r.sort, r.id`,
		s.PracticeID, s.PersonalDefault, day, late, memberPrefix)
	return scanRecipients(rows, err)
}

// WasLate reads whether a claimed digest went late.
func WasLate(ctx context.Context, q db.DB, pid atlas.PracticeID, day time.Time, recipient string) (bool, error) {
	var late bool
	err := q.QueryRow(ctx, `SELECT late FROM digest_claims WHERE practice_id = $1 AND day = $2 AND recipient = $3`, pid, day, recipient).Scan(&late)
	if err != nil {
		return false, db.MapError(err, "That digest was never claimed.")
	}
	return late, nil
}

// SetPersonal turns a person's morning DM on or off.
func SetPersonal(ctx context.Context, q db.DB, pid atlas.PracticeID, m atlas.MemberID, on bool) error {
	tag, err := q.Exec(ctx, `UPDATE members SET personal_digest = $3, updated_at = now() WHERE practice_id = $1 AND id = $2`, pid, m, on)
	if err != nil {
		return fmt.Errorf("digest: set the personal digest: %w", err)
	}
	if tag.RowsAffected() != 1 {
		return atlas.Errorf(atlas.ENotFound, "You are not on this practice's team in Atlas yet.")
	}
	return nil
}
