package importer

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
)

var clientsFormat = format{
	columns: []string{"code", "name", "aliases", "entity_type", "billing_type", "monthly_fee", "fee_from", "invoice_timing",
		"invoice_day", "payment_terms_days", "billing_email", "manager_slack_id", "retainer_services",
		"retainer_start", "retainer_end", "billing_contact", "billing_address",
		"address_line_1", "address_line_2", "address_line_3", "address_line_4", "city", "region", "postcode", "country", "contacts"},
	required: []string{"code", "name"},
	// Other names people and practice software give the columns: Xero's
	// contacts export names the person invoices go to POAttentionTo and
	// splits the postal address into POAddressLine1 to 4, POCity,
	// PORegion, POPostalCode and POCountry.
	aliases: map[string]string{
		"fee_start": "fee_from", "fee_start_date": "fee_from", "fee_effective_from": "fee_from", "monthly_fee_from": "fee_from",
		"retainer_start_date": "retainer_start", "retainer_starts": "retainer_start", "retainer_from": "retainer_start",
		"retainer_end_date": "retainer_end", "retainer_ends": "retainer_end", "retainer_until": "retainer_end", "retainer_to": "retainer_end",
		"billing_contact_name": "billing_contact", "invoice_contact": "billing_contact", "accounts_contact": "billing_contact",
		"poattentionto": "billing_contact", "attention": "billing_contact",
		"invoice_email": "billing_email", "accounts_email": "billing_email",
		"invoice_address": "billing_address", "postal_address": "billing_address",
		"address_line1": "address_line_1", "address_line2": "address_line_2", "address_line3": "address_line_3", "address_line4": "address_line_4",
		"poaddressline1": "address_line_1", "poaddressline2": "address_line_2", "poaddressline3": "address_line_3", "poaddressline4": "address_line_4",
		"pocity": "city", "town": "city", "poregion": "region", "county": "region",
		"popostalcode": "postcode", "post_code": "postcode", "postal_code": "postcode", "pocountry": "country",
	},
}

// addressParts are the columns a postal address split over several comes
// in, in the order its lines are printed.
var addressParts = []string{"address_line_1", "address_line_2", "address_line_3", "address_line_4", "city", "region", "postcode", "country"}

// clientFields maps the client form's fields, which practice's validation
// names in its errors, to this file's columns.
var clientFields = map[string]string{
	practice.FieldCode:           "code",
	practice.FieldEntityName:     "name",
	practice.FieldAliases:        "aliases",
	practice.FieldEntityType:     "entity_type",
	practice.FieldBillingType:    "billing_type",
	practice.FieldMonthlyFee:     "monthly_fee",
	practice.FieldInvoiceTiming:  "invoice_timing",
	practice.FieldInvoiceDay:     "invoice_day",
	practice.FieldTerms:          "payment_terms_days",
	practice.FieldBillingEmail:   "billing_email",
	practice.FieldManager:        "manager_slack_id",
	practice.FieldRetainer:       "retainer_services",
	practice.FieldFeeFrom:        "fee_from",
	practice.FieldRetainerStart:  "retainer_start",
	practice.FieldRetainerEnd:    "retainer_end",
	practice.FieldBillingContact: "billing_contact",
	practice.FieldBillingAddress: "billing_address",
	practice.FieldContacts:       "contacts",
}

// clientRow is a row that passed validation.
type clientRow struct {
	line int
	e    practice.Entity
	// contacts replace the client's when the file has a contacts column;
	// nil leaves them as they are.
	contacts []practice.ContactInput
}

