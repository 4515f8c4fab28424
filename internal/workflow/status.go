package workflow

import (
	"slices"
	"time"
)

// Status is where a task stands on a given day.
type Status string

// The statuses, in the order the calendar counts them.
const (
	NotStarted Status = "not_started"
	InProgress Status = "in_progress"
	InReview   Status = "in_review"
	Complete   Status = "complete"
	Overdue    Status = "overdue"
)

// Statuses lists every status in display order.
var Statuses = []Status{Overdue, NotStarted, InProgress, InReview, Complete}

// ParseStatus reads a status name ("overdue", "in review", "in-progress").
func ParseStatus(s string) (Status, bool) {
	b := []byte(s)
	for i, c := range b {
		if c == ' ' || c == '-' {
			b[i] = '_'
		}
	}
	st := Status(b)
	return st, slices.Contains(Statuses, st)
}

// Label is the status for people.
func (s Status) Label() string {
	switch s {
	case NotStarted:
		return "Not started"
	case InProgress:
		return "In progress"
	case InReview:
		return "In review"
	case Complete:
		return "Complete"
	case Overdue:
		return "Overdue"
	}
	return string(s)
}

// Track says whether a task is keeping to its stage targets.
type Track string

// On track or at risk; a complete task is neither.
const (
	OnTrack Track = "on_track"
	AtRisk  Track = "at_risk"
	NoTrack Track = ""
)

// Review states of a task.
const (
	ReviewNone      = "none"
	ReviewRequested = "requested"
	ReviewReturned  = "returned"
	ReviewApproved  = "approved"
)

// Done is the stage number of a task whose six stages are all done.
const Done = 7

// Progress is what the status rules read of a task: the same fields whether
// the task came from the database or from a test fixture.
type Progress struct {
	Stage        int          // the current stage, 1 to 6, or Done
	ItemsDone    int          // items ticked, optional ones included
	ReviewState  string       // ReviewNone, ReviewRequested, ...
	DueDate      time.Time    // a date (midnight UTC)
	StageTargets [6]time.Time // dates
	CompletedAt  *time.Time
}

// StatusOn is the task's status on day (a date, midnight UTC): complete
// once delivered; overdue once its due date has passed; in review while a
// reviewer has it; not started until something has been ticked or sent;
// otherwise in progress.
func (p Progress) StatusOn(day time.Time) Status {
	switch {
	case p.CompletedAt != nil:
		return Complete
	case day.After(p.DueDate):
		return Overdue
	case p.ReviewState == ReviewRequested:
		return InReview
	case p.ItemsDone == 0 && p.ReviewState == ReviewNone:
		return NotStarted
	}
	return InProgress
}

// TrackOn says whether the task is on track on day: at risk once the target
// date of its current stage has passed, or once it is overdue.
func (p Progress) TrackOn(day time.Time) Track {
	switch {
	case p.CompletedAt != nil || p.Stage < 1 || p.Stage > 6:
		return NoTrack
	case day.After(p.StageTargets[p.Stage-1]) || day.After(p.DueDate):
		return AtRisk
	}
	return OnTrack
}

// CurrentStage is the first stage with an open mandatory item, held at
// review (5) until a reviewer approves and at delivery (6) until the task
// is delivered: ticking the review or delivery items alone does not pass
// those stages. openStages lists the stages of the open mandatory items.
func CurrentStage(openStages []int, reviewState string, completed bool) int {
	stage := Done
	for _, s := range openStages {
		stage = min(stage, s)
	}
	if reviewState != ReviewApproved {
		stage = min(stage, 5)
	}
	if !completed {
		stage = min(stage, 6)
	}
	return stage
}
