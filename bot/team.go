package bot

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/atlas-practice/atlas/bot/views"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
)

// mention matches an escaped Slack user mention: <@U123ABC> or <@U123ABC|bea>.
var mention = regexp.MustCompile(`^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$`)

const teamAddUsage = "`/atlas team add @person role`, for example `/atlas team add @bea staff` (roles: staff, manager, partner, admin)"

const teamEditUsage = "`/atlas team edit @person` to change their role, weekly capacity or status"

// team lists the team; with "add" it puts a person on it and with "edit"
// opens the form to change one (admins only).
func team(ctx context.Context, r *Request) error {
	args := strings.Fields(r.Text)
	store := practice.Store{DB: r.router.DB}
	if len(args) == 0 {
		return listTeam(ctx, r, store)
	}
	switch strings.ToLower(args[0]) {
	case "add":
	case "edit":
		return teamEdit(ctx, r, store, args[1:])
	default:
		return atlas.Errorf(atlas.EInvalid, "Atlas does not know `/atlas team %s`. Use `/atlas team` to list the team, %s, or %s.", args[0], teamAddUsage, teamEditUsage)
	}
	if !r.Member.Can(atlas.RoleAdmin) {
		return atlas.Errorf(atlas.EForbidden, "Only admins can add people to the team, and you are %s %s.", article(r.Member.Role), r.Member.Role.Title())
	}
	if len(args) != 3 {
		return atlas.Errorf(atlas.EInvalid, "Say who and with which role: %s.", teamAddUsage)
	}
	m := mention.FindStringSubmatch(args[1])
	if m == nil {
		return atlas.Errorf(atlas.EInvalid, "%q is not a Slack mention. Pick the person from the @ list: %s.", args[1], teamAddUsage)
	}
	role, err := atlas.ParseRole(args[2])
	if err != nil {
		return err
	}
	u, err := r.API.GetUserInfoContext(ctx, m[1])
	if err != nil {
		return atlas.Errorf(atlas.EInvalid, "Slack does not know the user %s. Pick the person from the @ list: %s.", args[1], teamAddUsage)
	}
	if u.IsBot {
		return atlas.Errorf(atlas.EInvalid, "<@%s> is a bot; only people can be on the team.", m[1])
	}
	name := u.RealName
	if name == "" {
		name = u.Name
	}
	added, err := store.AddMember(ctx, r.Practice.ID, r.Member.ID, practice.NewMember{
		SlackUserID: atlas.SlackUserID(m[1]), Name: name, Email: u.Profile.Email, Role: role,
	})
	if err != nil {
		return err
	}
	return r.Reply(Message{Text: fmt.Sprintf(":white_check_mark: <@%s> is on the team as %s.", added.SlackUserID, added.Role.Title())})
}

// listTeam lists everyone on the team, inactive people last, with Edit
// buttons for admins.
func listTeam(ctx context.Context, r *Request, store practice.Store) error {
	ms, err := store.Team(ctx, r.Practice.ID)
	if err != nil {
		return err
	}
	rows := make([]views.TeamMember, 0, len(ms))
	active := 0
	for _, m := range ms {
		rows = append(rows, views.TeamMember{ID: int64(m.ID), SlackUserID: string(m.SlackUserID), Name: m.Name, RoleTitle: m.Role.Title(),
			Email: m.Email, CapacityHours: m.WeeklyCapacityHours().String(), Active: m.Active})
		if m.Active {
			active++
		}
	}
	name := r.Practice.Name
	if name == "" {
		name = "your practice"
	}
	return r.Reply(Message{Text: fmt.Sprintf("%d %s on the team", active, pluralWord(active, "person", "people")),
		Blocks: views.Team(name, rows, r.Member.Can(atlas.RoleAdmin))})
}

// teamEdit is "/atlas team edit @person": the team member form (admins).
func teamEdit(ctx context.Context, r *Request, store practice.Store, args []string) error {
	if !r.Member.Can(atlas.RoleAdmin) {
		return atlas.Errorf(atlas.EForbidden, "Only admins can change people on the team, and you are %s %s.", article(r.Member.Role), r.Member.Role.Title())
	}
	if len(args) != 1 {
		return atlas.Errorf(atlas.EInvalid, "Say whom to change: %s, for example `/atlas team edit @bea`.", teamEditUsage)
	}
	m := mention.FindStringSubmatch(args[0])
	if m == nil {
		return atlas.Errorf(atlas.EInvalid, "%q is not a Slack mention. Pick the person from the @ list: %s.", args[0], teamEditUsage)
	}
	member, err := store.TeamMemberBySlackID(ctx, r.Practice.ID, atlas.SlackUserID(m[1]))
	if err != nil {
		return err
	}
	return openTeamMemberModal(r, member)
}

// openTeamEdit is a team list row's "Edit" button.
func openTeamEdit(ctx context.Context, r *Request) error {
	id, err := strconv.ParseInt(strings.TrimPrefix(r.RouteKey, views.ActionTeamEdit), 10, 64)
	if err != nil {
		return atlas.Errorf(atlas.EInvalid, "That button is out of date; run `/atlas team` again.")
	}
	m, err := practice.Store{DB: r.router.DB}.MemberByID(ctx, r.Practice.ID, atlas.MemberID(id))
	if err != nil {
		return err
	}
	return openTeamMemberModal(r, m)
}

func openTeamMemberModal(r *Request, m practice.Member) error {
	roles := make([]views.Option, 0, len(atlas.Roles))
	for _, role := range atlas.Roles {
		roles = append(roles, views.Option{Value: string(role), Label: role.Title()})
	}
	return r.OpenModal(views.TeamMemberModal(views.TeamMemberForm{
		ID: int64(m.ID), SlackUserID: string(m.SlackUserID), Name: m.Name, Role: string(m.Role), Roles: roles,
		CapacityHours: m.WeeklyCapacityHours().String(), Active: m.Active,
	}))
}

// submitTeamMember saves the team member form; a bad value goes back to its
// field, and the last active admin stays one.
func submitTeamMember(ctx context.Context, r *Request) error {
	var meta views.TeamMemberMeta
	if err := r.PrivateMetadata(&meta); err != nil || meta.ID == 0 {
		return atlas.Errorf(atlas.EInvalid, "That form is out of date; open it again from `/atlas team`.")
	}
	m, err := practice.Store{DB: r.router.DB}.UpdateMember(ctx, r.Practice.ID, r.Member.ID, atlas.MemberID(meta.ID), practice.MemberUpdate{
		Role:          r.Value(views.TeamMemberRole),
		CapacityHours: r.Value(views.TeamMemberCapacity),
		Active:        slices.Contains(r.Values(views.TeamMemberActive), views.TeamMemberActiveValue),
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
	return r.DM(ctx, r.UserID, Message{Text: text})
}