// importClients checks every row with practice's EntityInput.Validate, the
// client form's own rules, then writes the valid ones in one statement.
// Saving row by row with SaveEntity costs a savepoint, six statements and an
// audit event per client — seconds for a 5,000-client practice (see
// BenchmarkSaveEntityPerRow5000) — where the batch takes a fraction of one.
func importClients(ctx context.Context, r *run, t *table) error {
	team, err := members(ctx, r.tx, r.pid())
	if err != nil {
		return err
	}
	svcs, err := services(ctx, r.tx, r.pid())
	if err != nil {
		return err
	}
	// A file that leaves columns out changes only the columns it has, so
	// existing clients are read to fill in the rest.
	var existing map[string]practice.EntityInput
	if !t.hasAll(clientsFormat) {
		if existing, err = entityInputs(ctx, r.tx, r.pid()); err != nil {
			return err
		}
	}
	// The client form ticks the services retainers usually cover for a new
	// client; a file without retainer_services gets the same.
	var covered []int64
	for _, s := range svcs {
		if s.active && s.covered {
			covered = append(covered, s.id)
		}
	}
	slices.Sort(covered)

	seen := map[string]int{}
	valid := make([]clientRow, 0, len(t.rows))
	for _, row := range t.rows {
		e, err := clientEntity(row, t, existing, team, svcs, covered)
		if err != nil {
			if err := r.reject(row.line, clientFields, err); err != nil {
				return err
			}
			continue
		}
		if first, dup := seen[e.Code]; dup {
			r.invalid(row.line, "code", fmt.Sprintf("The client %s is already on line %d of this file. Each client appears once.", e.Code, first))
			continue
		}
		var contacts []practice.ContactInput
		if t.has["contacts"] {
			// Contacts separated by semicolons, each as the client form
			// reads a line: Jane Smith <jane@acme.co.uk> requests.
			if contacts, err = practice.ParseContacts(row.get("contacts"), ";"); err != nil {
				if err := r.reject(row.line, clientFields, err); err != nil {
					return err
				}
				continue
			}
			if contacts == nil {
				contacts = []practice.ContactInput{}
			}
		}
		seen[e.Code] = row.line
		valid = append(valid, clientRow{row.line, e, contacts})
	}
	if valid, err = refuseRepricing(ctx, r, valid); err != nil {
		return err
	}
	if len(valid) == 0 || (r.rep.Invalid() > 0 && !r.o.SkipInvalid) {
		return nil // nothing to write, or nothing may be written
	}
	created, updated, err := upsertClients(ctx, r.tx, r.pid(), r.o.Actor, valid, r.o.Today)
	if err != nil {
		return err
	}
	r.rep.Created += created
	r.rep.Updated += updated
	return nil
}

// clientEntity turns a row into the client it describes: the existing
// client (or the form's defaults) with the row's columns laid over it,
// checked by practice's validation.
func clientEntity(row row, t *table, existing map[string]practice.EntityInput, team map[atlas.SlackUserID]memberRef,
	svcs map[string]serviceRef, covered []int64) (practice.Entity, error) {
	in, ok := existing[strings.ToUpper(row.get("code"))]
	if !ok {
		in = practice.EntityInput{RetainerServices: covered}
	}
	for col, dst := range map[string]*string{
		"code": &in.Code, "name": &in.Name, "aliases": &in.Aliases, "entity_type": &in.EntityType,
		"billing_type": &in.BillingType, "monthly_fee": &in.MonthlyFee, "fee_from": &in.FeeFrom, "invoice_timing": &in.InvoiceTiming,
		"invoice_day": &in.InvoiceDay, "payment_terms_days": &in.PaymentTerms, "billing_email": &in.BillingEmail,
		"retainer_start": &in.RetainerStart, "retainer_end": &in.RetainerEnd, "billing_contact": &in.BillingContact,
		"billing_address": &in.BillingAddress,
	} {
		if t.has[col] {
			*dst = row.get(col)
		}
	}
	// An address split over several columns is one line each; a filled
	// billing_address wins over them.
	if slices.ContainsFunc(addressParts, func(c string) bool { return t.has[c] }) && (!t.has["billing_address"] || row.get("billing_address") == "") {
		var lines []string
		for _, c := range addressParts {
			if v := row.get(c); v != "" {
				lines = append(lines, v)
			}
		}
		in.BillingAddress = strings.Join(lines, "\n")
	}
	if t.has["entity_type"] {
		in.EntityType = entityType(in.EntityType)
	}
	// Resolve the references first but report their errors after
	// Validate's, so a row's first problem is reported in column order.
	var refErr error
	if t.has["manager_slack_id"] {
		in.Manager, refErr = manager(row.get("manager_slack_id"), team)
	}
	if t.has["retainer_services"] {
		var err error
		in.RetainerServices, err = retainer(row.get("retainer_services"), svcs)
		if refErr == nil {
			refErr = err
		}
	}
	e, err := in.Validate()
	if err != nil {
		return e, err
	}
	if refErr != nil {
		return e, refErr
	}
	if e.BillingEmail != "" && !emailPattern.MatchString(e.BillingEmail) {
		// Validate accepts a few addresses the table's CHECK does not (no
		// dot in the domain); saving the form would fail on them too.
		return e, atlas.FieldError(practice.FieldBillingEmail, "%q is not an email address. Write it like accounts@acme.co.uk.", e.BillingEmail)
	}
	return e, nil
}

