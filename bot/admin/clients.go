package admin

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/money"
	"github.com/atlas-practice/atlas/internal/practice"
)

const clientsUsage = "`/atlas clients [search]`, `/atlas clients add`, `/atlas clients edit CODE`, `/atlas clients archive CODE` or `/atlas clients restore CODE`"

// clients lists and searches clients.
func (h handlers) clients(ctx context.Context, r *slackapp.Request) error {
	return h.listClients(ctx, r, h.Practice, strings.TrimSpace(r.Text))
}

// clientsEdit is `/atlas clients edit CODE`: the client form.
func (h handlers) clientsEdit(ctx context.Context, r *slackapp.Request) error {
	text := strings.TrimSpace(r.Text)
	if text == "" {
		return atlas.Errorf(atlas.EInvalid, "Say which client: `/atlas clients edit ACME`. Usage: %s.", clientsUsage)
	}
	e, err := h.Practice.LookupEntityAny(ctx, r.Practice.ID, text)
	if err != nil {
		return err
	}
	return h.openClientModal(ctx, r, e)
}

// clientsArchive is `/atlas clients archive CODE` (archive true) and
// `/atlas clients restore CODE`.
func (h handlers) clientsArchive(archive bool) slackapp.HandlerFunc {
	verb := "restore"
	if archive {
		verb = "archive"
	}
	return func(ctx context.Context, r *slackapp.Request) error {
		text := strings.TrimSpace(r.Text)
		if text == "" {
			return atlas.Errorf(atlas.EInvalid, "Say which client: `/atlas clients %s ACME`.", verb)
		}
		e, err := h.Practice.LookupEntityAny(ctx, r.Practice.ID, text)
		if err != nil {
			return err
		}
		e, err = h.Practice.ArchiveEntity(ctx, r.Practice.ID, r.Member.ID, e.ID, archive)
		if err != nil {
			return err
		}
		state := "archived: it keeps its history and takes no new work"
		if !e.Archived() {
			state = "restored"
		}
		return r.Reply(slackapp.Message{Text: fmt.Sprintf(":white_check_mark: %s (%s) is %s.", e.Name, e.Code, state)})
	}
}

func (h handlers) listClients(ctx context.Context, r *slackapp.Request, store practice.Store, query string) error {
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
	if query != "" && len(found) == 1 {
		// A search that finds one client shows all of it.
		return h.showClient(ctx, r, store, found[0], names)
	}
	rows := make([]ClientRow, 0, len(found))
	for _, e := range found {
		rows = append(rows, clientRow(e, r.Practice.Currency, names))
	}
	return r.Reply(slackapp.Message{Text: fmt.Sprintf("%d %s", len(rows), ui.Plural(len(rows), "client", "clients")),
		Blocks: Clients(query, rows, len(rows), r.Member.Can(atlas.RoleManager))})
}

func clientRow(e practice.Entity, currency string, names map[atlas.MemberID]string) ClientRow {
	billing := "Hourly"
	if e.BillingType == practice.BillingFixed && e.MonthlyFee.Valid {
		billing = "Fixed " + money.Format(e.MonthlyFee.Decimal, currency) + "/month"
		if e.FeeFrom != nil {
			billing += " from " + dayText(*e.FeeFrom)
		}
		billing += ", in " + e.InvoiceTiming
		if r := retainerText(e.RetainerStart, e.RetainerEnd); r != "" {
			billing += ", retainer " + r
		}
	}
	row := ClientRow{ID: e.ID, Code: e.Code, Name: e.Name, Type: practice.EntityTypeLabel(e.EntityType), Billing: billing}
	if e.ManagerID != nil {
		row.ManagerName = names[*e.ManagerID]
	}
	return row
}

// showClient answers with one client's detail: its billing, fee history,
// retainer and where invoices go.
func (h handlers) showClient(ctx context.Context, r *slackapp.Request, store practice.Store, e practice.Entity, names map[atlas.MemberID]string) error {
	fees, err := store.Fees(ctx, r.Practice.ID, e.ID)
	if err != nil {
		return err
	}
	services, err := store.Services(ctx, r.Practice.ID)
	if err != nil {
		return err
	}
	d := ClientDetail{ID: e.ID, Code: e.Code, Name: e.Name, Type: practice.EntityTypeLabel(e.EntityType),
		Billing: billingText(e, r.Practice.Currency), Retainer: retainerText(e.RetainerStart, e.RetainerEnd),
		BillingContact: e.BillingContact, BillingEmail: e.BillingEmail, BillingAddress: e.BillingAddress, CCEmails: e.CCEmails,
		Archived: e.Archived(), Fixed: e.BillingType == practice.BillingFixed}
	if e.ManagerID != nil {
		d.ManagerName = names[*e.ManagerID]
	}
	for _, f := range fees {
		d.Fees = append(d.Fees, FeeView{Amount: money.Format(f.MonthlyFee, r.Practice.Currency), From: dayText(f.From)})
	}
	for _, s := range services {
		if slices.Contains(e.RetainerServices, s.ID) {
			d.RetainerCovers = append(d.RetainerCovers, s.Name)
		}
	}
	d.Terms = fmt.Sprintf("The practice's (%d %s)", r.Practice.PaymentTermsDays, ui.Plural(r.Practice.PaymentTermsDays, "day", "days"))
	if e.PaymentTermsDays != nil {
		d.Terms = fmt.Sprintf("%d %s", *e.PaymentTermsDays, ui.Plural(*e.PaymentTermsDays, "day", "days"))
	}
	return r.Reply(slackapp.Message{Text: e.Code + " · " + e.Name, Blocks: ClientDetailView(d, r.Member.Can(atlas.RoleManager))})
}

