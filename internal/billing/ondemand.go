package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// DraftFor makes a client's invoices now, for a manager: an hourly draft
// of its unbilled time up to upTo (and, for a fixed-fee client, of the
// time its retainer does not cover), and any retainer invoice whose date
// has come and is not made yet. A client with no billing email, or a
// fixed-fee client with a period due and no fee in force for it, is
// refused with what to fix; nothing is made then.
func (s Store) DraftFor(ctx context.Context, pid atlas.PracticeID, entityID int64, upTo, now time.Time, actor atlas.MemberID) ([]Made, error) {
	var out []Made
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		set, err := settings(ctx, tx, pid)
		if err != nil {
			return err
		}
		var code, name, billingType, email string
		if err := tx.QueryRow(ctx, `SELECT code, name, billing_type, coalesce(billing_email, '') FROM entities
			WHERE practice_id = $1 AND id = $2`, pid, entityID).Scan(&code, &name, &billingType, &email); err != nil {
			return db.MapError(err, "That client does not exist.")
		}
		if email == "" {
			return atlas.Errorf(atlas.EInvalid, "%s has no billing email, so an invoice could not be sent to it. Add one with `/atlas clients edit %s`, then draft again.",
				name, code)
		}
		today := atlas.DateOf(now.In(set.Location))
		if upTo.After(today) {
			return atlas.Errorf(atlas.EInvalid, "%s is in the future. Draft up to today or an earlier date, such as %s.",
				upTo.Format("2 Jan 2006"), today.Format("2006-01-02"))
		}
		retainers, skipped, err := makeRetainers(ctx, tx, set, today, &entityID, Draft, actor, nil)
		if err != nil {
			return err
		}
		if len(skipped) > 0 {
			return atlas.Errorf(atlas.EInvalid, "%s is fixed-fee, but has %s for %s. Set its fee with `/atlas clients edit %s`, then draft again.",
				name, skipped[0].Reason, skipped[0].Period.Label(), code)
		}
		hourly, err := makeHourly(ctx, tx, set, upTo, nil, &entityID, set.Grouping, Draft, actor)
		if err != nil {
			return err
		}
		out = append(retainers, hourly...)
		if len(out) == 0 {
			what := "no unbilled time"
			if billingType == "fixed" {
				what = "no unbilled time outside its retainer, and no retainer invoice due"
			}
			return atlas.Errorf(atlas.ENotFound, "%s has %s up to %s, so there is nothing to draft.", name, what, upTo.Format("2 Jan 2006"))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("draft: %w", err)
	}
	return out, nil
}