// entityTypeLabels are the entity types as practice software and people
// write them (Xero's "Sole Trader", "Limited Liability Partnership"), after
// entityTypeKey, by the stored code. The codes themselves are labels too.
var entityTypeLabels = map[string]string{
	"limited company": "limited_company", "ltd": "limited_company", "limited": "limited_company",
	"company": "limited_company", "ltd company": "limited_company", "private limited company": "limited_company",
	"sole trader": "sole_trader", "sole proprietor": "sole_trader", "sole proprietorship": "sole_trader",
	"partnership":                   "partnership",
	"limited liability partnership": "llp", "llp": "llp",
	"charity":    "charity",
	"trust":      "trust",
	"individual": "individual",
}

// entityType turns an entity_type cell into the stored code, ignoring case
// and spacing ("Limited  Company", "limited_company", "LLP"). A cell it
// does not know is returned as it is, for practice's validation to refuse
// in the form's words.
func entityType(cell string) string {
	if code, ok := entityTypeLabels[entityTypeKey(cell)]; ok {
		return code
	}
	return cell
}

// entityTypeKey is a label in lower case with runs of spaces, underscores,
// hyphens and dots as one space: "Sole_Trader" and "sole  trader" alike.
func entityTypeKey(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return r == ' ' || r == '_' || r == '-' || r == '.' || r == '\t'
	}), " ")
}

// manager resolves a manager_slack_id cell. The client form offers only
// active managers, partners and admins, so the file may name no one else.
func manager(cell string, team map[atlas.SlackUserID]memberRef) (*atlas.MemberID, error) {
	if cell == "" {
		return nil, nil
	}
	m, ok := team[slackUser(cell)]
	if !ok || !m.active {
		return nil, atlas.FieldError(practice.FieldManager, "%s is not on the team. Import the team first, or leave manager_slack_id empty.", cell)
	}
	if !m.role.AtLeast(atlas.RoleManager) {
		return nil, atlas.FieldError(practice.FieldManager, "%s is on the team as %s; a client's manager must be a manager, partner or admin.", cell, m.role.Title())
	}
	return &m.id, nil
}

// retainer resolves a retainer_services cell: service codes.
func retainer(cell string, svcs map[string]serviceRef) ([]int64, error) {
	var ids []int64
	var unknown []string
	for _, code := range split(cell) {
		s, ok := svcs[strings.ToUpper(code)]
		switch {
		case !ok || !s.active:
			unknown = append(unknown, code)
		case !slices.Contains(ids, s.id):
			ids = append(ids, s.id)
		}
	}
	if len(unknown) > 0 {
		return nil, atlas.FieldError(practice.FieldRetainer, "No active service has the code %s. Import the services first; list service codes separated by ;, such as BK;VAT.", strings.Join(unknown, ", "))
	}
	slices.Sort(ids)
	return ids, nil
}

// entityInputs reads every client of the practice as the input that would
// save it unchanged, by upper-case code.
func entityInputs(ctx context.Context, q pgx.Tx, pid atlas.PracticeID) (map[string]practice.EntityInput, error) {
	rows, err := q.Query(ctx, `SELECT upper(code), code, name, array_to_string(aliases, ';'), entity_type, billing_type,
			coalesce((SELECT f.monthly_fee::text FROM entity_fees f WHERE f.practice_id = entities.practice_id
			          AND f.entity_id = entities.id ORDER BY f.effective_from DESC LIMIT 1), ''), invoice_timing, invoice_day::text, coalesce(payment_terms_days::text, ''),
			coalesce(billing_email, ''), manager_id,
			coalesce((SELECT array_agg(service_id ORDER BY service_id) FROM entity_services es
			          WHERE es.practice_id = entities.practice_id AND es.entity_id = entities.id), '{}'),
			coalesce(retainer_start::text, ''), coalesce(retainer_end::text, ''), billing_contact, billing_address
		FROM entities WHERE practice_id = $1`, pid)
	if err != nil {
		return nil, fmt.Errorf("read the clients: %w", err)
	}
	out := map[string]practice.EntityInput{}
	var key string
	var in practice.EntityInput
	var mgr *int64
	_, err = pgx.ForEachRow(rows, []any{&key, &in.Code, &in.Name, &in.Aliases, &in.EntityType, &in.BillingType,
		&in.MonthlyFee, &in.InvoiceTiming, &in.InvoiceDay, &in.PaymentTerms, &in.BillingEmail, &mgr, &in.RetainerServices,
		&in.RetainerStart, &in.RetainerEnd, &in.BillingContact, &in.BillingAddress}, func() error {
		x := in
		x.Manager = nil
		if mgr != nil {
			m := atlas.MemberID(*mgr)
			x.Manager = &m
		}
		x.RetainerServices = slices.Clone(in.RetainerServices)
		out[key] = x
		return nil
	})
	return out, err
}

