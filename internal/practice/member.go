package practice

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

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
	if db.IsUniqueViolation(err, "members_practice_email") {
		return Member{}, s.emailTaken(ctx, pid, n.SlackUserID, strings.TrimSpace(n.Email), err)
	}
	if err != nil {
		return Member{}, fmt.Errorf("add member: %w", err)
	}
	return m, nil
}

// emailTaken says who on the team already has an email address: two active
// people cannot share one, since invoices and reminders go to it. email is
// "" when the address is the one a returning person had before.
func (s Store) emailTaken(ctx context.Context, pid atlas.PracticeID, user atlas.SlackUserID, email string, cause error) error {
	var name, slackID string
	err := s.DB.QueryRow(ctx, `
		SELECT m.name, m.slack_user_id, m.email FROM members m
		 WHERE m.practice_id = $1 AND m.active AND m.slack_user_id <> $2
		   AND lower(m.email) = lower(coalesce(nullif($3, ''),
		       (SELECT email FROM members WHERE practice_id = $1 AND slack_user_id = $2)))`,
		pid, user, email).Scan(&name, &slackID, &email)
	if err != nil {
		return atlas.Wrap(cause, atlas.EConflict, "That email address is already someone else's on the team. Each person needs their own address.")
	}
	return atlas.Wrap(cause, atlas.EConflict, "%s is already the email of %s (<@%s>) on this team. Each person needs their own address: change theirs first if it moved to someone else.", email, name, slackID)
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

// WeeklyCapacityHours is the member's weekly capacity in hours, to the
// hundredth.
func (m Member) WeeklyCapacityHours() decimal.Decimal { return CapacityHours(m.WeeklyCapacityMinutes) }

// CapacityHours is a capacity in minutes as the hours people write it,
// such as 37.5.
func CapacityHours(minutes int) decimal.Decimal {
	return decimal.NewFromInt(int64(minutes)).Div(decimal.NewFromInt(60)).Round(2)
}

// Team lists everyone who is or was on the team: the active members by name,
// then the inactive ones by name.
func (s Store) Team(ctx context.Context, pid atlas.PracticeID) ([]Member, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+memberColumns+` FROM members
		WHERE practice_id = $1 ORDER BY active DESC, lower(name), id`, pid)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Member, error) { return scanMember(r) })
}

// notOnTeam is the answer for a person with no member row.
func notOnTeam(user atlas.SlackUserID) string {
	return fmt.Sprintf("<@%s> is not on the team yet — add them with `/atlas team add @person role`.", user)
}

// TeamMemberBySlackID finds a team member by Slack user, active or not, so
// an admin can edit (and reactivate) them.
func (s Store) TeamMemberBySlackID(ctx context.Context, pid atlas.PracticeID, user atlas.SlackUserID) (Member, error) {
	m, err := scanMember(s.DB.QueryRow(ctx, `SELECT `+memberColumns+` FROM members
		WHERE practice_id = $1 AND slack_user_id = $2`, pid, user))
	return m, db.MapError(err, notOnTeam(user))
}

// MemberByID finds a team member by id, active or not.
func (s Store) MemberByID(ctx context.Context, pid atlas.PracticeID, id atlas.MemberID) (Member, error) {
	m, err := scanMember(s.DB.QueryRow(ctx, `SELECT `+memberColumns+` FROM members
		WHERE practice_id = $1 AND id = $2`, pid, id))
	return m, db.MapError(err, "That person is not on the team any more; run `/atlas team` again.")
}

// Block ids of the team member form, shared with the modal.
const (
	FieldMemberRole     = "member_role"
	FieldMemberCapacity = "member_capacity"
	FieldMemberActive   = "member_active"
)

// MaxWeeklyCapacityHours is every hour of the week.
const MaxWeeklyCapacityHours = 168

// MemberUpdate is an admin's change to a team member, as picked or typed.
type MemberUpdate struct {
	Role          string // staff, manager, partner or admin
	CapacityHours string // weekly hours, such as 37.5
	Active        bool
}

