package tasks

import (
	"context"
	"fmt"
	"strings"

	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
)

// tasksGenerate makes the month's tasks.
func (h handlers) tasksGenerate(ctx context.Context, r *slackapp.Request) error {
	this := h.thisMonth(r)
	period := this
	if text := strings.TrimSpace(r.Text); text != "" {
		p, err := atlas.ParsePeriod(text)
		if err != nil || strings.Contains(text, " ") {
			return atlas.Errorf(atlas.EInvalid, "Atlas cannot read %q as a month. Use %s, such as `/tasks generate` for this month or `/tasks generate %s`.",
				text, generateUsage, this.Next())
		}
		period = p
	}
	switch first := this.FirstDay(); {
	case period.FirstDay().After(first.AddDate(0, generateAhead, 0)):
		return atlas.Errorf(atlas.EInvalid, "Tasks are made at most %d months ahead; %s is too far. Try `/tasks generate %s`.",
			generateAhead, period.Label(), this.Next())
	case period.FirstDay().Before(first.AddDate(0, -generateBehind, 0)):
		// Old months' tasks would all be overdue at once, and DM everyone.
		return atlas.Errorf(atlas.EInvalid, "Tasks are made at most %d months back; %s is too long ago. Try `/tasks generate %s`.",
			generateBehind, period.Label(), this.Prev())
	}
	g, err := h.Work.Generate(ctx, r.Practice.ID, period, r.Now())
	if err != nil {
		return err
	}
	r.Log().Info("tasks generated", "practice", r.Practice.ID, "period", period.String(), "tasks", g.Tasks, "items", g.Items, "by", r.UserID)
	if g.Tasks == 0 {
		return r.Reply(slackapp.Text(fmt.Sprintf(":information_source: Nothing new: 0 tasks made. Every client with a template already has its %s task. "+
			"A client gets one once it is assigned a template; `/tasks` lists the month's tasks.", period.Label())))
	}
	return r.Reply(slackapp.Text(fmt.Sprintf(":white_check_mark: Made %d %s with %d %s for %s. `/tasks` lists yours; `/tasks acme` a client's.",
		g.Tasks, ui.Plural(g.Tasks, "task", "tasks"), g.Items, ui.Plural(g.Items, "checklist item", "checklist items"), period.Label())))
}
