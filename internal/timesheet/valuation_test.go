package timesheet_test

import (
	"context"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/timesheet"
)

// The value rule exists once for SQL (time_value) and once for Go (Value);
// over every rounding mode, a spread of increments, durations and rates
// they agree to the penny.
func TestValueRuleSQLIsGo(t *testing.T) {
	t.Parallel()
	tx := pgtest.Tx(t)
	ctx := context.Background()
	rates := []string{"0", "0.01", "1", "37.50", "60", "65", "75.25", "95", "99.99", "100", "123.45", "150", "333.33", "1000", "2499.99"}
	modes := []string{"up", "nearest", "none", ""}
	increments := []int{1, 5, 6, 10, 15, 30, 60}
	minutes := []int{1, 2, 3, 5, 6, 7, 8, 9, 14, 15, 29, 30, 31, 45, 50, 59, 60, 61, 89, 90, 91, 119, 241, 479, 480, 719, 1439, 1440}
	type row struct {
		m, inc int
		mode   string
		rate   decimal.Decimal
	}
	var cases []row
	var ms, incs []int
	var modeCol, rateCol []string
	for _, r := range rates {
		for _, mode := range modes {
			for _, inc := range increments {
				for _, m := range minutes {
					cases = append(cases, row{m, inc, mode, decimal.RequireFromString(r)})
					ms, incs, modeCol, rateCol = append(ms, m), append(incs, inc), append(modeCol, mode), append(rateCol, r)
				}
			}
		}
	}
	rows, err := tx.Query(ctx, `SELECT time_value(m, r::numeric, i, mo)
		FROM unnest($1::int[], $2::text[], $3::int[], $4::text[]) WITH ORDINALITY AS u(m, r, i, mo, n) ORDER BY n`,
		ms, rateCol, incs, modeCol)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		var got decimal.Decimal
		if err := rows.Scan(&got); err != nil {
			t.Fatal(err)
		}
		c := cases[i]
		if want := timesheet.Value(c.m, c.rate, c.inc, c.mode); !got.Equal(want) {
			t.Errorf("%d minutes at %s by %d %q: SQL %s, Go %s", c.m, c.rate, c.inc, c.mode, got, want)
		}
		i++
	}
	if err := rows.Err(); err != nil || i != len(cases) {
		t.Fatalf("compared %d of %d cases: %v", i, len(cases), err)
	}
}

func TestRoundingAndValue(t *testing.T) {
	t.Parallel()
	cases := []struct {
		minutes, inc int
		mode         string
		want         int
	}{
		{1, 6, "up", 6}, {6, 6, "up", 6}, {7, 6, "up", 12}, {2, 6, "nearest", 0}, {3, 6, "nearest", 6},
		{8, 6, "nearest", 6}, {9, 6, "nearest", 12}, {7, 6, "none", 7}, {14, 15, "up", 15}, {50, 1, "up", 50},
	}
	for _, c := range cases {
		if got := timesheet.RoundMinutes(c.minutes, c.inc, c.mode); got != c.want {
			t.Errorf("RoundMinutes(%d, %d, %s) = %d, want %d", c.minutes, c.inc, c.mode, got, c.want)
		}
	}
	if v := timesheet.Value(7, decimal.RequireFromString("95"), 1, "none"); v.String() != "11.08" {
		t.Errorf("7 min at 95 = %s, want 11.08", v)
	}
}

