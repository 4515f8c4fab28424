// Package jobs runs Atlas's background work on River, a job queue that lives
// in PostgreSQL next to the data it works on.
//
// Feature packages bring two kinds of work:
//
//   - Ordinary River workers, registered on a *river.Workers bundle and
//     enqueued through Engine.Client, inside the same transaction as the
//     change that calls for them.
//   - Periodic jobs, registered on a Registry with a cron spec that is read
//     in each practice's own timezone ("0 6 * * *" is 06:00 in London for a
//     London practice and 06:00 in New York for a New York one).
//
// Periodic jobs are reconcilers. A single River periodic job, the tick, wakes
// the reconciler, which works out for every job and practice the latest slot
// that should have run by now and runs it once. Slots are claimed in the
// job_slots table in the same transaction as the job's own writes, so a slot
// runs exactly once however many replicas tick at the same moment, a failed
// run leaves no claim and is retried on the next tick, and slots missed while
// Atlas was down collapse into the latest one instead of running one by one.
package jobs
