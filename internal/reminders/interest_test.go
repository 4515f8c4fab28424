package reminders_test

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/reminders"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// Each fixture worked by hand: interest = debt × rate × days ÷ 36,500
// (rate in percent, a 365-day year), then to the penny half up.
func TestInterestFixtures(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, debt, rate string
		days             int
		want             string
	}{
		// 874.00 × 12.00 × 7 = 73,416; ÷ 36,500 = 2.0113…; → £2.01.
		{"a week at 4% base", "874.00", "12.00", 7, "2.01"},
		// 1,000.25 × 10.00 × 73 = 730,182.5; ÷ 36,500 = 20.005 exactly:
		// the half penny goes up → £20.01 (to even would give £20.00).
		{"an exact half penny goes up", "1000.25", "10.00", 73, "20.01"},
		// 1,000.24 × 10.00 × 73 = 730,175.2; ÷ 36,500 = 20.0048 → £20.00.
		{"just under a half penny goes down", "1000.24", "10.00", 73, "20.00"},
		// 12,345.67 × 13.25 = 163,580.1275; × 30 = 4,907,403.825;
		// ÷ 36,500 = 134.4494… → £134.45.
		{"a large debt at 5.25% base", "12345.67", "13.25", 30, "134.45"},
		// 500 × 8 × 365 = 1,460,000; ÷ 36,500 = 40 → a year at 8% is £40.00.
		{"a year at a zero base rate", "500.00", "8.00", 365, "40.00"},
		// 500 × 8 × 366 = 1,464,000; ÷ 36,500 = 40.1095… → £40.11: the
		// Act's year is 365 days, so a leap year's extra day is charged.
		{"366 days", "500.00", "8.00", 366, "40.11"},
		// 0.01 × 12 × 1 = 0.12; ÷ 36,500 = 0.0000033 → £0.00.
		{"a penny for a day", "0.01", "12.00", 1, "0.00"},
		{"no days", "874.00", "12.00", 0, "0"},
		{"nothing owed", "0.00", "12.00", 30, "0"},
	} {
		got := reminders.Interest(dec(c.debt), dec(c.rate), c.days)
		if !got.Equal(dec(c.want)) {
			t.Errorf("%s: interest on %s at %s%% for %d days = %s, want %s", c.name, c.debt, c.rate, c.days, got, c.want)
		}
	}
}

// The Act's bands: under £1,000 £40; £1,000 to £9,999.99 £70; £10,000 or
// more £100.
func TestCompensationBands(t *testing.T) {
	t.Parallel()
	for debt, want := range map[string]string{
		"0.00": "0", "0.01": "40", "874.00": "40", "999.99": "40",
		"1000.00": "70", "1000.01": "70", "9999.99": "70",
		"10000.00": "100", "250000.00": "100",
	} {
		if got := reminders.Compensation(dec(debt)); !got.Equal(dec(want)) {
			t.Errorf("compensation on £%s = £%s, want £%s", debt, got, want)
		}
	}
}

func TestStatutoryRate(t *testing.T) {
	t.Parallel()
	if got := reminders.StatutoryRate(dec("4.25")); !got.Equal(dec("12.25")) {
		t.Fatalf("8%% over 4.25%% = %s", got)
	}
}

// A balance of £480.00 due on Thursday 17 December 2026, at a base rate of
// 4%: on 24 December interest runs from 18 December, 7 days: 480 × 12 × 7
// = 40,320; ÷ 36,500 = 1.1046… → £1.10; compensation £40 (under £1,000);
// in all £480.00 + £1.10 + £40.00 = £521.10. On 31 December, 14 days:
// 80,640 ÷ 36,500 = 2.2093… → £2.21.
func TestChargesFixture(t *testing.T) {
	t.Parallel()
	due := day(2026, 12, 17)
	c := reminders.Charges(dec("480.00"), due, day(2026, 12, 24), dec("4.00"))
	if !c.From.Equal(day(2026, 12, 18)) || !c.To.Equal(day(2026, 12, 24)) || c.Days != 7 {
		t.Fatalf("interest from %s to %s, %d days; want 18 to 24 Dec, 7 days", c.From, c.To, c.Days)
	}
	if !c.Rate.Equal(dec("12")) || !c.Interest.Equal(dec("1.10")) || !c.Compensation.Equal(dec("40")) || !c.Total().Equal(dec("521.10")) {
		t.Fatalf("charges: rate %s, interest %s, compensation %s, total %s; want 12, 1.10, 40, 521.10",
			c.Rate, c.Interest, c.Compensation, c.Total())
	}
	if c := reminders.Charges(dec("480.00"), due, day(2026, 12, 31), dec("4.00")); c.Days != 14 || !c.Interest.Equal(dec("2.21")) {
		t.Fatalf("a fortnight: %d days, interest %s; want 14, 2.21", c.Days, c.Interest)
	}
	// On the due date itself nothing is late yet.
	if c := reminders.Charges(dec("480.00"), due, due, dec("4.00")); c.Days != 0 || !c.Interest.IsZero() || !c.Compensation.IsZero() {
		t.Fatalf("on the due date: %d days, interest %s, compensation %s", c.Days, c.Interest, c.Compensation)
	}
}
