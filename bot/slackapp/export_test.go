package slackapp

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/atlas-practice/atlas/internal/outbox"
)

// DeliverOnce runs one attempt of the post worker on p, as River would,
// with crash called at the points a worker can be killed ("rendered",
// "sent", "recorded"): an error it returns stops the attempt there.
func DeliverOnce(ctx context.Context, rt *Router, pool *pgxpool.Pool, p outbox.Post, crash func(stage string) error) error {
	d := &deliverer{rt: rt, store: outbox.Store{DB: pool}, interval: time.Millisecond, crash: crash}
	return d.post(ctx, p, false)
}
