package queries

import (
	"context"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// WorkQuery and WorkDelivery run one email job as River would.
func WorkQuery(ctx context.Context, deps Deps, args QueryArgs) error {
	return (&queryWorker{deps: withDefaults(deps)}).Work(ctx, &river.Job[QueryArgs]{JobRow: &rivertype.JobRow{Attempt: 1}, Args: args})
}

func WorkDelivery(ctx context.Context, deps Deps, args DeliveryArgs) error {
	return (&deliveryWorker{deps: withDefaults(deps)}).Work(ctx, &river.Job[DeliveryArgs]{JobRow: &rivertype.JobRow{Attempt: 1}, Args: args})
}
