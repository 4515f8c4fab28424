package tasks

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/queries"
	"github.com/atlas-practice/atlas/internal/requests"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// Monthly task action, callback and block ids.
const (
	// ActionTaskTick is every checklist element of the task modal. The
	// element's block id (TaskItemsBlockID) names the task and the items the
	// element showed, so the handler knows exactly what the person saw.
	ActionTaskTick     = "task.tick"
	ActionTaskSend     = "task.send"    // value: task id
	ActionTaskApprove  = "task.approve" // value: task id
	ActionTaskReturn   = "task.return"  // value: task id; pushes the query modal
	ActionTaskDeliver  = "task.deliver" // value: task id
	ActionTaskPage     = "task.page."   // + "prev" or "next"; value: TaskPageArgs as JSON
	CallbackTask       = "task.modal"   // the task modal; Save submits its ticks
	CallbackTaskReturn = "task.return.modal"

	ActionTaskReassign   = "task.reassign" // value: task id; pushes the reassign modal
	CallbackTaskReassign = "task.reassign.modal"
	// The reassign modal's people, named as the store's fields.
	TaskReassignPreparer = workflow.FieldAssignPreparer
	TaskReassignReviewer = workflow.FieldAssignReviewer

	// TaskReturnQuery is the query input of the return modal, named as the
	// store's field so its error lands on it.
	TaskReturnQuery = "return_query"

	taskItemsPrefix = "task.items"
	taskActions     = "task.actions"
)

// TaskMeta travels in the task modal and the return modal.
type TaskMeta struct {
	TaskID int64 `json:"task_id"`
	// Rev counts the modal's redraws. It is part of every checklist block
	// id, so each redraw gets new block ids and Slack shows the checkboxes
	// as drawn instead of keeping what the person had clicked.
	Rev int `json:"rev,omitempty"`
	// Parent is the task modal's view id, in the return modal: it is
	// redrawn once the query is sent.
	Parent string `json:"parent,omitempty"`
}

// TaskItemsBlockID names one checklist element: the task, the redraw and
// the ids of the items it shows, in order.
func TaskItemsBlockID(taskID int64, rev int, items []int64) string {
	ids := make([]string, len(items))
	for i, id := range items {
		ids[i] = strconv.FormatInt(id, 10)
	}
	return fmt.Sprintf("%s:%d:%d:%s", taskItemsPrefix, taskID, rev, strings.Join(ids, ","))
}

// ParseTaskItemsBlockID reads a block id made by TaskItemsBlockID.
func ParseTaskItemsBlockID(s string) (taskID int64, items []int64, ok bool) {
	parts := strings.Split(s, ":")
	if len(parts) != 4 || parts[0] != taskItemsPrefix {
		return 0, nil, false
	}
	taskID, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || taskID <= 0 {
		return 0, nil, false
	}
	if _, err := strconv.Atoi(parts[2]); err != nil {
		return 0, nil, false
	}
	for _, f := range strings.Split(parts[3], ",") {
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil || id <= 0 {
			return 0, nil, false
		}
		items = append(items, id)
	}
	return taskID, items, true
}

func taskDay(t time.Time) string { return t.Format("Mon 2 Jan") }

// TaskPageArgs is a task list page to show, carried in its buttons.
type TaskPageArgs struct {
	Text string `json:"t"` // the /tasks text
	Page int    `json:"p"` // zero-based
}

// TaskList is one page of /tasks.
type TaskList struct {
	Title  string // "Your tasks", "Bea's tasks", "ACME · Acme Trading Ltd"
	Period string // "November 2026"
	Today  time.Time
	Tasks  []workflow.Task
	Page   blockkit.Page
	Counts map[workflow.Status]int
	AtRisk int
	Text   string // the /tasks text that made this list, for the page buttons
	Empty  string // what to say when there is no task
	// Earlier are packs of earlier months still open, shown first (on the
	// first page) so late work is seen where work is done; EarlierTotal
	// counts them all.
	Earlier      []workflow.Task
	EarlierTotal int
}

// TaskListPerPage is how many tasks a /tasks page shows: with the header,
// the counts and the navigation, well inside a message's 50 blocks.
const TaskListPerPage = 20

