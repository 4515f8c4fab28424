package reminders

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/practice"
)

// Block ids of the reminder settings fields, shared with the modal so a
// validation error lands on its field.
const (
	FieldSteps        = "reminder_days"
	FieldLateInterest = "late_interest"
	FieldBaseRate     = "base_rate"
)

// Limits of the reminder steps.
const (
	MaxSteps    = 6   // reminders per invoice
	MaxStepDays = 365 // days after the due date
)

// DefaultSteps are the steps a practice starts with.
var DefaultSteps = []int{7, 14, 30}

// Settings are a practice's reminder settings. They are kept on the
// practice's row but read and written here, apart from practice.Practice:
// only reminders use them.
type Settings struct {
	// Steps are the days after the due date a reminder goes, ascending;
	// none turns reminders off.
	Steps []int
	// LateInterest shows the statutory late-payment interest and
	// compensation on reminders.
	LateInterest bool
	// BaseRate is the Bank of England base rate the interest is over, in
	// percent a year.
	BaseRate decimal.Decimal
}

// Load reads a practice's reminder settings.
func Load(ctx context.Context, q db.DB, pid atlas.PracticeID) (Settings, error) {
	var s Settings
	var steps []int32
	err := q.QueryRow(ctx, `SELECT reminder_days, late_interest, base_rate FROM practices WHERE id = $1`, pid).
		Scan(&steps, &s.LateInterest, &s.BaseRate)
	if err != nil {
		return s, db.MapError(err, "This workspace has no practice yet.")
	}
	for _, d := range steps {
		s.Steps = append(s.Steps, int(d))
	}
	return s, nil
}

// Form is the reminder settings as typed in the modal.
type Form struct {
	Steps        string // "7, 14, 30"; empty for no reminders
	LateInterest bool
	BaseRate     string // "4.25", a % allowed
}

// FormOf is a practice's settings as the modal shows them.
func FormOf(s Settings) Form {
	return Form{Steps: StepsText(s.Steps), LateInterest: s.LateInterest, BaseRate: s.BaseRate.StringFixed(2)}
}

// StepsText writes steps as the form takes them: "7, 14, 30".
func StepsText(steps []int) string {
	out := make([]string, len(steps))
	for i, d := range steps {
		out[i] = strconv.Itoa(d)
	}
	return strings.Join(out, ", ")
}

// maxBaseRate is the first rate the column cannot hold.
var maxBaseRate = decimal.NewFromInt(100)

// Validate checks the form and returns the settings it makes. All the
// fields in error come back at once, as atlas.FieldErrors.
func (f Form) Validate() (Settings, error) {
	var s Settings
	var errs atlas.FieldErrors
	bad := func(field, format string, args ...any) { errs = append(errs, atlas.FieldError(field, format, args...)) }

	const stepsExample = "such as 7, 14, 30"
	var stepErr bool
	for _, part := range strings.FieldsFunc(f.Steps, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' }) {
		d, err := strconv.Atoi(strings.TrimSuffix(strings.ToLower(part), "d"))
		switch {
		case err != nil:
			bad(FieldSteps, "%q is not a number of days. Give the days after the due date, separated by commas, %s.", part, stepsExample)
		case d < 1 || d > MaxStepDays:
			bad(FieldSteps, "%d days is not a step: each is 1 to %d days after the due date, %s.", d, MaxStepDays, stepsExample)
		case len(s.Steps) > 0 && d <= s.Steps[len(s.Steps)-1]:
			bad(FieldSteps, "The steps go in order, each later than the one before: %d comes after %d. Write them ascending, %s.", d, s.Steps[len(s.Steps)-1], stepsExample)
		default:
			s.Steps = append(s.Steps, d)
			continue
		}
		stepErr = true
		break
	}
	if !stepErr && len(s.Steps) > MaxSteps {
		bad(FieldSteps, "That is %d reminders: give at most %d steps, %s.", len(s.Steps), MaxSteps, stepsExample)
	}

	s.LateInterest = f.LateInterest
	typed := strings.TrimSpace(f.BaseRate)
	rate, err := decimal.NewFromString(strings.TrimSpace(strings.TrimSuffix(typed, "%")))
	switch {
	case typed == "":
		bad(FieldBaseRate, "Give the Bank of England base rate in percent, such as 4.25; it is needed even while late-payment interest is off.")
	case err != nil:
		bad(FieldBaseRate, "%q is not a rate. Give the Bank of England base rate in percent, such as 4.25.", typed)
	case rate.IsNegative() || rate.GreaterThanOrEqual(maxBaseRate) || rate.Exponent() < -2:
		bad(FieldBaseRate, "%s is not a base rate Atlas can use: give 0 to 99.99, with at most two decimals, such as 4.25.", typed)
	default:
		s.BaseRate = rate
	}
	if len(errs) > 0 {
		return s, errs
	}
	return s, nil
}

