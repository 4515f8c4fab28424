package admin

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
)

const teamAddUsage = "`/atlas team add @person role`, for example `/atlas team add @bea staff` (roles: staff, manager, partner, admin)"

const teamEditUsage = "`/atlas team edit @person` to change their role, weekly capacity or status"

// team lists the team.
func (h handlers) team(ctx context.Context, r *slackapp.Request) error {
	args := strings.Fields(r.Text)
	if len(args) == 0 {
		return h.listTeam(ctx, r, h.Practice)
	}
	return atlas.Errorf(atlas.EInvalid, "Atlas does not know `/atlas team %s`. Use `/atlas team` to list the team, %s, or %s.", args[0], teamAddUsage, teamEditUsage)
}

// teamAdd is `/atlas team add @person role`: it puts a person on the team.
func (h handlers) teamAdd(ctx context.Context, r *slackapp.Request) error {
	store := h.Practice
	args := strings.Fields(r.Text)
	if len(args) != 2 {
		return atlas.Errorf(atlas.EInvalid, "Say who and with which role: %s.", teamAddUsage)
	}
	id, ok := slackapp.ParseMention(args[0])
	if !ok {
		return atlas.Errorf(atlas.EInvalid, "%q is not a Slack mention. Pick the person from the @ list: %s.", args[0], teamAddUsage)
	}
	role, err := atlas.ParseRole(args[1])
	if err != nil {
		return err
	}
	u, err := r.API.GetUserInfoContext(ctx, id)
	if err != nil {
		return atlas.Errorf(atlas.EInvalid, "Slack does not know the user %s. Pick the person from the @ list: %s.", args[0], teamAddUsage)
	}
	if u.IsBot {
		return atlas.Errorf(atlas.EInvalid, "<@%s> is a bot; only people can be on the team.", id)
	}
	name := u.RealName
	if name == "" {
		name = u.Name
	}
	added, err := store.AddMember(ctx, r.Practice.ID, r.Member.ID, practice.NewMember{
		SlackUserID: atlas.SlackUserID(id), Name: name, Email: u.Profile.Email, Role: role,
	})
	if err != nil {
		return err
	}
	return r.Reply(slackapp.Message{Text: fmt.Sprintf(":white_check_mark: <@%s> is on the team as %s.", added.SlackUserID, added.Role.Title())})
}

// listTeam lists everyone on the team, inactive people last, with Edit
// buttons for admins.
func (h handlers) listTeam(ctx context.Context, r *slackapp.Request, store practice.Store) error {
	ms, err := store.Team(ctx, r.Practice.ID)
	if err != nil {
		return err
	}
	rows := make([]TeamMember, 0, len(ms))
	active := 0
	for _, m := range ms {
		rows = append(rows, TeamMember{ID: int64(m.ID), SlackUserID: string(m.SlackUserID), Name: m.Name, RoleTitle: m.Role.Title(),
			Email: m.Email, CapacityHours: m.WeeklyCapacityHours().String(), Active: m.Active})
		if m.Active {
			active++
		}
	}
	name := r.Practice.Name
	if name == "" {
		name = "your practice"
	}
	return r.Reply(slackapp.Message{Text: fmt.Sprintf("%d %s on the team", active, ui.Plural(active, "person", "people")),
		Blocks: Team(name, rows, r.Member.Can(atlas.RoleAdmin))})
}

// teamEdit is "/atlas team edit @person": the team member form (admins).
func (h handlers) teamEdit(ctx context.Context, r *slackapp.Request) error {
	args := strings.Fields(r.Text)
	if len(args) != 1 {
		return atlas.Errorf(atlas.EInvalid, "Say whom to change: %s, for example `/atlas team edit @bea`.", teamEditUsage)
	}
	id, ok := slackapp.ParseMention(args[0])
	if !ok {
		return atlas.Errorf(atlas.EInvalid, "%q is not a Slack mention. Pick the person from the @ list: %s.", args[0], teamEditUsage)
	}
	member, err := h.Practice.TeamMemberBySlackID(ctx, r.Practice.ID, atlas.SlackUserID(id))
	if err != nil {
		return err
	}
	return h.openTeamMemberModal(r, member)
}

// openTeamEdit is a team list row's "Edit" button.
func (h handlers) openTeamEdit(ctx context.Context, r *slackapp.Request) error {
	id, err := strconv.ParseInt(strings.TrimPrefix(r.RouteKey, ActionTeamEdit), 10, 64)
	if err != nil {
		return atlas.Errorf(atlas.EInvalid, "That button is out of date; run `/atlas team` again.")
	}
	m, err := h.Practice.MemberByID(ctx, r.Practice.ID, atlas.MemberID(id))
	if err != nil {
		return err
	}
	return h.openTeamMemberModal(r, m)
}

func (h handlers) openTeamMemberModal(r *slackapp.Request, m practice.Member) error {
	roles := make([]blockkit.Option, 0, len(atlas.Roles))
	for _, role := range atlas.Roles {
		roles = append(roles, blockkit.Option{Value: string(role), Label: role.Title()})
	}
	return r.OpenModal(TeamMemberModal(TeamMemberForm{
		ID: int64(m.ID), SlackUserID: string(m.SlackUserID), Name: m.Name, Role: string(m.Role), Roles: roles,
		CapacityHours: m.WeeklyCapacityHours().String(), Active: m.Active,
	}))
}

// submitTeamMember saves the team member form; a bad value goes back to its
// field, and the last active admin stays one.
func (h handlers) submitTeamMember(ctx context.Context, r *slackapp.Request) error {
	var meta TeamMemberMeta
	if err := r.PrivateMetadata(&meta); err != nil || meta.ID == 0 {
		return atlas.Errorf(atlas.EInvalid, "That form is out of date; open it again from `/atlas team`.")
	}
	m, err := h.Practice.UpdateMember(ctx, r.Practice.ID, r.Member.ID, atlas.MemberID(meta.ID), practice.MemberUpdate{
		Role:          r.Value(TeamMemberRole),
		CapacityHours: r.Value(TeamMemberCapacity),
		Active:        slices.Contains(r.Values(TeamMemberActive), TeamMemberActiveValue),
	})
	if err != nil {
		return err
	}
	r.Ack(nil) // closes the modal
	status := "active"
	if !m.Active {
		status = "inactive: they can no longer use Atlas, and their history stays"
	}
	text := fmt.Sprintf(":white_check_mark: <@%s> is now *%s* · %s h/week · %s.", m.SlackUserID, m.Role.Title(), m.WeeklyCapacityHours(), status)
	return r.Send(ctx, slackapp.Message{Text: text})
}
