// Package demo loads the demo practice the playground shows: Ledgerline
// Bookkeeping with one person in each role, a dozen clients (fixed-fee and
// hourly), its services, a rate card, the team's time since last month
// began, last month's and this month's processing tasks under way, and
// last month's billing run made, one draft written down.
// Seeding is idempotent: running it again leaves the same practice,
// updated rather than duplicated.
package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/practice"
)

// Person is someone on the demo team.
type Person struct {
	SlackUserID string
	Name        string
	Email       string
	Role        atlas.Role
}

// Practice describes the demo practice.
type Practice struct {
	TeamID string
	Name   string
	People []Person
	// BillingChannel is where the billing run posts its summary and
	// cards; "" for none.
	BillingChannel string
}

// Seed creates or refreshes the demo practice.
func Seed(ctx context.Context, pool db.DB, p Practice) error {
	return seedAt(ctx, pool, p, time.Now())
}

// seedAt seeds the demo as of now: the team's time and the monthly tasks
// run up to it.
func seedAt(ctx context.Context, pool db.DB, p Practice, now time.Time) error {
	return db.InTx(ctx, pool, func(tx pgx.Tx) error {
		store := practice.Store{DB: tx}
		pid := atlas.PracticeID(p.TeamID)
		existing, err := store.Ensure(ctx, pid)
		if err != nil {
			return err
		}
		var admin, manager, bookkeeper atlas.MemberID
		for _, person := range p.People {
			m, err := store.AddMember(ctx, pid, 0, practice.NewMember{
				SlackUserID: atlas.SlackUserID(person.SlackUserID), Name: person.Name, Email: person.Email, Role: person.Role,
			})
			if err != nil {
				return fmt.Errorf("demo member %s: %w", person.Name, err)
			}
			switch {
			case person.Role == atlas.RoleAdmin && admin == 0:
				admin = m.ID
			case person.Role == atlas.RoleManager && manager == 0:
				manager = m.ID
			case person.Role == atlas.RoleStaff && bookkeeper == 0:
				bookkeeper = m.ID
			}
		}
		if !existing.SetUp() {
			if _, err := store.SaveBasics(ctx, pid, admin, practice.Basics{
				Name: p.Name, Timezone: "Europe/London", Currency: "GBP", VATRate: "20",
			}); err != nil {
				return err
			}
		}
		if err := seedClients(ctx, tx, pid, admin, manager, bookkeeper); err != nil {
			return err
		}
		if err := seedTime(ctx, tx, pid, p.People, now); err != nil {
			return err
		}
		if err := seedWorkflow(ctx, tx, pid, p.People, now); err != nil {
			return err
		}
		if err := seedBilling(ctx, tx, pid, manager, p.BillingChannel, now); err != nil {
			return err
		}
		return seedPortal(ctx, tx, pid)
	})
}
