package templates

import (
	"context"
	"fmt"
	"strings"

	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
)

// assignmentsCommand lists every client's assignment, or one client's.
func (h handlers) assignmentsCommand(ctx context.Context, r *slackapp.Request) error {
	var e practice.Entity
	if text := strings.TrimSpace(ui.Unescape(r.Text)); text != "" {
		var err error
		if e, err = h.Practice.LookupEntity(ctx, r.Practice.ID, unquote(text)); err != nil {
			return err
		}
	}
	m, err := h.assignmentsMessage(ctx, r, e, 0)
	if err != nil {
		return err
	}
	return r.Reply(m)
}

// assignmentsPage is the list's Previous and Next.
func (h handlers) assignmentsPage(ctx context.Context, r *slackapp.Request) error {
	v := ""
	if r.Action != nil {
		v = r.Action.Value
	}
	page, entity, ok := ParseAssignmentsPage(v)
	if !ok {
		return atlas.Errorf(atlas.EInvalid, "That button is out of date; run `/atlas assignments` again.")
	}
	var e practice.Entity
	if entity != 0 {
		var err error
		if e, err = h.Practice.Entity(ctx, r.Practice.ID, entity); err != nil {
			return err
		}
	}
	m, err := h.assignmentsMessage(ctx, r, e, page)
	if err != nil {
		return err
	}
	m.ReplaceOriginal = true
	return r.Reply(m)
}

func (h handlers) assignmentsMessage(ctx context.Context, r *slackapp.Request, e practice.Entity, page int) (slackapp.Message, error) {
	ws := h.Work
	as, err := ws.Assignments(ctx, r.Practice.ID, e.ID)
	if err != nil {
		return slackapp.Message{}, err
	}
	counts, err := ws.ChangeCounts(ctx, r.Practice.ID, e.ID)
	if err != nil {
		return slackapp.Message{}, err
	}
	d := AssignmentsData{Page: page, EntityID: e.ID, CanAssign: r.Member.Can(atlas.RoleManager)}
	if e.ID != 0 {
		d.Client = e.Label()
	}
	for _, a := range as {
		c := counts[a.ID]
		d.Rows = append(d.Rows, AssignmentRow{Client: a.EntityCode + " · " + a.EntityName, Template: a.TemplateName,
			Preparer: a.PreparerSlack, Reviewer: a.ReviewerSlack, Extras: c.Extras, Dropped: c.Dropped})
	}
	return slackapp.Message{Text: fmt.Sprintf("%d %s", len(d.Rows), ui.Plural(len(d.Rows), "assignment", "assignments")), Blocks: Assignments(d)}, nil
}
