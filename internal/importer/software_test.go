package importer_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/importer"
	"github.com/atlas-practice/atlas/internal/slackfake"
)

// slackLookup is Options.LookupEmail on the Slack Web API, as the command
// builds it, against the Slack stand-in.
func slackLookup(fake *slackfake.Server) func(ctx context.Context, email string) (atlas.SlackUserID, string, error) {
	client := slack.New("xoxb-test", slack.OptionAPIURL(fake.APIURL()))
	return func(ctx context.Context, email string) (atlas.SlackUserID, string, error) {
		u, err := client.GetUserByEmailContext(ctx, email)
		var se slack.SlackErrorResponse
		if errors.As(err, &se) && se.Err == "users_not_found" {
			return "", "", importer.ErrNoSlackUser
		}
		if err != nil {
			return "", "", err
		}
		return atlas.SlackUserID(u.ID), u.RealName, nil
	}
}

// A clients file as Xero exports it: a byte order mark, CRLF line ends,
// entity types written as labels, quoted headers and a column of its own.
func TestImportClientsFromPracticeSoftware(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.run(importer.Services, servicesCSV)
	f.run(importer.Team, teamCSV)
	text := "\ufeff\"Code\",\"Name\",\"Entity Type\",\"Xero Contact ID\",\"Billing Type\",\"Monthly Fee\",\"Phone\"\r\n" +
		"ACME,Acme Trading Ltd,Limited Company,9f2c0b6e-1111,fixed,450,01632 960001\r\n" +
		"BLOOM,\"Bloom\r\nFlorists\",Sole Trader,9f2c0b6e-2222,hourly,,\r\n" +
		"CEDAR,Cedar Trust,  TRUST ,9f2c0b6e-3333,hourly,,\r\n" +
		"DELTA,Delta Partners,Limited Liability Partnership,,hourly,,\r\n" +
		"ECHO,Echo Studio,sole  proprietor,,hourly,,\r\n" +
		"FOX,Fox Ltd,Ltd.,,hourly,,\r\n" +
		"GULL,Gull Ltd,limited,,hourly,,\r\n" +
		"HART,Hart Charity,Charity,,hourly,,\r\n" +
		"IRIS,Iris Jones,Individual,,hourly,,\r\n" +
		"JAY,Jay & Co,Partnership,,hourly,,\r\n" +
		"KITE,Kite LLP,LLP,,hourly,,\r\n" +
		"LARK,Lark Ltd,limited_company,,hourly,,\r\n" +
		"MOTH,Moth,sole_trader,,hourly,,\r\n"
	rep := f.run(importer.Clients, text)
	counts(t, rep, 13, 0)
	if want := []string{"Xero Contact ID", "Phone"}; !reflect.DeepEqual(rep.IgnoredColumns, want) {
		t.Fatalf("ignored columns: %q, want %q", rep.IgnoredColumns, want)
	}
	if !strings.Contains(rep.Summary(), `Note: The columns "Xero Contact ID" and "Phone" are not columns Atlas imports, so they were ignored.`) {
		t.Fatalf("summary: %s", rep.Summary())
	}
	got := map[string]string{}
	rows, err := f.tx.Query(context.Background(), `SELECT code, name, entity_type FROM entities WHERE practice_id = $1`, f.pid)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var code, name, typ string
		if err := rows.Scan(&code, &name, &typ); err != nil {
			t.Fatal(err)
		}
		got[code] = name + "|" + typ
	}
	want := map[string]string{
		"ACME": "Acme Trading Ltd|limited_company", "BLOOM": "Bloom\nFlorists|sole_trader", "CEDAR": "Cedar Trust|trust",
		"DELTA": "Delta Partners|llp", "ECHO": "Echo Studio|sole_trader", "FOX": "Fox Ltd|limited_company",
		"GULL": "Gull Ltd|limited_company", "HART": "Hart Charity|charity", "IRIS": "Iris Jones|individual",
		"JAY": "Jay & Co|partnership", "KITE": "Kite LLP|llp", "LARK": "Lark Ltd|limited_company", "MOTH": "Moth|sole_trader",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("clients:\n got %q\nwant %q", got, want)
	}
	// A label Atlas does not know is refused in the form's words, on its line.
	rep = f.run(importer.Clients, "\ufeffcode,name,entity_type\r\nPLC1,Big plc,Public Limited Company\r\n")
	if len(rep.Errors) != 1 || rep.Errors[0].Line != 2 || rep.Errors[0].Column != "entity_type" ||
		!strings.Contains(rep.Errors[0].Reason, `"Public Limited Company" is not an entity type`) {
		t.Fatalf("unknown label: %+v", rep.Errors)
	}
}

