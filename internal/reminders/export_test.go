package reminders

import (
	"context"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Work runs a reminder's email job once, as River's try number attempt of
// maxAttempts, without River.
func Work(ctx context.Context, deps Deps, args SendArgs, attempt, maxAttempts int) error {
	job := &river.Job[SendArgs]{JobRow: &rivertype.JobRow{Attempt: attempt, MaxAttempts: maxAttempts}, Args: args}
	return newWorker(deps).Work(ctx, job)
}