// TaskRowText is one task in a list: status, client, template, stage, due
// date and progress, in the colours and words every view uses.
func TaskRowText(t workflow.Task, today time.Time) string {
	c := ui.ColourOn(t.Progress, today)
	line := fmt.Sprintf("%s *%s* — %s\n%s · %s · due %s · %s", c.Emoji(), blockkit.Escape(t.ClientLabel()),
		blockkit.Escape(t.TemplateName), c.Label(), atlas.StageName(t.Stage), taskDay(t.DueDate), ui.ProgressBar(t.Percent()))
	if t.ReviewState == workflow.ReviewReturned && t.CompletedAt == nil {
		line += " · :leftwards_arrow_with_hook: returned with a query"
	}
	return line
}

// TaskListBlocks shows a page of tasks, each with an Open button, with the
// month's counts above and the page buttons below.
func TaskListBlocks(d TaskList) []slack.Block {
	blocks := []slack.Block{slack.NewHeaderBlock(blockkit.Plain(d.Title+" · "+d.Period, blockkit.MaxHeaderText))}
	if d.Page.Total == 0 && len(d.Earlier) == 0 {
		return append(blocks, slack.NewSectionBlock(blockkit.Markdown(d.Empty, 0), nil, nil))
	}
	counts := []string{fmt.Sprintf("%d %s", d.Page.Total, ui.Plural(d.Page.Total, "task", "tasks"))}
	for _, s := range workflow.Statuses {
		if n := d.Counts[s]; n > 0 {
			counts = append(counts, fmt.Sprintf("%s %d %s", ui.StatusEmoji(s), n, strings.ToLower(s.Label())))
		}
	}
	if d.AtRisk > 0 {
		counts = append(counts, fmt.Sprintf("%s %d at risk", ui.ColourAtRisk.Emoji(), d.AtRisk))
	}
	blocks = append(blocks, slack.NewContextBlock("", blockkit.Markdown(strings.Join(counts, " · "), 0)))
	if len(d.Earlier) > 0 && d.Page.Index == 0 {
		note := fmt.Sprintf("*Still open from earlier months: %d*", d.EarlierTotal)
		if more := d.EarlierTotal - len(d.Earlier); more > 0 {
			note += fmt.Sprintf(" (the %d due soonest below)", len(d.Earlier))
		}
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(note, 0), nil, nil))
		for _, t := range d.Earlier {
			text := TaskRowText(t, d.Today) + " · _" + t.Period.Label() + "_"
			blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(text, blockkit.MaxSectionText), nil,
				slack.NewAccessory(ui.OpenTaskButton(t.ID))))
		}
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown("*"+d.Period+"*", 0), nil, nil))
	}
	for _, t := range d.Tasks {
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(TaskRowText(t, d.Today), blockkit.MaxSectionText), nil,
			slack.NewAccessory(ui.OpenTaskButton(t.ID))))
	}
	if d.Page.Pages > 1 {
		var nav []slack.BlockElement
		button := func(which, label string, page int) {
			v, _ := json.Marshal(TaskPageArgs{Text: d.Text, Page: page})
			if len(v) <= blockkit.MaxButtonValue {
				nav = append(nav, slack.NewButtonBlockElement(ActionTaskPage+which, string(v), blockkit.Plain(label, blockkit.MaxButtonText)))
			}
		}
		if d.Page.HasPrev() {
			button("prev", "← Earlier", d.Page.Index-1)
		}
		if d.Page.HasNext() {
			button("next", "Later →", d.Page.Index+1)
		}
		if len(nav) > 0 {
			blocks = append(blocks, slack.NewActionBlock("task.page", nav...))
		}
		blocks = append(blocks, slack.NewContextBlock("", blockkit.Markdown(d.Page.Label()+", by due date", 0)))
	}
	return blocks
}

