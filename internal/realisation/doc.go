// Package realisation says what the fees really earn (BILLING.md, WIP and
// realisation): over a month, quarter or year, by client, person or
// service, the amount billed against the value of the time billed, with
// the write-ups and write-downs behind the difference; and, for fixed-fee
// clients, whether each retainer's fee covers the time it absorbed.
//
// The figures, and why each is counted as it is:
//
//   - An invoice counts in the period it was approved in (its approval
//     date in the practice's time zone), not its issue date: the issue
//     date is set only when the invoice is sent, while its time left work
//     in progress and its amounts were fixed at approval. Void, deleted
//     and unapproved invoices count nowhere.
//   - Billed is the lines' amount; credited is what credit notes took off
//     those lines (credit_note_lines name the invoice line), counted
//     against the invoice's period, since they correct what that time
//     earned. Net = billed − credited.
//   - Time value is the lines' time_value, plus time written off a draft
//     (write_offs): written-off time was worked and earned nothing. Time a
//     credit note wrote off is still in its line's time_value and its
//     credit already took the amount away, so it is not counted twice. A
//     line credited whole whose time went back to work in progress keeps
//     its billed and credited amounts, but not its time value: that time
//     will be billed, and counted, again.
//   - Realisation = net ÷ time value. Only lines of time count: an ad-hoc
//     line (a disbursement) has no time behind it, and a retainer's fee
//     line is measured by fee coverage instead.
//   - Fee coverage = a retainer's fee (net of credits) ÷ the value of the
//     time it absorbed on approval, by the retainer's own period.
//   - By person, a line's figures are shared among the people whose time
//     it bills, in proportion to that time's value; so people's rows may
//     differ from the clients' total by a penny of rounding.
//
// Money is decimal throughout; the chart's float64 series are converted
// from these decimals at the edge (internal/charts).
package realisation
