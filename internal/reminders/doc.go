// Package reminders follows up overdue invoices: a daily job emails the
// client's billing contact a polite reminder at the practice's steps after
// the due date (7, 14 and 30 days unless changed), with the balance, how
// to pay and the invoice's PDF, and tells the client's manager in Slack.
//
// Each reminder is claimed once — a row of invoice_reminders per invoice
// and step, inserted in the transaction that queues its email job and the
// manager's message (Claim) — so two runs, or two replicas, send it once,
// and a run that rolls back sends nothing. Only the latest step reached is
// claimed: an invoice first seen 40 days overdue gets one reminder, not
// three. The email job (AddWorkers) looks at the invoice again before it
// sends: one paid or credited in full since the claim gets nothing, and
// the reminder is recorded stopped, with the reason.
//
// Where the practice turns it on, a reminder shows the statutory interest
// and fixed compensation of the Late Payment of Commercial Debts
// (Interest) Act 1998 (Charges): simple daily interest at 8% over the
// base rate, which is a practice setting, and £40, £70 or £100 by the size
// of the debt.
package reminders
