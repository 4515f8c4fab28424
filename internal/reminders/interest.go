package reminders

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// The Late Payment of Commercial Debts (Interest) Act 1998, as a reminder
// shows it: a business owed money by another business may claim simple
// interest at 8% over the Bank of England's base rate from the day after
// the due date, and a fixed sum for the cost of recovering the debt.

// StatutoryMargin is what the Act adds to the base rate, in percent a year.
var StatutoryMargin = decimal.NewFromInt(8)

// StatutoryCurrency is the currency the Act's figures are in: its fixed
// sums are pounds, so a reminder in another currency shows no statutory
// charges.
const StatutoryCurrency = "GBP"

// The bands of the fixed compensation (section 5A of the Act), by the size
// of the debt.
var (
	compensationSmall  = decimal.NewFromInt(40)  // a debt under £1,000
	compensationMedium = decimal.NewFromInt(70)  // £1,000 to £9,999.99
	compensationLarge  = decimal.NewFromInt(100) // £10,000 or more
	bandMedium         = decimal.NewFromInt(1000)
	bandLarge          = decimal.NewFromInt(10000)
)

// StatutoryRate is the Act's yearly rate in percent: the base rate plus
// StatutoryMargin.
func StatutoryRate(baseRate decimal.Decimal) decimal.Decimal { return baseRate.Add(StatutoryMargin) }

// daysInYear is the Act's year for daily interest: 365 days, leap years
// included, as the government's guidance computes it.
var daysInYear = decimal.NewFromInt(365)

// Interest is simple daily interest on debt for days at rate percent a
// year: debt × rate ÷ 100 × days ÷ 365, rounded to the penny half up (a
// half penny goes up). The product is exact (debt and rate have two
// decimals); only the one division rounds, so no rounding compounds.
// Nothing is owed on nothing, or for no days.
func Interest(debt, rate decimal.Decimal, days int) decimal.Decimal {
	if days <= 0 || !debt.IsPositive() || !rate.IsPositive() {
		return decimal.Zero
	}
	exact := debt.Mul(rate).Mul(decimal.NewFromInt(int64(days)))
	// DivRound rounds half away from zero, which for an amount owed (never
	// negative) is half up.
	return exact.DivRound(daysInYear.Mul(decimal.NewFromInt(100)), 2)
}

// Compensation is the Act's fixed sum for a debt: £40 under £1,000, £70
// from £1,000 to £9,999.99, £100 from £10,000. Nothing is owed on nothing.
func Compensation(debt decimal.Decimal) decimal.Decimal {
	switch {
	case !debt.IsPositive():
		return decimal.Zero
	case debt.LessThan(bandMedium):
		return compensationSmall
	case debt.LessThan(bandLarge):
		return compensationMedium
	}
	return compensationLarge
}

// LateCharges are the statutory charges on an overdue balance on a day.
type LateCharges struct {
	Debt         decimal.Decimal // the balance the charges are on
	BaseRate     decimal.Decimal // percent a year
	Rate         decimal.Decimal // BaseRate + 8, percent a year
	From         time.Time       // the first day of interest: the day after the due date
	To           time.Time       // the last: the day of the reminder
	Days         int             // From to To, both counted
	Interest     decimal.Decimal
	Compensation decimal.Decimal
}

// Total is the debt with its interest and compensation.
func (c LateCharges) Total() decimal.Decimal { return c.Debt.Add(c.Interest).Add(c.Compensation) }

// Charges works out the statutory charges on debt, due on due, as they
// stand on today at the given base rate. Interest runs from the day after
// the due date to today, both counted: a balance due on 17 December has
// 7 days of interest on 24 December. Before the due date has passed there
// is no interest and no compensation.
func Charges(debt decimal.Decimal, due, today time.Time, baseRate decimal.Decimal) LateCharges {
	c := LateCharges{Debt: debt, BaseRate: baseRate, Rate: StatutoryRate(baseRate),
		From: due.AddDate(0, 0, 1), To: today, Days: atlas.DaysBetween(due, today),
		Interest: decimal.Zero, Compensation: decimal.Zero}
	if c.Days <= 0 {
		c.Days = 0
		return c
	}
	c.Interest = Interest(debt, c.Rate, c.Days)
	c.Compensation = Compensation(debt)
	return c
}
