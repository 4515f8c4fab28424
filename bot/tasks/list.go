package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// earlierShown is how many packs of earlier months a list shows first.
const earlierShown = 5

const (
	tasksUsage    = "`/tasks [@person|client] [2026-11]`"
	generateUsage = "`/tasks generate [2026-11]`"
	// generateAhead is how many months ahead tasks may be made: enough to
	// prepare next month early, not so many that a mistyped year fills the
	// calendar.
	generateAhead = 2
	// generateBehind is how far back /tasks generate reaches: far enough
	// to make a month missed while Atlas was down.
	generateBehind = 3
)

// thisMonth is the current month in the practice's timezone.
func (h handlers) thisMonth(r *slackapp.Request) atlas.Period {
	return atlas.PeriodOf(r.Now().In(r.Practice.Location()))
}

var monthWord = regexp.MustCompile(`^\d{4}-\d{1,2}$`)

// taskScope is what a /tasks line asks for.
type taskScope struct {
	period atlas.Period
	member *practice.Member // whose tasks; nil with a client
	entity *practice.Entity // the client's tasks
	// monthGiven: the line named the month; else it is the month at hand.
	monthGiven bool
}

// parseTaskScope reads "[@person|client] [2026-11]".
func (h handlers) parseTaskScope(ctx context.Context, r *slackapp.Request, text string) (taskScope, error) {
	sc, err := h.parseTaskWords(ctx, r, text)
	if err != nil || sc.monthGiven {
		return sc, err
	}
	// Without a month: the month at hand for the person or client asked
	// about, not the practice's, so one colleague's late pack does not
	// hide everyone else's month.
	var who workflow.Filter
	if sc.member != nil {
		who.Member = sc.member.ID
	}
	if sc.entity != nil {
		who.EntityID = sc.entity.ID
	}
	sc.period, err = h.Work.MonthAtHandFor(ctx, r.Practice.ID, who, today(r))
	return sc, err
}

// parseTaskWords reads the person or client and the month of a /tasks line.
func (h handlers) parseTaskWords(ctx context.Context, r *slackapp.Request, text string) (taskScope, error) {
	sc := taskScope{period: h.thisMonth(r), member: r.Member}
	var client []string
	var person string
	months := 0
	for _, w := range strings.Fields(ui.Unescape(text)) {
		switch id, isMention := slackapp.ParseMention(w); {
		case isMention:
			if person != "" && person != id {
				return sc, atlas.Errorf(atlas.EInvalid, "Name one person at a time, such as `/tasks @bea`.")
			}
			person = id
		case monthWord.MatchString(w):
			p, err := atlas.ParsePeriod(w)
			if err != nil {
				return sc, err
			}
			sc.period, sc.monthGiven = p, true
			months++
		default:
			client = append(client, w)
		}
	}
	name := strings.Trim(strings.Join(client, " "), "\"“” ")
	switch {
	case months > 1:
		return sc, atlas.Errorf(atlas.EInvalid, "Give one month, such as `/tasks 2026-11`. The form is %s.", tasksUsage)
	case person != "" && name != "":
		return sc, atlas.Errorf(atlas.EInvalid, "Give a person or a client, not both: `/tasks @bea` or `/tasks acme`.")
	case strings.EqualFold(name, "me") || strings.EqualFold(name, "mine"):
		return sc, nil
	case name != "":
		// An archived client is refused new work, but its past months
		// can still be looked at.
		e, err := h.Practice.LookupEntityAny(ctx, r.Practice.ID, name)
		switch {
		case atlas.ErrorCode(err) == atlas.ENotFound:
			return sc, atlas.Errorf(atlas.ENotFound, "%s The form is %s.", atlas.ErrorMessage(err), tasksUsage)
		case err != nil:
			return sc, err
		}
		sc.entity, sc.member = &e, nil
	case person != "" && person != r.UserID:
		m, err := h.Practice.MemberBySlackID(ctx, r.Practice.ID, atlas.SlackUserID(person))
		if err != nil {
			return sc, atlas.Errorf(atlas.ENotFound, "<@%s> is not on the team, so has no tasks. `/atlas team` lists who is.", person)
		}
		sc.member = &m
	}
	return sc, nil
}

// tasksList answers /tasks.
func (h handlers) tasksList(ctx context.Context, r *slackapp.Request) error {
	return h.showTaskList(ctx, r, r.Text, 0)
}

// tasksPage shows another page of a task list, in place of the one clicked.
func (h handlers) tasksPage(ctx context.Context, r *slackapp.Request) error {
	var args TaskPageArgs
	if r.Action == nil || json.Unmarshal([]byte(r.Action.Value), &args) != nil {
		return atlas.Errorf(atlas.EInvalid, "That button has expired. Run %s again.", tasksUsage)
	}
	r.ReplaceOriginal()
	return h.showTaskList(ctx, r, args.Text, args.Page)
}

func (h handlers) showTaskList(ctx context.Context, r *slackapp.Request, text string, page int) error {
	sc, err := h.parseTaskScope(ctx, r, text)
	if err != nil {
		return err
	}
	f := workflow.Filter{Period: sc.period, Today: today(r), ByDue: true, Limit: TaskListPerPage, Offset: max(page, 0) * TaskListPerPage}
	d := TaskList{Period: sc.period.Label(), Today: f.Today, Text: strings.TrimSpace(text)}
	switch {
	case sc.entity != nil:
		f.EntityID = sc.entity.ID
		d.Title = sc.entity.Code + " · " + sc.entity.Name
		d.Empty = fmt.Sprintf("%s has no task for %s. A client gets its monthly task once it is assigned a template; a manager makes the month's tasks with %s.",
			blockkit.Escape(sc.entity.Name), sc.period.Label(), generateUsage)
	case sc.member.ID == r.Member.ID:
		f.Member = r.Member.ID
		d.Title = "Your tasks"
		d.Empty = fmt.Sprintf("You prepare or review no task in %s. `/tasks acme` shows a client's tasks and `/tasks @person` a colleague's; a manager makes the month's tasks with %s.",
			sc.period.Label(), generateUsage)
	default:
		f.Member = sc.member.ID
		d.Title = sc.member.Name + "'s tasks"
		d.Empty = fmt.Sprintf("%s prepares or reviews no task in %s.", blockkit.Escape(sc.member.Name), sc.period.Label())
	}
	ws := h.Work
	res, err := ws.List(ctx, r.Practice.ID, f)
	if err != nil {
		return err
	}
	// The list may have shrunk since the page button was drawn.
	if pg := blockkit.Paginate(res.Total, page, TaskListPerPage); pg.Index != page {
		f.Offset = pg.Index * TaskListPerPage
		if res, err = ws.List(ctx, r.Practice.ID, f); err != nil {
			return err
		}
	}
	d.Tasks, d.Counts, d.AtRisk = res.Tasks, res.Counts, res.AtRisk
	d.Page = blockkit.Paginate(res.Total, page, TaskListPerPage)
	// Packs of earlier months still open come first, so the person sees
	// the late work the overdue alert told them about.
	if d.Earlier, d.EarlierTotal, err = ws.OpenBefore(ctx, r.Practice.ID, f, earlierShown); err != nil {
		return err
	}
	summary := fmt.Sprintf("%s, %s: %d", d.Title, d.Period, res.Total)
	return r.Reply(slackapp.Message{Text: summary, Blocks: TaskListBlocks(d)})
}

// today is the practice's calendar date now.
func today(r *slackapp.Request) time.Time { return r.Practice.Today(r.Now()) }
