package payments

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/money"
	"github.com/atlas-practice/atlas/internal/timeparse"
)

// Field names of the payment forms: a refusal names the field at fault.
const (
	FieldInvoice     = "invoice"
	FieldAmount      = "amount"
	FieldDate        = "date"
	FieldReference   = "reference"
	FieldOverpayment = "overpayment"
	FieldReason      = "reason"
)

// symbols are the currency signs people type before an amount, and the
// currencies each may mean: a dollar sign is any dollar.
var symbols = []struct {
	sign  string
	codes []string
}{
	{"US$", []string{"USD"}}, {"A$", []string{"AUD"}}, {"C$", []string{"CAD"}}, {"NZ$", []string{"NZD"}},
	{"S$", []string{"SGD"}}, {"HK$", []string{"HKD"}},
	{"£", []string{"GBP"}}, {"€", []string{"EUR"}}, {"¥", []string{"JPY", "CNY"}}, {"₹", []string{"INR"}},
	{"$", []string{"USD", "AUD", "CAD", "NZD", "SGD", "HKD"}},
}

var (
	plainNumber = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
	grouped     = regexp.MustCompile(`^[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$`)
	maxAmount   = decimal.NewFromInt(999_999_999_999)
)

// ParseAmount reads an amount received in currency as people type it —
// "£1,200", "1200.50", "GBP 95" — and refuses zero, a negative amount, more
// decimals than the currency has, and an amount written in another
// currency (it is never converted: the invoice is settled in its own).
func ParseAmount(typed, currency string) (decimal.Decimal, error) {
	t := strings.TrimSpace(typed)
	if t == "" {
		return decimal.Zero, atlas.FieldError(FieldAmount, "Say how much was paid, such as %s.", money.Format(decimal.NewFromInt(1200), currency))
	}
	t = strings.ReplaceAll(t, "\u00a0", " ")
	negative := false
	if strings.HasPrefix(t, "(") && strings.HasSuffix(t, ")") {
		negative, t = true, strings.TrimSpace(t[1:len(t)-1])
	}
	for _, minus := range []string{"-", "−", "–"} {
		if strings.HasPrefix(t, minus) {
			negative, t = true, strings.TrimSpace(strings.TrimPrefix(t, minus))
		}
		if strings.HasSuffix(t, minus) {
			negative, t = true, strings.TrimSpace(strings.TrimSuffix(t, minus))
		}
	}
	written, rest := currencyOf(t)
	for _, minus := range []string{"-", "−", "–"} {
		if strings.HasPrefix(rest, minus) {
			negative, rest = true, strings.TrimSpace(strings.TrimPrefix(rest, minus))
		}
	}
	if written != nil && !contains(written, currency) {
		return decimal.Zero, atlas.FieldError(FieldAmount, "%q is in %s, but the invoice is in %s: record what was received in %s, as the bank credited it.",
			typed, written[0], currency, currency)
	}
	num := strings.ReplaceAll(rest, " ", "")
	switch {
	case grouped.MatchString(num):
		num = strings.ReplaceAll(num, ",", "")
	case !plainNumber.MatchString(num):
		return decimal.Zero, atlas.FieldError(FieldAmount, "%q is not an amount. Write it like %s or 1200.", typed,
			money.Format(decimal.RequireFromString("1200"), currency))
	}
	d, err := decimal.NewFromString(num)
	if err != nil {
		return decimal.Zero, atlas.FieldError(FieldAmount, "%q is not an amount. Write it like 1,200.00 or 1200.", typed)
	}
	if negative && !d.IsZero() {
		return decimal.Zero, atlas.FieldError(FieldAmount, "A payment cannot be negative (%q). To take back a payment recorded by mistake, reverse it from `/invoice <number>`.", typed)
	}
	if d.IsZero() {
		return decimal.Zero, atlas.FieldError(FieldAmount, "A payment of %s records nothing: say how much was received.", money.Format(d, currency))
	}
	if digits := money.Digits(currency); d.Exponent() < -int32(digits) && !d.Equal(d.Truncate(int32(digits))) {
		return decimal.Zero, atlas.FieldError(FieldAmount, "%q has more decimals than %s has (%d): write it to the %s.", typed, currency, digits,
			map[bool]string{true: "penny", false: "unit"}[digits > 0])
	}
	if d.GreaterThan(maxAmount) {
		return decimal.Zero, atlas.FieldError(FieldAmount, "%q is more than any payment Atlas records.", typed)
	}
	return d.Round(int32(money.Digits(currency))), nil
}

// currencyOf finds the currency an amount is written in, by its sign or
// ISO code before or after the number, and returns the number without it;
// nil when none is written.
func currencyOf(t string) ([]string, string) {
	upper := strings.ToUpper(t)
	for _, s := range symbols {
		switch {
		case strings.HasPrefix(upper, s.sign):
			return s.codes, strings.TrimSpace(t[len(s.sign):])
		case strings.HasSuffix(upper, s.sign):
			return s.codes, strings.TrimSpace(t[:len(t)-len(s.sign)])
		}
	}
	if len(t) > 3 {
		if code := upper[:3]; letters(code) && money.Known(code) {
			return []string{code}, strings.TrimSpace(t[3:])
		}
		if code := upper[len(upper)-3:]; letters(code) && money.Known(code) {
			return []string{code}, strings.TrimSpace(t[:len(t)-3])
		}
	}
	return nil, t
}

func letters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// ParseDate reads the day a payment was received, relative to today in the
// practice's timezone: "" is today; "3 Dec", "yesterday", "2026-12-03"
// as everywhere in Atlas; and "03/12/2026" or "3/12/26" day first, as UK
// banks write it. A day after today is refused.
func ParseDate(typed string, today time.Time) (time.Time, error) {
	t := strings.TrimSpace(typed)
	if t == "" {
		return atlas.DateOf(today), nil
	}
	if parts := strings.Split(t, "/"); len(parts) == 3 {
		d, err := dayFirst(parts)
		if err != nil {
			return time.Time{}, atlas.FieldError(FieldDate, "%q is not a date. Write it day first, like 03/12/2026, or like 3 Dec or 2026-12-03.", typed)
		}
		if d.After(atlas.DateOf(today)) {
			return time.Time{}, atlas.FieldError(FieldDate, "%s is after today: record a payment once it has been received.", d.Format("2 Jan 2006"))
		}
		return d, nil
	}
	d, err := timeparse.Date(t, today)
	if err != nil {
		msg := atlas.ErrorMessage(err)
		if strings.Contains(msg, "in the future") {
			msg = fmt.Sprintf("%q is after today: record a payment once it has been received.", t)
		}
		return time.Time{}, atlas.FieldError(FieldDate, "%s", msg)
	}
	return d, nil
}

// dayFirst reads dd/mm/yyyy or dd/mm/yy.
func dayFirst(parts []string) (time.Time, error) {
	n := make([]int, 3)
	for i, p := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || v < 0 {
			return time.Time{}, fmt.Errorf("not a number")
		}
		n[i] = v
	}
	day, month, year := n[0], n[1], n[2]
	if len(strings.TrimSpace(parts[2])) == 2 {
		year += 2000
	}
	if month < 1 || month > 12 || day < 1 || year < 1900 || year > 2999 {
		return time.Time{}, fmt.Errorf("out of range")
	}
	d := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if d.Day() != day {
		return time.Time{}, fmt.Errorf("no such day")
	}
	return d, nil
}
