package atlas

import "fmt"

// Stages are the six stages of a month's processing, in order.
var Stages = [6]string{"Collect documents", "Capture transactions", "Reconcile bank", "Prepare management accounts", "Review", "Deliver"}

// StageName names stage n (1 to 6); 7 and above mean the work is done.
func StageName(n int) string {
	switch {
	case n >= 1 && n <= 6:
		return fmt.Sprintf("%d · %s", n, Stages[n-1])
	case n > 6:
		return "Done"
	}
	return "Not started"
}
