package tasks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/blockkit/blockkittest"
	"github.com/atlas-practice/atlas/bot/tasks"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// Monday 16 November 2026, in London.
var (
	tkToday = time.Date(2026, time.November, 16, 0, 0, 0, 0, time.UTC)
	tkTick  = time.Date(2026, time.November, 3, 14, 25, 0, 0, time.UTC)
	tkNov   = atlas.Period{Year: 2026, Month: time.November}
	london  = mustLoad("Europe/London")
)

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func tkDate(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }

// tkTask is ACME's November task with the standard checklist, nothing
// ticked, its progress worked out from the items as the store does.
func tkTask() workflow.Task {
	t := workflow.Task{
		ID: 42, EntityID: 7, EntityCode: "ACME", EntityName: "Acme Trading & Sons <Ltd>", TemplateID: 3,
		TemplateName: workflow.StandardTemplateName, Period: tkNov,
		PreparerID: 11, PreparerName: "Bea Bookkeeper", PreparerSlack: "UBEA",
		ReviewerID: 12, ReviewerName: "Rex Reviewer", ReviewerSlack: "UREX",
	}
	t.DueDate = tkDate("2026-12-10")
	for i, d := range []string{"2026-11-05", "2026-11-15", "2026-11-20", "2026-11-28", "2026-12-05", "2026-12-10"} {
		t.StageTargets[i] = tkDate(d)
	}
	t.ReviewState = workflow.ReviewNone
	for i, in := range workflow.StandardItems {
		t.Items = append(t.Items, workflow.Item{ID: int64(100 + i), Stage: in.Stage, Position: i, Text: in.Text, Mandatory: in.Mandatory})
	}
	return tkSettle(t)
}

// tkTick ticks items, as Bea, and settles the progress.
func tkTickItems(t workflow.Task, stages ...int) workflow.Task {
	for i := range t.Items {
		for _, s := range stages {
			if t.Items[i].Stage == s {
				at := tkTick
				t.Items[i].DoneBy, t.Items[i].DoneByName, t.Items[i].DoneAt = 11, "Bea Bookkeeper", &at
			}
		}
	}
	return tkSettle(t)
}

func tkSettle(t workflow.Task) workflow.Task {
	t.ItemsTotal, t.ItemsDone = len(t.Items), 0
	var open []int
	for _, it := range t.Items {
		if it.Done() {
			t.ItemsDone++
		} else if it.Mandatory {
			open = append(open, it.Stage)
		}
	}
	t.Stage = workflow.CurrentStage(open, t.ReviewState, t.CompletedAt != nil)
	for s := 1; s < t.Stage && s <= 6; s++ {
		at := tkTick
		t.StageDoneAt[s-1] = &at
	}
	return t
}

