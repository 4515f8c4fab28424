package practice_test

import (
	"context"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/practice"
)

func TestParseContacts(t *testing.T) {
	t.Parallel()
	got, err := practice.ParseContacts("Jane Smith <jane@acme.co.uk> requests\n\n  Bob Jones bob@acme.co.uk [invoices]\r\nbooks@acme.co.uk\nAl <al@acme.co.uk> none\nCy cy@acme.co.uk requests, invoices", "\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []practice.ContactInput{
		{Name: "Jane Smith", Email: "jane@acme.co.uk", Requests: true},
		{Name: "Bob Jones", Email: "bob@acme.co.uk", Invoices: true},
		{Name: "books@acme.co.uk", Email: "books@acme.co.uk", Requests: true, Invoices: true},
		{Name: "Al", Email: "al@acme.co.uk"},
		{Name: "Cy", Email: "cy@acme.co.uk", Requests: true, Invoices: true},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("contact %d: got %+v, want %+v", i+1, got[i], want[i])
		}
	}

	_, err = practice.ParseContacts("Jane <jane@acme.co.uk>\nBob bob@localhost\nNo address here\nJane again JANE@acme.co.uk\nCy cy@acme.co.uk sometimes", "\n")
	if atlas.ErrorField(err) != practice.FieldContacts {
		t.Fatalf("bad lines: %v", err)
	}
	msg := atlas.ErrorMessage(err)
	for _, s := range []string{`Line 2: "bob@localhost" is not an email address.`, `Line 3: "No address here" has no email address.`,
		"Line 4: JANE@acme.co.uk is already on line 1.", "(and 1 more)"} {
		if !strings.Contains(msg, s) {
			t.Errorf("message %q lacks %q", msg, s)
		}
	}
	_, err = practice.ParseContacts("a@b.co; c d@e.co bogus", ";")
	if !strings.Contains(atlas.ErrorMessage(err), `Contact 2: "bogus" is not something a contact receives`) {
		t.Fatalf("csv form: %v", err)
	}
}

func TestContactsStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := pgtest.Tx(t)
	s := practice.Store{DB: tx}
	pid := atlas.PracticeID("TCONTACTS")
	if _, err := s.Ensure(ctx, pid); err != nil {
		t.Fatal(err)
	}
	text := "Jane Smith <jane@acme.co.uk> requests\nBob <bob@acme.co.uk>"
	e, err := s.SaveEntity(ctx, pid, 0, 0, practice.EntityInput{Code: "ACME", Name: "Acme Ltd", Contacts: &text})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := s.Contacts(ctx, pid, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := practice.FormatContacts(cs, "\n"); got != "Jane Smith <jane@acme.co.uk> requests\nBob <bob@acme.co.uk> both" {
		t.Fatalf("saved: %q", got)
	}
	jane := cs[0].ID

	// A save without contacts leaves them; a bad line is a field error
	// naming it, and nothing is saved.
	if _, err := s.SaveEntity(ctx, pid, 0, e.ID, practice.EntityInput{Code: "ACME", Name: "Acme Trading Ltd"}); err != nil {
		t.Fatal(err)
	}
	bad := "Jane <jane@acme.co.uk>\nBob <bob@acme>"
	_, err = s.SaveEntity(ctx, pid, 0, e.ID, practice.EntityInput{Code: "ACME", Name: "Acme Trading Ltd", Contacts: &bad})
	if atlas.ErrorField(err) != practice.FieldContacts || !strings.Contains(atlas.ErrorMessage(err), `Line 2: "bob@acme" is not an email address`) {
		t.Fatalf("bad email: %v", err)
	}
	if cs, _ = s.Contacts(ctx, pid, e.ID); len(cs) != 2 {
		t.Fatalf("after a refused save: %+v", cs)
	}

	// Replacing: Jane (same address, other case) keeps her id, Bob goes
	// with his sign-in links, Cy comes.
	if _, err := tx.Exec(ctx, `INSERT INTO portal_links (practice_id, contact_id, expires_at) VALUES ($1, $2, now() + interval '1 day')`, pid, cs[1].ID); err != nil {
		t.Fatal(err)
	}
	cs, err = s.SaveContacts(ctx, pid, 0, e.ID, []practice.ContactInput{
		{Name: "Jane Smith-Jones", Email: "JANE@acme.co.uk", Requests: true, Invoices: true},
		{Name: "Cy", Email: "cy@acme.co.uk", Invoices: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[0].ID != jane || cs[0].Name != "Jane Smith-Jones" || cs[0].Email != "JANE@acme.co.uk" || !cs[0].Invoices ||
		cs[1].Email != "cy@acme.co.uk" || cs[1].Requests {
		t.Fatalf("replaced: %+v", cs)
	}
	if _, err := s.SaveContacts(ctx, pid, 0, e.ID, []practice.ContactInput{{Name: "X", Email: "not-an-address"}}); atlas.ErrorField(err) != practice.FieldContacts {
		t.Fatalf("bad address through SaveContacts: %v", err)
	}

	if err := s.DeleteContact(ctx, pid, 0, e.ID, cs[1].ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteContact(ctx, pid, 0, e.ID, cs[1].ID); atlas.ErrorCode(err) != atlas.ENotFound {
		t.Fatalf("second delete: %v", err)
	}
	if cs, _ = s.Contacts(ctx, pid, e.ID); len(cs) != 1 || cs[0].ID != jane {
		t.Fatalf("after delete: %+v", cs)
	}
	var audits int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE practice_id = $1 AND action LIKE 'entity.contact%'`, pid).Scan(&audits); err != nil {
		t.Fatal(err)
	}
	if audits != 3 {
		t.Errorf("audit events: %d, want 3 (create, replace, delete)", audits)
	}
}
