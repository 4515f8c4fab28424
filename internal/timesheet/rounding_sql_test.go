package timesheet_test

import (
	"context"
	"testing"

	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/timesheet"
)

// Invoices show the minutes an entry is billed as with the SQL function
// billed_minutes, beside a value from time_value: over every rounding mode,
// a spread of increments and durations (zero and negative included),
// billed_minutes is Go's RoundMinutes, and time_value is the rate times
// those minutes, so the minutes on an invoice always explain its value.
func TestBilledMinutesSQLIsGo(t *testing.T) {
	t.Parallel()
	tx := pgtest.Tx(t)
	ctx := context.Background()
	modes := []string{"up", "nearest", "none", ""}
	increments := []int{0, 1, 2, 5, 6, 7, 10, 15, 30, 60}
	minutes := []int{-5, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 14, 15, 16, 22, 23, 29, 30, 31, 44, 45, 46, 59, 60, 61, 89, 90, 91, 479, 1439, 1440}
	type row struct {
		m, inc int
		mode   string
	}
	var cases []row
	var ms, incs []int
	var modeCol []string
	for _, mode := range modes {
		for _, inc := range increments {
			for _, m := range minutes {
				cases = append(cases, row{m, inc, mode})
				ms, incs, modeCol = append(ms, m), append(incs, inc), append(modeCol, mode)
			}
		}
	}
	rows, err := tx.Query(ctx, `SELECT billed_minutes(m, i, mo), time_value(m, 60, i, mo) = billed_minutes(m, i, mo)
		FROM unnest($1::int[], $2::int[], $3::text[]) WITH ORDINALITY AS u(m, i, mo, n) ORDER BY n`,
		ms, incs, modeCol)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	i, changed := 0, 0
	for rows.Next() {
		var got int
		var sameAsValue bool
		if err := rows.Scan(&got, &sameAsValue); err != nil {
			t.Fatal(err)
		}
		c := cases[i]
		want := timesheet.RoundMinutes(c.m, c.inc, c.mode)
		if got != want {
			t.Errorf("%d minutes by %d %q: SQL bills %d, Go %d", c.m, c.inc, c.mode, got, want)
		}
		if !sameAsValue {
			t.Errorf("%d minutes by %d %q: time_value at 60 an hour is not billed_minutes (%d)", c.m, c.inc, c.mode, got)
		}
		if want != c.m {
			changed++
		}
		i++
	}
	if err := rows.Err(); err != nil || i != len(cases) {
		t.Fatalf("compared %d of %d cases: %v", i, len(cases), err)
	}
	if changed < len(cases)/4 {
		t.Fatalf("only %d of %d cases round at all; the table does not exercise the rule", changed, len(cases))
	}
}
