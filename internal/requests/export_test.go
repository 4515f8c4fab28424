package requests

import (
	"context"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Work runs a request's email job once, without River.
func Work(ctx context.Context, deps Deps, args SendArgs) error {
	job := &river.Job[SendArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: 3}, Args: args}
	return newWorker(deps).Work(ctx, job)
}