// dayText is a day as lists show it: "1 Dec 2026".
func dayText(t time.Time) string { return t.Format("2 Jan 2006") }

// retainerText says when a retainer runs: "1 Nov 2026 to 31 Oct 2027",
// "from 1 Nov 2026", "until 31 Oct 2027", or "" without dates.
func retainerText(start, end *time.Time) string {
	switch {
	case start != nil && end != nil:
		return dayText(*start) + " to " + dayText(*end)
	case start != nil:
		return "from " + dayText(*start)
	case end != nil:
		return "until " + dayText(*end)
	}
	return ""
}

// billingText is how a client is billed: "Fixed £450.00/month, invoiced
// in advance on the 1st", or "Hourly".
func billingText(e practice.Entity, currency string) string {
	if e.BillingType != practice.BillingFixed {
		return "Hourly"
	}
	fee := "a monthly fee"
	if e.MonthlyFee.Valid {
		fee = money.Format(e.MonthlyFee.Decimal, currency) + "/month"
	}
	return fmt.Sprintf("Fixed %s, invoiced in %s on %s", fee, e.InvoiceTiming, invoiceDayText(e.InvoiceDay))
}

// invoiceDayText is an invoice day in words: "the 1st", "the 30th (the
// last day in shorter months)", "the last day of the month".
func invoiceDayText(day int) string {
	switch {
	case day >= 31:
		return "the last day of the month"
	case day >= 29:
		return "the " + ordinal(day) + " (the last day in shorter months)"
	}
	return "the " + ordinal(day)
}

func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

// openClientAdd is the "Add a client" button.
func (h handlers) openClientAdd(ctx context.Context, r *slackapp.Request) error {
	return h.openClientModal(ctx, r, practice.Entity{InvoiceTiming: "arrears", BillingType: practice.BillingHourly, EntityType: "limited_company", InvoiceDay: 1})
}

// openClientEdit is a client's "Edit" button.
func (h handlers) openClientEdit(ctx context.Context, r *slackapp.Request) error {
	id, err := strconv.ParseInt(strings.TrimPrefix(r.RouteKey, ActionClientEdit), 10, 64)
	if err != nil {
		return atlas.Errorf(atlas.EInvalid, "That button is out of date; run `/atlas clients` again.")
	}
	e, err := h.Practice.Entity(ctx, r.Practice.ID, id)
	if err != nil {
		return err
	}
	return h.openClientModal(ctx, r, e)
}

func (h handlers) openClientModal(ctx context.Context, r *slackapp.Request, e practice.Entity) error {
	store := h.Practice
	team, err := store.Members(ctx, r.Practice.ID)
	if err != nil {
		return err
	}
	services, err := store.Services(ctx, r.Practice.ID)
	if err != nil {
		return err
	}
	f := ClientForm{ID: e.ID, Code: e.Code, Name: e.Name, Aliases: strings.Join(e.Aliases, ", "),
		EntityType: e.EntityType, BillingType: e.BillingType, InvoiceTiming: e.InvoiceTiming,
		InvoiceDay: strconv.Itoa(e.InvoiceDay), BillingEmail: e.BillingEmail, Archived: e.Archived(),
		BillingContact: e.BillingContact, BillingAddress: e.BillingAddress,
		CCEmails: strings.Join(e.CCEmails, ", "), DeliveryMethod: e.DeliveryMethod,
		RetainerStart: dateValue(e.RetainerStart), RetainerEnd: dateValue(e.RetainerEnd)}
	if e.MonthlyFee.Valid {
		f.MonthlyFee = e.MonthlyFee.Decimal.StringFixed(2)
		if e.FeeFrom != nil {
			f.FeeNow = fmt.Sprintf("%s a month from %s", money.Format(e.MonthlyFee.Decimal, r.Practice.Currency), e.FeeFrom.Format("2 January 2006"))
		}
	}
	if e.ID != 0 {
		contacts, err := store.Contacts(ctx, r.Practice.ID, e.ID)
		if err != nil {
			return err
		}
		f.Contacts = practice.FormatContacts(contacts, "\n")
	}
	if e.PaymentTermsDays != nil {
		f.PaymentTerms = strconv.Itoa(*e.PaymentTermsDays)
	}
	if e.ManagerID != nil {
		f.ManagerID = strconv.FormatInt(int64(*e.ManagerID), 10)
	}
	for _, t := range practice.EntityTypes {
		f.EntityTypes = append(f.EntityTypes, blockkit.Option{Value: t, Label: practice.EntityTypeLabel(t)})
	}
	for _, m := range team {
		if m.Can(atlas.RoleManager) {
			f.Managers = append(f.Managers, blockkit.Option{Value: strconv.FormatInt(int64(m.ID), 10), Label: m.Name})
		}
	}
	for _, s := range services {
		f.Services = append(f.Services, blockkit.Option{Value: strconv.FormatInt(s.ID, 10), Label: s.Name})
		if e.ID == 0 && s.CoveredByRetainer {
			f.Retainer = append(f.Retainer, strconv.FormatInt(s.ID, 10))
		}
	}
	for _, id := range e.RetainerServices {
		f.Retainer = append(f.Retainer, strconv.FormatInt(id, 10))
	}
	return r.OpenModal(ClientModal(f))
}

