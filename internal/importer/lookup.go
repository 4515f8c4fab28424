package importer

import (
	"context"
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
	role   atlas.Role
	email  string // lower case
	active bool
}

// members returns the whole team, active or not, by Slack user id.
func members(ctx context.Context, q db.DB, pid atlas.PracticeID) (map[atlas.SlackUserID]memberRef, error) {
	rows, err := q.Query(ctx, `SELECT slack_user_id, id, role, lower(coalesce(email, '')), active
		FROM members WHERE practice_id = $1`, pid)
	if err != nil {
		return nil, fmt.Errorf("read the team: %w", err)
	}
	out := map[atlas.SlackUserID]memberRef{}
	var user atlas.SlackUserID
	var m memberRef
	_, err = pgx.ForEachRow(rows, []any{&user, &m.id, &m.role, &m.email, &m.active}, func() error {
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