func TestTaskListGolden(t *testing.T) {
	t.Parallel()
	fresh := tkTask()
	late := tkTickItems(tkTask(), 1)
	late.ID, late.EntityCode, late.EntityName = 43, "BETA", "Beta Ltd"
	late.DueDate = tkDate("2026-11-12")
	done := tkTickItems(tkTask(), 1, 2, 3, 4, 5, 6)
	done.ID, done.EntityCode, done.EntityName, done.ReviewState = 44, "GAMMA", "Gamma LLP", workflow.ReviewApproved
	at := tkTick
	done.CompletedAt = &at
	done = tkSettle(done)
	risky := tkTickItems(tkTask(), 1)
	risky.ID, risky.EntityCode, risky.EntityName = 45, "DELTA", "Delta Ltd"

	list := []workflow.Task{late, risky, fresh, done}
	counts := map[workflow.Status]int{}
	for _, tk := range list {
		counts[tk.StatusOn(tkToday)]++
	}
	d := tasks.TaskList{Title: "Your tasks", Period: "November 2026", Today: tkToday, Tasks: list,
		Page: blockkit.Paginate(4, 0, tasks.TaskListPerPage), Counts: counts, AtRisk: 2, Text: ""}
	blocks := tasks.TaskListBlocks(d)
	blockkittest.GoldenMessage(t, "task_list", blocks)
	raw := blockkittest.JSON(t, blocks)
	for _, want := range []string{
		":red_circle: *BETA · Beta Ltd*", "Overdue · 2 · Capture transactions · due Thu 12 Nov · ▰▰▱▱▱▱▱▱▱▱ 21%",
		// At risk is orange with its words, as everywhere else.
		":large_orange_circle: *ACME · Acme Trading &amp; Sons &lt;Ltd&gt;*", "At risk · 1 · Collect documents · due Thu 10 Dec · ▱▱▱▱▱▱▱▱▱▱ 0%",
		":large_orange_circle: 2 at risk", "Complete · Done", "▰▰▰▰▰▰▰▰▰▰ 100%", `"action_id":"task.open","value":"42"`,
	} {
		if !strings.Contains(raw, want) {
			t.Errorf("task list lacks %q:\n%s", want, raw)
		}
	}

	empty := tasks.TaskListBlocks(tasks.TaskList{Title: "Your tasks", Period: "November 2026", Today: tkToday,
		Page: blockkit.Paginate(0, 0, tasks.TaskListPerPage), Empty: "You prepare or review no task in November 2026."})
	blockkittest.GoldenMessage(t, "task_list_empty", empty)

	// A long list pages: a full page, both buttons, within a message's limits.
	var many []workflow.Task
	for i := range tasks.TaskListPerPage {
		tk := tkTask()
		tk.ID, tk.EntityCode = int64(1000+i), fmt.Sprintf("C%03d", i)
		many = append(many, tk)
	}
	paged := tasks.TaskListBlocks(tasks.TaskList{Title: "Bea Bookkeeper's tasks", Period: "November 2026", Today: tkToday, Tasks: many,
		Page: blockkit.Paginate(55, 1, tasks.TaskListPerPage), Counts: map[workflow.Status]int{workflow.NotStarted: 55}, Text: "<@UBEA|bea> 2026-11"})
	blockkittest.GoldenMessage(t, "task_list_page2", paged)
	raw = blockkittest.JSON(t, paged)
	for _, want := range []string{`"task.page.prev"`, `"task.page.next"`, `2026-11\",\"p\":2}`, "Page 2 of 3"} {
		if !strings.Contains(raw, want) {
			t.Errorf("paged list lacks %s", want)
		}
	}
	if len(paged) > blockkit.MaxMessageBlocks {
		t.Errorf("%d blocks", len(paged))
	}
}

func TestProgressBar(t *testing.T) {
	t.Parallel()
	for pct, want := range map[int]string{0: "▱▱▱▱▱▱▱▱▱▱ 0%", 30: "▰▰▰▱▱▱▱▱▱▱ 30%", 99: "▰▰▰▰▰▰▰▰▰▱ 99%", 100: "▰▰▰▰▰▰▰▰▰▰ 100%", 140: "▰▰▰▰▰▰▰▰▰▰ 100%"} {
		if got := ui.ProgressBar(pct); got != want {
			t.Errorf("ProgressBar(%d) = %q, want %q", pct, got, want)
		}
	}
}

// taskCheckboxes are the checklist elements of a task modal, decoded.
type taskCheckboxes struct {
	BlockID string
	Options []string // values
	Initial []string // values
	Texts   []string
}

