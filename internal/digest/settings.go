package digest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/money"
	"github.com/atlas-practice/atlas/internal/payments"
	"github.com/atlas-practice/atlas/internal/practice"
)

// Settings are a practice's digest settings.
type Settings struct {
	PracticeID atlas.PracticeID
	Location   *time.Location
	Channel    string // the digest's channel; "" for no practice digest
	// At is the digest's time of day, in minutes after midnight local time.
	At          int
	WorkingDays []time.Weekday
	// WIPAlertDays and WIPAlertValue are the thresholds past which a
	// client's work in progress is listed.
	WIPAlertDays  int
	WIPAlertValue decimal.Decimal
	// PersonalDefault is whether people get the morning DM unless they say.
	PersonalDefault bool
}

// ReadSettings reads a practice's digest settings.
func ReadSettings(ctx context.Context, q db.DB, pid atlas.PracticeID) (Settings, error) {
	s := Settings{PracticeID: pid}
	var tz string
	var days []int16
	err := q.QueryRow(ctx, `SELECT timezone, coalesce(digest_channel, ''), (extract(epoch FROM digest_time) / 60)::int, working_days, wip_alert_days, wip_alert_value,
		personal_digest_default FROM practices WHERE id = $1`, pid).
		Scan(&tz, &s.Channel, &s.At, &days, &s.WIPAlertDays, &s.WIPAlertValue, &s.PersonalDefault)
	if err != nil {
		return s, db.MapError(err, "The practice is not set up yet.")
	}
	if s.Location, err = time.LoadLocation(tz); err != nil {
		return s, fmt.Errorf("digest: practice timezone %q: %w", tz, err)
	}
	for _, d := range days {
		s.WorkingDays = append(s.WorkingDays, time.Weekday(d%7)) // ISO 7 is Sunday, Go's 0
	}
	return s, nil
}

// Works says whether day is a working day.
func (s Settings) Works(day time.Time) bool { return slices.Contains(s.WorkingDays, day.Weekday()) }

// LastWorkingDay is the working day before day (a week back at most, as
// there is always one).
func (s Settings) LastWorkingDay(day time.Time) time.Time {
	for d := day.AddDate(0, 0, -1); ; d = d.AddDate(0, 0, -1) {
		if s.Works(d) || day.Sub(d) >= 7*24*time.Hour {
			return d
		}
	}
}

// WeekEnd is the last working day of day's week (Monday to Sunday), or day
// itself when none follows it.
func (s Settings) WeekEnd(day time.Time) time.Time {
	end := day
	for d := day; d.Weekday() != time.Monday || d.Equal(day); d = d.AddDate(0, 0, 1) {
		if s.Works(d) {
			end = d
		}
		if d.Weekday() == time.Sunday {
			break
		}
	}
	return end
}

// WorkingDayIndex is how many working days of day's month fall on or
// before day: the 3rd working day of December is 3.
func (s Settings) WorkingDayIndex(day time.Time) int {
	n := 0
	for d := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC); !d.After(day); d = d.AddDate(0, 0, 1) {
		if s.Works(d) {
			n++
		}
	}
	return n
}

// NthWorkingDay is the nth working day of the month p, or its last working
// day when it has fewer.
func (s Settings) NthWorkingDay(p atlas.Period, n int) time.Time {
	last := p.FirstDay()
	for d := p.FirstDay(); !d.After(p.LastDay()); d = d.AddDate(0, 0, 1) {
		if s.Works(d) {
			last = d
			if n--; n <= 0 {
				return d
			}
		}
	}
	return last
}

// Due says, for a moment now, whether the practice's digest of now's day
// is due (its time has come on a working day), and whether it is late:
// more than LateAfter past its time. day is now's date in the practice's
// location.
func (s Settings) Due(now time.Time) (day time.Time, due, late bool) {
	local := now.In(s.Location)
	day = atlas.DateOf(local)
	minutes := local.Hour()*60 + local.Minute()
	if !s.Works(day) || minutes < s.At {
		return day, false, false
	}
	return day, true, time.Duration(minutes-s.At)*time.Minute > LateAfter
}

// LateAfter is how long past its time a digest is marked late.
const LateAfter = 15 * time.Minute

// The digest settings' form fields, each the block id of its input, so an
// error lands on its field.
const (
	FieldWorkingDays     = "digest_working_days"
	FieldWIPAlertDays    = "digest_wip_days"
	FieldWIPAlertValue   = "digest_wip_value"
	FieldPersonalDefault = "digest_personal_default"
)

// Weekdays are the days a practice may work, Monday first, as the form
// lists them.
var Weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

