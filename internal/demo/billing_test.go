package demo

import (
	"context"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/pgtest"
)

// Whatever day the demo is seeded, last month's run is made: retainer
// invoices in advance and in arrears (one pro rata, its retainer having
// begun mid-month), an hourly invoice for each hourly client with time,
// and one hourly draft written down. Seeding again makes nothing twice.
func TestDemoBilling(t *testing.T) {
	t.Parallel()
	for _, now := range []time.Time{
		time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC), time.Date(2026, 12, 28, 17, 0, 0, 0, time.UTC),
		time.Date(2027, 3, 1, 7, 0, 0, 0, time.UTC), time.Date(2027, 5, 20, 12, 0, 0, 0, time.UTC),
	} {
		t.Run(now.Format("2006-01-02"), func(t *testing.T) {
			t.Parallel()
			tx := pgtest.Tx(t)
			ctx := context.Background()
			p := Practice{TeamID: "TDEMOBILL", Name: "Ledgerline Bookkeeping", People: demoTeamPeople}
			if err := seedAt(ctx, tx, p, now); err != nil {
				t.Fatal(err)
			}
			last := atlas.PeriodOf(now).Prev().FirstDay()
			var advance, arrears, prorated, hourly, writtenDown, drafts, total int
			err := tx.QueryRow(ctx, `SELECT
				count(*) FILTER (WHERE i.kind = 'recurring' AND e.invoice_timing = 'advance' AND i.period = $2),
				count(*) FILTER (WHERE i.kind = 'recurring' AND e.invoice_timing = 'arrears' AND i.period = $2),
				count(*) FILTER (WHERE i.kind = 'recurring' AND i.period = $2 AND EXISTS (SELECT 1 FROM invoice_lines l WHERE l.invoice_id = i.id AND l.note LIKE '% of % days')),
				count(*) FILTER (WHERE i.kind = 'hourly' AND i.period = $2),
				count(*) FILTER (WHERE i.kind = 'hourly' AND EXISTS (SELECT 1 FROM invoice_lines l WHERE l.invoice_id = i.id AND l.amount <> l.time_value)),
				count(*) FILTER (WHERE i.status = 'awaiting_approval'),
				count(*)
				FROM invoices i JOIN entities e ON e.id = i.entity_id WHERE i.practice_id = $1`, p.TeamID, last).
				Scan(&advance, &arrears, &prorated, &hourly, &writtenDown, &drafts, &total)
			if err != nil {
				t.Fatal(err)
			}
			if advance < 2 || arrears < 2 || prorated != 1 || hourly < 3 || writtenDown != 1 || drafts != total {
				t.Fatalf("last month: %d in advance, %d in arrears, %d pro rata, %d hourly, %d written down; %d of %d awaiting approval",
					advance, arrears, prorated, hourly, writtenDown, drafts, total)
			}
			if err := seedAt(ctx, tx, p, now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			var again int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM invoices WHERE practice_id = $1`, p.TeamID).Scan(&again); err != nil || again != total {
				t.Fatalf("seeding again: %d invoices, then %d (%v)", total, again, err)
			}
		})
	}
}
