package practice

import (
	"context"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// ProfileFunc fetches a person's name and email from Slack, for a
// bootstrap admin joining the team on first contact.
type ProfileFunc func(ctx context.Context) (name, email string)

// Identify returns team's practice, made on first contact, and the member
// user is, or nil for a person not on the team. With bootstrap set (the
// person is one of the configured bootstrap admins), a person who has never
// been on the team joins it as an admin, named by profile; a bootstrap
// admin whom the practice later removed stays removed.
func (s Store) Identify(ctx context.Context, team, user string, bootstrap bool, profile ProfileFunc) (Practice, *Member, error) {
	// A plain read on every request; the insert happens on first contact only.
	p, err := s.Get(ctx, atlas.PracticeID(team))
	if atlas.ErrorCode(err) == atlas.ENotFound {
		p, err = s.Ensure(ctx, atlas.PracticeID(team))
	}
	if err != nil || user == "" {
		return p, nil, err
	}
	m, err := s.MemberBySlackID(ctx, p.ID, atlas.SlackUserID(user))
	switch {
	case err == nil:
		return p, &m, nil
	case atlas.ErrorCode(err) != atlas.ENotFound:
		return p, nil, err
	case !bootstrap:
		return p, nil, nil
	}
	var addErr error
	if !s.everOnTeam(ctx, p.ID, user) {
		name, email := profile(ctx)
		added, err := s.AddMember(ctx, p.ID, 0, NewMember{SlackUserID: atlas.SlackUserID(user), Name: name, Email: email, Role: atlas.RoleAdmin})
		if err == nil {
			return p, &added, nil
		}
		addErr = err
	}
	// Removed by the practice, or added a moment ago by a request of theirs
	// that arrived with this one: a person's first requests often come
	// together, and the upsert settles a clash on their Slack id but fails
	// on one on their email.
	if m, err := s.MemberBySlackID(ctx, p.ID, atlas.SlackUserID(user)); err == nil {
		return p, &m, nil
	}
	return p, nil, addErr
}

// everOnTeam reports whether a person has a member row, active or not. A
// failed read counts as yes, so an error never makes anyone an admin.
func (s Store) everOnTeam(ctx context.Context, pid atlas.PracticeID, user string) bool {
	var n int
	err := s.DB.QueryRow(ctx, `SELECT count(*) FROM members WHERE practice_id = $1 AND slack_user_id = $2`, pid, user).Scan(&n)
	return err != nil || n > 0
}
