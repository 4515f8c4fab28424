package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/views"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/workflow"
)

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

// registerTasks adds the monthly task routes: /tasks, the task modal and
// its checklist, review and delivery buttons.
func registerTasks(rt *Router) {
	staff := func(h HandlerFunc) Route { return Route{Min: atlas.RoleStaff, Handle: h} }

	rt.HandleCommand(Command{Name: "/tasks", Usage: "/tasks [@person|client] [2026-11]",
		Summary:  "The month's tasks, by due date: yours (those you prepare or review), a colleague's or a client's, each with its stage and progress and a button to open its checklist.",
		Examples: []string{"/tasks", "/tasks 2026-10", "/tasks @bea", "/tasks acme"},
		Route:    staff(tasksList)})
	rt.HandleCommand(Command{Name: "/tasks", Sub: "generate", Usage: "/tasks generate [2026-11]",
		Summary:  "Make the month's task for every client with a template (this month unless you name one). Running it again makes nothing twice.",
		Examples: []string{"/tasks generate", "/tasks generate 2026-12"},
		Route:    Route{Min: atlas.RoleManager, Handle: tasksGenerate}})
	rt.HandleAction(views.ActionTaskPage, staff(tasksPage))
	rt.HandleAction(views.ActionTaskOpen, staff(openTask))
	rt.HandleAction(views.ActionTaskTick, staff(tickTask))
	rt.HandleAction(views.ActionTaskSend, staff(sendTask))
	rt.HandleAction(views.ActionTaskApprove, staff(approveTask))
	rt.HandleAction(views.ActionTaskReturn, staff(askReturn))
	rt.HandleAction(views.ActionTaskDeliver, staff(deliverTask))
	rt.HandleSubmit(views.CallbackTaskReturn, staff(submitReturn))
	rt.HandleSubmit(views.CallbackTask, staff(submitTicks))
	rt.HandleAction(views.ActionTaskReassign, Route{Min: atlas.RoleManager, Handle: askReassign})
	rt.HandleSubmit(views.CallbackTaskReassign, Route{Min: atlas.RoleManager, Handle: submitReassign})
}

func (r *Request) workflowStore() workflow.Store { return workflow.Store{DB: r.router.DB} }

// thisMonth is the current month in the practice's timezone.
func (r *Request) thisMonth() atlas.Period { return atlas.PeriodOf(r.now().In(r.Practice.Location())) }

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
func parseTaskScope(ctx context.Context, r *Request, text string) (taskScope, error) {
	sc, err := parseTaskWords(ctx, r, text)
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
	sc.period, err = r.workflowStore().MonthAtHandFor(ctx, r.Practice.ID, who, r.today())
	return sc, err
}