// Every kind ignores columns it does not know and says which.
func TestUnknownColumnsIgnored(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cases := []struct {
		kind importer.Kind
		text string
	}{
		{importer.Services, "code,name,Xero Item Code\nBK,Bookkeeping,200\n"},
		{importer.Team, "slack_user_id,name,role,Xero Staff ID\nU0ADA,Ada,admin,77\n"},
		{importer.Clients, "code,name,Xero Contact ID\nACME,Acme,abc\n"},
		{importer.Rates, "hourly_rate,Xero Contact ID\n85,abc\n"},
		{importer.Time, "date,client,person,hours,Xero Contact ID\n2026-03-02,ACME,U0ADA,1,abc\n"},
	}
	for _, c := range cases {
		rep := f.run(c.kind, c.text)
		if rep.Created != 1 || len(rep.Errors) != 0 || len(rep.IgnoredColumns) != 1 || !strings.HasPrefix(rep.IgnoredColumns[0], "Xero ") ||
			!strings.Contains(rep.Summary(), "is not a column Atlas imports, so it was ignored.") {
			t.Errorf("%s: %+v\n%s", c.kind, rep, rep.Summary())
		}
	}
}

// A file with a quoted first column after a byte order mark, which the CSV
// reader would refuse were the mark left in.
func TestByteOrderMarkBeforeQuotes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	counts(t, f.run(importer.Services, "\ufeff\"code\",\"name\"\r\n\"BK\",\"Bookkeeping\"\r\n\r\n\"VAT\",\"VAT returns\"\r\n"), 2, 0)
	if got := f.snapshot("services"); !reflect.DeepEqual(got, []string{"BK|Bookkeeping|f|t", "VAT|VAT returns|f|t"}) {
		t.Fatalf("services: %q", got)
	}
	// CRLF line ends count lines as LF ones do.
	rep := f.run(importer.Services, "code,name\r\nX1,One\r\n\r\nBAD CODE!,Two\r\n")
	if len(rep.Errors) != 1 || rep.Errors[0].Line != 4 {
		t.Fatalf("line numbers with CRLF: %+v", rep.Errors)
	}
}

