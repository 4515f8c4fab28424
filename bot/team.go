package bot

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/atlas-practice/atlas/bot/views"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
)

// mention matches an escaped Slack user mention: <@U123ABC> or <@U123ABC|bea>.
var mention = regexp.MustCompile(`^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$`)

const teamAddUsage = "`/atlas team add @person role`, for example `/atlas team add @bea staff` (roles: staff, manager, partner, admin)"

// team lists the team, or with "add" puts a person on it (admins only).
func team(ctx context.Context, r *Request) error {
	args := strings.Fields(r.Text)
	store := practice.Store{DB: r.router.DB}
	if len(args) == 0 {
		ms, err := store.Members(ctx, r.Practice.ID)
		if err != nil {
			return err
		}
		rows := make([]views.TeamMember, 0, len(ms))
		for _, m := range ms {
			rows = append(rows, views.TeamMember{SlackUserID: string(m.SlackUserID), Name: m.Name, RoleTitle: m.Role.Title(), Email: m.Email})
		}
		name := r.Practice.Name
		if name == "" {
			name = "your practice"
		}
		return r.Reply(Message{Text: fmt.Sprintf("%d people on the team", len(ms)), Blocks: views.Team(name, rows)})
	}
	if !strings.EqualFold(args[0], "add") {
		return atlas.Errorf(atlas.EInvalid, "Atlas does not know `/atlas team %s`. Use `/atlas team` to list the team, or %s.", args[0], teamAddUsage)
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
