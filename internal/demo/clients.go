package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/timesheet"
)

// services the demo practice offers. Retainers cover the monthly work —
// bookkeeping, management accounts, payroll and VAT returns; year-end work
// and advice are billed by the hour on top.
var services = []struct {
	code, name string
	retainer   bool
}{
	{"BK", "Bookkeeping", true},
	{"MA", "Management accounts", true},
	{"PAYROLL", "Payroll", true},
	{"VAT", "VAT returns", true},
	{"YE", "Year end", false},
	{"ADV", "Advisory", false},
}

// clients is a realistic mix of fixed-fee and hourly clients.
var clients = []practice.EntityInput{
	{Code: "ACME", Name: "Acme Trading Ltd", Aliases: "Acme, ACT", EntityType: "limited_company", BillingType: "fixed", MonthlyFee: "450", InvoiceTiming: "advance", BillingEmail: "accounts@acme-trading.example"},
	{Code: "BAKER", Name: "Baker & Sons", Aliases: "Bakers", EntityType: "partnership", BillingType: "fixed", MonthlyFee: "295", InvoiceTiming: "arrears", BillingEmail: "office@bakerandsons.example"},
	{Code: "GREEN", Name: "Green Gardens LLP", EntityType: "llp", BillingType: "fixed", MonthlyFee: "650", InvoiceTiming: "advance", BillingEmail: "finance@greengardens.example"},
	{Code: "HARBR", Name: "Harbour View Cafe", Aliases: "Harbour Cafe", EntityType: "sole_trader", BillingType: "hourly", BillingEmail: "hello@harbourview.example"},
	{Code: "NORTH", Name: "Northwind Logistics Ltd", Aliases: "Northwind", EntityType: "limited_company", BillingType: "fixed", MonthlyFee: "1250", InvoiceTiming: "arrears", BillingEmail: "ap@northwind.example"},
	{Code: "OAKTR", Name: "Oak Tree Charity", EntityType: "charity", BillingType: "hourly", BillingEmail: "treasurer@oaktree.example"},
	{Code: "PINE", Name: "Pine & Co Design", EntityType: "limited_company", BillingType: "hourly", BillingEmail: "studio@pinedesign.example"},
	{Code: "RIVER", Name: "Riverside Dental Practice", Aliases: "Riverside Dental", EntityType: "partnership", BillingType: "fixed", MonthlyFee: "820", InvoiceTiming: "advance", BillingEmail: "practice@riversidedental.example"},
	{Code: "STONE", Name: "Stonebridge Builders Ltd", Aliases: "Stonebridge", EntityType: "limited_company", BillingType: "fixed", MonthlyFee: "540", InvoiceTiming: "arrears", BillingEmail: "accounts@stonebridge.example"},
	{Code: "SUMMIT", Name: "Summit Family Trust", EntityType: "trust", BillingType: "hourly"},
	{Code: "VALLEY", Name: "Valley Vets Ltd", EntityType: "limited_company", BillingType: "fixed", MonthlyFee: "375", InvoiceTiming: "advance", BillingEmail: "admin@valleyvets.example"},
	{Code: "WEST", Name: "Jamie West", Aliases: "West", EntityType: "individual", BillingType: "hourly", BillingEmail: "jamie.west@example.com"},
}

// seedClients adds the demo services, clients and rate card. Every save is
// an upsert by code (or combination and date), so seeding twice changes
// nothing.
func seedClients(ctx context.Context, q db.DB, pid atlas.PracticeID, admin, manager, bookkeeper atlas.MemberID) error {
	store := practice.Store{DB: q}
	ids := map[string]int64{}
	var covered []int64
	for _, s := range services {
		sv, err := store.SaveService(ctx, pid, admin, s.code, s.name, s.retainer)
		if err != nil {
			return fmt.Errorf("demo service %s: %w", s.code, err)
		}
		ids[s.code] = sv.ID
		if s.retainer {
			covered = append(covered, sv.ID)
		}
	}
	entityIDs := map[string]int64{}
	for _, in := range clients {
		var existing int64
		err := q.QueryRow(ctx, `SELECT id FROM entities WHERE practice_id = $1 AND lower(code) = lower($2)`, pid, in.Code).Scan(&existing)
		if err != nil && atlas.ErrorCode(db.MapError(err, "")) != atlas.ENotFound {
			return err
		}
		if manager != 0 {
			m := manager
			in.Manager = &m
		}
		if in.BillingType == "fixed" {
			in.RetainerServices = covered
		}
		e, err := store.SaveEntity(ctx, pid, admin, existing, in)
		if err != nil {
			return fmt.Errorf("demo client %s: %w", in.Code, err)
		}
		entityIDs[in.Code] = e.ID
	}
	from := "2026-01-01"
	today := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	acme, payroll, adv, vat := entityIDs["ACME"], ids["PAYROLL"], ids["ADV"], ids["VAT"]
	rates := []practice.RateInput{
		{Amount: "75", From: from},
		{Key: practice.RateKey{MemberID: &manager}, Amount: "110", From: from},
		{Key: practice.RateKey{MemberID: &bookkeeper}, Amount: "65", From: from},
		{Key: practice.RateKey{ServiceID: &adv}, Amount: "150", From: from},
		{Key: practice.RateKey{ServiceID: &vat}, Amount: "85", From: from},
		{Key: practice.RateKey{EntityID: &acme, ServiceID: &payroll}, Amount: "95", From: "2026-04-01"},
	}
	p, err := store.Get(ctx, pid)
	if err != nil {
		return err
	}
	// Time a /log line names no service for is bookkeeping.
	if bk := ids["BK"]; p.DefaultServiceID == nil && bk != 0 {
		if p, err = store.SetDefaultService(ctx, pid, admin, &bk); err != nil {
			return err
		}
	}
	for _, r := range rates {
		if r.Key.MemberID != nil && *r.Key.MemberID == 0 {
			continue
		}
		if _, _, err := (timesheet.Store{DB: q}).SetRate(ctx, p, admin, r, today); err != nil {
			return fmt.Errorf("demo rate: %w", err)
		}
	}
	return nil
}
