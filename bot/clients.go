package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/atlas-practice/atlas/bot/views"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
)

const clientsUsage = "`/atlas clients [search]`, `/atlas clients add`, `/atlas clients edit CODE`, `/atlas clients archive CODE` or `/atlas clients restore CODE`"

// clients lists and searches clients, and with add, edit, archive or
// restore manages them (admins and managers).
func clients(ctx context.Context, r *Request) error {
	store := practice.Store{DB: r.router.DB}
	verb, rest, _ := strings.Cut(strings.TrimSpace(r.Text), " ")
	rest = strings.TrimSpace(rest)
	switch strings.ToLower(verb) {
	case "add", "edit", "archive", "restore":
		if !r.Member.Can(atlas.RoleManager) {
			return atlas.Errorf(atlas.EForbidden, "Only admins and managers can change clients, and you are %s %s.", article(r.Member.Role), r.Member.Role.Title())
		}
	}
	switch strings.ToLower(verb) {
	case "add":
		return openClientAdd(ctx, r)
	case "edit":
		if rest == "" {
			return atlas.Errorf(atlas.EInvalid, "Say which client: `/atlas clients edit ACME`. Usage: %s.", clientsUsage)
		}
		e, err := lookupAny(ctx, store, r.Practice.ID, rest)
		if err != nil {
			return err
		}
		return openClientModal(ctx, r, e)
	case "archive", "restore":
		if rest == "" {
			return atlas.Errorf(atlas.EInvalid, "Say which client: `/atlas clients %s ACME`.", strings.ToLower(verb))
		}
		e, err := lookupAny(ctx, store, r.Practice.ID, rest)
		if err != nil {
			return err
		}
		e, err = store.ArchiveEntity(ctx, r.Practice.ID, r.Member.ID, e.ID, strings.EqualFold(verb, "archive"))
		if err != nil {
			return err
		}
		state := "archived: it keeps its history and takes no new work"
		if !e.Archived() {
			state = "restored"
		}
		return r.Reply(Message{Text: fmt.Sprintf(":white_check_mark: %s (%s) is %s.", e.Name, e.Code, state)})
	}
	return listClients(ctx, r, store, strings.TrimSpace(r.Text))
}

// lookupAny finds a client by code first, archived or not, so archived
// clients can be restored; otherwise by the usual lookup.
func lookupAny(ctx context.Context, store practice.Store, pid atlas.PracticeID, text string) (practice.Entity, error) {
	e, err := store.LookupEntity(ctx, pid, text)
	if err != nil && e.ID != 0 && e.Archived() {
		return e, nil
	}
	return e, err
}

func listClients(ctx context.Context, r *Request, store practice.Store, query string) error {
	found, err := store.SearchEntities(ctx, r.Practice.ID, query, 500)
	if err != nil {
		return err
	}
	team, err := store.Members(ctx, r.Practice.ID)
	if err != nil {
		return err
	}
	names := map[atlas.MemberID]string{}
	for _, m := range team {
		names[m.ID] = m.Name
	}
	rows := make([]views.ClientRow, 0, len(found))
	for _, e := range found {
		rows = append(rows, clientRow(e, r.Practice.Currency, names))
	}
	return r.Reply(Message{Text: fmt.Sprintf("%d clients", len(rows)),
		Blocks: views.Clients(query, rows, len(rows), r.Member.Can(atlas.RoleManager))})
}

func clientRow(e practice.Entity, currency string, names map[atlas.MemberID]string) views.ClientRow {
	billing := "Hourly"
	if e.BillingType == practice.BillingFixed && e.MonthlyFee.Valid {
		billing = fmt.Sprintf("Fixed %s/month, in %s", money(currency, e.MonthlyFee.Decimal.StringFixed(2)), e.InvoiceTiming)
	}
	row := views.ClientRow{ID: e.ID, Code: e.Code, Name: e.Name, Type: practice.EntityTypeLabel(e.EntityType), Billing: billing}
	if e.ManagerID != nil {
		row.ManagerName = names[*e.ManagerID]
	}
	return row
}

func money(currency, amount string) string {
	switch currency {
	case "GBP":
		return "£" + amount
	case "EUR":
		return "€" + amount
	case "USD":
		return "$" + amount
	}
	return amount + " " + currency
}

// openClientAdd is the "Add a client" button.
func openClientAdd(ctx context.Context, r *Request) error {
	return openClientModal(ctx, r, practice.Entity{InvoiceTiming: "arrears", BillingType: practice.BillingHourly, EntityType: "limited_company", InvoiceDay: 1})
}

// openClientEdit is a client's "Edit" button.
func openClientEdit(ctx context.Context, r *Request) error {
	id, err := strconv.ParseInt(strings.TrimPrefix(r.RouteKey, views.ActionClientEdit), 10, 64)
	if err != nil {
		return atlas.Errorf(atlas.EInvalid, "That button is out of date; run `/atlas clients` again.")
	}
	e, err := practice.Store{DB: r.router.DB}.Entity(ctx, r.Practice.ID, id)
	if err != nil {
		return err
	}
	return openClientModal(ctx, r, e)
}