// TaskModalData is a task as its modal shows it to one person.
type TaskModalData struct {
	Task      workflow.Task  // with its checklist
	Today     time.Time      // the practice's date, for the status and the track
	Loc       *time.Location // the practice's timezone, for tick and review times
	MayReview bool           // the viewer may approve or return the pack
	// MayReassign: the viewer may give the pack to other people (managers
	// and up).
	MayReassign bool
	// MayAsk: the viewer may ask the client for a document (they may tick
	// the pack, its stage 1 is open, and the client portal is set up).
	MayAsk bool
	// MayAttach: the viewer may attach the practice's files to the pack
	// (they may choose what it delivers, and it is not delivered).
	MayAttach bool
	// Sent are the requests emailed to the client for the pack, oldest
	// first.
	Sent []requests.Sent
	// Documents are the files sent for the pack, newest first;
	// DocumentsTotal counts them all.
	Documents      []TaskDocument
	DocumentsTotal int
	// Queries are the pack's queries to the client, oldest first;
	// MayQuery: the viewer may raise one (the pack is in review, they may
	// move it, and the portal is set up).
	Queries  []queries.Query
	MayQuery bool
	// PackFiles are the practice's files of the pack, which may be marked
	// part of what is delivered; Delivery is what its delivery sent (nil
	// until delivered through Atlas).
	PackFiles []queries.PackFile
	Delivery  *queries.Delivery
	// Notice is mrkdwn shown at the top: why a change was refused, that
	// the checklist was refreshed, that something was done.
	Notice string
	Rev    int
}

// taskModalReserve is the blocks a task modal keeps for everything but the
// checklist elements: the notice, the heading, the review state, six stage
// headings, the "more items" note and the buttons.
const taskModalReserve = 16