// submitClient saves the client modal; a bad value goes back to its field.
func (h handlers) submitClient(ctx context.Context, r *slackapp.Request) error {
	var meta ClientMeta
	if err := r.PrivateMetadata(&meta); err != nil {
		return atlas.Errorf(atlas.EInvalid, "That form is out of date; open it again.")
	}
	in := practice.EntityInput{
		Code: r.Value(ClientCode), Name: r.Value(ClientName), Aliases: r.Value(ClientAliases),
		EntityType: r.Value(ClientEntityType), BillingType: r.Value(ClientBillingType),
		MonthlyFee: r.Value(ClientMonthlyFee), InvoiceTiming: r.Value(ClientInvoiceTiming),
		InvoiceDay: r.Value(ClientInvoiceDay), PaymentTerms: r.Value(ClientTerms),
		BillingEmail: r.Value(ClientBillingEmail), FeeFrom: r.Value(ClientFeeFrom),
		RetainerStart: r.Value(ClientRetainerStart), RetainerEnd: r.Value(ClientRetainerEnd),
		BillingContact: r.Value(ClientBillingContact), BillingAddress: r.Value(ClientBillingAddress),
	}
	// The form shows the copies and the delivery method, so what it sends
	// is saved: an emptied copies field takes the copies away.
	cc, method := r.Value(ClientCCEmails), r.Value(ClientDelivery)
	in.CCEmails, in.DeliveryMethod = &cc, &method
	contacts := r.Value(ClientContacts)
	in.Contacts = &contacts
	cleared := r.Values(ClientRetainerClear)
	if slices.Contains(cleared, ClientClearStart) {
		in.RetainerStart = ""
	}
	if slices.Contains(cleared, ClientClearEnd) {
		in.RetainerEnd = ""
	}
	if v := r.Value(ClientManager); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err == nil {
			m := atlas.MemberID(id)
			in.Manager = &m
		}
	}
	// The services come in groups of ten checkboxes (Slack's limit), at
	// most ten groups for a select's hundred options.
	for i := 1; i <= 10; i++ {
		block := ClientRetainer
		if i > 1 {
			block = fmt.Sprintf("%s.%d", ClientRetainer, i)
		}
		for _, v := range r.Values(block) {
			if id, err := strconv.ParseInt(v, 10, 64); err == nil {
				in.RetainerServices = append(in.RetainerServices, id)
			}
		}
	}
	e, err := h.Practice.SaveEntity(ctx, r.Practice.ID, r.Member.ID, meta.ID, in)
	if err != nil {
		return err
	}
	r.Ack(nil)
	verb := "added"
	if meta.ID != 0 {
		verb = "updated"
	}
	return r.Send(ctx, slackapp.Message{Text: fmt.Sprintf(":white_check_mark: Client %s: *%s* · %s. Log time against it with its code, e.g. `/log 1h %s bookkeeping`.",
		verb, e.Code, e.Name, e.Code)})
}

// dateValue is a day as a date picker takes it, "" for none.
func dateValue(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

// clientOptions serves the client type-ahead of external selects.
func (h handlers) clientOptions(ctx context.Context, r *slackapp.Request) error {
	q := ""
	if r.Interaction != nil {
		q = r.Interaction.Value
	}
	found, err := h.Practice.SearchEntities(ctx, r.Practice.ID, q, 20)
	if err != nil {
		return err
	}
	rows := make([]ClientRow, 0, len(found))
	for _, e := range found {
		rows = append(rows, ClientRow{ID: e.ID, Code: e.Code, Name: e.Name})
	}
	r.Options(ClientOptions(rows))
	return nil
}
