package workflow

import (
	"context"
	"time"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// Refresh lets tests that tick items with SQL bring the tasks' kept
// progress up to date as the store's own statements do.
func Refresh(ctx context.Context, q db.DB, pid atlas.PracticeID, ids []int64, now time.Time) error {
	return refresh(ctx, q, pid, ids, now)
}

var BoardFiguresSQL = boardFigures
