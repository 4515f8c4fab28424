package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/atlas-practice/atlas/internal/workflow"
)

// TaskColour is the colour code of a task wherever it is shown.
type TaskColour string

// The colours. A task is complete, overdue (past its due date), at risk
// (behind the target date of the stage it is at, not yet overdue), in
// review, not started, or else in progress on track.
const (
	ColourComplete   TaskColour = "complete"
	ColourOverdue    TaskColour = "overdue"
	ColourAtRisk     TaskColour = "at_risk"
	ColourInReview   TaskColour = "in_review"
	ColourNotStarted TaskColour = "not_started"
	ColourOnTrack    TaskColour = "on_track"
)

// Emoji is the colour's circle.
func (c TaskColour) Emoji() string {
	switch c {
	case ColourComplete:
		return ":large_green_circle:"
	case ColourOverdue:
		return ":red_circle:"
	case ColourAtRisk:
		return ":large_orange_circle:"
	case ColourInReview:
		return ":large_purple_circle:"
	case ColourNotStarted:
		return ":white_circle:"
	}
	return ":large_blue_circle:"
}

// Label is the colour's words, the same wherever a task is shown.
func (c TaskColour) Label() string {
	switch c {
	case ColourComplete:
		return "Complete"
	case ColourOverdue:
		return "Overdue"
	case ColourAtRisk:
		return "At risk"
	case ColourInReview:
		return "In review"
	case ColourNotStarted:
		return "Not started"
	}
	return "In progress"
}

// Mark is the colour's circle and words: ":large_orange_circle: At risk".
func (c TaskColour) Mark() string { return c.Emoji() + " " + c.Label() }

// ColourLegend explains the colours, in the order a task is judged.
const ColourLegend = ":large_green_circle: complete · :red_circle: overdue · " +
	":large_orange_circle: at risk (behind its stage's target date) · :large_purple_circle: in review · " +
	":white_circle: not started · :large_blue_circle: in progress, on track"

// StatusColour is a status's colour.
func StatusColour(s workflow.Status) TaskColour {
	switch s {
	case workflow.Complete:
		return ColourComplete
	case workflow.Overdue:
		return ColourOverdue
	case workflow.InReview:
		return ColourInReview
	case workflow.NotStarted:
		return ColourNotStarted
	}
	return ColourOnTrack
}

// ColourOn is a task's colour on day: complete and overdue first, then at
// risk (behind its stage's target), then its status.
func ColourOn(p workflow.Progress, day time.Time) TaskColour {
	s := p.StatusOn(day)
	if s == workflow.Complete || s == workflow.Overdue {
		return StatusColour(s)
	}
	if p.TrackOn(day) == workflow.AtRisk {
		return ColourAtRisk
	}
	return StatusColour(s)
}

// StatusEmoji marks a task's status in lists and the modal, with the
// calendar's colours, so a status looks the same wherever it is shown.
func StatusEmoji(s workflow.Status) string { return StatusColour(s).Emoji() }

// ProgressBar is "▰▰▰▱▱▱▱▱▱▱ 30%": ten segments, a segment per full tenth.
func ProgressBar(percent int) string {
	percent = min(max(percent, 0), 100)
	n := percent / 10
	return strings.Repeat("▰", n) + strings.Repeat("▱", 10-n) + fmt.Sprintf(" %d%%", percent)
}