// Form is the digest settings as typed.
type Form struct {
	WorkingDays     []string // weekday numbers as Go counts them: "1" Monday … "0" Sunday
	WIPAlertDays    string
	WIPAlertValue   string
	PersonalDefault bool
}

// DaysText is the working days as people say them: "Monday to Friday",
// "Monday, Wednesday and Friday".
func DaysText(days []time.Weekday) string {
	var in []time.Weekday
	for _, d := range Weekdays {
		if slices.Contains(days, d) {
			in = append(in, d)
		}
	}
	// A run of three or more days in a row reads as "A to B".
	run := len(in) >= 3
	for i := 1; run && i < len(in); i++ {
		run = slices.Index(Weekdays, in[i]) == slices.Index(Weekdays, in[i-1])+1
	}
	if run {
		return in[0].String() + " to " + in[len(in)-1].String()
	}
	names := make([]string, len(in))
	for i, d := range in {
		names[i] = d.String()
	}
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// SaveForm checks the form and saves it, saying what changed; every bad
// value is its own field error, and then nothing is saved.
func SaveForm(ctx context.Context, q db.DB, pid atlas.PracticeID, actor atlas.MemberID, currency string, f Form) ([]practice.SettingChange, error) {
	var errs atlas.FieldErrors
	var days []int16
	for _, d := range f.WorkingDays {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 || n > 6 {
			errs = append(errs, atlas.FieldError(FieldWorkingDays, "Pick the days from the list."))
			break
		}
		iso := int16(n)
		if n == 0 {
			iso = 7
		}
		if !slices.Contains(days, iso) {
			days = append(days, iso)
		}
	}
	if len(f.WorkingDays) == 0 {
		errs = append(errs, atlas.FieldError(FieldWorkingDays, "Pick at least one working day: the digest is posted on those."))
	}
	slices.Sort(days)
	alertDays, err := strconv.Atoi(strings.TrimSpace(f.WIPAlertDays))
	if err != nil || alertDays < 1 || alertDays > 3650 {
		errs = append(errs, atlas.FieldError(FieldWIPAlertDays, "%q is not a number of days. Type a whole number from 1 to 3650, such as 60.", f.WIPAlertDays))
	}
	value, err := payments.ParseAmount(f.WIPAlertValue, currency)
	if err != nil {
		errs = append(errs, atlas.FieldError(FieldWIPAlertValue, "%q is not an amount. Type one above zero, such as 5,000.", f.WIPAlertValue))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	var changes []practice.SettingChange
	err = db.InTx(ctx, q, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM practices WHERE id = $1 FOR UPDATE`, pid); err != nil {
			return err
		}
		before, err := ReadSettings(ctx, tx, pid)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE practices SET working_days = $2, wip_alert_days = $3, wip_alert_value = $4, personal_digest_default = $5,
			updated_at = now() WHERE id = $1`, pid, days, alertDays, value, f.PersonalDefault); err != nil {
			return fmt.Errorf("digest: save the settings: %w", err)
		}
		after, err := ReadSettings(ctx, tx, pid)
		if err != nil {
			return err
		}
		changes = settingChanges(before, after, currency)
		changed := map[string]any{}
		for _, c := range changes {
			changed[c.Field] = map[string]string{"from": c.From, "to": c.To}
		}
		return practice.Audit(ctx, tx, pid, actor, "practice.digest_settings", "practice", 0, map[string]any{"changed": changed})
	})
	return changes, err
}

// settingChanges says what a save changed, as the settings message words it.
func settingChanges(before, after Settings, currency string) []practice.SettingChange {
	var out []practice.SettingChange
	add := func(field, label, from, to string) {
		if from != to {
			out = append(out, practice.SettingChange{Field: field, Label: label, From: from, To: to})
		}
	}
	add(FieldWorkingDays, "Working days", DaysText(before.WorkingDays), DaysText(after.WorkingDays))
	add(FieldWIPAlertDays, "Work in progress listed after", strconv.Itoa(before.WIPAlertDays)+" days", strconv.Itoa(after.WIPAlertDays)+" days")
	add(FieldWIPAlertValue, "Work in progress listed over", money.Format(before.WIPAlertValue, currency), money.Format(after.WIPAlertValue, currency))
	add(FieldPersonalDefault, "Morning DM for everyone", strconv.FormatBool(before.PersonalDefault), strconv.FormatBool(after.PersonalDefault))
	return out
}

// FormOf is s as the form shows it.
func FormOf(s Settings) Form {
	f := Form{WIPAlertDays: strconv.Itoa(s.WIPAlertDays), WIPAlertValue: s.WIPAlertValue.StringFixed(2), PersonalDefault: s.PersonalDefault}
	for _, d := range s.WorkingDays {
		f.WorkingDays = append(f.WorkingDays, strconv.Itoa(int(d)))
	}
	return f
}
