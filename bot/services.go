package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
)

const servicesUsage = "`/atlas services add CODE Name [retainer]`, for example `/atlas services add PAYROLL Payroll` or `/atlas services add BK Bookkeeping retainer`"

// services lists the services, or with add creates or renames one (admins).
func services(ctx context.Context, r *Request) error {
	store := practice.Store{DB: r.router.DB}
	args := strings.Fields(r.Text)
	if len(args) == 0 {
		list, err := store.Services(ctx, r.Practice.ID)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return r.Reply(Message{Text: "No services yet. An admin adds them with " + servicesUsage + "."})
		}
		lines := []string{"*Services*"}
		for _, s := range list {
			line := fmt.Sprintf("`%s` %s", s.Code, s.Name)
			if s.CoveredByRetainer {
				line += " · covered by retainers"
			}
			lines = append(lines, line)
		}
		return r.Reply(Message{Text: strings.Join(lines, "\n")})
	}
	if !strings.EqualFold(args[0], "add") {
		return atlas.Errorf(atlas.EInvalid, "Atlas does not know `/atlas services %s`. Use `/atlas services` to list them, or %s.", args[0], servicesUsage)
	}
	if !r.Member.Can(atlas.RoleAdmin) {
		return atlas.Errorf(atlas.EForbidden, "Only admins can change services, and you are %s %s.", article(r.Member.Role), r.Member.Role.Title())
	}
	args = args[1:]
	covered := false
	if len(args) > 0 && strings.EqualFold(args[len(args)-1], "retainer") {
		covered, args = true, args[:len(args)-1]
	}
	if len(args) < 2 {
		return atlas.Errorf(atlas.EInvalid, "Give a code and a name: %s.", servicesUsage)
	}
	s, err := store.SaveService(ctx, r.Practice.ID, r.Member.ID, args[0], strings.Join(args[1:], " "), covered)
	if err != nil {
		return err
	}
	note := ""
	if s.CoveredByRetainer {
		note = " Fixed-fee retainers cover it unless a client says otherwise."
	}
	return r.Reply(Message{Text: fmt.Sprintf(":white_check_mark: Service `%s` %s saved.%s", s.Code, s.Name, note)})
}
