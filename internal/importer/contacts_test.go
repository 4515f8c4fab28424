package importer_test

import (
	"context"
	"strings"
	"testing"

	"github.com/atlas-practice/atlas/internal/importer"
	"github.com/atlas-practice/atlas/internal/practice"
)

// The contacts column holds a client's contacts separated by semicolons,
// each as the client form reads a line; a file without the column leaves
// them, and a bad contact is the row's error in that column.
func TestImportClientsContacts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	rep := f.run(importer.Clients, "code,name,contacts\n"+
		`ACME,Acme Ltd,"Jane Smith <jane@acme.co.uk> requests; bob@acme.co.uk invoices"`+"\n"+
		"BETA,Beta Ltd,\n")
	counts(t, rep, 2, 0)
	s := practice.Store{DB: f.tx}
	contacts := func(code string) string {
		t.Helper()
		e, err := s.LookupEntity(ctx, f.pid, code)
		if err != nil {
			t.Fatal(err)
		}
		cs, err := s.Contacts(ctx, f.pid, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		return practice.FormatContacts(cs, "; ")
	}
	if got := contacts("ACME"); got != "Jane Smith <jane@acme.co.uk> requests; bob@acme.co.uk invoices" {
		t.Errorf("ACME: %q", got)
	}
	if got := contacts("BETA"); got != "" {
		t.Errorf("BETA: %q", got)
	}

	f.run(importer.Clients, "code,name\nACME,Acme Trading Ltd\n")
	if got := contacts("ACME"); !strings.HasPrefix(got, "Jane Smith") {
		t.Errorf("a file without contacts changed them: %q", got)
	}
	f.run(importer.Clients, "code,name,contacts\nACME,Acme Trading Ltd,jane@acme.co.uk both\n")
	if got := contacts("ACME"); got != "Jane Smith <jane@acme.co.uk> both" && got != "jane@acme.co.uk both" {
		t.Errorf("replaced: %q", got)
	}

	rep = f.run(importer.Clients, "code,name,contacts\nGAMMA,Gamma Ltd,ok@gamma.co.uk; Bad <bad@gamma>\n")
	if len(rep.Errors) != 1 || rep.Errors[0].Line != 2 || rep.Errors[0].Column != "contacts" ||
		!strings.Contains(rep.Errors[0].Reason, `Contact 2: "bad@gamma" is not an email address`) {
		t.Fatalf("bad contact: %+v", rep.Errors)
	}
}
