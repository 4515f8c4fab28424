package bot

import (
	"context"

	"github.com/atlas-practice/atlas/bot/views"
	"github.com/atlas-practice/atlas/internal/practice"
)

// openSetup opens the practice set-up modal, filled with the current values.
func openSetup(_ context.Context, r *Request) error {
	p := r.Practice
	return r.OpenModal(views.SetupModal(views.SetupValues{
		Name: p.Name, Timezone: p.Timezone, Currency: p.Currency, VATRate: p.VATRate.String(),
	}))
}

// submitSetup saves the practice basics; a bad value goes back to its field.
func submitSetup(ctx context.Context, r *Request) error {
	p, err := practice.Store{DB: r.router.DB}.SaveBasics(ctx, r.Practice.ID, r.Member.ID, practice.Basics{
		Name:     r.Value(views.SetupName),
		Timezone: r.Value(views.SetupTimezone),
		Currency: r.Value(views.SetupCurrency),
		VATRate:  r.Value(views.SetupVATRate),
	})
	if err != nil {
		return err
	}
	// A fresh practice starts with the standard monthly checklist; a
	// practice that has templates keeps them as they are.
	if _, err := r.workflowStore().EnsureStandard(ctx, p.ID, r.now()); err != nil {
		return err
	}
	r.Ack(nil) // closes the modal
	r.Practice = p
	if err := home(ctx, r); err != nil {
		return err
	}
	return r.DM(ctx, r.UserID, Message{Text: ":white_check_mark: " + p.Name + " is set up: " + p.Timezone + ", " +
		p.Currency + ", VAT " + p.VATRate.String() + "%. Next, add your team with `/atlas team add @person role`."})
}
