package reminders_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/reminders"
)

func TestSettingsValidate(t *testing.T) {
	t.Parallel()
	good := []struct {
		form  reminders.Form
		steps []int
		rate  string
	}{
		{reminders.Form{Steps: "7, 14, 30", BaseRate: "4.25"}, []int{7, 14, 30}, "4.25"},
		{reminders.Form{Steps: "3,10 21;45", BaseRate: "4.25%", LateInterest: true}, []int{3, 10, 21, 45}, "4.25"},
		{reminders.Form{Steps: "", BaseRate: "0"}, nil, "0"},
		{reminders.Form{Steps: "1, 2, 3, 4, 5, 365", BaseRate: "99.99"}, []int{1, 2, 3, 4, 5, 365}, "99.99"},
	}
	for _, g := range good {
		s, err := g.form.Validate()
		if err != nil || !slices.Equal(s.Steps, g.steps) || !s.BaseRate.Equal(dec(g.rate)) || s.LateInterest != g.form.LateInterest {
			t.Errorf("%+v: %+v (%v), want steps %v at %s", g.form, s, err, g.steps, g.rate)
		}
	}
	bad := []struct {
		form  reminders.Form
		field string
		says  string
	}{
		{reminders.Form{Steps: "7, 14, 30", BaseRate: "100"}, reminders.FieldBaseRate, "0 to 99.99"},
		{reminders.Form{Steps: "7, 14, 30", BaseRate: "-1"}, reminders.FieldBaseRate, "0 to 99.99"},
		{reminders.Form{Steps: "7, 14, 30", BaseRate: "4.255"}, reminders.FieldBaseRate, "two decimals"},
		{reminders.Form{Steps: "7, 14, 30", BaseRate: "four"}, reminders.FieldBaseRate, "not a rate"},
		{reminders.Form{Steps: "7, 14, 30", BaseRate: " "}, reminders.FieldBaseRate, "Give the Bank of England base rate"},
		{reminders.Form{Steps: "7, 14, 14", BaseRate: "4"}, reminders.FieldSteps, "each later than the one before"},
		{reminders.Form{Steps: "30, 14", BaseRate: "4"}, reminders.FieldSteps, "ascending"},
		{reminders.Form{Steps: "0, 7", BaseRate: "4"}, reminders.FieldSteps, "1 to 365 days"},
		{reminders.Form{Steps: "-7", BaseRate: "4"}, reminders.FieldSteps, "1 to 365 days"},
		{reminders.Form{Steps: "7, a week", BaseRate: "4"}, reminders.FieldSteps, "not a number of days"},
		{reminders.Form{Steps: "1, 2, 3, 4, 5, 6, 7", BaseRate: "4"}, reminders.FieldSteps, "at most 6 steps"},
	}
	for _, b := range bad {
		_, err := b.form.Validate()
		var fe atlas.FieldErrors
		if !errors.As(err, &fe) || len(fe) != 1 || fe[0].Field != b.field || !strings.Contains(fe[0].Message, b.says) {
			t.Errorf("%+v: %v, want %s to say %q", b.form, err, b.field, b.says)
		}
	}
	// Both fields wrong: both come back at once.
	_, err := reminders.Form{Steps: "x", BaseRate: "y"}.Validate()
	var fe atlas.FieldErrors
	if !errors.As(err, &fe) || len(fe) != 2 {
		t.Fatalf("two bad fields: %v", err)
	}
}

// Saving stores the settings, says what changed and audits it; a bad
// form saves nothing.
func TestSettingsSave(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	f := newFixture(t, pool)
	s, err := reminders.Load(f.ctx, pool, f.pid)
	if err != nil || !slices.Equal(s.Steps, []int{7, 14, 30}) || s.LateInterest || !s.BaseRate.Equal(dec("4")) {
		t.Fatalf("defaults: %+v (%v)", s, err)
	}
	saved, changes, err := reminders.Save(f.ctx, pool, f.pid, 0, reminders.Form{Steps: "10, 20", LateInterest: true, BaseRate: "5.25"})
	if err != nil || !slices.Equal(saved.Steps, []int{10, 20}) {
		t.Fatalf("save: %+v (%v)", saved, err)
	}
	if len(changes) != 3 || changes[0].To != "10 and 20 days after the due date" || changes[1].To != "true" || changes[2].To != "5.25%" {
		t.Fatalf("changes: %+v", changes)
	}
	if s, _ := reminders.Load(f.ctx, pool, f.pid); !slices.Equal(s.Steps, []int{10, 20}) || !s.LateInterest || !s.BaseRate.Equal(dec("5.25")) {
		t.Fatalf("loaded after save: %+v", s)
	}
	var audits int
	if err := pool.QueryRow(f.ctx, `SELECT count(*) FROM audit_events WHERE practice_id = $1 AND action = 'practice.reminder_settings'
		AND data->'changed'->'base_rate'->>'to' = '5.25%'`, f.pid).Scan(&audits); err != nil || audits != 1 {
		t.Fatalf("%d audit events (%v)", audits, err)
	}
	if _, _, err := reminders.Save(f.ctx, pool, f.pid, 0, reminders.Form{Steps: "5", BaseRate: "200"}); err == nil {
		t.Fatal("a base rate of 200% was saved")
	}
	if s, _ := reminders.Load(f.ctx, pool, f.pid); !slices.Equal(s.Steps, []int{10, 20}) {
		t.Fatalf("a refused save changed the steps to %v", s.Steps)
	}
	// Turning reminders off is no steps at all.
	if s, _, err := reminders.Save(f.ctx, pool, f.pid, 0, reminders.Form{BaseRate: "5.25"}); err != nil || len(s.Steps) != 0 {
		t.Fatalf("no steps: %+v (%v)", s, err)
	}
	if got := reminders.StepsSummary(nil); got != "off" {
		t.Fatalf("no steps read %q", got)
	}
}
