package importer

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// Files name things by their natural keys (codes, Slack user ids); these
// read each key set once per import, inside its transaction, so resolving a
// 5,000-row file costs one query rather than one per row.

// memberRef is a team member as the import needs them.
type memberRef struct {
	id     atlas.MemberID
	name   string
	role   atlas.Role
	email  string // lower case
	active bool
}

// members returns the whole team, active or not, by Slack user id.
func members(ctx context.Context, q db.DB, pid atlas.PracticeID) (map[atlas.SlackUserID]memberRef, error) {
	rows, err := q.Query(ctx, `SELECT slack_user_id, id, name, role, lower(coalesce(email, '')), active
		FROM members WHERE practice_id = $1`, pid)
	if err != nil {
		return nil, fmt.Errorf("read the team: %w", err)
	}
	out := map[atlas.SlackUserID]memberRef{}
	var user atlas.SlackUserID
	var m memberRef
	_, err = pgx.ForEachRow(rows, []any{&user, &m.id, &m.name, &m.role, &m.email, &m.active}, func() error {
		out[user] = m
		return nil
	})
	return out, err
}

// serviceRef is a service as the import needs it.
type serviceRef struct {
	id      int64
	covered bool
	active  bool
}

// services returns every service, active or not, by upper-case code.
func services(ctx context.Context, q db.DB, pid atlas.PracticeID) (map[string]serviceRef, error) {
	rows, err := q.Query(ctx, `SELECT upper(code), id, covered_by_retainer, active FROM services WHERE practice_id = $1`, pid)
	if err != nil {
		return nil, fmt.Errorf("read the services: %w", err)
	}
	out := map[string]serviceRef{}
	var code string
	var s serviceRef
	_, err = pgx.ForEachRow(rows, []any{&code, &s.id, &s.covered, &s.active}, func() error {
		out[code] = s
		return nil
	})
	return out, err
}

// slackUser normalises a Slack user id cell: ids are upper case, and a
// spreadsheet may have lowered them.
func slackUser(s string) atlas.SlackUserID {
	return atlas.SlackUserID(strings.ToUpper(strings.TrimSpace(s)))
}

// emailPattern is the members and entities tables' CHECK on email
// addresses. Checking it here turns what would be a failed statement into a
// row error saying which row and why.
var emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// slackAnswer is what Options.LookupEmail said of an address.
type slackAnswer struct {
	user atlas.SlackUserID
	name string
	err  error
}

// personByEmail finds the Slack user with an email address: a person the
// team has on file under it (known, by lower-case address), else whoever
// Slack says. It returns the reason the row cannot be imported ("" when
// found), or an error that stops the import: Slack failing, not a person
// missing. name is Slack's name for them ("" when known from the team).
func (r *run) personByEmail(ctx context.Context, email string, known map[string]atlas.SlackUserID) (user atlas.SlackUserID, name, reason string, err error) {
	key := strings.ToLower(strings.TrimSpace(email))
	if u, ok := known[key]; ok {
		return u, "", "", nil
	}
	if r.o.LookupEmail == nil {
		return "", "", fmt.Sprintf("The Slack user id of %s is needed: give it instead of the email, or set SLACK_BOT_TOKEN so the import can look the address up in Slack.", email), nil
	}
	a, asked := r.slack[key]
	if !asked {
		a.user, a.name, a.err = r.o.LookupEmail(ctx, key)
		a.user = slackUser(string(a.user))
		if r.slack == nil {
			r.slack = map[string]slackAnswer{}
		}
		r.slack[key] = a
	}
	switch {
	case errors.Is(a.err, ErrNoSlackUser):
		return "", "", fmt.Sprintf("Slack has no user with the email %s. Check the address, or give the person's Slack id instead.", email), nil
	case a.err != nil:
		return "", "", "", fmt.Errorf("look up %s in Slack: %w", email, a.err)
	case !slackUserPattern.MatchString(string(a.user)):
		return "", "", "", fmt.Errorf("look up %s in Slack: %q is not a Slack user id", email, a.user)
	}
	return a.user, a.name, "", nil
}