// People given by email: the team's own addresses first, then Slack.
func TestImportTeamByEmail(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	fake := slackfake.New(t)
	fake.AddUser("U0NIA", "nia", "Nia New", "nia@ledger.example")
	fake.AddUser("U0OLA", "ola", "Ola Osei", "Ola@Ledger.example")
	lookup := func(o *importer.Options) { o.LookupEmail = slackLookup(fake) }
	counts(t, f.run(importer.Team, teamCSV), 3, 0)

	text := "email,slack_user_id,name,role\n" +
		"nia@ledger.example,,Nia N,staff\n" + // Slack knows her
		"ola@ledger.example,,,manager\n" + // no name: Slack's
		"mina@ledger.example,,,partner\n" + // on the team already: no Slack call
		"zed@ledger.example,,Zed,staff\n" // nobody in Slack
	rep := f.run(importer.Team, text, lookup)
	want := importer.RowError{Line: 5, Column: "email", Reason: "Slack has no user with the email zed@ledger.example. Check the address, or give the person's Slack id instead."}
	if !rep.Rejected || len(rep.Errors) != 1 || rep.Errors[0] != want {
		t.Fatalf("unknown email: %+v", rep)
	}
	if n := f.count("members"); n != 3 {
		t.Fatalf("a rejected file added people: %d", n)
	}
	rep = f.run(importer.Team, text, lookup, skipInvalid)
	if rep.Created != 2 || rep.Updated != 1 || rep.Skipped != 1 {
		t.Fatalf("with --skip-invalid: %+v", rep)
	}
	got := f.snapshot("members")
	wantRows := []string{"U0ADA|Ada Admin|ada@ledger.example|admin|1800|t", "U0BEA|Bea Bookkeeper|staff|1350|t",
		"U0MINA|Mina Manager|mina@ledger.example|partner|2250|t", "U0NIA|Nia N|nia@ledger.example|staff|2250|t",
		"U0OLA|Ola Osei|ola@ledger.example|manager|2250|t"}
	if !reflect.DeepEqual(got, wantRows) {
		t.Fatalf("team:\n got %q\nwant %q", got, wantRows)
	}
	// Each address was asked once per import, and Mina's never.
	calls := fake.Calls("users.lookupByEmail")
	asked := map[string]int{}
	for _, c := range calls {
		asked[c.Param("email")]++
	}
	if !reflect.DeepEqual(asked, map[string]int{"nia@ledger.example": 2, "ola@ledger.example": 2, "zed@ledger.example": 2}) {
		t.Fatalf("lookups: %v", asked)
	}

	// Both given, and the same person twice: once by id, once by email.
	rep = f.run(importer.Team, "slack_user_id,email,name,role\nU0NIA,nia@ledger.example,Nia,staff\n,nia@ledger.example,Nia,staff\n", lookup)
	if len(rep.Errors) != 1 || rep.Errors[0].Line != 3 || rep.Errors[0].Column != "email" || !strings.Contains(rep.Errors[0].Reason, "U0NIA is already on line 2") {
		t.Fatalf("same person twice: %+v", rep.Errors)
	}

	// Without Slack, an address the team does not have is a row error
	// asking for the Slack id; one it has still resolves.
	rep = f.run(importer.Team, "email,name,role\nbea.new@ledger.example,Bea,staff\nada@ledger.example,Ada A,admin\n")
	want = importer.RowError{Line: 2, Column: "email", Reason: "The Slack user id of bea.new@ledger.example is needed: give it instead of the email, or set SLACK_BOT_TOKEN so the import can look the address up in Slack."}
	if len(rep.Errors) != 1 || rep.Errors[0] != want {
		t.Fatalf("no Slack: %+v", rep.Errors)
	}
	rep = f.run(importer.Team, "email,name,role\nada@ledger.example,Ada A,admin\n")
	counts(t, rep, 0, 1)

	// Neither an id nor an email.
	rep = f.run(importer.Team, "slack_user_id,email,name,role\n,,Nobody,staff\n")
	if len(rep.Errors) != 1 || rep.Errors[0].Column != "slack_user_id" || !strings.Contains(rep.Errors[0].Reason, "this row has neither") {
		t.Fatalf("no person: %+v", rep.Errors)
	}
	// A new person by Slack id still needs a name.
	rep = f.run(importer.Team, "slack_user_id,name,role\nU0NEW,,staff\n")
	if len(rep.Errors) != 1 || rep.Errors[0].Column != "name" {
		t.Fatalf("no name: %+v", rep.Errors)
	}
}

// Slack failing is not a row's fault: the import stops and says why.
func TestImportTeamSlackFails(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	fake := slackfake.New(t)
	fake.FailCall("users.lookupByEmail", "invalid_auth", 1)
	_, err := f.try(importer.Team, "email,name,role\nnia@ledger.example,Nia,staff\n", func(o *importer.Options) { o.LookupEmail = slackLookup(fake) })
	if err == nil || !strings.Contains(err.Error(), "look up nia@ledger.example in Slack: invalid_auth") {
		t.Fatalf("Slack failing: %v", err)
	}
	if n := f.count("members"); n != 0 {
		t.Fatalf("%d members written", n)
	}
}