// Validate checks the update and returns the role and the weekly capacity
// in minutes. All the fields in error come back at once, as atlas.FieldErrors.
func (u MemberUpdate) Validate() (atlas.Role, int, error) {
	var errs atlas.FieldErrors
	role := atlas.Role(strings.ToLower(strings.TrimSpace(u.Role)))
	if !role.Valid() {
		errs = append(errs, atlas.FieldError(FieldMemberRole, "%q is not a role. Choose staff, manager, partner or admin.", u.Role))
	}
	text := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(strings.ToLower(u.CapacityHours)), "h"))
	hours, err := decimal.NewFromString(text)
	if err != nil || hours.IsNegative() || hours.GreaterThan(decimal.NewFromInt(MaxWeeklyCapacityHours)) || hours.Exponent() < -2 {
		errs = append(errs, atlas.FieldError(FieldMemberCapacity,
			"%q is not a weekly capacity. Give hours from 0 to %d, such as 37.5.", strings.TrimSpace(u.CapacityHours), MaxWeeklyCapacityHours))
	}
	minutes := int(hours.Mul(decimal.NewFromInt(60)).Round(0).IntPart())
	if len(errs) > 0 {
		return role, minutes, errs
	}
	return role, minutes, nil
}

// UpdateMember changes a team member's role, weekly capacity and whether
// they are active. The practice always keeps an active admin: the last one
// cannot be demoted or deactivated, by themselves or anyone.
func (s Store) UpdateMember(ctx context.Context, pid atlas.PracticeID, actor, id atlas.MemberID, u MemberUpdate) (Member, error) {
	role, minutes, err := u.Validate()
	if err != nil {
		return Member{}, err
	}
	var m Member
	err = db.InTx(ctx, s.DB, func(tx pgx.Tx) error {
		// The admins first, in id order, so two admins stepping down at
		// once are serialised and cannot both succeed.
		rows, err := tx.Query(ctx, `SELECT id FROM members WHERE practice_id = $1 AND role = 'admin' AND active
			ORDER BY id FOR UPDATE`, pid)
		if err != nil {
			return fmt.Errorf("lock admins: %w", err)
		}
		admins, err := pgx.CollectRows(rows, pgx.RowTo[atlas.MemberID])
		if err != nil {
			return fmt.Errorf("lock admins: %w", err)
		}
		before, err := scanMember(tx.QueryRow(ctx, `SELECT `+memberColumns+` FROM members
			WHERE practice_id = $1 AND id = $2 FOR UPDATE`, pid, id))
		if err != nil {
			return db.MapError(err, "That person is not on the team any more; run `/atlas team` again.")
		}
		stillAdmin := role == atlas.RoleAdmin && u.Active
		if before.Active && before.Role == atlas.RoleAdmin && !stillAdmin && len(admins) <= 1 {
			who, then, field := fmt.Sprintf("<@%s> is", before.SlackUserID), "change their role", FieldMemberRole
			if role == atlas.RoleAdmin {
				then, field = "deactivate them", FieldMemberActive
			}
			if id == actor {
				who = "You are"
				then = strings.NewReplacer("their role", "your own role", "them", "yourself").Replace(then)
			}
			return atlas.FieldError(field, "%s the last active admin. Make someone else an admin first (`/atlas team edit @person`), then %s.", who, then)
		}
		m, err = scanMember(tx.QueryRow(ctx, `UPDATE members SET role = $3, weekly_capacity_minutes = $4, active = $5, updated_at = now()
			WHERE practice_id = $1 AND id = $2 RETURNING `+memberColumns, pid, id, role, minutes, u.Active))
		if err != nil {
			return db.MapError(err, "")
		}
		return Audit(ctx, tx, pid, actor, "member.update", "member", int64(id), map[string]any{
			"slack_user_id":           m.SlackUserID,
			"role":                    map[string]any{"from": before.Role, "to": m.Role},
			"weekly_capacity_minutes": map[string]any{"from": before.WeeklyCapacityMinutes, "to": m.WeeklyCapacityMinutes},
			"active":                  map[string]any{"from": before.Active, "to": m.Active},
		})
	})
	if err != nil {
		return Member{}, err
	}
	return m, nil
}