// parseTaskWords reads the person or client and the month of a /tasks line.
func parseTaskWords(ctx context.Context, r *Request, text string) (taskScope, error) {
	sc := taskScope{period: r.thisMonth(), member: r.Member}
	var client []string
	var person string
	months := 0
	for _, w := range strings.Fields(unescape(text)) {
		switch m := mention.FindStringSubmatch(w); {
		case m != nil:
			if person != "" && person != m[1] {
				return sc, atlas.Errorf(atlas.EInvalid, "Name one person at a time, such as `/tasks @bea`.")
			}
			person = m[1]
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
		e, err := lookupAny(ctx, r.practiceStore(), r.Practice.ID, name)
		switch {
		case atlas.ErrorCode(err) == atlas.ENotFound:
			return sc, atlas.Errorf(atlas.ENotFound, "%s The form is %s.", atlas.ErrorMessage(err), tasksUsage)
		case err != nil:
			return sc, err
		}
		sc.entity, sc.member = &e, nil
	case person != "" && person != r.UserID:
		m, err := r.practiceStore().MemberBySlackID(ctx, r.Practice.ID, atlas.SlackUserID(person))
		if err != nil {
			return sc, atlas.Errorf(atlas.ENotFound, "<@%s> is not on the team, so has no tasks. `/atlas team` lists who is.", person)
		}
		sc.member = &m
	}
	return sc, nil
}

// tasksList answers /tasks.
func tasksList(ctx context.Context, r *Request) error {
	return showTaskList(ctx, r, r.Text, 0)
}

// tasksPage shows another page of a task list, in place of the one clicked.
func tasksPage(ctx context.Context, r *Request) error {
	var args views.TaskPageArgs
	if r.Action == nil || json.Unmarshal([]byte(r.Action.Value), &args) != nil {
		return atlas.Errorf(atlas.EInvalid, "That button has expired. Run %s again.", tasksUsage)
	}
	r.replace = true
	return showTaskList(ctx, r, args.Text, args.Page)
}

func showTaskList(ctx context.Context, r *Request, text string, page int) error {
	sc, err := parseTaskScope(ctx, r, text)
	if err != nil {
		return err
	}
	f := workflow.Filter{Period: sc.period, Today: r.today(), ByDue: true, Limit: views.TaskListPerPage, Offset: max(page, 0) * views.TaskListPerPage}
	d := views.TaskList{Period: sc.period.Label(), Today: f.Today, Text: strings.TrimSpace(text)}
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
	ws := r.workflowStore()
	res, err := ws.List(ctx, r.Practice.ID, f)
	if err != nil {
		return err
	}
	// The list may have shrunk since the page button was drawn.
	if pg := blockkit.Paginate(res.Total, page, views.TaskListPerPage); pg.Index != page {
		f.Offset = pg.Index * views.TaskListPerPage
		if res, err = ws.List(ctx, r.Practice.ID, f); err != nil {
			return err
		}
	}
	d.Tasks, d.Counts, d.AtRisk = res.Tasks, res.Counts, res.AtRisk
	d.Page = blockkit.Paginate(res.Total, page, views.TaskListPerPage)
	summary := fmt.Sprintf("%s, %s: %d", d.Title, d.Period, res.Total)
	return r.Reply(Message{Text: summary, Blocks: views.TaskListBlocks(d)})
}

// tasksGenerate makes the month's tasks.
func tasksGenerate(ctx context.Context, r *Request) error {
	this := r.thisMonth()
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
	g, err := r.workflowStore().Generate(ctx, r.Practice.ID, period, r.now())
	if err != nil {
		return err
	}
	r.log.Info("tasks generated", "practice", r.Practice.ID, "period", period.String(), "tasks", g.Tasks, "items", g.Items, "by", r.UserID)
	if g.Tasks == 0 {
		return r.Reply(ephemeral(fmt.Sprintf(":information_source: Nothing new: 0 tasks made. Every client with a template already has its %s task. "+
			"A client gets one once it is assigned a template; `/tasks` lists the month's tasks.", period.Label())))
	}
	return r.Reply(ephemeral(fmt.Sprintf(":white_check_mark: Made %d %s with %d %s for %s. `/tasks` lists yours; `/tasks acme` a client's.",
		g.Tasks, pluralWord(g.Tasks, "task", "tasks"), g.Items, pluralWord(g.Items, "checklist item", "checklist items"), period.Label())))
}

// inModal reports whether the request came from a modal (rather than a
// message, a DM or the App Home).
func (r *Request) inModal() bool {
	return r.Interaction != nil && r.Interaction.View.ID != "" && r.Interaction.View.Type == slack.VTModal
}

// taskModal draws a task for the caller.
func (r *Request) taskModal(t workflow.Task, notice string, rev int) slack.ModalViewRequest {
	return views.TaskModal(views.TaskModalData{Task: t, Today: r.today(), Loc: r.Practice.Location(),
		MayReview: r.Member != nil && t.MayReview(*r.Member, r.Practice), Notice: notice, Rev: rev,
		MayReassign: r.Member != nil && r.Member.Can(atlas.RoleManager)})
}

// taskID reads the task id of a task button.
func taskID(r *Request) (int64, error) {
	id := int64(0)
	if r.Action != nil {
		id = atoi64(r.Action.Value)
	}
	if id <= 0 {
		return 0, atlas.Errorf(atlas.EInvalid, "That button has expired. %s lists the month's tasks.", tasksUsage)
	}
	return id, nil
}

// openTask opens a task's modal: pushed onto a modal it was opened from,
// else opened afresh.
func openTask(ctx context.Context, r *Request) error {
	id, err := taskID(r)
	if err != nil {
		return err
	}
	t, err := r.workflowStore().Task(ctx, r.Practice.ID, id)
	if err != nil {
		return err
	}
	return r.OpenModal(r.taskModal(t, "", 0))
}

// redraw replaces the task modal the request came from with t as it now
// stands and notice at the top.
func (r *Request) redraw(ctx context.Context, t workflow.Task, notice string) error {
	var meta views.TaskMeta
	_ = r.PrivateMetadata(&meta)
	return r.redrawView(ctx, r.Interaction.View.ID, t, notice, nextRev(meta.Rev))
}

func (r *Request) redrawView(ctx context.Context, viewID string, t workflow.Task, notice string, rev int) error {
	// No hash: the task is read after every change, so the last drawing is
	// the freshest, and refusing it would leave an older one on screen.
	if _, err := r.API.UpdateViewContext(ctx, r.taskModal(t, notice, rev), "", "", viewID); err != nil {
		return fmt.Errorf("update task modal %s: %w", viewID, err)
	}
	return nil
}

// refused shows why a change was refused: in the modal, with the task as
// it now stands (a modal cannot take an ephemeral message), or as a reply
// when the button was elsewhere. Internal errors go to the router.
func (r *Request) refused(ctx context.Context, taskID int64, err error) error {
	if atlas.ErrorCode(err) == atlas.EInternal || !r.inModal() {
		return err
	}
	t, lerr := r.workflowStore().Task(ctx, r.Practice.ID, taskID)
	if lerr != nil {
		return err
	}
	return r.redraw(ctx, t, errorText(err))
}

// unreadChecklist is the notice when the drawing a change was made from
// cannot be read back from the payload.
const unreadChecklist = ":arrows_counterclockwise: The checklist could not be read, so nothing was changed. It now shows where things stand; tick again if you still need to."

// tickTask ticks or unticks the items of one checklist element: shown is
// how the element was drawn (its initial options in the payload's view),
// want how the person left it. The store refuses, as stale, a change made
// from a drawing that is no longer true.
func tickTask(ctx context.Context, r *Request) error {
	if r.Action == nil || !r.inModal() {
		return atlas.Errorf(atlas.EInvalid, "Tick items in the task's window: %s lists the month's tasks with an Open button.", tasksUsage)
	}
	id, items, ok := views.ParseTaskItemsBlockID(r.Action.BlockID)
	if !ok {
		return atlas.Errorf(atlas.EInvalid, "That checklist is out of date. Close it and open the task again from %s.", tasksUsage)
	}
	ws := r.workflowStore()
	shown, found := shownItems(r.Interaction.View, r.Action.BlockID, items)
	if !found {
		// What the person saw cannot be told, so nothing is written.
		t, err := ws.Task(ctx, r.Practice.ID, id)
		if err != nil {
			return err
		}
		return r.redraw(ctx, t, unreadChecklist)
	}
	selected := map[string]bool{}
	for _, o := range r.Action.SelectedOptions {
		selected[o.Value] = true
	}
	want := make(map[int64]bool, len(items))
	for _, it := range items {
		want[it] = selected[itoa(it)]
	}
	t, err := ws.Tick(ctx, r.Practice, *r.Member, id, shown, want, r.now())
	switch {
	case err == nil:
		return r.redraw(ctx, t, "")
	case errors.Is(err, workflow.ErrStale):
		return r.redraw(ctx, t, ":arrows_counterclockwise: "+atlas.ErrorMessage(err))
	}
	return r.refused(ctx, id, err)
}

// shownItems reads, from the view the action came from, which of an
// element's items were drawn ticked.
func shownItems(v slack.View, blockID string, items []int64) (map[int64]bool, bool) {
	for _, b := range v.Blocks.BlockSet {
		in, ok := b.(*slack.InputBlock)
		if !ok || in.BlockID != blockID {
			continue
		}
		el, ok := in.Element.(*slack.CheckboxGroupsBlockElement)
		if !ok {
			return nil, false
		}
		shown := make(map[int64]bool, len(items))
		for _, it := range items {
			shown[it] = false
		}
		for _, o := range el.InitialOptions {
			if id := atoi64(o.Value); id != 0 {
				if _, ok := shown[id]; ok {
					shown[id] = true
				}
			}
		}
		return shown, true
	}
	return nil, false
}

// taskNews is what a review step says: notice where the button was, and
// dm to the person the pack now waits on (none when to is empty).
type taskNews struct{ notice, to, dm string }

// stepTask takes one review step on the task of the button pressed, shows
// the task as it now stands and tells whoever the pack now waits on; a
// refusal is shown instead. The step is saved before anything is shown,
// so the DM goes even when the modal cannot be redrawn.
func stepTask(ctx context.Context, r *Request,
	step func(workflow.Store, context.Context, practice.Practice, practice.Member, int64, time.Time) (workflow.Task, error),
	news func(workflow.Task) taskNews) error {
	id, err := taskID(r)
	if err != nil {
		return err
	}
	t, err := step(r.workflowStore(), ctx, r.Practice, *r.Member, id, r.now())
	if err != nil {
		return r.refused(ctx, id, err)
	}
	n := news(t)
	err = r.afterChange(ctx, t, n.notice)
	r.notify(ctx, t, n.to, n.dm)
	return err
}

// sendTask hands the pack to its reviewer, who gets a DM.
func sendTask(ctx context.Context, r *Request) error {
	return stepTask(ctx, r, workflow.Store.SendForReview, func(t workflow.Task) taskNews {
		return taskNews{notice: fmt.Sprintf(":outbox_tray: Sent to %s for review.", blockkit.Escape(t.ReviewerName)),
			to: t.ReviewerSlack, dm: fmt.Sprintf(":eyes: %s sent *%s* for your review.", blockkit.Escape(r.Member.Name), blockkit.Escape(t.Title()))}
	})
}

// approveTask passes review; the preparer gets a DM.
func approveTask(ctx context.Context, r *Request) error {
	return stepTask(ctx, r, workflow.Store.Approve, func(t workflow.Task) taskNews {
		return taskNews{notice: ":ok_hand: Approved. The delivery items can be ticked now.",
			to: t.PreparerSlack, dm: fmt.Sprintf(":ok_hand: %s approved *%s*. Tick the delivery items, then press *Deliver*.",
				blockkit.Escape(r.Member.Name), blockkit.Escape(t.Title()))}
	})
}

// deliverTask completes an approved task.
func deliverTask(ctx context.Context, r *Request) error {
	return stepTask(ctx, r, workflow.Store.Deliver, func(workflow.Task) taskNews {
		return taskNews{notice: ":tada: Delivered. The task is complete."}
	})
}

// afterChange shows a task just changed: in the modal the button was in,
// or else as a reply.
func (r *Request) afterChange(ctx context.Context, t workflow.Task, notice string) error {
	if r.inModal() {
		return r.redraw(ctx, t, notice)
	}
	return r.Reply(ephemeral(notice + " " + blockkit.Escape(t.Title())))
}

// notify DMs a person about a task with a button to open it. A DM that
// cannot be sent is logged, never undoing the change it was about; nobody
// is told about their own action.
func (r *Request) notify(ctx context.Context, t workflow.Task, userID, text string) {
	if userID == "" || userID == r.UserID {
		return
	}
	if err := r.DM(ctx, userID, Message{Text: text, Blocks: views.TaskNotice(text, t.ID)}); err != nil {
		r.log.Warn("task DM not sent", "practice", r.Practice.ID, "task", t.ID, "user", userID, "err", err)
	}
}

// askTask opens a form about the task of the button pressed, such as
// the return query: pushed over the task modal, which it names as its
// parent so that submitting it redraws the task beneath.
func askTask(ctx context.Context, r *Request, form func(workflow.Task, views.TaskMeta) slack.ModalViewRequest) error {
	id, err := taskID(r)
	if err != nil {
		return err
	}
	t, err := r.workflowStore().Task(ctx, r.Practice.ID, id)
	if err != nil {
		return err
	}
	meta := views.TaskMeta{TaskID: id}
	if r.inModal() {
		var parent views.TaskMeta
		_ = r.PrivateMetadata(&parent)
		meta.Parent, meta.Rev = r.Interaction.View.ID, parent.Rev
	}
	return r.OpenModal(form(t, meta))
}

// taskFormMeta reads the metadata of a form askTask opened.
func taskFormMeta(r *Request) (views.TaskMeta, error) {
	var meta views.TaskMeta
	if err := r.PrivateMetadata(&meta); err != nil || meta.TaskID == 0 {
		return meta, atlas.Errorf(atlas.EInvalid, "That form has expired. Open the task again from %s.", tasksUsage)
	}
	return meta, nil
}

// onField puts a refusal that names no field of its own on field, so it
// shows on the form, which stays open, rather than in a DM the person may
// not see.
func onField(field string, err error) error {
	if atlas.ErrorCode(err) != atlas.EInternal && atlas.ErrorField(err) == "" {
		return atlas.FieldError(field, "%s", atlas.ErrorMessage(err))
	}
	return err
}

// redrawParent redraws the task modal beneath a form just submitted. The
// change is saved by then, so a modal that cannot be redrawn is logged,
// not reported.
func (r *Request) redrawParent(ctx context.Context, meta views.TaskMeta, t workflow.Task, notice string) {
	if meta.Parent == "" {
		return
	}
	if err := r.redrawView(ctx, meta.Parent, t, notice, nextRev(meta.Rev)); err != nil {
		r.log.Warn("task modal not redrawn", "task", t.ID, "form", r.RouteKey, "err", err)
	}
}

// askReturn pushes the query form over the task modal.
func askReturn(ctx context.Context, r *Request) error {
	return askTask(ctx, r, views.TaskReturnModal)
}

// submitReturn returns the pack with the query, redraws the task modal
// beneath and DMs the preparer.
func submitReturn(ctx context.Context, r *Request) error {
	meta, err := taskFormMeta(r)
	if err != nil {
		return err
	}
	t, err := r.workflowStore().Return(ctx, r.Practice, *r.Member, meta.TaskID, r.Value(views.TaskReturnQuery), r.now())
	if err != nil {
		return onField(views.TaskReturnQuery, err)
	}
	r.Ack(nil)
	r.redrawParent(ctx, meta, t, fmt.Sprintf(":leftwards_arrow_with_hook: Returned to %s with your query.", blockkit.Escape(t.PreparerName)))
	r.notify(ctx, t, t.PreparerSlack, fmt.Sprintf(":leftwards_arrow_with_hook: %s returned *%s* with a query:\n>%s",
		blockkit.Escape(r.Member.Name), blockkit.Escape(t.Title()), strings.ReplaceAll(blockkit.Escape(t.ReviewQuery), "\n", "\n>")))
	return nil
}

// submitTicks saves the ticks of the whole checklist when the person
// presses Save, judged against how each element was drawn, so a checklist
// someone else changed meanwhile is refreshed, not written over. Save only
// ticks: an item is unticked by its own box, at once. A submission that
// leaves a ticked box empty (a client that does not draw saved ticks) must
// not undo a day's work. The modal stays open with the result.
func submitTicks(ctx context.Context, r *Request) error {
	var meta views.TaskMeta
	if err := r.PrivateMetadata(&meta); err != nil || meta.TaskID == 0 || r.Interaction.View.State == nil {
		return atlas.Errorf(atlas.EInvalid, "That checklist is out of date. Close it and open the task again from %s.", tasksUsage)
	}
	shown, want := map[int64]bool{}, map[int64]bool{}
	readable := true
	for blockID, actions := range r.Interaction.View.State.Values {
		id, items, ok := views.ParseTaskItemsBlockID(blockID)
		if !ok || id != meta.TaskID {
			continue
		}
		drawn, found := shownItems(r.Interaction.View, blockID, items)
		if !found {
			readable = false
			break
		}
		selected := map[string]bool{}
		for _, o := range actions[views.ActionTaskTick].SelectedOptions {
			selected[o.Value] = true
		}
		for _, it := range items {
			shown[it] = drawn[it]
			if selected[itoa(it)] {
				want[it] = true
			}
		}
	}
	ws := r.workflowStore()
	var t workflow.Task
	var err error
	notice := ":floppy_disk: Saved."
	if readable {
		t, err = ws.Tick(ctx, r.Practice, *r.Member, meta.TaskID, shown, want, r.now())
	} else {
		// What the person saw cannot be told, so nothing is written.
		t, err = ws.Task(ctx, r.Practice.ID, meta.TaskID)
		notice = unreadChecklist
	}
	switch {
	case errors.Is(err, workflow.ErrStale):
		notice = ":arrows_counterclockwise: " + atlas.ErrorMessage(err)
	case err != nil && atlas.ErrorCode(err) != atlas.EInternal:
		notice = errorText(err)
		if t, err = ws.Task(ctx, r.Practice.ID, meta.TaskID); err != nil {
			return err
		}
	case err != nil:
		return err
	}
	r.UpdateModal(r.taskModal(t, notice, nextRev(meta.Rev)))
	return nil
}

// nextRev is the revision of a redrawn checklist. It goes into the block
// ids so that Slack draws the boxes as saved rather than as last clicked;
// two redraws from the same drawing (two quick clicks) must not share one,
// so it takes a random step rather than plus one.
func nextRev(prev int) int { return prev + 1 + rand.IntN(1<<20) }

// askReassign pushes (or opens) the form that gives one pack to other
// people.
func askReassign(ctx context.Context, r *Request) error {
	return askTask(ctx, r, views.TaskReassignModal)
}

// submitReassign moves one pack to the people picked, tells the newcomers,
// and redraws the task underneath.
func submitReassign(ctx context.Context, r *Request) error {
	meta, err := taskFormMeta(r)
	if err != nil {
		return err
	}
	ps := r.practiceStore()
	var errs atlas.FieldErrors
	pick := func(field string) (practice.Member, error) {
		user := r.Value(field)
		if user == "" {
			errs = append(errs, atlas.FieldError(field, "Pick someone on the team."))
			return practice.Member{}, nil
		}
		m, err := ps.MemberBySlackID(ctx, r.Practice.ID, atlas.SlackUserID(user))
		if atlas.ErrorCode(err) == atlas.ENotFound {
			errs = append(errs, atlas.FieldError(field, "<@%s> is not an active member of the team. `/atlas team` lists who is.", user))
			return m, nil
		}
		return m, err
	}
	prep, err := pick(views.TaskReassignPreparer)
	if err != nil {
		return err
	}
	rev, err := pick(views.TaskReassignReviewer)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return errs
	}
	ws := r.workflowStore()
	// Who had the pack, so that only newcomers are told. It is read apart
	// from the change (Reassign does not say who had it), so a
	// reassignment made in between can misjudge who is new.
	before, err := ws.Task(ctx, r.Practice.ID, meta.TaskID)
	if err != nil {
		return err
	}
	t, err := ws.Reassign(ctx, r.Practice, *r.Member, meta.TaskID, prep.ID, rev.ID, r.now())
	if err != nil {
		return onField(views.TaskReassignReviewer, err)
	}
	r.Ack(nil)
	r.redrawParent(ctx, meta, t, fmt.Sprintf(":busts_in_silhouette: %s prepares and %s reviews this pack now.",
		blockkit.Escape(t.PreparerName), blockkit.Escape(t.ReviewerName)))
	if t.PreparerID != before.PreparerID {
		r.notify(ctx, t, t.PreparerSlack, fmt.Sprintf(":busts_in_silhouette: %s gave you *%s* to prepare.", blockkit.Escape(r.Member.Name), blockkit.Escape(t.Title())))
	}
	if t.ReviewerID != before.ReviewerID {
		r.notify(ctx, t, t.ReviewerSlack, fmt.Sprintf(":busts_in_silhouette: %s gave you *%s* to review.", blockkit.Escape(r.Member.Name), blockkit.Escape(t.Title())))
	}
	return nil
}
