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
	MonthName    string // "November"
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
	// Hours logged: this week, against the weekly capacity; and in the
	// board's month, against the capacity of its weekdays so far.
	// MonthMinutes is -1 for a month not yet begun.
	WeekMinutes, WeekCapacityMinutes   int
	MonthMinutes, MonthCapacityMinutes int
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

	blocks = append(blocks, slack.NewDividerBlock())
	for _, text := range boardPeople(d.People, d.MonthName) {
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(text, blockkit.MaxSectionText), nil, nil))
	}

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
	var noMedian []string // stages no pack has finished yet
	for i, s := range d.Stages {
		line := fmt.Sprintf("%s: *%d* waiting", blockkit.Escape(s.Name), s.Waiting)
		if s.PastTarget > 0 {
			line += fmt.Sprintf(" (%d past target)", s.PastTarget)
		}
		if s.MedianDays != nil {
			line += " · median " + strconv.FormatFloat(*s.MedianDays, 'f', 1, 64) + " days in stage"
		} else {
			noMedian = append(noMedian, strconv.Itoa(i+1))
		}
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
	switch {
	case len(noMedian) == 6:
		b.WriteString("\n_No median days in stage yet: no pack has finished a stage this month._")
	case len(noMedian) > 0:
		fmt.Fprintf(&b, "\n_No median days for %s %s yet: no pack has finished %s._", ui.Plural(len(noMedian), "stage", "stages"),
			ui.List(noMedian), ui.Plural(len(noMedian), "it", "them"))
	}
	return b.String()
}

// hoursLine is a person's hours: "this week 30h of 37.5h (80%) · November
// 96h of 120h to date (80%)".
func hoursLine(p BoardPerson, monthName string) string {
	week := "this week " + ui.Hours(p.WeekMinutes)
	if p.WeekCapacityMinutes > 0 {
		week += fmt.Sprintf(" of %sh (%d%%)", p.CapacityHours, utilisation(p.WeekMinutes, p.WeekCapacityMinutes))
	}
	month := ""
	if p.MonthMinutes >= 0 {
		month = " · " + monthName + " " + ui.Hours(p.MonthMinutes)
		if p.MonthCapacityMinutes > 0 {
			month += fmt.Sprintf(" of %s to date (%d%%)", ui.Hours(p.MonthCapacityMinutes), utilisation(p.MonthMinutes, p.MonthCapacityMinutes))
		}
	}
	if p.CapacityHours == "" {
		return week + month + " · no capacity set"
	}
	return week + month
}

// utilisation is logged ÷ capacity in whole percent, rounded to nearest.
func utilisation(minutes, capacity int) int {
	return (minutes*100 + capacity/2) / capacity
}

// boardPeople is the team workload, in as many sections as its lines need
// (a section holds 3,000 characters; thirty people's lines run past that).
func boardPeople(people []BoardPerson, monthName string) []string {
	lines := []string{"*Team workload* — open packs, and hours logged against capacity"}
	if len(people) == 0 {
		lines = append(lines, "_Nobody is on the team yet._")
	}
	for i, p := range people {
		if i == boardPeopleShown {
			lines = append(lines, fmt.Sprintf("+%d more with fewer packs", len(people)-i))
			break
		}
		lines = append(lines, fmt.Sprintf("• *%s* — %d preparing · %d reviewing · %s",
			blockkit.Escape(blockkit.Truncate(p.Name, 60)), p.Preparing, p.Reviewing, hoursLine(p, monthName)))
	}
	var sections []string
	var b strings.Builder
	for _, l := range lines {
		if b.Len() > 0 && b.Len()+1+len(l) > blockkit.MaxSectionText {
			sections = append(sections, b.String())
			b.Reset()
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
	}
	return append(sections, b.String())
}
