package practice

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// Contact is a person at a client: document requests and invoices go to
// them, and they sign in to the portal with a link emailed to them.
type Contact struct {
	ID       int64
	EntityID int64
	Name     string
	Email    string
	Requests bool // receives document requests
	Invoices bool // receives invoices
}

// ContactInput is a contact as typed: a line of the client form's
// contacts, or one of a CSV row's.
type ContactInput struct {
	Name, Email        string
	Requests, Invoices bool
}

// FieldContacts is the client form's block id of its contacts.
const FieldContacts = "contacts"

// MaxContacts is how many contacts a client may have.
const MaxContacts = 20

// ContactsHint says how contacts are written, for the client form and the
// import's documentation.
const ContactsHint = "One a line: the name, then the email address, then what they receive — " +
	"requests (document requests), invoices, both or none; nothing said means both. " +
	"Such as: Jane Smith <jane@acme.co.uk> requests"

// contactEmail is the table's CHECK on an address.
var contactEmail = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// ParseContacts reads contacts written one a line (sep "\n", the form) or
// separated by semicolons (sep ";", a CSV cell): each
//
//	Jane Smith <jane@acme.co.uk> requests invoices
//	Jane Smith jane@acme.co.uk [requests]
//	jane@acme.co.uk
//
// — a name (the address when there is none), the address, then the words
// requests, invoices, both or none (in brackets or not, separated by
// spaces or commas); no word means both. Blank entries are skipped. Every
// bad entry is reported in one field error naming it ("Line 2: …"), so the
// whole list is fixed at once.
func ParseContacts(s, sep string) ([]ContactInput, error) {
	noun := "Line"
	if sep != "\n" {
		noun = "Contact"
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var out []ContactInput
	var problems []string
	seen := map[string]int{}
	n := 0
	for _, entry := range strings.Split(s, sep) {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		n++
		c, err := parseContact(entry)
		if err == "" {
			if first, dup := seen[strings.ToLower(c.Email)]; dup {
				err = fmt.Sprintf("%s is already on %s %d.", c.Email, strings.ToLower(noun), first)
			}
		}
		if err != "" {
			problems = append(problems, fmt.Sprintf("%s %d: %s", noun, n, err))
			continue
		}
		seen[strings.ToLower(c.Email)] = n
		out = append(out, c)
	}
	if len(problems) > 0 {
		msg := strings.Join(problems, " ")
		if len(problems) > 3 {
			msg = strings.Join(problems[:3], " ") + fmt.Sprintf(" (and %d more)", len(problems)-3)
		}
		return nil, atlas.FieldError(FieldContacts, "%s Write each contact as: Jane Smith <jane@acme.co.uk> requests invoices.", msg)
	}
	if len(out) > MaxContacts {
		return nil, atlas.FieldError(FieldContacts, "That is %d contacts: give a client at most %d.", len(out), MaxContacts)
	}
	return out, nil
}

// parseContact reads one contact, or says what is wrong with it.
func parseContact(entry string) (ContactInput, string) {
	var name, addr, rest string
	if lt := strings.IndexByte(entry, '<'); lt >= 0 {
		gt := strings.IndexByte(entry[lt:], '>')
		if gt < 0 {
			return ContactInput{}, fmt.Sprintf("%q has a < without its >.", entry)
		}
		name, addr, rest = entry[:lt], entry[lt+1:lt+gt], entry[lt+gt+1:]
	} else {
		words := strings.Fields(entry)
		at := -1
		for i, w := range words {
			if strings.Contains(w, "@") {
				at = i
				break
			}
		}
		if at < 0 {
			return ContactInput{}, fmt.Sprintf("%q has no email address.", entry)
		}
		name, addr, rest = strings.Join(words[:at], " "), words[at], strings.Join(words[at+1:], " ")
	}
	addr = strings.TrimSpace(addr)
	name = strings.Trim(strings.Join(strings.Fields(name), " "), `"',`)
	if a, err := mail.ParseAddress(addr); err != nil || a.Address != addr || !contactEmail.MatchString(addr) {
		return ContactInput{}, fmt.Sprintf("%q is not an email address.", addr)
	}
	if name == "" {
		name = addr
	}
	if utf8.RuneCountInString(name) > 200 {
		return ContactInput{}, "the name is too long (up to 200 characters)."
	}
	c := ContactInput{Name: name, Email: addr}
	said := false
	for _, w := range strings.FieldsFunc(strings.ToLower(rest), func(r rune) bool {
		return r == ' ' || r == ',' || r == '[' || r == ']' || r == '(' || r == ')' || r == '+' || r == '&' || r == '/'
	}) {
		switch w {
		case "requests", "request", "documents", "docs":
			c.Requests = true
		case "invoices", "invoice":
			c.Invoices = true
		case "both", "all":
			c.Requests, c.Invoices = true, true
		case "none", "neither":
		case "and":
			continue
		default:
			return ContactInput{}, fmt.Sprintf("%q is not something a contact receives: write requests, invoices, both or none.", w)
		}
		said = true
	}
	if !said {
		c.Requests, c.Invoices = true, true
	}
	return c, ""
}

// Line is the contact as ParseContacts reads it back.
func (c Contact) Line() string {
	what := "both"
	switch {
	case c.Requests && !c.Invoices:
		what = "requests"
	case c.Invoices && !c.Requests:
		what = "invoices"
	case !c.Requests && !c.Invoices:
		what = "none"
	}
	if c.Name == "" || strings.EqualFold(c.Name, c.Email) {
		return c.Email + " " + what
	}
	return c.Name + " <" + c.Email + "> " + what
}

// FormatContacts writes contacts as ParseContacts reads them, joined by
// sep ("\n" for the form, "; " for a CSV cell).
func FormatContacts(cs []Contact, sep string) string {
	lines := make([]string, len(cs))
	for i, c := range cs {
		lines[i] = c.Line()
	}
	return strings.Join(lines, sep)
}

// Contacts lists a client's contacts in the order they were added.
func (s Store) Contacts(ctx context.Context, pid atlas.PracticeID, entityID int64) ([]Contact, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, entity_id, name, email, receives_requests, receives_invoices FROM client_contacts
		WHERE practice_id = $1 AND entity_id = $2 ORDER BY id`, pid, entityID)
	if err != nil {
		return nil, fmt.Errorf("practice: read contacts: %w", err)
	}
	var c Contact
	out := []Contact{}
	_, err = pgx.ForEachRow(rows, []any{&c.ID, &c.EntityID, &c.Name, &c.Email, &c.Requests, &c.Invoices}, func() error {
		out = append(out, c)
		return nil
	})
	return out, err
}

// SaveContacts makes cs a client's contacts: a contact whose address is
// already one of the client's keeps its id (its sign-in links and
// documents), changed as typed; the others are added; those left out are
// removed, their sign-in links with them. A contact who supplied documents
// cannot be removed (they stay on record): the error names them.
func (s Store) SaveContacts(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, entityID int64, cs []ContactInput) ([]Contact, error) {
	var out []Contact
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		var err error
		out, err = ReplaceContacts(ctx, tx, pid, actor, entityID, cs)
		return err
	})
	return out, err
}

// ReplaceContacts is SaveContacts in tx, for the client form and the
// import, which save the client in the same transaction.
func ReplaceContacts(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, actor atlas.MemberID, entityID int64, cs []ContactInput) ([]Contact, error) {
	if len(cs) > MaxContacts {
		return nil, atlas.FieldError(FieldContacts, "That is %d contacts: give a client at most %d.", len(cs), MaxContacts)
	}
	for i, c := range cs {
		if !contactEmail.MatchString(c.Email) {
			return nil, atlas.FieldError(FieldContacts, "Contact %d: %q is not an email address.", i+1, c.Email)
		}
		if strings.TrimSpace(c.Name) == "" {
			cs[i].Name = c.Email
		}
	}
	before, err := Store{DB: tx}.Contacts(ctx, pid, entityID)
	if err != nil {
		return nil, err
	}
	keep := map[int64]bool{}
	changed := false
	for _, c := range cs {
		var id int64
		err := tx.QueryRow(ctx, `SELECT id FROM client_contacts WHERE practice_id = $1 AND entity_id = $2 AND lower(email) = lower($3)`,
			pid, entityID, c.Email).Scan(&id)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			err = tx.QueryRow(ctx, `INSERT INTO client_contacts (practice_id, entity_id, name, email, receives_requests, receives_invoices)
				VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, pid, entityID, c.Name, c.Email, c.Requests, c.Invoices).Scan(&id)
			if err != nil {
				return nil, db.MapError(err, "That client does not exist.")
			}
			changed = true
		case err != nil:
			return nil, fmt.Errorf("practice: read a contact: %w", err)
		default:
			tag, err := tx.Exec(ctx, `UPDATE client_contacts SET name = $3, email = $4, receives_requests = $5, receives_invoices = $6, updated_at = now()
				WHERE practice_id = $1 AND id = $2 AND (name, email, receives_requests, receives_invoices) IS DISTINCT FROM ($3, $4, $5, $6)`,
				pid, id, c.Name, c.Email, c.Requests, c.Invoices)
			if err != nil {
				return nil, fmt.Errorf("practice: update a contact: %w", err)
			}
			changed = changed || tag.RowsAffected() > 0
		}
		keep[id] = true
	}
	for _, c := range before {
		if keep[c.ID] {
			continue
		}
		if err := deleteContact(ctx, tx, pid, c); err != nil {
			return nil, err
		}
		changed = true
	}
	after, err := Store{DB: tx}.Contacts(ctx, pid, entityID)
	if err != nil {
		return nil, err
	}
	if changed {
		lines := make([]string, len(after))
		for i, c := range after {
			lines[i] = c.Line()
		}
		if err := Audit(ctx, tx, pid, actor, "entity.contacts", "entity", entityID, map[string]any{"contacts": lines}); err != nil {
			return nil, err
		}
	}
	return after, nil
}