// refuseRepricing takes out of valid, as row errors, the clients whose new
// fee would change the fee of a period already invoiced, as the client
// form refuses it (practice.RepricedPeriods). New clients have no
// invoices, so only existing ones are asked about, in one query.
func refuseRepricing(ctx context.Context, r *run, valid []clientRow) ([]clientRow, error) {
	codes := make([]string, 0, len(valid))
	for _, row := range valid {
		codes = append(codes, row.e.Code)
	}
	rows, err := r.tx.Query(ctx, `SELECT upper(code), id FROM entities WHERE practice_id = $1 AND upper(code) = ANY($2)`, r.pid(), codes)
	if err != nil {
		return nil, fmt.Errorf("read the clients: %w", err)
	}
	ids := map[string]int64{}
	var code string
	var id int64
	if _, err := pgx.ForEachRow(rows, []any{&code, &id}, func() error { ids[code] = id; return nil }); err != nil {
		return nil, fmt.Errorf("read the clients: %w", err)
	}
	var changes []practice.FeeChange
	for _, row := range valid {
		if id, ok := ids[row.e.Code]; ok {
			if c, ok := practice.FeeChangeOf(id, row.e, r.o.Today); ok {
				changes = append(changes, c)
			}
		}
	}
	clash, err := practice.RepricedPeriods(ctx, r.tx, r.pid(), changes)
	if err != nil || len(clash) == 0 {
		return valid, err
	}
	kept := valid[:0]
	for _, row := range valid {
		if c, ok := clash[ids[row.e.Code]]; ok {
			if err := r.reject(row.line, clientFields, c.Err(row.e.FeeFrom != nil)); err != nil {
				return nil, err
			}
			continue
		}
		kept = append(kept, row)
	}
	return kept, nil
}