func openClientModal(ctx context.Context, r *Request, e practice.Entity) error {
	store := practice.Store{DB: r.router.DB}
	team, err := store.Members(ctx, r.Practice.ID)
	if err != nil {
		return err
	}
	services, err := store.Services(ctx, r.Practice.ID)
	if err != nil {
		return err
	}
	f := views.ClientForm{ID: e.ID, Code: e.Code, Name: e.Name, Aliases: strings.Join(e.Aliases, ", "),
		EntityType: e.EntityType, BillingType: e.BillingType, InvoiceTiming: e.InvoiceTiming,
		InvoiceDay: strconv.Itoa(e.InvoiceDay), BillingEmail: e.BillingEmail, Archived: e.Archived()}
	if e.MonthlyFee.Valid {
		f.MonthlyFee = e.MonthlyFee.Decimal.StringFixed(2)
	}
	if e.PaymentTermsDays != nil {
		f.PaymentTerms = strconv.Itoa(*e.PaymentTermsDays)
	}
	if e.ManagerID != nil {
		f.ManagerID = strconv.FormatInt(int64(*e.ManagerID), 10)
	}
	for _, t := range practice.EntityTypes {
		f.EntityTypes = append(f.EntityTypes, views.Option{Value: t, Label: practice.EntityTypeLabel(t)})
	}
	for _, m := range team {
		if m.Can(atlas.RoleManager) {
			f.Managers = append(f.Managers, views.Option{Value: strconv.FormatInt(int64(m.ID), 10), Label: m.Name})
		}
	}
	for _, s := range services {
		f.Services = append(f.Services, views.Option{Value: strconv.FormatInt(s.ID, 10), Label: s.Name})
		if e.ID == 0 && s.CoveredByRetainer {
			f.Retainer = append(f.Retainer, strconv.FormatInt(s.ID, 10))
		}
	}
	for _, id := range e.RetainerServices {
		f.Retainer = append(f.Retainer, strconv.FormatInt(id, 10))
	}
	return r.OpenModal(views.ClientModal(f))
}

// submitClient saves the client modal; a bad value goes back to its field.
func submitClient(ctx context.Context, r *Request) error {
	var meta views.ClientMeta
	if err := r.PrivateMetadata(&meta); err != nil {
		return atlas.Errorf(atlas.EInvalid, "That form is out of date; open it again.")
	}
	in := practice.EntityInput{
		Code: r.Value(views.ClientCode), Name: r.Value(views.ClientName), Aliases: r.Value(views.ClientAliases),
		EntityType: r.Value(views.ClientEntityType), BillingType: r.Value(views.ClientBillingType),
		MonthlyFee: r.Value(views.ClientMonthlyFee), InvoiceTiming: r.Value(views.ClientInvoiceTiming),
		InvoiceDay: r.Value(views.ClientInvoiceDay), PaymentTerms: r.Value(views.ClientTerms),
		BillingEmail: r.Value(views.ClientBillingEmail),
	}
	if v := r.Value(views.ClientManager); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err == nil {
			m := atlas.MemberID(id)
			in.Manager = &m
		}
	}
	// The services come in groups of ten checkboxes (Slack's limit), at
	// most ten groups for a select's hundred options.
	for i := 1; i <= 10; i++ {
		block := views.ClientRetainer
		if i > 1 {
			block = fmt.Sprintf("%s.%d", views.ClientRetainer, i)
		}
		for _, v := range r.Values(block) {
			if id, err := strconv.ParseInt(v, 10, 64); err == nil {
				in.RetainerServices = append(in.RetainerServices, id)
			}
		}
	}
	e, err := practice.Store{DB: r.router.DB}.SaveEntity(ctx, r.Practice.ID, r.Member.ID, meta.ID, in)
	if err != nil {
		return err
	}
	r.Ack(nil)
	verb := "added"
	if meta.ID != 0 {
		verb = "updated"
	}
	return r.DM(ctx, r.UserID, Message{Text: fmt.Sprintf(":white_check_mark: Client %s: *%s* · %s. Log time against it with its code, e.g. `/log 1h %s bookkeeping`.",
		verb, e.Code, e.Name, e.Code)})
}

// clientOptions serves the client type-ahead of external selects.
func clientOptions(ctx context.Context, r *Request) error {
	q := ""
	if r.Interaction != nil {
		q = r.Interaction.Value
	}
	found, err := practice.Store{DB: r.router.DB}.SearchEntities(ctx, r.Practice.ID, q, 20)
	if err != nil {
		return err
	}
	rows := make([]views.ClientRow, 0, len(found))
	for _, e := range found {
		rows = append(rows, views.ClientRow{ID: e.ID, Code: e.Code, Name: e.Name})
	}
	r.Options(views.ClientOptions(rows))
	return nil
}
