// Package digest gathers what the morning digests say: for the practice,
// what is overdue, where work is stuck, what waits for approval, who owes
// money, what is unbilled and who logged no time; for each person, their
// own day. It reads the figures other features keep (workflow, billing,
// payments, work in progress, realisation, time) and decides when a
// practice's digest is due; it draws nothing and sends nothing (bot/digest
// composes and posts them through the outbox).
//
// A digest is claimed once per practice (or person) and day in
// digest_claims, in the transaction that queues its post, so however many
// replicas wake at the digest time one digest goes, and a digest missed
// while Atlas was down goes once, marked late, until the day is over.
package digest
