package admin

import (
	"context"
	"fmt"
	"strings"

	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/internal/atlas"
)

const servicesUsage = "`/atlas services add CODE Name [retainer]`, for example `/atlas services add PAYROLL Payroll` or `/atlas services add BK Bookkeeping retainer`"

// services lists the services, or with add creates or renames one (admins).
func (h handlers) services(ctx context.Context, r *slackapp.Request) error {
	store := h.Practice
	args := strings.Fields(r.Text)
	if len(args) == 0 {
		list, err := store.Services(ctx, r.Practice.ID)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return r.Reply(slackapp.Message{Text: "No services yet. An admin adds them with " + servicesUsage + "."})
		}
		lines := []string{"*Services*"}
		for _, s := range list {
			line := fmt.Sprintf("`%s` %s", s.Code, s.Name)
			if s.CoveredByRetainer {
				line += " · covered by retainers"
			}
			lines = append(lines, line)
		}
		return r.Reply(slackapp.Message{Text: strings.Join(lines, "\n")})
	}
	return atlas.Errorf(atlas.EInvalid, "Atlas does not know `/atlas services %s`. Use `/atlas services` to list them, or %s.", args[0], servicesUsage)
}

// servicesAdd is `/atlas services add CODE Name [retainer]`: it adds a
// service or renames one.
func (h handlers) servicesAdd(ctx context.Context, r *slackapp.Request) error {
	store := h.Practice
	args := strings.Fields(r.Text)
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
	return r.Reply(slackapp.Message{Text: fmt.Sprintf(":white_check_mark: Service `%s` %s saved.%s", s.Code, s.Name, note)})
}