func modalCheckboxes(t *testing.T, v slack.ModalViewRequest) []taskCheckboxes {
	t.Helper()
	type element struct {
		Type     string `json:"type"`
		ActionID string `json:"action_id"`
		Options  []struct {
			Text  struct{ Text string } `json:"text"`
			Value string                `json:"value"`
		} `json:"options"`
		Initial []struct {
			Value string `json:"value"`
		} `json:"initial_options"`
	}
	var doc struct {
		Blocks []struct {
			Type           string  `json:"type"`
			BlockID        string  `json:"block_id"`
			Element        element `json:"element"`
			Optional       bool    `json:"optional"`
			DispatchAction bool    `json:"dispatch_action"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal([]byte(blockkittest.JSON(t, v)), &doc); err != nil {
		t.Fatal(err)
	}
	var out []taskCheckboxes
	for _, b := range doc.Blocks {
		if b.Type != "input" || b.Element.Type != "checkboxes" {
			continue
		}
		// Each tick is sent as it is made, and Save never asks for one.
		if b.Element.ActionID != tasks.ActionTaskTick || !b.Optional || !b.DispatchAction {
			t.Fatalf("checklist block %s: action %q, optional %v, dispatch_action %v", b.BlockID, b.Element.ActionID, b.Optional, b.DispatchAction)
		}
		c := taskCheckboxes{BlockID: b.BlockID}
		for _, o := range b.Element.Options {
			c.Options, c.Texts = append(c.Options, o.Value), append(c.Texts, o.Text.Text)
		}
		for _, o := range b.Element.Initial {
			c.Initial = append(c.Initial, o.Value)
		}
		out = append(out, c)
	}
	return out
}

func TestTaskModalGolden(t *testing.T) {
	t.Parallel()
	fresh := tasks.TaskModal(tasks.TaskModalData{Task: tkTask(), Today: tkToday, Loc: london})
	blockkittest.GoldenModal(t, "task_modal_new", fresh)
	raw := blockkittest.JSON(t, fresh)
	for _, want := range []string{"Bank statements received for every account *", "Receipts and petty cash records received\"", "Items marked * are mandatory",
		"Stage targets: 1 · 5 Nov", `"action_id":"task.log_time","value":"42"`, `"callback_id":"task.modal"`, `"private_metadata":"{\"task_id\":42}"`} {
		if !strings.Contains(raw, want) {
			t.Errorf("new task modal lacks %s", want)
		}
	}
	for _, not := range []string{tasks.ActionTaskSend, tasks.ActionTaskApprove, tasks.ActionTaskDeliver} {
		if strings.Contains(raw, `"`+not+`"`) {
			t.Errorf("a task not started offers %s", not)
		}
	}
	if cbs := modalCheckboxes(t, fresh); len(cbs) != 6 || len(cbs[0].Options) != 4 || len(cbs[0].Initial) != 0 {
		t.Errorf("checklist elements: %+v", cbs)
	}

	// Stages 1 to 4 done and sent: the reviewer sees Approve and Return;
	// ticked items say who ticked them and when.
	review := tkTickItems(tkTask(), 1, 2, 3, 4)
	review.ReviewState = workflow.ReviewRequested
	sent := tkTick.Add(2 * time.Hour)
	review.SentForReviewAt = &sent
	review = tkSettle(review)
	v := tasks.TaskModal(tasks.TaskModalData{Task: review, Today: tkToday, Loc: london, MayReview: true, Rev: 3,
		Notice: ":arrows_counterclockwise: Someone else changed this checklist meanwhile, so nothing was changed."})
	blockkittest.GoldenModal(t, "task_modal_in_review", v)
	raw = blockkittest.JSON(t, v)
	for _, want := range []string{"Ticked by Bea Bookkeeper · Tue 3 Nov 14:25", `"task.approve"`, `"task.return"`, "With Rex Reviewer for review",
		"Someone else changed", `"rev\":3`, "task.items:42:3:"} {
		if !strings.Contains(raw, want) {
			t.Errorf("in-review modal lacks %s", want)
		}
	}
	if strings.Contains(raw, `"task.send"`) {
		t.Error("a pack in review offers Send for review")
	}
	// The preparer sees neither Approve nor Return.
	if raw := blockkittest.JSON(t, tasks.TaskModal(tasks.TaskModalData{Task: review, Today: tkToday, Loc: london})); strings.Contains(raw, `"task.approve"`) {
		t.Error("someone who may not review is offered Approve")
	}

	// Returned with a query: the query shows, and the pack can go back.
	returned := review
	returned.ReviewState, returned.ReviewQuery = workflow.ReviewReturned, "The VAT figure <box 1> differs from the return.\nPlease check."
	returned.ReturnedAt = &sent
	v = tasks.TaskModal(tasks.TaskModalData{Task: returned, Today: tkToday, Loc: london})
	blockkittest.GoldenModal(t, "task_modal_returned", v)
	raw = blockkittest.JSON(t, v)
	for _, want := range []string{`>The VAT figure &lt;box 1&gt; differs from the return.\n>Please check.`, `"task.send"`, "Send back for review"} {
		if !strings.Contains(raw, want) {
			t.Errorf("returned modal lacks %q", want)
		}
	}

	// Approved: Deliver.
	approved := tkTickItems(review, 5)
	approved.ReviewState = workflow.ReviewApproved
	approved.ApprovedAt = &sent
	approved = tkSettle(approved)
	if raw := blockkittest.JSON(t, tasks.TaskModal(tasks.TaskModalData{Task: approved, Today: tkToday, Loc: london})); !strings.Contains(raw, `"task.deliver"`) {
		t.Error("an approved pack offers no Deliver")
	}
}

// A stage of 23 items is three elements of 10, 10 and 3, each block naming
// exactly its own items; a checklist far too long for a modal is cut short
// with a note, never past Slack's 100 blocks.
func TestTaskModalSplitsLongStages(t *testing.T) {
	t.Parallel()
	task := tkTask()
	var items []workflow.Item
	for i := range 23 {
		items = append(items, workflow.Item{ID: int64(500 + i), Stage: 2, Position: i + 1, Mandatory: i%3 != 0,
			Text: fmt.Sprintf("Capture step %d: %s", i+1, strings.Repeat("a long description of the work ", i%4))})
	}
	var kept []workflow.Item
	for _, it := range task.Items {
		if it.Stage != 2 {
			kept = append(kept, it)
		}
	}
	task.Items = append(kept, items...)
	at := tkTick
	task.Items[len(task.Items)-1].DoneAt, task.Items[len(task.Items)-1].DoneByName = &at, "Bea Bookkeeper"
	task = tkSettle(task)
	v := tasks.TaskModal(tasks.TaskModalData{Task: task, Today: tkToday, Loc: london})
	blockkittest.GoldenModal(t, "task_modal_long_stage", v)

	var stage2 []taskCheckboxes
	for _, c := range modalCheckboxes(t, v) {
		_, ids, ok := tasks.ParseTaskItemsBlockID(c.BlockID)
		if !ok {
			t.Fatalf("block id %q does not parse", c.BlockID)
		}
		if strings.Join(c.Options, ",") != joinIDs(ids) {
			t.Errorf("block %s holds options %v", c.BlockID, c.Options)
		}
		if len(c.Options) > blockkit.MaxCheckboxOptions {
			t.Errorf("block %s: %d options", c.BlockID, len(c.Options))
		}
		if strings.HasPrefix(c.Options[0], "5") {
			stage2 = append(stage2, c)
		}
	}
	if len(stage2) != 3 || len(stage2[0].Options) != 10 || len(stage2[1].Options) != 10 || len(stage2[2].Options) != 3 {
		t.Fatalf("23 items split as %d elements: %+v", len(stage2), stage2)
	}
	if len(stage2[2].Initial) != 1 || stage2[2].Initial[0] != "522" {
		t.Errorf("ticked item not initially checked: %+v", stage2[2])
	}
	for _, c := range stage2 {
		for _, text := range c.Texts {
			if n := len([]rune(text)); n > blockkit.MaxOptionText {
				t.Errorf("option text of %d characters: %q", n, text)
			}
		}
	}

	// Every template item and more: the modal stays within its blocks.
	huge := tkTask()
	huge.Items = nil
	for i := range 1500 {
		huge.Items = append(huge.Items, workflow.Item{ID: int64(10000 + i), Stage: 1 + i%6, Text: fmt.Sprintf("Item %d", i), Mandatory: true})
	}
	huge = tkSettle(huge)
	hv := tasks.TaskModal(tasks.TaskModalData{Task: huge, Today: tkToday, Loc: london, Notice: ":warning: A notice."})
	if err := blockkit.CheckModal(hv); err != nil {
		t.Fatal(err)
	}
	if n := len(hv.Blocks.BlockSet); n > blockkit.MaxViewBlocks {
		t.Fatalf("%d blocks, over %d", n, blockkit.MaxViewBlocks)
	}
	if raw := blockkittest.JSON(t, hv); !strings.Contains(raw, "more items not shown") || !strings.Contains(raw, `"task.log_time"`) {
		t.Error("a cut checklist does not say so, or lost its buttons")
	}
	if !slack.ValidateUniqueBlockID(hv) || !slack.ValidateUniqueBlockID(v) {
		t.Error("block ids repeat")
	}
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	return strings.Join(s, ",")
}

func TestTaskItemsBlockID(t *testing.T) {
	t.Parallel()
	id := tasks.TaskItemsBlockID(42, 7, []int64{100, 101, 9999999999})
	if id != "task.items:42:7:100,101,9999999999" {
		t.Fatalf("block id %q", id)
	}
	task, items, ok := tasks.ParseTaskItemsBlockID(id)
	if !ok || task != 42 || joinIDs(items) != "100,101,9999999999" {
		t.Fatalf("parsed %d %v %v", task, items, ok)
	}
	for _, bad := range []string{"", "task.items:42:7:", "task.items:x:7:1", "task.actions", "task.items:42:7:1,,2", "other:42:7:1"} {
		if _, _, ok := tasks.ParseTaskItemsBlockID(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestTaskReturnModalAndNotice(t *testing.T) {
	t.Parallel()
	task := tkTickItems(tkTask(), 1, 2, 3, 4)
	v := tasks.TaskReturnModal(task, tasks.TaskMeta{TaskID: 42, Parent: "V123", Rev: 2})
	blockkittest.GoldenModal(t, "task_return_modal", v)
	if v.PrivateMetadata != `{"task_id":42,"rev":2,"parent":"V123"}` {
		t.Errorf("metadata %s", v.PrivateMetadata)
	}
	blockkittest.GoldenMessage(t, "task_review_dm", tasks.TaskNotice(":eyes: Bea Bookkeeper sent *ACME · Monthly Bookkeeping Pack — Standard · November 2026* for your review.", 42))

	// The query block is the store's field, so its refusal lands on it.
	_, err := workflow.Store{}.Return(context.Background(), practice.Practice{}, practice.Member{}, 42, "  ", time.Now())
	if got := atlas.ErrorField(err); got != tasks.TaskReturnQuery {
		t.Errorf("the store names field %q, the form %q", got, tasks.TaskReturnQuery)
	}
}

// A pack returned with a query says so in lists, so the preparer sees at a
// glance what is back on their desk.
func TestTaskRowMarksReturnedPacks(t *testing.T) {
	t.Parallel()
	task := tkTask()
	if strings.Contains(tasks.TaskRowText(task, tkToday), "returned") {
		t.Fatal("a new task reads as returned")
	}
	task.ReviewState = workflow.ReviewReturned
	if row := tasks.TaskRowText(task, tkToday); !strings.Contains(row, "returned with a query") {
		t.Fatalf("returned task row: %s", row)
	}
}

func TestTaskReassignModalGolden(t *testing.T) {
	t.Parallel()
	v := tasks.TaskReassignModal(tkTask(), tasks.TaskMeta{TaskID: 42, Parent: "V0TASK"})
	blockkittest.GoldenModal(t, "task_reassign_modal", v)
	withButton := tasks.TaskModal(tasks.TaskModalData{Task: tkTask(), Today: tkToday, Loc: london, MayReassign: true})
	if !strings.Contains(blockkittest.JSON(t, withButton), `"action_id":"`+tasks.ActionTaskReassign+`"`) {
		t.Fatal("a manager's task modal has no Reassign button")
	}
}

// A delivered pack's checklist is text; ten long items full of characters
// that need escaping still fit their section, each item shown.
func TestDeliveredChecklistFitsItsSections(t *testing.T) {
	t.Parallel()
	task := tkTask()
	done := tkTick
	task.CompletedAt, task.ReviewState = &done, workflow.ReviewApproved
	task.Items = nil
	for i := range 10 {
		task.Items = append(task.Items, workflow.Item{ID: int64(900 + i), Stage: 2, Position: i + 1, Mandatory: true,
			Text: fmt.Sprintf("Item %d ", i) + strings.Repeat("<&> ", 80)[:290], DoneAt: &done, DoneByName: "Bea Bookkeeper"})
	}
	v := tasks.TaskModal(tasks.TaskModalData{Task: task, Today: tkToday, Loc: london})
	if err := blockkit.CheckModal(v); err != nil {
		t.Fatal(err)
	}
	raw := blockkittest.JSON(t, v)
	if strings.Contains(raw, `"checkboxes"`) {
		t.Fatal("a delivered pack offers checkboxes")
	}
	for i := range 10 {
		if !strings.Contains(raw, fmt.Sprintf("Item %d ", i)) {
			t.Errorf("item %d is not shown", i)
		}
	}
	if strings.Contains(raw, "&am…") || strings.Contains(raw, "&a…") || strings.Contains(raw, "&l…") {
		t.Error("an entity was cut in two")
	}
}
