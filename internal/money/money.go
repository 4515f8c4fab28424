// Package money shows amounts as people write them, in any ISO 4217
// currency — "£1,250.00", "€80.00", "¥12,500" — for every surface alike:
// Slack, PDFs and email. Amounts are decimals, never floats; formatting is
// the CLDR data of github.com/bojanz/currency.
package money

import (
	"strings"

	"github.com/bojanz/currency"
	"github.com/shopspring/decimal"
)

// locales picks, for a currency, the English the practices that use it
// write: a pound is £ in Britain, a dollar $ in the United States.
var locales = map[string]string{
	"GBP": "en-GB", "USD": "en-US", "EUR": "en-IE", "AUD": "en-AU", "CAD": "en-CA",
	"NZD": "en-NZ", "ZAR": "en-ZA", "INR": "en-IN", "SGD": "en-SG", "HKD": "en-HK",
}

var formatters = map[string]*currency.Formatter{}

func init() {
	for code, loc := range locales {
		formatters[code] = currency.NewFormatter(currency.NewLocale(loc))
	}
	formatters[""] = currency.NewFormatter(currency.NewLocale("en"))
}

func formatter(code string) *currency.Formatter {
	if f, ok := formatters[code]; ok {
		return f
	}
	return formatters[""]
}

// Known reports whether code is an ISO 4217 currency code in use.
func Known(code string) bool {
	return len(code) == 3 && strings.ToUpper(code) == code && currency.IsValid(code)
}

// Digits is how many decimals amounts in the currency have: 2 for the
// pound, 0 for the yen.
func Digits(code string) int {
	d, ok := currency.GetDigits(code)
	if !ok {
		return 2
	}
	return int(d)
}

// Format is amount in the currency as people write it, rounded half up to
// the currency's decimals: "£1,250.00". An unknown code is written after
// the number: "1,250.00 XYZ".
func Format(amount decimal.Decimal, code string) string {
	a, err := currency.NewAmount(amount.String(), code)
	if err != nil {
		return amount.StringFixed(2) + " " + code
	}
	return strings.ReplaceAll(formatter(code).Format(a.Round()), "\u00a0", " ")
}

// FormatString is Format for an amount written as a decimal string, such
// as a numeric column read as text; text that is not a number comes back
// as it is.
func FormatString(amount, code string) string {
	d, err := decimal.NewFromString(amount)
	if err != nil {
		return amount
	}
	return Format(d, code)
}
