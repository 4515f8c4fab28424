package digest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/digest"
	"github.com/atlas-practice/atlas/internal/pgtest"
)

// The digest settings form: every bad value is an error on its own field
// and nothing is saved; good values, typed as people type them, are saved
// and read back.
func TestSaveForm(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := pgtest.Tx(t)
	if _, err := tx.Exec(ctx, `INSERT INTO practices (id) VALUES ('TDIGEST4')`); err != nil {
		t.Fatal(err)
	}
	_, err := digest.SaveForm(ctx, tx, "TDIGEST4", 0, "GBP", digest.Form{WIPAlertDays: "sixty", WIPAlertValue: "-5"})
	fields := map[string]bool{}
	for _, e := range unwrapAll(err) {
		var ae *atlas.Error
		if errors.As(e, &ae) && ae.Field != "" {
			fields[ae.Field] = true
		}
	}
	if !fields[digest.FieldWorkingDays] || !fields[digest.FieldWIPAlertDays] || !fields[digest.FieldWIPAlertValue] {
		t.Fatalf("field errors %v from %v", fields, err)
	}
	s, err := digest.ReadSettings(ctx, tx, "TDIGEST4")
	if err != nil || s.WIPAlertDays != 60 || len(s.WorkingDays) != 5 {
		t.Fatalf("a refused form changed the settings: %+v (%v)", s, err)
	}

	changes, err := digest.SaveForm(ctx, tx, "TDIGEST4", 0, "GBP", digest.Form{WorkingDays: []string{"1", "3", "0"}, WIPAlertDays: " 45 ",
		WIPAlertValue: "£2,500", PersonalDefault: false})
	if err != nil || len(changes) != 4 || changes[0].From != "Monday to Friday" || changes[0].To != "Monday, Wednesday and Sunday" ||
		changes[2].To != "£2,500.00" {
		t.Fatalf("changes %+v (%v)", changes, err)
	}
	s, err = digest.ReadSettings(ctx, tx, "TDIGEST4")
	if err != nil || s.WIPAlertDays != 45 || s.WIPAlertValue.StringFixed(2) != "2500.00" || s.PersonalDefault ||
		digest.DaysText(s.WorkingDays) != "Monday, Wednesday and Sunday" {
		t.Fatalf("saved %+v (%v)", s, err)
	}
	if !s.Works(time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)) || s.Works(time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)) {
		t.Fatal("Sunday should be a working day and Tuesday not")
	}
	if got := digest.FormOf(s); got.WIPAlertValue != "2500.00" || len(got.WorkingDays) != 3 {
		t.Fatalf("form of %+v: %+v", s, got)
	}
	if got := digest.DaysText([]time.Weekday{time.Friday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday}); got != "Monday to Friday" {
		t.Fatalf("weekdays read %q", got)
	}
}

func unwrapAll(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, unwrapAll(e)...)
		}
		return out
	}
	return []error{err}
}
