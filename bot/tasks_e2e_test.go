package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/tasks"
	"github.com/atlas-practice/atlas/bot/timetrack"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/slackfake"
	"github.com/atlas-practice/atlas/internal/workflow"
)

const (
	tkPreparerID = "UPREP01"
	tkReviewerID = "UREVW01"
	tkOutsiderID = "UOUTS01"
)

// taskWorld is a practice in London with a preparer (Bea), a reviewer
// (Rex), a manager (Mina) who manages ACME, and a colleague with nothing to
// do with ACME (Otto); ACME follows the standard template. The clock is
// Monday 2 November 2026, 09:00, and November's tasks are not made yet.
type taskWorld struct {
	*harness
	ctx                  context.Context
	pid                  atlas.PracticeID
	bea, rex, mina, otto practice.Member
	acme                 int64
	ws                   workflow.Store
	clock                *atlas.FixedClock
}

func newTaskWorld(t *testing.T, mode string) *taskWorld {
	t.Helper()
	return newTaskWorldOn(t, func(extra func(*slackapp.Router)) *harness { return newHarness(t, mode, extra) })
}

// newTaskWorldOn is newTaskWorld on the harness start makes, given the
// route that sets the world's clock.
func newTaskWorldOn(t *testing.T, start func(extra func(*slackapp.Router)) *harness) *taskWorld {
	t.Helper()
	clock := atlas.NewFixedClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	h := start(func(rt *slackapp.Router) { rt.Clock = clock })
	w := &taskWorld{harness: h, ctx: context.Background(), pid: slackfake.TeamID, ws: workflow.Store{DB: h.pool}, clock: clock}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ps := practice.Store{DB: h.pool}
	_, err := ps.Ensure(w.ctx, w.pid)
	must(err)
	p, err := ps.SaveBasics(w.ctx, w.pid, 0, practice.Basics{Name: "Ledgerline", Timezone: "Europe/London", Currency: "GBP", VATRate: "20"})
	must(err)
	add := func(slackID, name string, role atlas.Role) practice.Member {
		h.fake.AddUser(slackID, strings.ToLower(strings.Fields(name)[0]), name, "")
		m, err := ps.AddMember(w.ctx, w.pid, 0, practice.NewMember{SlackUserID: atlas.SlackUserID(slackID), Name: name, Role: role})
		must(err)
		return m
	}
	w.bea, w.rex = add(tkPreparerID, "Bea Bookkeeper", atlas.RoleStaff), add(tkReviewerID, "Rex Reviewer", atlas.RoleStaff)
	w.mina, w.otto = add(managerID, "Mina Manager", atlas.RoleManager), add(tkOutsiderID, "Otto Other", atlas.RoleStaff)
	e, err := ps.SaveEntity(w.ctx, w.pid, 0, 0, practice.EntityInput{Code: "ACME", Name: "Acme Trading Ltd", Manager: &w.mina.ID})
	must(err)
	w.acme = e.ID
	tpl, err := w.ws.EnsureStandard(w.ctx, w.pid, clock.Now())
	must(err)
	// Assigned in October, so only October's task exists yet.
	_, err = w.ws.Assign(w.ctx, p, w.mina.ID, workflow.AssignInput{EntityID: w.acme, TemplateID: tpl, Preparer: w.bea.ID, Reviewer: w.rex.ID},
		time.Date(2026, 10, 15, 9, 0, 0, 0, time.UTC))
	must(err)
	return w
}

func (w *taskWorld) say(user, command, text string) string {
	w.t.Helper()
	return ackText(w.t, w.slash(user, command, text))
}

// novemberTask is ACME's November task id, or 0.
func (w *taskWorld) novemberTask() int64 {
	var id int64
	_ = w.pool.QueryRow(w.ctx, `SELECT id FROM tasks WHERE practice_id = $1 AND entity_id = $2 AND period = '2026-11-01'`, w.pid, w.acme).Scan(&id)
	return id
}

// generate makes November's tasks, as the manager, and returns ACME's.
func (w *taskWorld) generate() int64 {
	w.t.Helper()
	w.say(managerID, "/tasks", "generate")
	task := w.novemberTask()
	if task == 0 {
		w.t.Fatal("/tasks generate made no November task")
	}
	return task
}

type taskItemRow struct {
	id        int64
	stage     int
	mandatory bool
	doneBy    int64
}

