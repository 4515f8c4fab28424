package delivery

import (
	"log/slog"

	"github.com/riverqueue/river"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// SendWorker is the send worker, for tests that work a job by hand: a try
// while the mail server is down, then one after it is back.
func SendWorker(deps Deps) river.Worker[SendArgs] {
	if deps.Clock == nil {
		deps.Clock = atlas.SystemClock{}
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	return &sendWorker{deps: deps}
}
