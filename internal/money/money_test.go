package money_test

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/money"
)

func TestFormat(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		amount, code, want string
	}{
		{"1250", "GBP", "£1,250.00"},
		{"1250.5", "GBP", "£1,250.50"},
		{"0", "GBP", "£0.00"},
		{"-86.4", "GBP", "-£86.40"},
		{"1234567.891", "GBP", "£1,234,567.89"},
		{"0.005", "GBP", "£0.01"},
		{"80", "EUR", "€80.00"},
		{"99.99", "USD", "$99.99"},
		{"12500", "JPY", "¥12,500"},
		{"12500.4", "JPY", "¥12,500"},
		{"1250", "CHF", "CHF 1,250.00"},
		{"1250", "AUD", "$1,250.00"},
		{"3.5", "KWD", "KWD 3.500"},
	} {
		if got := money.Format(decimal.RequireFromString(c.amount), c.code); got != c.want {
			t.Errorf("Format(%s, %s) = %q, want %q", c.amount, c.code, got, c.want)
		}
	}
	if got := money.FormatString("95.5", "GBP"); got != "£95.50" {
		t.Errorf("FormatString = %q", got)
	}
}

func TestKnownAndDigits(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]bool{"GBP": true, "EUR": true, "JPY": true, "gbp": false, "XYZ": false, "": false, "GBPX": false} {
		if got := money.Known(code); got != want {
			t.Errorf("Known(%q) = %v", code, got)
		}
	}
	if money.Digits("GBP") != 2 || money.Digits("JPY") != 0 || money.Digits("KWD") != 3 {
		t.Errorf("digits: GBP %d, JPY %d, KWD %d", money.Digits("GBP"), money.Digits("JPY"), money.Digits("KWD"))
	}
}