// TaskModal shows a task: who, when and where it stands, the checklist by
// stage as checkboxes (at most ten to an element) and the buttons its state
// allows.
func TaskModal(d TaskModalData) slack.ModalViewRequest {
	t := d.Task
	loc := d.Loc
	if loc == nil {
		loc = time.UTC
	}
	var blocks []slack.Block
	if d.Notice != "" {
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(d.Notice, blockkit.MaxSectionText), nil, nil))
	}
	status := ui.ColourOn(t.Progress, d.Today).Mark()
	if t.TrackOn(d.Today) == workflow.OnTrack {
		status += " · on track"
	}
	field := func(label, value string) *slack.TextBlockObject {
		return blockkit.Markdown("*"+label+"*\n"+value, blockkit.MaxSectionFieldText)
	}
	blocks = append(blocks,
		slack.NewHeaderBlock(blockkit.Plain(t.ClientLabel(), blockkit.MaxHeaderText)),
		slack.NewSectionBlock(nil, []*slack.TextBlockObject{
			field("Template", blockkit.Escape(t.TemplateName)),
			field("Month", t.Period.Label()),
			field("Status", status),
			field("Stage", atlas.StageName(t.Stage)),
			field("Preparer", blockkit.Escape(t.PreparerName)),
			field("Reviewer", blockkit.Escape(t.ReviewerName)),
			field("Due", taskDay(t.DueDate)),
			field("Progress", fmt.Sprintf("%s (%d of %d)", ui.ProgressBar(t.Percent()), t.ItemsDone, t.ItemsTotal)),
		}, nil))
	targets := make([]string, 6)
	for i, day := range t.StageTargets {
		targets[i] = fmt.Sprintf("%d · %s", i+1, day.Format("2 Jan"))
	}
	blocks = append(blocks, slack.NewContextBlock("", blockkit.Markdown("Stage targets: "+strings.Join(targets, "  ")+"\nItems marked * are mandatory.", 0)))
	if line := taskReviewLine(t, loc); line != "" {
		blocks = append(blocks, slack.NewSectionBlock(blockkit.Markdown(line, blockkit.MaxSectionText), nil, nil))
	}

	client := append(taskQueryBlocks(d.Queries, loc), taskPackBlocks(d, loc)...)
	client = append(client, taskClientSection(d, loc)...)
	budget := blockkit.MaxViewBlocks - taskModalReserve - len(client)
	hidden := 0
	ticking := false
	for stage := 1; stage <= 6; stage++ {
		var items []workflow.Item
		for _, it := range t.Items {
			if it.Stage == stage {
				items = append(items, it)
			}
		}
		if len(items) == 0 {
			continue
		}
		chunks := blockkit.Chunk(items, blockkit.MaxCheckboxOptions)
		if len(chunks) > budget {
			for _, c := range chunks[budget:] {
				hidden += len(c)
			}
			chunks = chunks[:budget]
		}
		if len(chunks) == 0 {
			continue
		}
		budget -= len(chunks)
		ticked := 0
		for _, it := range items {
			if it.Done() {
				ticked++
			}
		}
		head := fmt.Sprintf("%s · %d of %d ticked · target %s", atlas.StageName(stage), ticked, len(items), taskDay(t.StageTargets[stage-1]))
		if done := t.StageDoneAt[stage-1]; done != nil {
			head += " · ✅ done " + taskDay(done.In(loc))
		}
		for i, chunk := range chunks {
			label := head
			if i > 0 {
				label = atlas.StageName(stage) + " (continued)"
			}
			if t.CompletedAt != nil {
				blocks = append(blocks, taskClosedChecklistBlock(label, chunk, loc))
				continue
			}
			blocks = append(blocks, taskChecklistBlock(t.ID, d.Rev, label, chunk, loc))
			ticking = true
		}
	}
	if hidden > 0 {
		blocks = append(blocks, slack.NewContextBlock("", blockkit.Markdown(fmt.Sprintf(
			"%d %s not shown: the checklist is longer than a Slack form can hold.", hidden, ui.Plural(hidden, "more item", "more items")), 0)))
	}
	blocks = append(blocks, client...)

	id := strconv.FormatInt(t.ID, 10)
	var buttons []slack.BlockElement
	open := t.CompletedAt == nil
	if open && (t.ReviewState == workflow.ReviewNone || t.ReviewState == workflow.ReviewReturned) && len(t.OpenMandatory(1, 2, 3, 4)) == 0 {
		label := "Send for review"
		if t.ReviewState == workflow.ReviewReturned {
			label = "Send back for review"
		}
		buttons = append(buttons, slack.NewButtonBlockElement(ActionTaskSend, id, blockkit.Plain(label, blockkit.MaxButtonText)).WithStyle(slack.StylePrimary))
	}
	if open && t.ReviewState == workflow.ReviewRequested && d.MayReview {
		buttons = append(buttons,
			slack.NewButtonBlockElement(ActionTaskApprove, id, blockkit.Plain("Approve", blockkit.MaxButtonText)).WithStyle(slack.StylePrimary),
			slack.NewButtonBlockElement(ActionTaskReturn, id, blockkit.Plain("Return with query", blockkit.MaxButtonText)))
	}
	if open && t.ReviewState == workflow.ReviewApproved {
		buttons = append(buttons, slack.NewButtonBlockElement(ActionTaskDeliver, id, blockkit.Plain("Deliver", blockkit.MaxButtonText)).WithStyle(slack.StylePrimary))
		if d.MayReview && OpenQueries(d.Queries) > 0 {
			buttons = append(buttons, slack.NewButtonBlockElement(ActionTaskDeliverOverride, id, blockkit.Plain("Deliver anyway…", blockkit.MaxButtonText)))
		}
	}
	if open && d.MayQuery {
		buttons = append(buttons, slack.NewButtonBlockElement(ActionTaskQuery, id, blockkit.Plain("Query the client", blockkit.MaxButtonText)))
	}
	if open && d.MayAsk {
		buttons = append(buttons, slack.NewButtonBlockElement(ActionTaskAsk, id, blockkit.Plain("Ask the client for a document", blockkit.MaxButtonText)))
	}
	if open && d.MayAttach {
		buttons = append(buttons, slack.NewButtonBlockElement(ActionTaskAttach, id, blockkit.Plain("Attach a file", blockkit.MaxButtonText)))
	}
	buttons = append(buttons, slack.NewButtonBlockElement(ui.ActionTaskLogTime, id, blockkit.Plain("Log time", blockkit.MaxButtonText)))
	if open && d.MayReassign {
		buttons = append(buttons, slack.NewButtonBlockElement(ActionTaskReassign, id, blockkit.Plain("Reassign", blockkit.MaxButtonText)))
	}
	blocks = append(blocks, slack.NewDividerBlock(), slack.NewActionBlock(taskActions, buttons...))

	m, _ := json.Marshal(TaskMeta{TaskID: t.ID, Rev: d.Rev})
	v := slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackTask, PrivateMetadata: string(m),
		Title:  blockkit.Plain(t.EntityCode+" · "+t.Period.FirstDay().Format("Jan 2006"), blockkit.MaxModalTitle),
		Close:  blockkit.Plain("Close", blockkit.MaxModalButton),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
	if ticking {
		// Slack wants a submit button beside input blocks. Each tick is
		// saved as it is made; Save also saves the ticks all at once, for
		// a client that does not send each one.
		v.Submit = blockkit.Plain("Save", blockkit.MaxModalButton)
	}
	return v
}