// upsertClients writes the clients in one statement, keyed like the
// entities_code_key index, and replaces their retainer services and adds
// their fees to the fee history as SaveEntity does: a fee from the row's
// fee_from, else from the first period invoiced from today (as of today),
// only when it changes what is in force. It returns how many were new and
// how many existed.
func upsertClients(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, actor atlas.MemberID, rows []clientRow, today time.Time) (created, updated int, err error) {
	n := len(rows)
	var (
		codes, names, aliases, types, billing, timings = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		emails                                         = make([]*string, n)
		days, terms                                    = make([]int32, n), make([]*int32, n)
		managers                                       = make([]*int64, n)
		starts, ends                                   = make([]*time.Time, n), make([]*time.Time, n)
		contacts, addresses                            = make([]string, n), make([]string, n)
	)
	for i, row := range rows {
		e := row.e
		codes[i], names[i], types[i], billing[i], timings[i] = e.Code, e.Name, e.EntityType, e.BillingType, e.InvoiceTiming
		// Validate splits aliases on , ; and |, so no alias holds a | and
		// it can carry the list through one text value per client.
		aliases[i] = strings.Join(e.Aliases, "|")
		starts[i], ends[i], contacts[i], addresses[i] = e.RetainerStart, e.RetainerEnd, e.BillingContact, e.BillingAddress

		days[i] = int32(e.InvoiceDay)
		if e.PaymentTermsDays != nil {
			d := int32(*e.PaymentTermsDays)
			terms[i] = &d
		}
		if e.BillingEmail != "" {
			emails[i] = &e.BillingEmail
		}
		if e.ManagerID != nil {
			m := int64(*e.ManagerID)
			managers[i] = &m
		}
	}
	// xmax is 0 on a row this statement inserted and the locking
	// transaction on one it updated: that tells created from updated.
	res, err := tx.Query(ctx, `
		INSERT INTO entities (practice_id, code, name, aliases, entity_type, billing_type,
		                      invoice_timing, invoice_day, payment_terms_days, billing_email, manager_id,
		                      retainer_start, retainer_end, billing_contact, billing_address)
		SELECT $1, r.code, r.name, string_to_array(r.aliases, '|'), r.entity_type, r.billing_type,
		       r.invoice_timing, r.invoice_day, r.payment_terms_days, r.billing_email, r.manager_id,
		       r.retainer_start, r.retainer_end, r.billing_contact, r.billing_address
		FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
		            $8::int[], $9::int[], $10::text[], $11::bigint[], $12::date[], $13::date[], $14::text[], $15::text[])
		     AS r(code, name, aliases, entity_type, billing_type, invoice_timing,
		          invoice_day, payment_terms_days, billing_email, manager_id,
		          retainer_start, retainer_end, billing_contact, billing_address)
		ON CONFLICT (practice_id, lower(code)) DO UPDATE SET
		       code = excluded.code, name = excluded.name, aliases = excluded.aliases,
		       entity_type = excluded.entity_type, billing_type = excluded.billing_type,
		       invoice_timing = excluded.invoice_timing,
		       invoice_day = excluded.invoice_day, payment_terms_days = excluded.payment_terms_days,
		       billing_email = excluded.billing_email, manager_id = excluded.manager_id,
		       retainer_start = excluded.retainer_start, retainer_end = excluded.retainer_end,
		       billing_contact = excluded.billing_contact, billing_address = excluded.billing_address, updated_at = now()
		RETURNING id, code, xmax = 0`,
		pid, codes, names, aliases, types, billing, timings, days, terms, emails, managers, starts, ends, contacts, addresses)
	if err != nil {
		return 0, 0, fmt.Errorf("save clients: %w", err)
	}
	ids := make(map[string]int64, n)
	var old []int64
	var id int64
	var code string
	var inserted bool
	if _, err := pgx.ForEachRow(res, []any{&id, &code, &inserted}, func() error {
		ids[code] = id
		if inserted {
			created++
		} else {
			old = append(old, id)
		}
		return nil
	}); err != nil {
		return 0, 0, fmt.Errorf("save clients: %w", err)
	}
	if len(ids) != n {
		return 0, 0, fmt.Errorf("save clients: wrote %d of %d", len(ids), n)
	}

	for _, row := range rows {
		if row.contacts == nil {
			continue
		}
		if _, err := practice.ReplaceContacts(ctx, tx, pid, actor, ids[row.e.Code], row.contacts); err != nil {
			return 0, 0, fmt.Errorf("line %d: %w", row.line, err)
		}
	}

	var fees []practice.FeeChange
	for _, row := range rows {
		if c, ok := practice.FeeChangeOf(ids[row.e.Code], row.e, today); ok {
			fees = append(fees, c)
		}
	}
	if err := practice.WriteFees(ctx, tx, pid, actor, fees); err != nil {
		return 0, 0, err
	}
	// Atlas bills an imported client from the first period invoiced from
	// today: a fee's start in the file is history the earlier system has
	// already billed.
	var firstIDs []int64
	var firsts []time.Time
	for _, row := range rows {
		if row.e.MonthlyFee.Valid {
			firstIDs = append(firstIDs, ids[row.e.Code])
			firsts = append(firsts, practice.ScheduleOf(row.e).FirstBilledFrom(today).FirstDay())
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE entities e SET bill_from = x.first
		FROM unnest($2::bigint[], $3::date[]) AS x(id, first)
		WHERE e.practice_id = $1 AND e.id = x.id AND e.bill_from IS NULL`, pid, firstIDs, firsts); err != nil {
		return 0, 0, fmt.Errorf("save where billing begins: %w", err)
	}

	var ents, svcs []int64
	for _, row := range rows {
		for _, s := range row.e.RetainerServices {
			ents, svcs = append(ents, ids[row.e.Code]), append(svcs, s)
		}
	}
	if len(old) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM entity_services WHERE practice_id = $1 AND entity_id = ANY($2)`, pid, old); err != nil {
			return 0, 0, fmt.Errorf("save retainer services: %w", err)
		}
	}
	if len(ents) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO entity_services (practice_id, entity_id, service_id)
			SELECT $1, x.e, x.s FROM unnest($2::bigint[], $3::bigint[]) AS x(e, s) ON CONFLICT DO NOTHING`, pid, ents, svcs); err != nil {
			return 0, 0, fmt.Errorf("save retainer services: %w", err)
		}
	}
	return created, len(old), nil
}
