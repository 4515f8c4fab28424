// Package loadtest is Atlas's load test: a large practice seeded through
// Atlas's own importers and stores, real atlasbot processes started against
// the Go Slack stand-in, and a driver that plays the practice's people —
// each with their role's mix of /log, timers, timesheets, task lists,
// ticks, approvals, the board, /wip and /inbox — timing every
// acknowledgement and answer as Slack would see them — and a few clients
// (clients.go) asking the replicas' portal for sign-in links and emailing
// their smart inbox documents, timed too. cmd/atlasload runs it.
package loadtest