func (w *taskWorld) items(task int64) []taskItemRow {
	w.t.Helper()
	rows, err := w.pool.Query(w.ctx, `SELECT id, stage, mandatory, coalesce(done_by, 0) FROM task_items
		WHERE practice_id = $1 AND task_id = $2 ORDER BY stage, position, id`, w.pid, task)
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows.Close()
	var out []taskItemRow
	for rows.Next() {
		var r taskItemRow
		if err := rows.Scan(&r.id, &r.stage, &r.mandatory, &r.doneBy); err != nil {
			w.t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// done counts the ticked items, and says who ticked which.
func (w *taskWorld) done(task int64) (int, map[int64]int64) {
	by := map[int64]int64{}
	for _, it := range w.items(task) {
		if it.doneBy != 0 {
			by[it.id] = it.doneBy
		}
	}
	return len(by), by
}

func (w *taskWorld) state(task int64) (review string, delivered bool, query string) {
	w.t.Helper()
	if err := w.pool.QueryRow(w.ctx, `SELECT review_state, completed_at IS NOT NULL, coalesce(review_query, '') FROM tasks WHERE id = $1`, task).
		Scan(&review, &delivered, &query); err != nil {
		w.t.Fatal(err)
	}
	return review, delivered, query
}

func (w *taskWorld) stageItems(task int64, stage int) []int64 {
	var out []int64
	for _, it := range w.items(task) {
		if it.stage == stage {
			out = append(out, it.id)
		}
	}
	return out
}

// viewCall is the newest views call of method whose view has callback,
// after the call numbered since.
func (w *taskWorld) viewCall(method, callback string, since int) (map[string]any, bool) {
	calls := w.fake.Calls(method)
	for i := len(calls) - 1; i >= 0; i-- {
		c := calls[i]
		if c.Seq <= since || c.Error != "" {
			continue
		}
		var resp struct {
			View map[string]any `json:"view"`
		}
		if json.Unmarshal(c.Response, &resp) == nil && resp.View["callback_id"] == callback {
			return resp.View, true
		}
	}
	return nil, false
}

func (w *taskWorld) seq() int { return len(w.fake.AllCalls()) }

// act sends a block action (as Slack does from inside the modal view, or
// from a message when view is nil), waits for its handler, and returns the
// task modal as the handler redrew it (nil when it did not).
func (w *taskWorld) act(user string, view map[string]any, action map[string]any) map[string]any {
	w.t.Helper()
	mark := w.seq()
	payload := map[string]any{"type": "block_actions", "user": map[string]any{"id": user}, "trigger_id": fmt.Sprintf("trig-t-%d", w.harness.seq.Add(1)),
		"actions": []any{action}}
	if view != nil {
		payload["view"] = view
		payload["container"] = map[string]any{"type": "view", "view_id": view["id"]}
	} else {
		payload["channel"] = map[string]any{"id": "C0GENERAL"}
		payload["message"] = map[string]any{"ts": "1700000000.000300", "text": "…"}
		payload["container"] = map[string]any{"type": "message", "message_ts": "1700000000.000300", "channel_id": "C0GENERAL"}
	}
	w.interact(payload)
	w.settle()
	for _, m := range []string{"views.update", "views.open", "views.push"} {
		if v, ok := w.viewCall(m, tasks.CallbackTask, mark); ok {
			return v
		}
	}
	return nil
}

func (w *taskWorld) click(user string, view map[string]any, actionID string, task int64) map[string]any {
	w.t.Helper()
	return w.act(user, view, map[string]any{"type": "button", "action_id": actionID, "block_id": "task.actions", "value": fmt.Sprint(task)})
}

// tick sends the checklist element that holds item, with selected ticked
// and the element's other items not, as the person left it.
func (w *taskWorld) tick(user string, view map[string]any, item int64, selected ...int64) map[string]any {
	w.t.Helper()
	blockID := ""
	for _, b := range view["blocks"].([]any) {
		bm := b.(map[string]any)
		if id, _ := bm["block_id"].(string); strings.HasPrefix(id, "task.items:") {
			for _, o := range bm["element"].(map[string]any)["options"].([]any) {
				if o.(map[string]any)["value"] == fmt.Sprint(item) {
					blockID = id
				}
			}
		}
	}
	if blockID == "" {
		w.t.Fatalf("no checklist element holds item %d", item)
	}
	var sel []any
	for _, id := range selected {
		sel = append(sel, map[string]any{"value": fmt.Sprint(id), "text": map[string]any{"type": "plain_text", "text": "x"}})
	}
	return w.act(user, view, map[string]any{"type": "checkboxes", "action_id": tasks.ActionTaskTick, "block_id": blockID, "selected_options": sel})
}

func taskViewText(t *testing.T, v map[string]any) string {
	t.Helper()
	if v == nil {
		t.Fatal("the task modal was not drawn")
	}
	b, _ := json.Marshal(v)
	return messageStrings(t, b)
}

// dms are the DMs to a person since the last look.
func (w *taskWorld) dmsTo(user string, since int) string {
	var b strings.Builder
	for _, c := range w.fake.Calls("chat.postMessage") {
		if c.Seq > since && c.Param("channel") == slackfake.DMChannelID(user) {
			b.WriteString(c.Param("text") + "\n" + c.Param("blocks") + "\n")
		}
	}
	return b.String()
}

func TestTasksJourney(t *testing.T) {
	t.Parallel()
	w := newTaskWorld(t, "socket")

	// Generating is for managers; a rerun makes nothing; a bad month is explained.
	mustContain(t, "staff generates", w.say(tkPreparerID, "/tasks", "generate"), "needs the Manager role")
	mustContain(t, "generate", w.say(managerID, "/tasks", "generate"), "Made 1 task with 19 checklist items for November 2026")
	task := w.novemberTask()
	if task == 0 || len(w.items(task)) != 19 {
		t.Fatalf("November task %d with %d items", task, len(w.items(task)))
	}
	mustContain(t, "generate again", w.say(managerID, "/tasks", "generate 2026-11"), "Nothing new", "0 tasks made")
	mustContain(t, "bad month", w.say(managerID, "/tasks", "generate 2026-13"), "cannot read", "/tasks generate [2026-11]")
	mustContain(t, "far month", w.say(managerID, "/tasks", "generate 2031-01"), "at most 2 months ahead")
	mustContain(t, "old month", w.say(managerID, "/tasks", "generate 2019-01"), "at most 3 months back", "/tasks generate 2026-10")
	var n int
	_ = w.pool.QueryRow(w.ctx, `SELECT count(*) FROM tasks WHERE practice_id = $1`, w.pid).Scan(&n)
	if n != 2 {
		t.Fatalf("%d tasks after generating twice (October's and November's expected)", n)
	}

	// Listing: mine, a colleague's, a client's; bad input explained.
	// On 2 November October's pack, due on the 10th, is still the work at
	// hand, so /tasks alone opens on October; a month picks another.
	mustContain(t, "month at hand", w.say(tkPreparerID, "/tasks", ""), "Your tasks · October 2026", "due Tue 10 Nov")
	mine := w.say(tkPreparerID, "/tasks", "2026-11")
	mustContain(t, "my tasks", mine, "Your tasks · November 2026", "ACME · Acme Trading Ltd", "Not started", "1 · Collect documents",
		"due Thu 10 Dec", "▱▱▱▱▱▱▱▱▱▱ 0%", `"action_id":"task.open"`, fmt.Sprintf(`"value":"%d"`, task))
	mustContain(t, "someone's tasks", w.say(tkOutsiderID, "/tasks", "<@"+tkReviewerID+"|rex>"), "Rex Reviewer's tasks", "ACME")
	mustContain(t, "a client's tasks", w.say(tkOutsiderID, "/tasks", "acme 2026-10"), "ACME · Acme Trading Ltd · October 2026", "Monthly Bookkeeping Pack")
	// Otto has no October pack to finish, so his month at hand is November.
	mustContain(t, "none of mine", w.say(tkOutsiderID, "/tasks", ""), "You prepare or review no task in November 2026", "/tasks generate")
	mustContain(t, "unknown client", w.say(tkPreparerID, "/tasks", "zzzz"), "No client called", "/tasks [@person|client] [2026-11]")
	mustContain(t, "person and client", w.say(tkPreparerID, "/tasks", "<@"+tkReviewerID+"> acme"), "not both")
	mustContain(t, "bad month", w.say(tkPreparerID, "/tasks", "2026-13"), "is not a month")
	mustContain(t, "stranger", w.say(strangerID, "/tasks", ""), "not on")

	// Open from the list: the checklist, by stage.
	modal := w.click(tkPreparerID, nil, ui.ActionTaskOpen, task)
	mustContain(t, "modal", taskViewText(t, modal), "ACME · Acme Trading Ltd", "Bank statements received for every account *", "1 · Collect documents",
		"Rex Reviewer", "Log time")
	if _, ok := w.viewCall("views.open", tasks.CallbackTask, 0); !ok {
		t.Fatal("the task was not opened with views.open")
	}

	// The preparer ticks two items of stage 1.
	s1 := w.stageItems(task, 1)
	modal = w.tick(tkPreparerID, modal, s1[0], s1[0], s1[1])
	if got, by := w.done(task); got != 2 || by[s1[0]] != int64(w.bea.ID) {
		t.Fatalf("after ticking: %d done, %v", got, by)
	}
	mustContain(t, "ticked", taskViewText(t, modal), "Ticked by Bea Bookkeeper", "▰▱▱▱▱▱▱▱▱▱ 10%")

	// An outsider's tick is refused in the modal, and changes nothing.
	refused := w.tick(tkOutsiderID, modal, s1[2], s1[0], s1[1], s1[2])
	mustContain(t, "outsider", taskViewText(t, refused), ":no_entry:", "Only the preparer (Bea Bookkeeper)")
	if got, _ := w.done(task); got != 2 {
		t.Fatalf("an outsider's tick changed the checklist: %d done", got)
	}

	// Stale: Mina ticks the third item; Bea, from the modal as it was,
	// ticks the fourth. Nothing of Bea's is written, and she sees why.
	if w.tick(managerID, modal, s1[2], s1[0], s1[1], s1[2]) == nil {
		t.Fatal("Mina's tick drew nothing")
	}
	stale := w.tick(tkPreparerID, modal, s1[3], s1[0], s1[1], s1[3])
	mustContain(t, "stale", taskViewText(t, stale), "Someone else changed this checklist")
	if got, by := w.done(task); got != 3 || by[s1[2]] != int64(w.mina.ID) || by[s1[3]] != 0 {
		t.Fatalf("after a stale tick: %d done, %v", got, by)
	}
	modal = stale

	// Log time from the modal: the log form, filled in with the task.
	mark := w.seq()
	w.click(tkPreparerID, modal, ui.ActionTaskLogTime, task)
	logForm, ok := w.viewCall("views.push", timetrack.CallbackLog, mark)
	if !ok {
		logForm, ok = w.viewCall("views.open", timetrack.CallbackLog, mark)
	}
	if !ok {
		t.Fatal("Log time opened no log form")
	}
	mustContain(t, "log form", taskViewText(t, logForm), "ACME · Acme Trading Ltd", "Nov 2026")

	// Send for review is refused while stage 2 is open, then allowed.
	refused = w.click(tkPreparerID, modal, tasks.ActionTaskSend, task)
	mustContain(t, "send too early", taskViewText(t, refused), "mandatory item(s) open")
	for stage := 2; stage <= 4; stage++ {
		ids := w.stageItems(task, stage)
		modal = w.tick(tkPreparerID, modal, ids[0], ids...)
	}
	if review, _, _ := w.state(task); review != workflow.ReviewNone {
		t.Fatalf("review state %s", review)
	}
	mark = w.seq()
	modal = w.click(tkPreparerID, modal, tasks.ActionTaskSend, task)
	mustContain(t, "sent", taskViewText(t, modal), "Sent to Rex Reviewer for review")
	if review, _, _ := w.state(task); review != workflow.ReviewRequested {
		t.Fatalf("after sending: %s", review)
	}
	mustContain(t, "reviewer's DM", w.dmsTo(tkReviewerID, mark), "Bea Bookkeeper sent", "for your review", `"action_id":"task.open"`)

	// The preparer may not approve, nor tick review items.
	refused = w.click(tkPreparerID, modal, tasks.ActionTaskApprove, task)
	mustContain(t, "preparer approves", taskViewText(t, refused), "You prepared this pack")
	s5 := w.stageItems(task, 5)
	refused = w.tick(tkPreparerID, modal, s5[0], s5[0])
	mustContain(t, "preparer ticks review", taskViewText(t, refused), "You prepared this pack")
	if review, _, _ := w.state(task); review != workflow.ReviewRequested {
		t.Fatalf("after the preparer's approval: %s", review)
	}

	// The reviewer returns it with a query: the form, an empty query refused
	// on its field, then the preparer's DM.
	rexModal := w.click(tkReviewerID, nil, ui.ActionTaskOpen, task)
	mustContain(t, "reviewer's modal", taskViewText(t, rexModal), "Approve", "Return with query")
	mark = w.seq()
	w.click(tkReviewerID, rexModal, tasks.ActionTaskReturn, task)
	form, ok := w.viewCall("views.push", tasks.CallbackTaskReturn, mark)
	if !ok {
		t.Fatal("Return with query pushed no form")
	}
	meta, _ := form["private_metadata"].(string)
	errs := responseErrors(t, w.interact(submission(tkReviewerID, tasks.CallbackTaskReturn, meta, map[string]any{tasks.TaskReturnQuery: textVal("  ")})))
	mustContain(t, "empty query", errs[tasks.TaskReturnQuery], "Say what the preparer should look at")
	// The preparer submitting the form (had they got it) is refused on it too.
	errs = responseErrors(t, w.interact(submission(tkPreparerID, tasks.CallbackTaskReturn, meta, map[string]any{tasks.TaskReturnQuery: textVal("mine")})))
	mustContain(t, "preparer returns", errs[tasks.TaskReturnQuery], "You prepared this pack")
	mark = w.seq()
	if errs := responseErrors(t, w.interact(submission(tkReviewerID, tasks.CallbackTaskReturn, meta, map[string]any{tasks.TaskReturnQuery: textVal("Bank balance differs by £120.")}))); errs != nil {
		t.Fatalf("good query refused: %v", errs)
	}
	w.settle()
	if review, _, query := w.state(task); review != workflow.ReviewReturned || query != "Bank balance differs by £120." {
		t.Fatalf("after returning: %s %q", review, query)
	}
	mustContain(t, "preparer's DM", w.dmsTo(tkPreparerID, mark), "Rex Reviewer returned", "Bank balance differs by £120.", `"action_id":"task.open"`)
	if v, ok := w.viewCall("views.update", tasks.CallbackTask, mark); !ok {
		t.Fatal("the reviewer's task modal was not redrawn after the return")
	} else {
		mustContain(t, "redrawn after return", taskViewText(t, v), "Returned to Bea Bookkeeper with your query")
	}

	// Bea sees the query and sends it back.
	modal = w.click(tkPreparerID, nil, ui.ActionTaskOpen, task)
	mustContain(t, "query shown", taskViewText(t, modal), "Bank balance differs by £120.", "Send back for review")
	mark = w.seq()
	mustContain(t, "sent back", taskViewText(t, w.click(tkPreparerID, modal, tasks.ActionTaskSend, task)), "Sent to Rex Reviewer")
	mustContain(t, "sent again", w.dmsTo(tkReviewerID, mark), "for your review")

	// Rex ticks the review items and approves; Bea hears.
	rexModal = w.click(tkReviewerID, nil, ui.ActionTaskOpen, task)
	rexModal = w.tick(tkReviewerID, rexModal, s5[0], s5...)
	mark = w.seq()
	rexModal = w.click(tkReviewerID, rexModal, tasks.ActionTaskApprove, task)
	mustContain(t, "approved", taskViewText(t, rexModal), "Approved", "Deliver")
	if review, _, _ := w.state(task); review != workflow.ReviewApproved {
		t.Fatalf("after approving: %s", review)
	}
	mustContain(t, "approval DM", w.dmsTo(tkPreparerID, mark), "Rex Reviewer approved")

	// Delivery: refused until the delivery item is ticked.
	modal = w.click(tkPreparerID, nil, ui.ActionTaskOpen, task)
	refused = w.click(tkPreparerID, modal, tasks.ActionTaskDeliver, task)
	mustContain(t, "deliver too early", taskViewText(t, refused), "Tick the delivery items first")
	s6 := w.stageItems(task, 6)
	modal = w.tick(tkPreparerID, modal, s6[0], s6...)
	// Nothing marked to send to the client: refused before anything changes.
	refused = w.click(tkPreparerID, modal, tasks.ActionTaskDeliver, task)
	mustContain(t, "deliver with nothing marked", taskViewText(t, refused), "Nothing is marked to deliver")
	w.contact("Jane Smith", "jane@acme.example")
	w.packFile(task, "ACME management accounts.pdf", true)
	beforeDelivery := modal
	modal = w.click(tkPreparerID, modal, tasks.ActionTaskDeliver, task)
	mustContain(t, "delivered", taskViewText(t, modal), "Delivered", "100%")
	if _, delivered, _ := w.state(task); !delivered {
		t.Fatal("not delivered")
	}

	// A delivered task's checklist is closed: drawn as text, and a tick
	// from a window opened before delivery is refused.
	if raw, _ := json.Marshal(modal); strings.Contains(string(raw), `"checkboxes"`) || !strings.Contains(string(raw), ":ballot_box_with_check:") {
		t.Fatalf("a delivered task's checklist is not drawn as text: %s", raw)
	}
	before, _ := w.done(task)
	refused = w.tick(tkPreparerID, beforeDelivery, s1[0])
	mustContain(t, "tick delivered", taskViewText(t, refused), "was delivered", "checklist is closed")
	if after, _ := w.done(task); after != before {
		t.Fatalf("a delivered task changed: %d → %d done", before, after)
	}
	mustContain(t, "complete in the list", w.say(tkPreparerID, "/tasks", "2026-11"), "Complete", "▰▰▰▰▰▰▰▰▰▰ 100%")
}

// A failing DM never undoes the change it was about.
func TestTaskSentForReviewEvenWhenTheDMFails(t *testing.T) {
	t.Parallel()
	w := newTaskWorld(t, "socket")
	task := w.generate()
	modal := w.click(tkPreparerID, nil, ui.ActionTaskOpen, task)
	for stage := 1; stage <= 4; stage++ {
		ids := w.stageItems(task, stage)
		modal = w.tick(tkPreparerID, modal, ids[0], ids...)
	}
	w.fake.FailCall("chat.postMessage", "channel_not_found", 1)
	modal = w.click(tkPreparerID, modal, tasks.ActionTaskSend, task)
	mustContain(t, "sent", taskViewText(t, modal), "Sent to Rex Reviewer")
	if review, _, _ := w.state(task); review != workflow.ReviewRequested {
		t.Fatalf("a failed DM undid the send: %s", review)
	}
	failed := false
	for _, c := range w.fake.Calls("chat.postMessage") {
		failed = failed || (c.Param("channel") == slackfake.DMChannelID(tkReviewerID) && c.Error == "channel_not_found")
	}
	if !failed {
		t.Fatal("the reviewer's DM was never tried")
	}
}

// /tasks pages a long list, the buttons showing the next page in place.
func TestTasksListPages(t *testing.T) {
	t.Parallel()
	w := newTaskWorld(t, "socket")
	var tpl int64
	_ = w.pool.QueryRow(w.ctx, `SELECT id FROM templates WHERE practice_id = $1`, w.pid).Scan(&tpl)
	ps := practice.Store{DB: w.pool}
	p, _ := ps.Get(w.ctx, w.pid)
	for i := range 25 {
		e, err := ps.SaveEntity(w.ctx, w.pid, 0, 0, practice.EntityInput{Code: fmt.Sprintf("C%02d", i), Name: fmt.Sprintf("Client %02d Ltd", i)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.ws.Assign(w.ctx, p, w.mina.ID, workflow.AssignInput{EntityID: e.ID, TemplateID: tpl, Preparer: w.bea.ID, Reviewer: w.rex.ID},
			time.Date(2026, 10, 15, 9, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
	}
	mustContain(t, "generate", w.say(managerID, "/tasks", "generate"), "Made 26 tasks")
	first := w.say(tkPreparerID, "/tasks", "")
	mustContain(t, "first page", first, "Page 1 of 2", "task.page.next", "26 tasks")
	mark := len(w.fake.ResponseURLPosts())
	v, _ := json.Marshal(tasks.TaskPageArgs{Text: "", Page: 1})
	w.interact(buttonClick(w.harness, tkPreparerID, tasks.ActionTaskPage+"next", string(v)))
	w.settle()
	posts := w.fake.ResponseURLPosts()[mark:]
	if len(posts) != 1 {
		t.Fatalf("%d answers to the page button", len(posts))
	}
	mustContain(t, "second page", posts[0].Params["blocks"]+posts[0].Params["replace_original"], "Page 2 of 2", "task.page.prev", "true")
}

// saveTicks submits the task modal as drawn in view with the given items
// ticked, as Save does, and returns the modal the handler answered with
// (response_action "update").
func (w *taskWorld) saveTicks(user string, view map[string]any, ticked ...int64) map[string]any {
	w.t.Helper()
	on := map[string]bool{}
	for _, id := range ticked {
		on[fmt.Sprint(id)] = true
	}
	values := map[string]any{}
	for _, b := range view["blocks"].([]any) {
		bm := b.(map[string]any)
		id, _ := bm["block_id"].(string)
		if !strings.HasPrefix(id, "task.items:") {
			continue
		}
		var sel []any
		for _, o := range bm["element"].(map[string]any)["options"].([]any) {
			if v := o.(map[string]any)["value"].(string); on[v] {
				sel = append(sel, map[string]any{"value": v, "text": map[string]any{"type": "plain_text", "text": "x"}})
			}
		}
		values[id] = map[string]any{tasks.ActionTaskTick: map[string]any{"type": "checkboxes", "selected_options": sel}}
	}
	sent := map[string]any{}
	for k, v := range view {
		sent[k] = v
	}
	sent["id"], sent["state"] = "V-save", map[string]any{"values": values}
	ack := w.interact(map[string]any{"type": "view_submission", "user": map[string]any{"id": user}, "view": sent})
	var resp struct {
		Action string         `json:"response_action"`
		View   map[string]any `json:"view"`
	}
	if err := json.Unmarshal(ack, &resp); err != nil || resp.Action != "update" {
		w.t.Fatalf("save answered %s (%v), want an update", ack, err)
	}
	return resp.View
}

// Save writes every element's ticks at once, and refreshes instead of
// overwriting when someone else changed the checklist since it was drawn.
func TestTaskChecklistSave(t *testing.T) {
	t.Parallel()
	w := newTaskWorld(t, "socket")
	task := w.generate()
	modal := w.click(tkPreparerID, nil, ui.ActionTaskOpen, task)
	s1, s2 := w.stageItems(task, 1), w.stageItems(task, 2)
	saved := w.saveTicks(tkPreparerID, modal, s1[0], s2[0], s2[1])
	mustContain(t, "saved", taskViewText(t, saved), "Saved")
	if n, by := w.done(task); n != 3 || by[s1[0]] != int64(w.bea.ID) || by[s2[1]] != int64(w.bea.ID) {
		t.Fatalf("after saving: %d done, %v", n, by)
	}

	// Mina ticks meanwhile; Bea saves from the window drawn before that,
	// unticking what she ticked: nothing is written and she sees the news.
	if _, err := w.pool.Exec(w.ctx, `UPDATE task_items SET done_by = $2, done_at = now() WHERE practice_id = $1 AND id = $3`,
		w.pid, w.mina.ID, s1[1]); err != nil {
		t.Fatal(err)
	}
	stale := w.saveTicks(tkPreparerID, saved)
	mustContain(t, "stale save", taskViewText(t, stale), "Someone else changed this checklist")
	if n, _ := w.done(task); n != 4 {
		t.Fatalf("a stale save wrote: %d done, want 4", n)
	}

	// The outsider's save is refused, with the reason in the window.
	refused := w.saveTicks(tkOutsiderID, stale, s1[0], s1[1], s2[0], s2[1], s1[2])
	mustContain(t, "outsider", taskViewText(t, refused), "Only the preparer")
	if n, _ := w.done(task); n != 4 {
		t.Fatalf("a refused save wrote: %d done, want 4", n)
	}

	// Save only ticks: boxes left empty (a client that does not draw saved
	// ticks) undo nothing; unticking is done box by box.
	mustContain(t, "empty save", taskViewText(t, w.saveTicks(tkPreparerID, stale)), "Saved")
	if n, _ := w.done(task); n != 4 {
		t.Fatalf("an empty save unticked: %d done, want 4", n)
	}
}

func usersVal(user string) map[string]any {
	return map[string]any{"x": map[string]any{"type": "users_select", "selected_user": user}}
}

// A manager gives one pack to other people from its window; the newcomer
// hears of it; staff cannot, and nobody outside the team can be picked.
func TestTaskReassign(t *testing.T) {
	t.Parallel()
	w := newTaskWorld(t, "socket")
	task := w.generate()
	raw := func(v map[string]any) string { b, _ := json.Marshal(v); return string(b) }
	if strings.Contains(raw(w.click(tkPreparerID, nil, ui.ActionTaskOpen, task)), tasks.ActionTaskReassign) {
		t.Fatal("staff are offered Reassign")
	}
	modal := w.click(managerID, nil, ui.ActionTaskOpen, task)
	if !strings.Contains(raw(modal), `"`+tasks.ActionTaskReassign+`"`) {
		t.Fatal("a manager is not offered Reassign")
	}
	meta := fmt.Sprintf(`{"task_id":%d}`, task)
	who := func() (prep, rev int64) {
		if err := w.pool.QueryRow(w.ctx, `SELECT preparer_id, reviewer_id FROM tasks WHERE id = $1`, task).Scan(&prep, &rev); err != nil {
			t.Fatal(err)
		}
		return prep, rev
	}

	// Staff are refused by role, and nothing moves.
	w.interact(submission(tkPreparerID, tasks.CallbackTaskReassign, meta, map[string]any{
		tasks.TaskReassignPreparer: usersVal(tkOutsiderID), tasks.TaskReassignReviewer: usersVal(tkReviewerID)}))
	if prep, _ := who(); prep != int64(w.bea.ID) {
		t.Fatal("staff reassigned a pack")
	}
	// Someone not on the team is a field error.
	w.fake.AddUser("U0NOBODY", "nobody", "No Body", "")
	errs := responseErrors(t, w.interact(submission(managerID, tasks.CallbackTaskReassign, meta, map[string]any{
		tasks.TaskReassignPreparer: usersVal("U0NOBODY"), tasks.TaskReassignReviewer: usersVal(tkReviewerID)})))
	if !strings.Contains(errs[tasks.TaskReassignPreparer], "not an active member") {
		t.Fatalf("stranger picked: %v", errs)
	}
	// The manager moves it to Otto, who gets a DM.
	mark := w.seq()
	if errs := responseErrors(t, w.interact(submission(managerID, tasks.CallbackTaskReassign, meta, map[string]any{
		tasks.TaskReassignPreparer: usersVal(tkOutsiderID), tasks.TaskReassignReviewer: usersVal(tkReviewerID)}))); errs != nil {
		t.Fatalf("reassign: %v", errs)
	}
	w.settle()
	if prep, rev := who(); prep != int64(w.otto.ID) || rev != int64(w.rex.ID) {
		t.Fatalf("after reassigning: preparer %d reviewer %d", prep, rev)
	}
	mustContain(t, "newcomer's DM", w.dmsTo(tkOutsiderID, mark), "Mina Manager gave you", "to prepare")
	if dm := w.dmsTo(tkReviewerID, mark); dm != "" {
		t.Fatalf("the unchanged reviewer was told: %s", dm)
	}
	var audited int
	_ = w.pool.QueryRow(w.ctx, `SELECT count(*) FROM audit_events WHERE action = 'task.reassign' AND subject_id = $1`, task).Scan(&audited)
	if audited != 1 {
		t.Fatalf("%d reassign audit events", audited)
	}
}

// A person told by DM that October's pack is overdue sees it in /tasks and
// on Home, first and marked overdue, whichever month the lists open on.
func TestEarlierMonthsOpenPacksListedFirst(t *testing.T) {
	t.Parallel()
	w := newTaskWorld(t, "socket")
	// 12 December: October's pack (due 10 November) and November's (due 10
	// December) are overdue, December's just made.
	w.clock.Set(time.Date(2026, 12, 12, 9, 0, 0, 0, time.UTC))
	for _, month := range []string{"2026-11", "2026-12"} {
		w.say(managerID, "/tasks", "generate "+month)
	}
	got := w.say(tkPreparerID, "/tasks", "")
	mustContain(t, "my tasks", got, "Your tasks · December 2026", "Still open from earlier months: 2",
		":red_circle: *ACME · Acme Trading Ltd*", "_October 2026_", "_November 2026_", "Overdue · 1 · Collect documents")
	oct, dec := strings.Index(got, "_October 2026_"), strings.Index(got, `"*December 2026*"`)
	if oct < 0 || dec < 0 || oct > dec {
		t.Fatalf("earlier months' packs are not listed before December's: %s", got)
	}
	// A colleague with nothing of ACME sees none of it.
	if got := w.say(tkOutsiderID, "/tasks", ""); strings.Contains(got, "Still open from earlier months") {
		t.Fatalf("Otto sees someone else's earlier packs: %s", got)
	}
	// Home shows them first too.
	w.event("Ev-home-early", map[string]any{"type": "app_home_opened", "user": tkPreparerID, "tab": "home"}, 0)
	w.settle()
	home := w.fake.WaitForCall(t, "views.publish", func(c slackfake.Call) bool { return c.Param("user_id") == tkPreparerID })
	mustContain(t, "home", home.Param("view"), "Still open from earlier months: 2", "_October 2026_")
}
