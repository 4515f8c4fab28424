package board

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/ui"
)

// BoardData is the month's task board as /board shows it to a manager.
type BoardData struct {
	Month        string // "November 2026"
	Total        int    // tasks of the month
	Complete     int
	Rate         int // complete ÷ total, in percent
	Stages       [6]BoardStage
	Bottleneck   int // the stage holding most work up, 1 to 6; 0 when nothing waits
	People       []BoardPerson
	Overdue      []BoardOverdue // the most overdue first
	OverdueTotal int            // all overdue tasks; Overdue may hold fewer
}

// BoardStage is one stage's line in the bottleneck analysis.
type BoardStage struct {
	Name       string // "3 · Reconcile bank"
	Waiting    int
	PastTarget int
	MedianDays *float64 // nil when no task has finished the stage
}

// BoardPerson is one person's workload.
type BoardPerson struct {
	Name          string
	Preparing     int
	Reviewing     int
	CapacityHours string // weekly, as people write it: "37.5"; "" for none
}

// BoardOverdue is one overdue task.
type BoardOverdue struct {
	TaskID      int64
	Client      string // "ACME · Acme Trading Ltd"
	Month       string // "November 2026"
	Stage       string
	DaysOverdue int
	Preparer    string
}

// boardPeopleShown bounds the workload lines, so a practice of 200 people
// still fits one section.
const boardPeopleShown = 30

// Board is the /board message.
func Board(d BoardData) []slack.Block {
	blocks := []slack.Block{slack.NewHeaderBlock(blockkit.Plain("Task board · "+d.Month, blockkit.MaxHeaderText))}
	if d.Total == 0 {
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(fmt.Sprintf(
			"No monthly tasks for %s yet. They appear once clients are assigned a template.", d.Month), 0), nil, nil))
	} else {
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(fmt.Sprintf(
			"*Completion* %d%% — %d of %d %s complete\n`%s`", d.Rate, d.Complete, d.Total, ui.Plural(d.Total, "pack", "packs"), bar(d.Rate, 20)), 0), nil, nil))
	}

	blocks = append(blocks, slack.NewDividerBlock(), slack.NewSectionBlock(blockkit.Markdown(boardStages(d), blockkit.MaxSectionText), nil, nil))

	blocks = append(blocks, slack.NewDividerBlock(), slack.NewSectionBlock(blockkit.Markdown(boardPeople(d.People), blockkit.MaxSectionText), nil, nil))

	blocks = append(blocks, slack.NewDividerBlock())
	if d.OverdueTotal == 0 {
		return append(blocks, slack.NewSectionBlock(blockkit.Markdown("*Overdue* — nothing is overdue. :tada:", 0), nil, nil))
	}
	blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(fmt.Sprintf("*Overdue* — %d %s, the most overdue first",
		d.OverdueTotal, ui.Plural(d.OverdueTotal, "task", "tasks")), 0), nil, nil))
	// Header, completion, three dividers, stages, people, the overdue
	// heading and the "+N more" line leave the rest of a message's blocks
	// for overdue tasks.
	room := blockkit.MaxMessageBlocks - len(blocks) - 1
	shown := d.Overdue[:min(len(d.Overdue), room)]
	for _, o := range shown {
		text := fmt.Sprintf(":red_circle: *%s* · %s\n%s · *%d %s overdue* · prepared by %s",
			blockkit.Escape(o.Client), o.Month, blockkit.Escape(o.Stage), o.DaysOverdue, ui.Plural(o.DaysOverdue, "day", "days"), blockkit.Escape(o.Preparer))
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(text, blockkit.MaxSectionText), nil,
			slack.NewAccessory(ui.OpenTaskButton(o.TaskID))))
	}
	if more := d.OverdueTotal - len(shown); more > 0 {
		blocks = append(blocks, slack.NewContextBlock("", blockkit.Markdown(fmt.Sprintf("+%d more overdue.", more), 0)))
	}
	return blocks
}

// bar draws a percentage as a bar of width characters.
func bar(percent, width int) string {
	full := min(max(percent, 0), 100) * width / 100
	return strings.Repeat("█", full) + strings.Repeat("░", width-full)
}

func boardStages(d BoardData) string {
	var b strings.Builder
	b.WriteString("*Bottleneck analysis* — tasks waiting at each stage\n")
	for i, s := range d.Stages {
		median := "—"
		if s.MedianDays != nil {
			median = strconv.FormatFloat(*s.MedianDays, 'f', 1, 64) + " days"
		}
		line := fmt.Sprintf("%s: *%d* waiting", blockkit.Escape(s.Name), s.Waiting)
		if s.PastTarget > 0 {
			line += fmt.Sprintf(" (%d past target)", s.PastTarget)
		}
		line += " · median " + median + " in stage"
		if i+1 == d.Bottleneck {
			line = ":warning: " + line
		} else {
			line = "• " + line
		}
		b.WriteString(line + "\n")
	}
	if d.Bottleneck == 0 {
		b.WriteString("_Nothing is waiting at any stage._")
	} else {
		s := d.Stages[d.Bottleneck-1]
		fmt.Fprintf(&b, "*The bottleneck is %s*: %d %s waiting there", blockkit.Escape(s.Name), s.Waiting, ui.Plural(s.Waiting, "task", "tasks"))
		if s.PastTarget > 0 {
			fmt.Fprintf(&b, ", %d past the stage's target date", s.PastTarget)
		}
		b.WriteString(".")
	}
	return b.String()
}

func boardPeople(people []BoardPerson) string {
	var b strings.Builder
	b.WriteString("*Team workload* — open packs this month against weekly capacity")
	if len(people) == 0 {
		b.WriteString("\n_Nobody is on the team yet._")
	}
	for i, p := range people {
		if i == boardPeopleShown {
			fmt.Fprintf(&b, "\n+%d more with fewer packs", len(people)-i)
			break
		}
		capacity := "no capacity set"
		if p.CapacityHours != "" {
			capacity = p.CapacityHours + "h a week"
		}
		fmt.Fprintf(&b, "\n• *%s* — %d preparing · %d reviewing · %s", blockkit.Escape(p.Name), p.Preparing, p.Reviewing, capacity)
	}
	return b.String()
}
