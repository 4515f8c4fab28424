package practice

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// Block ids of the portal settings' fields, so an error lands on its field.
const (
	FieldRequestDay    = "portal_request_day"
	FieldRequestSteps  = "portal_reminder_days"
	FieldUploadQuotaMB = "upload_quota_mb"
)

// Limits of the portal settings.
const (
	MaxRequestDay      = 20      // working days after a month ends
	MaxRequestSteps    = 6       // reminders of a request
	MaxRequestStepDays = 60      // days after the request
	MaxUploadQuotaMB   = 1 << 20 // a terabyte a client
)

// PortalSettings are when documents are asked of clients and how much a
// client may upload. Kept on the practice's row, read and written here.
type PortalSettings struct {
	// RequestDay is the working day after a pack's month ends on which its
	// documents are asked for: 1 is the first.
	RequestDay int
	// ReminderDays are the days after the request its reminders go,
	// ascending; none: no reminders.
	ReminderDays []int
	// QuotaMB is how much one client may upload in all, in megabytes.
	QuotaMB int64
}

// LoadPortalSettings reads a practice's portal settings.
func LoadPortalSettings(ctx context.Context, q db.DB, pid atlas.PracticeID) (PortalSettings, error) {
	var s PortalSettings
	var steps []int32
	var quota int64
	err := q.QueryRow(ctx, `SELECT portal_request_day, portal_reminder_days, upload_quota_bytes FROM practices WHERE id = $1`, pid).
		Scan(&s.RequestDay, &steps, &quota)
	if err != nil {
		return s, db.MapError(err, "This workspace has no practice yet.")
	}
	for _, d := range steps {
		s.ReminderDays = append(s.ReminderDays, int(d))
	}
	s.QuotaMB = quota >> 20
	return s, nil
}

// PortalForm is the portal settings as typed.
type PortalForm struct {
	RequestDay, ReminderDays, QuotaMB string
}

// PortalFormOf is s as the form shows it.
func PortalFormOf(s PortalSettings) PortalForm {
	days := make([]string, len(s.ReminderDays))
	for i, d := range s.ReminderDays {
		days[i] = strconv.Itoa(d)
	}
	return PortalForm{RequestDay: strconv.Itoa(s.RequestDay), ReminderDays: strings.Join(days, ", "), QuotaMB: strconv.FormatInt(s.QuotaMB, 10)}
}

// Validate reads the form; every bad value is its own field error.
func (f PortalForm) Validate() (PortalSettings, error) {
	var s PortalSettings
	var errs atlas.FieldErrors
	day, err := strconv.Atoi(strings.TrimSpace(f.RequestDay))
	if err != nil || day < 1 || day > MaxRequestDay {
		errs = append(errs, atlas.FieldError(FieldRequestDay, "%q is not a working day after the month ends. Give 1 to %d, such as 1 for the first.",
			strings.TrimSpace(f.RequestDay), MaxRequestDay))
	}
	s.RequestDay = day
	for _, part := range strings.FieldsFunc(f.ReminderDays, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' }) {
		d, err := strconv.Atoi(strings.TrimSuffix(strings.ToLower(part), "d"))
		switch {
		case err != nil || d < 1 || d > MaxRequestStepDays:
			errs = append(errs, atlas.FieldError(FieldRequestSteps, "%q is not a reminder day: give days 1 to %d after the request, separated by commas, such as 3, 7.",
				part, MaxRequestStepDays))
		case len(s.ReminderDays) > 0 && d <= s.ReminderDays[len(s.ReminderDays)-1]:
			errs = append(errs, atlas.FieldError(FieldRequestSteps, "The reminders go in order: %d comes after %d. Write them ascending, such as 3, 7.",
				d, s.ReminderDays[len(s.ReminderDays)-1]))
		default:
			s.ReminderDays = append(s.ReminderDays, d)
			continue
		}
		break
	}
	if len(s.ReminderDays) > MaxRequestSteps {
		errs = append(errs, atlas.FieldError(FieldRequestSteps, "That is %d reminders: give at most %d.", len(s.ReminderDays), MaxRequestSteps))
	}
	quota, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.ToUpper(strings.TrimSpace(f.QuotaMB)), "MB")), 10, 64)
	if err != nil || quota < 1 || quota > MaxUploadQuotaMB {
		errs = append(errs, atlas.FieldError(FieldUploadQuotaMB, "%q is not a size in megabytes. Give a whole number from 1, such as 2048 for 2 GB.",
			strings.TrimSpace(f.QuotaMB)))
	}
	s.QuotaMB = quota
	if len(errs) > 0 {
		return s, errs
	}
	return s, nil
}

// DaysText is "3 and 7 days after the request", or "none".
func (s PortalSettings) DaysText() string {
	if len(s.ReminderDays) == 0 {
		return "none"
	}
	parts := make([]string, len(s.ReminderDays))
	for i, d := range s.ReminderDays {
		parts[i] = strconv.Itoa(d)
	}
	last := parts[len(parts)-1]
	if len(parts) == 1 {
		return last + " days after the request"
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + last + " days after the request"
}

// SavePortalSettings checks and saves the form, saying what changed.
func SavePortalSettings(ctx context.Context, q db.DB, pid atlas.PracticeID, actor atlas.MemberID, f PortalForm) (PortalSettings, []SettingChange, error) {
	s, err := f.Validate()
	if err != nil {
		return s, nil, err
	}
	var changes []SettingChange
	err = db.InTx(ctx, q, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM practices WHERE id = $1 FOR UPDATE`, pid); err != nil {
			return err
		}
		before, err := LoadPortalSettings(ctx, tx, pid)
		if err != nil {
			return err
		}
		steps := make([]int32, len(s.ReminderDays))
		for i, d := range s.ReminderDays {
			steps[i] = int32(d)
		}
		if _, err := tx.Exec(ctx, `UPDATE practices SET portal_request_day = $2, portal_reminder_days = $3, upload_quota_bytes = $4, updated_at = now()
			WHERE id = $1`, pid, s.RequestDay, steps, s.QuotaMB<<20); err != nil {
			return fmt.Errorf("save the portal settings: %w", err)
		}
		add := func(field, label, from, to string) {
			if from != to {
				changes = append(changes, SettingChange{Field: field, Label: label, From: from, To: to})
			}
		}
		add(FieldRequestDay, "Documents asked for on working day", strconv.Itoa(before.RequestDay), strconv.Itoa(s.RequestDay))
		if !slices.Equal(before.ReminderDays, s.ReminderDays) {
			add(FieldRequestSteps, "Reminders of a request", before.DaysText(), s.DaysText())
		}
		add(FieldUploadQuotaMB, "Upload quota per client", strconv.FormatInt(before.QuotaMB, 10)+" MB", strconv.FormatInt(s.QuotaMB, 10)+" MB")
		changed := map[string]any{}
		for _, c := range changes {
			changed[c.Field] = map[string]string{"from": c.From, "to": c.To}
		}
		return Audit(ctx, tx, pid, actor, "practice.portal_settings", "practice", 0, map[string]any{"changed": changed})
	})
	return s, changes, err
}
