// Package creditnotes corrects a sent invoice the only way a VAT invoice
// may be corrected once the client has it: by a credit note (BILLING.md,
// Lifecycle). A partner credits a sent, part-paid or paid invoice whole or
// by line — part of a line's amount too — with a reason, and says whether
// the credited time returns to work in progress or is written off.
//
// Issuing is one transaction: the note takes the next number of the
// practice's own credit-note series (the invoice_counters row of series
// "credit_note", an UPDATE … RETURNING, never a sequence, so the series is
// gapless under any concurrency), its lines carry the VAT of the invoice
// lines they credit at their treatment and rate under the invoice's VAT
// rounding, the invoice's credited amount rises by a conditional update
// that refuses a credit above what remains uncredited, the invoice's
// status follows its balance, the credited time moves, the audit records
// it, the invoice's card is redrawn, and the email that takes the note to
// the client is queued — all or nothing.
//
// The note is drawn as a PDF ("VAT credit note", naming the invoice it
// credits and its date) and emailed like an invoice, as a River job on
// delivery's queue: issued → sending → sent, a temporary failure tried
// again with backoff, a permanent one (or the last try) putting it back to
// issued with the mail server's reason and telling the partner in Slack.
package creditnotes
