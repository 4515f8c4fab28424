package creditnotes

import (
	"context"
	"io"
	"log/slog"

	"github.com/riverqueue/river"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/delivery"
)

// Work works one send job by hand on q — a test's transaction — as the
// worker River runs would.
func Work(ctx context.Context, q db.DB, m delivery.Mailer, job *river.Job[SendArgs]) error {
	w := &sendWorker{deps: Deps{Mail: m, Clock: atlas.SystemClock{}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, db: q}
	return w.Work(ctx, job)
}
