// Package delivery takes an approved invoice to its client: it draws the
// invoice as the PDF a client pays from (Document, PDF), and sends it by
// email as a River job in the practice's name (QueueSend, AddWorkers).
//
// Sending follows BILLING.md's lifecycle: approved → sending → sent. The
// step to sending is a conditional update in the transaction that asks
// for it — a partner's Send now, or the approval itself when the practice
// sends on approval — and that transaction inserts the send job too, so a
// rolled-back approval sends nothing. The worker renders the PDF, sends the
// email, and only once the mail server has accepted it marks the invoice
// sent, dating it: the issue date, which is the tax point, is the day it
// went, in the practice's timezone, and the due date follows from the
// client's terms. A temporary failure (a server down or saying "try later")
// leaves the invoice sending and River tries again with backoff; a
// permanent refusal, or the last try, puts it back to approved with the
// server's reason and tells the partner who asked, in Slack.
//
// Each send attempt — each time a partner asks — carries its own stable
// Message-ID, the same on every retry of that attempt: a retry after a lost
// acknowledgement is recognisably the same message, not a new demand.
//
// A month-end of thousands of invoices goes through a bounded pool: the
// send jobs have a River queue of their own (Queue, QueueConfig) that runs
// a few per core, since a send mostly waits on the mail server, while
// drawing the PDF, which is CPU-bound, is held to one document per core.
package delivery