func TestRevaluationLeavesBilledTimeAlone(t *testing.T) {
	t.Parallel()
	tx := pgtest.Tx(t)
	f := newFixture(t, tx, "TREVAL")
	ctx := context.Background()
	if _, _, err := f.store.SetRate(ctx, f.p, 0, practice.RateInput{Key: practice.RateKey{EntityID: &f.beta}, Amount: "60", From: "2026-01-01"}, f.today); err != nil {
		t.Fatal(err)
	}
	insert := func(date string, minutes int, billed bool) int64 {
		var inv, line any
		state := "unbilled"
		if billed {
			var id, lineID int64
			if err := tx.QueryRow(ctx, `INSERT INTO invoices (practice_id, entity_id, kind, status, number, currency)
				VALUES ($1, $2, 'adhoc', 'approved', 'INV-'||$3, 'GBP') RETURNING id`, f.pid, f.beta, date).Scan(&id); err != nil {
				t.Fatal(err)
			}
			if err := tx.QueryRow(ctx, `INSERT INTO invoice_lines (practice_id, invoice_id, position, description, amount)
				VALUES ($1, $2, 0, 'Time', 1) RETURNING id`, f.pid, id).Scan(&lineID); err != nil {
				t.Fatal(err)
			}
			inv, line, state = id, lineID, "billed"
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO time_entries (practice_id, member_id, entity_id, work_date, minutes, source, rate, value, billing_state, invoice_id, invoice_line_id)
			VALUES ($1, $2, $3, $4, $5, 'manual', 60, $8, $6, $7, $9) RETURNING id`, f.pid, f.bea, f.beta, date, minutes, state, inv, minutes, line).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	before := insert("2026-03-10", 50, false)
	billed := insert("2026-05-10", 50, true)
	after := insert("2026-05-11", 50, false)
	other := insert("2026-05-12", 7, false)

	_, n, err := f.store.SetRate(ctx, f.p, 0, practice.RateInput{Key: practice.RateKey{EntityID: &f.beta}, Amount: "95", From: "2026-05-01"}, date("2026-05-20"))
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("revalued %d entries, want the 2 unbilled ones from May", n)
	}
	val := func(id int64) (string, string) {
		var rate, value decimal.Decimal
		if err := tx.QueryRow(ctx, `SELECT rate, value FROM time_entries WHERE id = $1`, id).Scan(&rate, &value); err != nil {
			t.Fatal(err)
		}
		return rate.StringFixed(2), value.StringFixed(2)
	}
	// 50 minutes rounds up to 54 (6-minute increments): 54/60 × 95 = 85.50.
	for _, tc := range []struct {
		id               int64
		rate, value, why string
	}{
		{before, "60.00", "50.00", "dated before the new rate"},
		{billed, "60.00", "50.00", "already billed"},
		{after, "95.00", "85.50", "unbilled, after the start"},
		{other, "95.00", "19.00", "7 minutes rounds up to 12: 12/60 × 95"},
	} {
		if r, v := val(tc.id); r != tc.rate || v != tc.value {
			t.Errorf("%s: rate %s value %s, want %s %s", tc.why, r, v, tc.rate, tc.value)
		}
	}

	// Ending the client's £95 rate from June sends June's time back to the
	// £60 rate it replaced: 54/60 × 60.
	june := insert("2026-06-02", 50, false)
	if _, err := tx.Exec(ctx, `UPDATE time_entries SET rate = 95, value = 85.50 WHERE id = $1`, june); err != nil {
		t.Fatal(err)
	}
	r, err := f.practiceStore.ResolveRate(ctx, f.pid, practice.RateKey{EntityID: &f.beta}, date("2026-06-02"))
	if err != nil {
		t.Fatal(err)
	}
	if _, n, err := f.store.EndRate(ctx, f.p, 0, r.ID, date("2026-06-01")); err != nil || n != 1 {
		t.Fatalf("EndRate revalued %d (%v), want the one June entry", n, err)
	}
	if r, v := val(june); r != "60.00" || v != "54.00" {
		t.Errorf("after the £95 rate ended: rate %s value %s, want 60.00 54.00", r, v)
	}
	if r, v := val(after); r != "95.00" || v != "85.50" {
		t.Errorf("May's entry moved when June's rate ended: %s %s", r, v)
	}
	// Nothing in practice writes time: the change is the time package's.
	var events int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE practice_id = $1 AND action IN ('rate.set', 'rate.end')`, f.pid).Scan(&events); err != nil || events != 5 {
		t.Errorf("audit events = %d (%v), want 5 rate changes (2 of the fixture)", events, err)
	}
}