// Labels of the settings in what a save changed.
const (
	labelSteps        = "Overdue reminders"
	labelLateInterest = "Late-payment interest"
	labelBaseRate     = "Base rate"
)

// Changes lists what differs between two settings, as the settings'
// summary and the audit trail say it.
func Changes(before, after Settings) []practice.SettingChange {
	var out []practice.SettingChange
	if !slices.Equal(before.Steps, after.Steps) {
		out = append(out, practice.SettingChange{Field: FieldSteps, Label: labelSteps, From: StepsSummary(before.Steps), To: StepsSummary(after.Steps)})
	}
	if before.LateInterest != after.LateInterest {
		out = append(out, practice.SettingChange{Field: FieldLateInterest, Label: labelLateInterest,
			From: strconv.FormatBool(before.LateInterest), To: strconv.FormatBool(after.LateInterest)})
	}
	if !before.BaseRate.Equal(after.BaseRate) {
		out = append(out, practice.SettingChange{Field: FieldBaseRate, Label: labelBaseRate,
			From: before.BaseRate.StringFixed(2) + "%", To: after.BaseRate.StringFixed(2) + "%"})
	}
	return out
}

// StepsSummary says when reminders go: "7, 14 and 30 days after the due
// date", or "off".
func StepsSummary(steps []int) string {
	if len(steps) == 0 {
		return "off"
	}
	parts := make([]string, len(steps))
	for i, d := range steps {
		parts[i] = strconv.Itoa(d)
	}
	list := parts[0]
	if n := len(parts); n > 1 {
		list = strings.Join(parts[:n-1], ", ") + " and " + parts[n-1]
	}
	unit := "days"
	if len(steps) == 1 && steps[0] == 1 {
		unit = "day"
	}
	return fmt.Sprintf("%s %s after the due date", list, unit)
}

// Save stores a practice's reminder settings from the form, leaving the
// others as they are, and returns them with what changed. Nothing is saved
// when any field is wrong; the audit event lists what changed.
func Save(ctx context.Context, q db.DB, pid atlas.PracticeID, actor atlas.MemberID, f Form) (Settings, []practice.SettingChange, error) {
	s, err := f.Validate()
	if err != nil {
		return Settings{}, nil, err
	}
	var changes []practice.SettingChange
	err = db.InTx(ctx, q, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM practices WHERE id = $1 FOR UPDATE`, pid); err != nil {
			return err
		}
		before, err := Load(ctx, tx, pid)
		if err != nil {
			return err
		}
		steps := make([]int32, len(s.Steps))
		for i, d := range s.Steps {
			steps[i] = int32(d)
		}
		if _, err := tx.Exec(ctx, `UPDATE practices SET reminder_days = $2, late_interest = $3, base_rate = $4, updated_at = now()
			WHERE id = $1`, pid, steps, s.LateInterest, s.BaseRate); err != nil {
			return fmt.Errorf("save reminder settings: %w", err)
		}
		changes = Changes(before, s)
		changed := map[string]any{}
		for _, c := range changes {
			changed[c.Field] = map[string]string{"from": c.From, "to": c.To}
		}
		return practice.Audit(ctx, tx, pid, actor, "practice.reminder_settings", "practice", 0, map[string]any{"changed": changed})
	})
	if err != nil {
		return Settings{}, nil, err
	}
	return s, changes, nil
}
