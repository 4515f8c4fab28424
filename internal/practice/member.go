package practice

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
)

// Member is a person on the practice's team.
type Member struct {
	ID                    atlas.MemberID
	PracticeID            atlas.PracticeID
	SlackUserID           atlas.SlackUserID
	Name                  string
	Email                 string
	Role                  atlas.Role
	WeeklyCapacityMinutes int
	Active                bool
}

// Can reports whether the member's role includes min.
func (m Member) Can(min atlas.Role) bool { return m.Active && m.Role.AtLeast(min) }

const memberColumns = `id, practice_id, slack_user_id, name, coalesce(email, ''), role, weekly_capacity_minutes, active`

func scanMember(row pgx.Row) (Member, error) {
	var m Member
	err := row.Scan(&m.ID, &m.PracticeID, &m.SlackUserID, &m.Name, &m.Email, &m.Role, &m.WeeklyCapacityMinutes, &m.Active)
	return m, err
}

// MemberBySlackID finds the team member behind a Slack user. It returns
// ENotFound for someone not (or no longer) on the team.
func (s Store) MemberBySlackID(ctx context.Context, pid atlas.PracticeID, user atlas.SlackUserID) (Member, error) {
	m, err := scanMember(s.DB.QueryRow(ctx, `SELECT `+memberColumns+` FROM members
		WHERE practice_id = $1 AND slack_user_id = $2 AND active`, pid, user))
	return m, db.MapError(err, "You are not on this practice's team in Atlas yet.")
}

// Members lists the active team, by name.
func (s Store) Members(ctx context.Context, pid atlas.PracticeID) ([]Member, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+memberColumns+` FROM members
		WHERE practice_id = $1 AND active ORDER BY lower(name), id`, pid)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Member, error) { return scanMember(r) })
}

// Admins lists the active admins, who are the people to ask for access.
func (s Store) Admins(ctx context.Context, pid atlas.PracticeID) ([]Member, error) {
	ms, err := s.Members(ctx, pid)
	if err != nil {
		return nil, err
	}
	var out []Member
	for _, m := range ms {
		if m.Role == atlas.RoleAdmin {
			out = append(out, m)
		}
	}
	return out, nil
}

// NewMember is a person to add to the team.
type NewMember struct {
	SlackUserID atlas.SlackUserID
	Name        string
	Email       string
	Role        atlas.Role
}

// AddMember puts a person on the team, or updates their name, email and
// role and makes them active again if they were there before. actor is 0 for
// the system (bootstrap admins).
func (s Store) AddMember(ctx context.Context, pid atlas.PracticeID, actor atlas.MemberID, n NewMember) (Member, error) {
	if !n.Role.Valid() {
		return Member{}, atlas.Errorf(atlas.EInvalid, "%q is not a role. Use one of: staff, manager, partner, admin.", n.Role)
	}
	if !validSlackUser(string(n.SlackUserID)) {
		return Member{}, atlas.Errorf(atlas.EInvalid, "Mention the person to add, like `@bea`.")
	}
	n.Name = strings.TrimSpace(n.Name)
	if n.Name == "" {
		n.Name = string(n.SlackUserID)
	}
	var email any
	if e := strings.TrimSpace(n.Email); e != "" {
		email = e
	}
	var m Member
	err := db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		var err error
		m, err = scanMember(tx.QueryRow(ctx, `
			INSERT INTO members (practice_id, slack_user_id, name, email, role)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (practice_id, slack_user_id) DO UPDATE
			   SET name = excluded.name, email = coalesce(excluded.email, members.email),
			       role = excluded.role, active = true, updated_at = now()
			RETURNING `+memberColumns, pid, n.SlackUserID, n.Name, email, n.Role))
		if err != nil {
			return db.MapError(err, "")
		}
		return Audit(ctx, tx, pid, actor, "member.add", "member", int64(m.ID), map[string]any{
			"slack_user_id": n.SlackUserID, "role": n.Role,
		})
	})
	if err != nil {
		return Member{}, fmt.Errorf("add member: %w", err)
	}
	return m, nil
}

func validSlackUser(s string) bool {
	if len(s) < 2 || (s[0] != 'U' && s[0] != 'W') {
		return false
	}
	for _, r := range s[1:] {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}
