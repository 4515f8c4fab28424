package admin

import (
	"context"

	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/internal/practice"
)

// openSetup opens the practice set-up modal, filled with the current values.
func (h handlers) openSetup(_ context.Context, r *slackapp.Request) error {
	p := r.Practice
	return r.OpenModal(SetupModal(SetupValues{
		Name: p.Name, Timezone: p.Timezone, Currency: p.Currency, VATRate: p.VATRate.String(),
	}))
}

// submitSetup saves the practice basics; a bad value goes back to its field.
func (h handlers) submitSetup(ctx context.Context, r *slackapp.Request) error {
	p, err := h.Practice.SaveBasics(ctx, r.Practice.ID, r.Member.ID, practice.Basics{
		Name:     r.Value(SetupName),
		Timezone: r.Value(SetupTimezone),
		Currency: r.Value(SetupCurrency),
		VATRate:  r.Value(SetupVATRate),
	})
	if err != nil {
		return err
	}
	// A fresh practice starts with the standard monthly checklist; a
	// practice that has templates keeps them as they are.
	if _, err := h.Work.EnsureStandard(ctx, p.ID, r.Now()); err != nil {
		return err
	}
	r.Ack(nil) // closes the modal
	r.Practice = p
	r.RefreshHome(ctx)
	return r.Send(ctx, slackapp.Message{Text: ":white_check_mark: " + p.Name + " is set up: " + p.Timezone + ", " +
		p.Currency + ", VAT " + p.VATRate.String() + "%. Next, add your team with `/atlas team add @person role`."})
}
