// Package billing makes and keeps a practice's invoices: the monthly run
// that drafts every fixed-fee client's retainer invoice (retainers.go) and
// every client's hourly invoice from unbilled time (hourly.go), drafts on
// demand, the work managers do on a draft before a partner sees it —
// write-ups and write-downs, a new total spread over the lines, ad-hoc
// lines, taking time off, regrouping, deleting (drafts.go) — and the
// month-end review of the time the run bills (review.go).
//
// The rules are BILLING.md's. Money is decimal and numeric(14,2), never a
// float. An entry on a draft stays work in progress: it points at the line
// that bills it, and a line keeps the value of the time it covers
// (time_value) beside the amount it bills, so amount − time_value is the
// write-up or write-down. VAT is worked out by one function (vat.go) for
// every surface.
//
// billing reads and writes the time and practice packages' tables; they
// never import it.
package billing
