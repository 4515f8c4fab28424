package importer

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/practice"
)

// teamFormat: a person is given by their Slack user id, their email, or
// both. Practice software knows people by email, not by Slack id.
var teamFormat = format{
	columns:  []string{"slack_user_id", "name", "email", "role", "weekly_capacity_hours"},
	required: []string{"role"},
	header:   []string{"name"},
	oneOf:    []string{"slack_user_id", "email"},
}

// slackUserPattern is the members table's CHECK on Slack user ids, which
// is also the rule practice.AddMember applies.
var slackUserPattern = regexp.MustCompile(`^[UW][A-Z0-9]+$`)

// importTeam adds or updates each person with the store's AddMember, as
// `/atlas team add` does. AddMember's errors name no field (the Slack
// command has one argument per field), so the rows are checked here first,
// by the same rules, to say which column is wrong. A person given by email
// alone is found by the email the team has on file, else in Slack
// (Options.LookupEmail).
func importTeam(ctx context.Context, r *run, t *table) error {
	team, err := members(ctx, r.tx, r.pid())
	if err != nil {
		return err
	}
	// emails maps each active member's email to them: the database allows
	// an email once among active members.
	emails := map[string]atlas.SlackUserID{}
	for u, m := range team {
		if m.active && m.email != "" {
			emails[m.email] = u
		}
	}
	seenUser := map[atlas.SlackUserID]int{}
	seenEmail := map[string]int{}
	for _, row := range t.rows {
		n, capacity, rerr := teamRow(row, t)
		if rerr != nil {
			r.rep.Errors = append(r.rep.Errors, *rerr)
			continue
		}
		userCol, slackName := "slack_user_id", ""
		if n.SlackUserID == "" {
			user, name, reason, err := r.personByEmail(ctx, n.Email, emails)
			if err != nil {
				return err
			}
			if reason != "" {
				r.invalid(row.line, "email", reason)
				continue
			}
			n.SlackUserID, slackName, userCol = user, name, "email"
		}
		if n.Name == "" {
			// An empty name keeps the one the team has, or takes Slack's.
			n.Name = team[n.SlackUserID].name
			if n.Name == "" {
				n.Name = slackName
			}
			if n.Name == "" {
				r.invalid(row.line, "name", "Every row needs a name; this one leaves it empty.")
				continue
			}
		}
		email := strings.ToLower(n.Email)
		if first, dup := seenUser[n.SlackUserID]; dup {
			r.invalid(row.line, userCol, fmt.Sprintf("%s is already on line %d of this file. Each person appears once.", n.SlackUserID, first))
			continue
		}
		if first, dup := seenEmail[email]; dup && email != "" {
			r.invalid(row.line, "email", fmt.Sprintf("The email %s is already on line %d of this file; each person needs their own.", n.Email, first))
			continue
		}
		if owner, taken := emails[email]; taken && email != "" && owner != n.SlackUserID {
			r.invalid(row.line, "email", fmt.Sprintf("%s already has the email %s on the team; each person needs their own.", owner, n.Email))
			continue
		}
		old, existed := team[n.SlackUserID]
		// A savepoint per row, so a row the database refuses is undone alone
		// and the rest of the file can still be checked.
		err := db.InTx(ctx, r.tx, func(sp pgx.Tx) error {
			m, err := practice.Store{DB: sp}.AddMember(ctx, r.pid(), r.o.Actor, n)
			if err != nil || capacity < 0 {
				return err
			}
			_, err = sp.Exec(ctx, `UPDATE members SET weekly_capacity_minutes = $3, updated_at = now()
				WHERE practice_id = $1 AND id = $2`, r.pid(), m.ID, capacity)
			return err
		})
		if atlas.ErrorCode(err) == atlas.EConflict {
			// An empty cell keeps the stored email, which is then the one taken.
			shown := n.Email
			if shown == "" {
				shown = old.email
			}
			r.invalid(row.line, "email", fmt.Sprintf("Another active team member already has the email %s; each person needs their own.", shown))
			continue
		}
		if err != nil {
			if err := r.reject(row.line, nil, err); err != nil {
				return err
			}
			continue
		}
		seenUser[n.SlackUserID] = row.line
		if email != "" {
			seenEmail[email] = row.line
			delete(emails, old.email)
			emails[email] = n.SlackUserID
		}
		r.count(existed)
	}
	return nil
}

// teamRow checks a row and returns the person and their weekly capacity in
// minutes (-1 to leave it as it is: new members get the table's default).
// The person's Slack user id is empty when the row gives only their email.
func teamRow(row row, t *table) (practice.NewMember, int, *RowError) {
	bad := func(col, format string, args ...any) (practice.NewMember, int, *RowError) {
		return practice.NewMember{}, 0, &RowError{Line: row.line, Column: col, Reason: fmt.Sprintf(format, args...)}
	}
	n := practice.NewMember{SlackUserID: slackUser(row.get("slack_user_id")), Name: row.get("name"), Email: row.get("email")}
	switch {
	case n.SlackUserID == "" && n.Email == "":
		return bad("slack_user_id", "Give the person's Slack user id or their email; this row has neither.")
	case n.SlackUserID != "" && !slackUserPattern.MatchString(string(n.SlackUserID)):
		return bad("slack_user_id", "%q is not a Slack user id. Copy it from the person's Slack profile (⋮ › Copy member ID); it looks like U012AB3CD.", row.get("slack_user_id"))
	}
	role, err := atlas.ParseRole(row.get("role"))
	if err != nil {
		return bad("role", "%s", atlas.ErrorMessage(err))
	}
	n.Role = role
	if n.Email != "" && !emailPattern.MatchString(n.Email) {
		return bad("email", "%q is not an email address. Write it like bea@practice.co.uk, or leave it empty.", n.Email)
	}
	capacity := -1
	if v := row.get("weekly_capacity_hours"); t.has["weekly_capacity_hours"] && v != "" {
		h, err := decimal.NewFromString(strings.TrimSuffix(strings.ToLower(v), "h"))
		if err != nil || h.IsNegative() || h.GreaterThan(decimal.NewFromInt(168)) {
			return bad("weekly_capacity_hours", "%q is not a number of hours. Write the weekly capacity like 37.5 (0 to 168), or leave it empty.", v)
		}
		capacity = int(h.Mul(decimal.NewFromInt(60)).Round(0).IntPart())
	}
	return n, capacity, nil
}
