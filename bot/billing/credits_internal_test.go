package billing

import "testing"

// A typed credit's amount is told from its reason by its first character,
// a currency symbol included: "£100" once read as the start of a reason
// and credited the whole invoice.
func TestLooksLikeAmount(t *testing.T) {
	for word, want := range map[string]bool{"120": true, "£100": true, "€50.00": true, "-5": true, ".50": true,
		"wip": false, "Billed": false, "goodwill": false, "": false} {
		if got := looksLikeAmount(word); got != want {
			t.Errorf("looksLikeAmount(%q) = %v, want %v", word, got, want)
		}
	}
}