// taskReviewLine says where review stands: the query of a returned pack, who
// has it, when it was approved or delivered.
func taskReviewLine(t workflow.Task, loc *time.Location) string {
	at := func(p *time.Time) string {
		if p == nil {
			return ""
		}
		return " on " + p.In(loc).Format("Mon 2 Jan 15:04")
	}
	switch {
	case t.CompletedAt != nil:
		return ":white_check_mark: *Delivered*" + at(t.CompletedAt) + ". The checklist is closed."
	case t.ReviewState == workflow.ReviewReturned:
		line := ":leftwards_arrow_with_hook: *Returned by the reviewer*" + at(t.ReturnedAt)
		if t.ReviewQuery != "" {
			line += " with a query:\n>" + strings.ReplaceAll(blockkit.Escape(t.ReviewQuery), "\n", "\n>")
		}
		return line
	case t.ReviewState == workflow.ReviewRequested:
		return ":eyes: *With " + blockkit.Escape(t.ReviewerName) + " for review*, sent" + at(t.SentForReviewAt) + "."
	case t.ReviewState == workflow.ReviewApproved:
		return ":ok_hand: *Approved*" + at(t.ApprovedAt) + ". Tick the delivery items, then press *Deliver*."
	}
	return ""
}

// taskChecklistBlock is up to ten items as one checkboxes element in an
// input block labelled with the stage. dispatch_action sends each tick as it
// is made; the block is optional so that Save never asks for a tick.
func taskChecklistBlock(taskID int64, rev int, label string, items []workflow.Item, loc *time.Location) slack.Block {
	ids := make([]int64, len(items))
	var opts, done []*slack.OptionBlockObject
	for i, it := range items {
		ids[i] = it.ID
		opt := taskItemOption(it, loc)
		opts = append(opts, opt)
		if it.Done() {
			done = append(done, opt)
		}
	}
	el := slack.NewCheckboxGroupsBlockElement(ActionTaskTick, opts...)
	el.InitialOptions = done
	in := slack.NewInputBlock(TaskItemsBlockID(taskID, rev, ids), blockkit.Plain(label, blockkit.MaxInputLabel), nil, el)
	in.Optional = true
	in.DispatchAction = true
	return in
}

// closedLineMax is the longest item line of a delivered checklist, in
// runes once escaped: ten of them and the label stay under a section's
// 3,000.
const closedLineMax = 270

// truncateEscaped shortens escaped mrkdwn to at most max runes, ellipsis
// included, never cutting an entity such as &amp; in two.
func truncateEscaped(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	head := string(r[:max-1])
	if i := strings.LastIndexByte(head, '&'); i >= 0 && !strings.Contains(head[i:], ";") {
		head = head[:i]
	}
	return head + blockkit.Ellipsis
}

// taskClosedChecklistBlock lists a delivered task's items, ticked or not,
// as text: its checklist is closed, so there is nothing to tick.
func taskClosedChecklistBlock(label string, items []workflow.Item, loc *time.Location) slack.Block {
	lines := []string{"*" + blockkit.Escape(label) + "*"}
	for _, it := range items {
		mark := ":white_large_square:"
		line := it.Text
		switch {
		case it.Received():
			mark = ":ballot_box_with_check:"
			line += " — from " + receivedFrom(it) + ", " + it.ReceivedAt.In(loc).Format("2 Jan")
		case it.Done():
			mark = ":ballot_box_with_check:"
			line += " — " + it.DoneByName + ", " + it.DoneAt.In(loc).Format("2 Jan")
		}
		// Ten lines and the label must fit one section's text.
		lines = append(lines, mark+" "+truncateEscaped(blockkit.Escape(line), closedLineMax))
	}
	return slack.NewSectionBlock(blockkit.Markdown(strings.Join(lines, "\n"), blockkit.MaxSectionText), nil, nil)
}

