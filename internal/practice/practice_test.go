package practice_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/practice"
)

func TestEnsureIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := practice.Store{DB: pgtest.Tx(t)}
	a, err := s.Ensure(ctx, "TP1")
	if err != nil {
		t.Fatal(err)
	}
	if a.Timezone != "Europe/London" || a.Currency != "GBP" || a.VATRate.String() != "20" || a.RoundingIncrement != 6 || a.RoundingMode != "up" || a.PaymentTermsDays != 14 {
		t.Fatalf("defaults: %+v", a)
	}
	b, err := s.Ensure(ctx, "TP1")
	if err != nil || b.ID != a.ID {
		t.Fatalf("second ensure: %+v %v", b, err)
	}
	if _, err := s.Ensure(ctx, ""); atlas.ErrorCode(err) != atlas.EInvalid {
		t.Fatalf("empty id: %v", err)
	}
}

func TestBasicsValidation(t *testing.T) {
	t.Parallel()
	good := practice.Basics{Name: "Ledgerline", Timezone: "Europe/London", Currency: "gbp", VATRate: "20%"}
	cases := []struct {
		name  string
		edit  func(*practice.Basics)
		field string
	}{
		{"no name", func(b *practice.Basics) { b.Name = "  " }, practice.FieldName},
		{"unknown timezone", func(b *practice.Basics) { b.Timezone = "Mars/Olympus" }, practice.FieldTimezone},
		{"Local is not a zone", func(b *practice.Basics) { b.Timezone = "Local" }, practice.FieldTimezone},
		{"unknown currency", func(b *practice.Basics) { b.Currency = "XYZ" }, practice.FieldCurrency},
		{"negative VAT", func(b *practice.Basics) { b.VATRate = "-1" }, practice.FieldVATRate},
		{"VAT 100", func(b *practice.Basics) { b.VATRate = "100" }, practice.FieldVATRate},
		{"VAT not a number", func(b *practice.Basics) { b.VATRate = "twenty" }, practice.FieldVATRate},
		{"VAT too precise", func(b *practice.Basics) { b.VATRate = "20.125" }, practice.FieldVATRate},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := good
			c.edit(&b)
			_, _, err := b.Validate()
			if atlas.ErrorCode(err) != atlas.EInvalid || atlas.ErrorField(err) != c.field {
				t.Fatalf("got %v on field %q, want invalid on %q", err, atlas.ErrorField(err), c.field)
			}
		})
	}
	b, vat, err := good.Validate()
	if err != nil || b.Currency != "GBP" || vat.String() != "20" {
		t.Fatalf("good basics: %+v %s %v", b, vat, err)
	}
}

func TestMembers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := practice.Store{DB: pgtest.Tx(t)}
	if _, err := s.Ensure(ctx, "TP2"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MemberBySlackID(ctx, "TP2", "U1"); atlas.ErrorCode(err) != atlas.ENotFound {
		t.Fatalf("unknown member: %v", err)
	}
	m, err := s.AddMember(ctx, "TP2", 0, practice.NewMember{SlackUserID: "U1", Name: "Bea", Email: "bea@example.com", Role: atlas.RoleStaff})
	if err != nil {
		t.Fatal(err)
	}
	// Adding again updates the role rather than duplicating the person.
	again, err := s.AddMember(ctx, "TP2", m.ID, practice.NewMember{SlackUserID: "U1", Name: "Bea B", Role: atlas.RoleManager})
	if err != nil || again.ID != m.ID || again.Role != atlas.RoleManager || again.Email != "bea@example.com" {
		t.Fatalf("re-add: %+v %v", again, err)
	}
	for _, bad := range []practice.NewMember{
		{SlackUserID: "U2", Role: "boss"},
		{SlackUserID: "bob", Role: atlas.RoleStaff},
		{SlackUserID: "U3", Role: atlas.RoleStaff, Email: "not-an-email"},
	} {
		if _, err := s.AddMember(ctx, "TP2", 0, bad); atlas.ErrorCode(err) != atlas.EInvalid {
			t.Errorf("AddMember(%+v) = %v, want invalid", bad, err)
		}
	}
	// An address someone already has is refused, naming them.
	_, err = s.AddMember(ctx, "TP2", 0, practice.NewMember{SlackUserID: "U4", Name: "Bo", Email: "BEA@example.com", Role: atlas.RoleStaff})
	if atlas.ErrorCode(err) != atlas.EConflict || !strings.Contains(atlas.ErrorMessage(err), "bea@example.com is already the email of Bea B (<@U1>)") {
		t.Fatalf("shared email: %v", err)
	}
	ms, err := s.Members(ctx, "TP2")
	if err != nil || len(ms) != 1 {
		t.Fatalf("members: %d %v", len(ms), err)
	}
	// Other practices see nobody.
	if _, err := s.MemberBySlackID(ctx, "TOTHER", "U1"); atlas.ErrorCode(err) != atlas.ENotFound {
		t.Fatalf("cross-practice lookup: %v", err)
	}
}

// TestEnsureConcurrentFirstContact: the first requests from a new
// workspace often arrive together; every one of them gets the practice.
func TestEnsureConcurrentFirstContact(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	s := practice.Store{DB: pool}
	for round := range 20 {
		id := atlas.PracticeID(fmt.Sprintf("TNEW%d", round))
		errs := make(chan error, 8)
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, err := s.Ensure(context.Background(), id)
				if err == nil && p.ID != id {
					err = fmt.Errorf("got practice %s", p.ID)
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
}

// TestIdentifyConcurrentFirstContact: a bootstrap admin's first requests
// often arrive together, each adding them to the team with their email;
// every one of them finds them on the team, once.
func TestIdentifyConcurrentFirstContact(t *testing.T) {
	t.Parallel()
	_, pool := pgtest.NewDatabase(t)
	s := practice.Store{DB: pool}
	profile := func(context.Context) (string, string) { return "Ada Admin", "ada@example.com" }
	for round := range 20 {
		team := fmt.Sprintf("TADMIN%d", round)
		ids := make(chan atlas.MemberID, 8)
		errs := make(chan error, 8)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				_, m, err := s.Identify(context.Background(), team, "UADA", true, profile)
				switch {
				case err != nil:
					errs <- err
				case m == nil:
					errs <- fmt.Errorf("not on the team")
				default:
					ids <- m.ID
				}
			})
		}
		wg.Wait()
		close(errs)
		close(ids)
		for err := range errs {
			t.Fatalf("round %d: %v", round, err)
		}
		first := <-ids
		for id := range ids {
			if id != first {
				t.Fatalf("round %d: members %d and %d for one person", round, first, id)
			}
		}
	}
}