// DeleteContact removes one contact of a client, and its sign-in links.
func (s Store) DeleteContact(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, entityID, contactID int64) error {
	return db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		var c Contact
		err := tx.QueryRow(ctx, `SELECT id, entity_id, name, email FROM client_contacts WHERE practice_id = $1 AND entity_id = $2 AND id = $3`,
			pid, entityID, contactID).Scan(&c.ID, &c.EntityID, &c.Name, &c.Email)
		if err != nil {
			return db.MapError(err, "That contact does not exist.")
		}
		if err := deleteContact(ctx, tx, pid, c); err != nil {
			return err
		}
		return Audit(ctx, tx, pid, actor, "entity.contact_delete", "entity", entityID, map[string]any{"email": c.Email})
	})
}

func deleteContact(ctx context.Context, tx pgx.Tx, pid atlas.PracticeID, c Contact) error {
	if _, err := tx.Exec(ctx, `SAVEPOINT contact_delete`); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM portal_links WHERE practice_id = $1 AND contact_id = $2`, pid, c.ID)
	if err == nil {
		_, err = tx.Exec(ctx, `DELETE FROM client_contacts WHERE practice_id = $1 AND id = $2`, pid, c.ID)
	}
	if db.IsForeignKeyViolation(err) {
		if _, rerr := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT contact_delete`); rerr != nil {
			return rerr
		}
		return atlas.FieldError(FieldContacts, "%s has sent documents through the portal, so they stay on record: keep their line (write none to send them nothing).", c.Email)
	}
	if err != nil {
		return fmt.Errorf("practice: remove a contact: %w", err)
	}
	_, err = tx.Exec(ctx, `RELEASE SAVEPOINT contact_delete`)
	return err
}