// taskItemOption is one checklist item: its text, " *" when mandatory, and who
// ticked it and when (or the rest of a long text) underneath.
func taskItemOption(it workflow.Item, loc *time.Location) *slack.OptionBlockObject {
	suffix := ""
	if it.Mandatory {
		suffix = " *"
	}
	text := blockkit.Truncate(it.Text, blockkit.MaxOptionText-len(suffix)) + suffix
	var desc *slack.TextBlockObject
	switch {
	case it.Received():
		desc = blockkit.Plain("Received from "+receivedFrom(it)+" · "+it.ReceivedAt.In(loc).Format("Mon 2 Jan 15:04"), blockkit.MaxOptionDescription)
	case it.Done():
		who := it.DoneByName
		if who == "" {
			who = "someone no longer on the team"
		}
		desc = blockkit.Plain("Ticked by "+who+" · "+it.DoneAt.In(loc).Format("Mon 2 Jan 15:04"), blockkit.MaxOptionDescription)
	case text != it.Text+suffix:
		rest := []rune(it.Text)[blockkit.MaxOptionText-len(suffix)-1:]
		desc = blockkit.Plain(blockkit.Ellipsis+string(rest), blockkit.MaxOptionDescription)
	case it.ClientRequest != "":
		desc = blockkit.Plain("Asked of the client", blockkit.MaxOptionDescription)
	}
	return slack.NewOptionBlockObject(strconv.FormatInt(it.ID, 10), blockkit.Plain(text, blockkit.MaxOptionText), desc)
}

// receivedFrom names the contact who sent an item.
func receivedFrom(it workflow.Item) string {
	if it.ReceivedByName == "" {
		return "the client"
	}
	return it.ReceivedByName
}

// TaskReturnModal asks the reviewer what the preparer should look at.
func TaskReturnModal(t workflow.Task, meta TaskMeta) slack.ModalViewRequest {
	input := textInput("query", "Such as: the bank balance on the balance sheet differs from the statement by £120.", workflow.MaxQuery, true)
	return formModal(CallbackTaskReturn, "Return with query", "Return", meta,
		slack.NewSectionBlock(blockkit.Markdown(fmt.Sprintf("Return *%s* to %s. They get a DM with your query, and the pack comes back when they send it again.",
			blockkit.Escape(t.Title()), blockkit.Escape(t.PreparerName)), 0), nil, nil),
		slack.NewInputBlock(TaskReturnQuery, blockkit.Plain("Query", blockkit.MaxInputLabel), nil, input),
	)
}

// TaskReassignModal asks who prepares and reviews one pack from now on.
func TaskReassignModal(t workflow.Task, meta TaskMeta) slack.ModalViewRequest {
	person := func(blockID, label, initial string) slack.Block {
		el := slack.NewOptionsSelectBlockElement(slack.OptTypeUser, blockkit.Plain("Choose someone on the team", blockkit.MaxPlaceholder), blockID)
		el.InitialUser = initial
		return slack.NewInputBlock(blockID, blockkit.Plain(label, blockkit.MaxInputLabel), nil, el)
	}
	return formModal(CallbackTaskReassign, "Reassign", "Reassign", meta,
		slack.NewSectionBlock(blockkit.Markdown(fmt.Sprintf("Who prepares and reviews *%s* from now on. Only this pack moves; next month follows the client's assignment (`/atlas assign %s`).",
			blockkit.Escape(t.Title()), blockkit.Escape(t.EntityCode)), 0), nil, nil),
		person(TaskReassignPreparer, "Preparer", t.PreparerSlack),
		person(TaskReassignReviewer, "Reviewer", t.ReviewerSlack),
	)
}

// TaskNotice is a DM about a task — sent for review, returned, approved —
// with a button that opens it.
func TaskNotice(text string, taskID int64) []slack.Block {
	return []slack.Block{
		slack.NewSectionBlock(blockkit.Markdown(text, blockkit.MaxSectionText), nil,
			slack.NewAccessory(ui.OpenTaskButton(taskID).WithStyle(slack.StylePrimary))),
	}
}
