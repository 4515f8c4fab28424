package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/bot"
	apphome "github.com/atlas-practice/atlas/bot/home"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/tasks"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/jobs"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/slackfake"
	"github.com/atlas-practice/atlas/internal/workflow"
)

const reviewerID = "UREVIEW1"

// boardWorld is a practice in London with a preparer (Sam, staff), a
// reviewer (Rex, staff) and a manager (Mina), the standard template and
// three clients assigned to it — ACME (a company Mina manages), BETA (a
// sole trader with no manager) and GAMMA (a partnership Mina manages) —
// on Monday 2 November 2026, 09:00.
type boardWorld struct {
	*harness
	clock                *atlas.FixedClock
	ctx                  context.Context
	pid                  atlas.PracticeID
	p                    practice.Practice
	ps                   practice.Store
	ws                   workflow.Store
	staff, reviewer, mgr practice.Member
	template             int64
	acme, beta, gamma    int64
	homeMeta             map[string]string // the private_metadata of each person's last Home
}

func newBoardWorld(t *testing.T, mode string) *boardWorld {
	t.Helper()
	clock := atlas.NewFixedClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	h := newHarness(t, mode, func(rt *slackapp.Router) { rt.Clock = clock })
	h.fake.AddUser(managerID, "mina", "Mina Manager", "mina@example.com")
	h.fake.AddUser(reviewerID, "rex", "Rex Reviewer", "rex@example.com")
	w := &boardWorld{harness: h, clock: clock, ctx: context.Background(), pid: slackfake.TeamID,
		ps: practice.Store{DB: h.pool}, ws: workflow.Store{DB: h.pool}, homeMeta: map[string]string{}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := w.ps.Ensure(w.ctx, w.pid)
	must(err)
	w.p, err = w.ps.SaveBasics(w.ctx, w.pid, 0, practice.Basics{Name: "Ledgerline", Timezone: "Europe/London", Currency: "GBP", VATRate: "20"})
	must(err)
	add := func(slackID, name string, role atlas.Role) practice.Member {
		m, err := w.ps.AddMember(w.ctx, w.pid, 0, practice.NewMember{SlackUserID: atlas.SlackUserID(slackID), Name: name, Role: role})
		must(err)
		return m
	}
	w.staff, w.reviewer, w.mgr = add(staffID, "Sam Staff", atlas.RoleStaff), add(reviewerID, "Rex Reviewer", atlas.RoleStaff), add(managerID, "Mina Manager", atlas.RoleManager)
	w.template, err = w.ws.EnsureStandard(w.ctx, w.pid, clock.Now())
	must(err)
	w.acme = w.client("ACME", "Acme Trading Ltd", "limited_company", &w.mgr.ID)
	w.beta = w.client("BETA", "Beta Bakes", "sole_trader", nil)
	w.gamma = w.client("GAMMA", "Gamma Partners", "partnership", &w.mgr.ID)
	return w
}

// client adds a client and assigns it the standard template, which makes
// its task for the current month.
func (w *boardWorld) client(code, name, entityType string, manager *atlas.MemberID) int64 {
	w.t.Helper()
	e, err := w.ps.SaveEntity(w.ctx, w.pid, 0, 0, practice.EntityInput{Code: code, Name: name, EntityType: entityType, Manager: manager})
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.ws.Assign(w.ctx, w.p, w.mgr.ID, workflow.AssignInput{EntityID: e.ID, TemplateID: w.template,
		Preparer: w.staff.ID, Reviewer: w.reviewer.ID}, w.clock.Now()); err != nil {
		w.t.Fatal(err)
	}
	return e.ID
}

func (w *boardWorld) task(entity int64) workflow.Task {
	w.t.Helper()
	page, err := w.ws.List(w.ctx, w.pid, workflow.Filter{Period: atlas.Period{Year: 2026, Month: time.November}, Today: atlas.DateOf(w.clock.Now()), EntityID: entity})
	if err != nil || len(page.Tasks) != 1 {
		w.t.Fatalf("task of %d: %d tasks, %v", entity, len(page.Tasks), err)
	}
	t, err := w.ws.Task(w.ctx, w.pid, page.Tasks[0].ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return t
}

// tick ticks every open mandatory item of the stages as actor.
func (w *boardWorld) tick(entity int64, actor practice.Member, stages ...int) {
	w.t.Helper()
	t := w.task(entity)
	want := map[int64]bool{}
	for _, it := range t.OpenMandatory(stages...) {
		want[it.ID] = true
	}
	if _, err := w.ws.Tick(w.ctx, w.p, actor, t.ID, nil, want, w.clock.Now()); err != nil {
		w.t.Fatal(err)
	}
}

func (w *boardWorld) board(user, text string) string {
	w.t.Helper()
	return ackText(w.t, w.slash(user, "/board", text))
}

// openHome opens a person's App Home, as Slack does when they click the
// tab (with the view they last saw), and returns the view published.
func (w *boardWorld) openHome(user string) string {
	w.t.Helper()
	inner := map[string]any{"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": "home"}
	if meta, ok := w.homeMeta[user]; ok {
		inner["view"] = map[string]any{"id": "VHOME" + user, "type": "home", "private_metadata": meta}
	}
	w.event(fmt.Sprintf("EvHome%d", w.seq.Add(1)), inner, 0)
	return w.published(user)
}

// homeAction works a control on the person's App Home and returns the view
// published in its place.
func (w *boardWorld) homeAction(user string, action map[string]any) string {
	w.t.Helper()
	action["block_id"] = "calendar.filters"
	action["action_ts"] = fmt.Sprint(w.seq.Add(1))
	w.interact(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user}, "trigger_id": fmt.Sprintf("trig-home-%d", w.seq.Add(1)),
		"view":      map[string]any{"id": "VHOME" + user, "type": "home", "private_metadata": w.homeMeta[user]},
		"container": map[string]any{"type": "view", "view_id": "VHOME" + user},
		"actions":   []any{action},
	})
	return w.published(user)
}

func (w *boardWorld) pickFilter(user, actionID, value string) string {
	return w.homeAction(user, map[string]any{"action_id": actionID, "type": "static_select", "selected_option": map[string]any{"value": value}})
}

// press presses a calendar button of the last Home published to user.
func (w *boardWorld) press(user, view, actionID string) string {
	w.t.Helper()
	var v struct {
		Blocks []struct {
			Elements []struct {
				ActionID string `json:"action_id"`
				Value    string `json:"value"`
			} `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal([]byte(view), &v); err != nil {
		w.t.Fatal(err)
	}
	for _, b := range v.Blocks {
		for _, el := range b.Elements {
			if el.ActionID == actionID {
				return w.homeAction(user, map[string]any{"action_id": actionID, "type": "button", "value": el.Value})
			}
		}
	}
	w.t.Fatalf("no %s button on Home:\n%s", actionID, view)
	return ""
}

// published waits for the request to finish and returns the last Home
// published to user, remembering its private_metadata as Slack would.
func (w *boardWorld) published(user string) string {
	w.t.Helper()
	w.settle()
	var last string
	for _, c := range w.fake.Calls("views.publish") {
		if c.Param("user_id") == user {
			last = c.Param("view")
		}
	}
	if last == "" {
		w.t.Fatalf("no Home published for %s", user)
	}
	var v struct {
		PrivateMetadata string `json:"private_metadata"`
	}
	if err := json.Unmarshal([]byte(last), &v); err != nil {
		w.t.Fatal(err)
	}
	w.homeMeta[user] = v.PrivateMetadata
	return last
}

// openButtons counts the tasks a view lists with an Open button.
func openButtons(view string) int {
	return strings.Count(view, `"action_id":"`+ui.ActionTaskOpen+`"`)
}

func TestBoardAndCalendarFollowEachStep(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		w := newBoardWorld(t, mode)

		// Sam logged 3 hours today and 2 on Friday, in the week before and
		// in October; Rex nothing.
		for date, minutes := range map[string]int{"2026-11-02": 180, "2026-10-30": 120} {
			if _, err := w.pool.Exec(w.ctx, `INSERT INTO time_entries (practice_id, member_id, entity_id, work_date, minutes, source)
				VALUES ($1, $2, $3, $4, $5, 'manual')`, w.pid, int64(w.staff.ID), w.acme, date, minutes); err != nil {
				t.Fatal(err)
			}
		}
		got := w.board(managerID, "")
		mustContain(t, "fresh board", got, "Task board · November 2026", "*Completion* 0% — 0 of 3 packs complete",
			"*The bottleneck is 1 · Collect documents*: 3 tasks waiting there",
			"*Sam Staff* — 3 preparing · 0 reviewing · this week 3h of 37.5h (8%) · November 3h of 7h 30m to date (40%)",
			"*Rex Reviewer* — 0 preparing · 3 reviewing · this week 0h of 37.5h (0%) · November 0h of 7h 30m to date (0%)", "nothing is overdue",
			"No median days in stage yet")
		mustContain(t, "october board", w.board(managerID, "last month"), "October 2026", "this week 3h of 37.5h")
		home := w.openHome(managerID)
		mustContain(t, "fresh calendar", home, "Month at a glance · November 2026", "*3 tasks*", ":white_circle: Not started *3*",
			":large_orange_circle: At risk *0*", "ACME · Acme Trading Ltd", "BETA · Beta Bakes", "GAMMA · Gamma Partners", "1 · Collect documents")
		if n := openButtons(home); n != 3 {
			t.Fatalf("%d tasks on the calendar, want 3", n)
		}

		// ACME through stages 1 to 4 and sent for review.
		w.tick(w.acme, w.staff, 1, 2, 3, 4)
		if _, err := w.ws.SendForReview(w.ctx, w.p, w.staff, w.task(w.acme).ID, w.clock.Now()); err != nil {
			t.Fatal(err)
		}
		mustContain(t, "board in review", w.board(managerID, "2026-11"), "5 · Review: *1* waiting", "*The bottleneck is 1 · Collect documents*: 2 tasks",
			"1 · Collect documents: *2* waiting · median 0.0 days in stage", `6 · Deliver: *0* waiting\n`,
			"No median days for stages 5 and 6 yet: no pack has finished them.")
		mustContain(t, "calendar in review", w.openHome(managerID), ":large_purple_circle: In review *1*", ":white_circle: Not started *2*",
			`:large_purple_circle: *ACME · Acme Trading Ltd*\n5 · Review · due Thu 10 Dec · Sam Staff`)

		// Approved, then delivered: complete.
		w.tick(w.acme, w.reviewer, 5)
		if _, err := w.ws.Approve(w.ctx, w.p, w.reviewer, w.task(w.acme).ID, w.clock.Now()); err != nil {
			t.Fatal(err)
		}
		mustContain(t, "calendar approved", w.openHome(managerID), ":large_blue_circle: In progress *1*", "6 · Deliver")
		w.tick(w.acme, w.staff, 6)
		if _, err := w.ws.Deliver(w.ctx, w.p, w.staff, w.task(w.acme).ID, w.clock.Now()); err != nil {
			t.Fatal(err)
		}
		mustContain(t, "board delivered", w.board(managerID, ""), "*Completion* 33% — 1 of 3 packs complete", "*Sam Staff* — 2 preparing · 0 reviewing")
		mustContain(t, "calendar delivered", w.openHome(managerID), ":large_green_circle: Complete *1*", `:large_green_circle: *ACME · Acme Trading Ltd*\nDone`)

		// Past stage 1's target (3 December, counted from the end of
		// November), the untouched packs are at risk.
		w.clock.Set(time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC))
		mustContain(t, "at risk", w.openHome(managerID), ":large_orange_circle: At risk *2*", ":large_orange_circle: *BETA · Beta Bakes*")
		mustContain(t, "board past target", w.board(managerID, ""), "1 · Collect documents: *2* waiting (2 past target)")

		// Staff see their own tasks instead, and may not see the board.
		w.clock.Set(time.Date(2026, 11, 6, 9, 0, 0, 0, time.UTC))
		mine := w.openHome(staffID)
		mustContain(t, "my tasks", mine, "My tasks this month · November 2026", "BETA · Beta Bakes", "GAMMA · Gamma Partners")
		if strings.Contains(mine, "Month at a glance") || openButtons(mine) != 3 {
			t.Fatalf("staff Home: %s", mine)
		}
		mustContain(t, "staff board", w.board(staffID, ""), "That needs the Manager role", "your role is Staff")
		mustContain(t, "bad month", w.board(managerID, "2026-13"), `"2026-13" is not a month`, "`/board 2026-11`")
		mustContain(t, "words", w.board(managerID, "soon"), `"soon" is not a month`)
		mustContain(t, "last month", w.board(managerID, "last month"), "Task board · October 2026", "No monthly tasks for October 2026")
	})
}

func TestCalendarFiltersMonthsAndPages(t *testing.T) {
	t.Parallel()
	w := newBoardWorld(t, "socket")
	w.tick(w.acme, w.staff, 1)
	// Enough limited companies, prepared by Rex and reviewed by Sam, for a
	// second page.
	for i := range apphome.CalendarPageSize {
		e, err := w.ps.SaveEntity(w.ctx, w.pid, 0, 0, practice.EntityInput{Code: fmt.Sprintf("Z%03d", i), Name: fmt.Sprintf("Zed %d Ltd", i)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.ws.Assign(w.ctx, w.p, w.mgr.ID, workflow.AssignInput{EntityID: e.ID, TemplateID: w.template,
			Preparer: w.reviewer.ID, Reviewer: w.staff.ID}, w.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	total := apphome.CalendarPageSize + 3

	home := w.openHome(managerID)
	mustContain(t, "first page", home, fmt.Sprintf("*%d tasks*", total), fmt.Sprintf("Showing 1–%d of %d · Page 1 of 2", apphome.CalendarPageSize, total), "Next page")
	if n := openButtons(home); n != apphome.CalendarPageSize {
		t.Fatalf("%d tasks on page 1", n)
	}
	home = w.press(managerID, home, apphome.ActionCalendarPageNext)
	mustContain(t, "second page", home, fmt.Sprintf("Showing %d–%d of %d · Page 2 of 2", apphome.CalendarPageSize+1, total, total), "Previous page", "Z039 · Zed 39 Ltd")
	if n := openButtons(home); n != 3 {
		t.Fatalf("%d tasks on page 2", n)
	}
	// Reopening the tab keeps the page.
	mustContain(t, "reopened", w.openHome(managerID), "Page 2 of 2")

	// A filter starts again from the first page.
	home = w.pickFilter(managerID, apphome.ActionCalendarType, "sole_trader")
	mustContain(t, "sole traders", home, "*1 task*", "BETA · Beta Bakes", "Showing 1–1 of 1 · Page 1 of 1")
	if n := openButtons(home); n != 1 || strings.Contains(home, "ACME") {
		t.Fatalf("sole traders: %s", home)
	}
	home = w.pickFilter(managerID, apphome.ActionCalendarType, apphome.CalendarAll)
	mustContain(t, "every type", home, fmt.Sprintf("*%d tasks*", total), "Page 1 of 2")
	home = w.pickFilter(managerID, apphome.ActionCalendarStatus, "in_progress")
	mustContain(t, "in progress", home, fmt.Sprintf("*%d tasks*", total), ":large_blue_circle: In progress *1*", "ACME · Acme Trading Ltd", "Showing 1–1 of 1")
	if n := openButtons(home); n != 1 {
		t.Fatalf("in progress: %d tasks", n)
	}
	home = w.pickFilter(managerID, apphome.ActionCalendarStatus, apphome.CalendarAll)
	mustContain(t, "every status", home, fmt.Sprintf("Showing 1–%d of %d", apphome.CalendarPageSize, total))
	home = w.pickFilter(managerID, apphome.ActionCalendarMember, fmt.Sprint(w.staff.ID))
	mustContain(t, "Sam's", home, fmt.Sprintf("*%d tasks*", total)) // Sam prepares three and reviews the rest
	home = w.pickFilter(managerID, apphome.ActionCalendarType, "partnership")
	mustContain(t, "Sam's partnerships", home, "*1 task*", "GAMMA · Gamma Partners", `"value":"partnership"`)

	// Another month keeps the filters; it has no tasks yet.
	home = w.press(managerID, home, apphome.ActionCalendarMonthNext)
	mustContain(t, "december", home, "Month at a glance · December 2026", "No tasks for December 2026.", "← Nov 2026")
	if st := apphome.DecodeCalendarState(w.homeMeta[managerID]); st.Month != "2026-12" || st.Type != "partnership" || st.Member != int64(w.staff.ID) {
		t.Fatalf("december state %+v", st)
	}
	home = w.press(managerID, home, apphome.ActionCalendarMonthPrev)
	mustContain(t, "back to november", home, "Month at a glance · November 2026", "GAMMA · Gamma Partners")
	if st := apphome.DecodeCalendarState(w.homeMeta[managerID]); st.Month != "" {
		t.Fatalf("the current month is kept as %q, want it implicit", st.Month)
	}

	// A page past the end (the list shrank) shows the last page.
	w.homeMeta[managerID] = apphome.CalendarState{Page: 9}.Encode()
	mustContain(t, "clamped", w.openHome(managerID), "Page 2 of 2")

	// Staff cannot work the calendar: they are told why, and Home stays.
	before, dms := len(w.fake.Calls("views.publish")), len(w.fake.Calls("chat.postMessage"))
	w.interact(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": staffID}, "trigger_id": "trig-staff-cal",
		"view":      map[string]any{"id": "VHOMESTAFF", "type": "home", "private_metadata": "{}"},
		"container": map[string]any{"type": "view", "view_id": "VHOMESTAFF"},
		"actions": []any{map[string]any{"action_id": apphome.ActionCalendarStatus, "block_id": "calendar.filters", "type": "static_select",
			"selected_option": map[string]any{"value": "overdue"}}},
	})
	w.settle()
	if n := len(w.fake.Calls("views.publish")); n != before {
		t.Fatalf("a staff member's calendar click published Home")
	}
	refusal := w.fake.Calls("chat.postMessage")[dms:]
	if len(refusal) != 1 {
		t.Fatalf("%d messages to the staff member, want one refusal", len(refusal))
	}
	mustContain(t, "refusal", refusal[0].Param("text"), "That needs the Manager role")
}

// runAlerts runs the overdue-task job once, in its own transaction as the
// job engine runs it.
func (w *boardWorld) runAlerts() error {
	return db.InTx(w.ctx, w.pool, func(tx pgx.Tx) error {
		return tasks.OverdueAlerts{Clock: w.router.Clock, Log: w.router.Log}.AlertOverdueTasks(w.ctx, tx, w.pid)
	})
}

// alertRun runs the overdue job once for the practice, as the reconciler
// does, and lets the outbox deliver what it queued.
func (w *boardWorld) alertRun() {
	w.t.Helper()
	if err := w.runAlerts(); err != nil {
		w.t.Fatal(err)
	}
	w.deliver()
}

type dm struct{ channel, task string }

// overdueDMs lists the overdue DMs attempted so far, failed ones included.
func (w *boardWorld) overdueDMs() []dm {
	var out []dm
	for _, c := range w.fake.Calls("chat.postMessage") {
		if !strings.HasPrefix(c.Param("text"), "Overdue:") {
			continue
		}
		var blocks []struct {
			Accessory struct {
				Value string `json:"value"`
			} `json:"accessory"`
		}
		_ = json.Unmarshal([]byte(c.Param("blocks")), &blocks)
		d := dm{channel: c.Param("channel")}
		if len(blocks) > 0 {
			d.task = blocks[0].Accessory.Value
		}
		out = append(out, d)
	}
	return out
}

// lateWorld is boardWorld with ACME delivered, on Saturday 12 December,
// two days after November's packs were due: BETA (Sam's) and GAMMA (Sam's,
// managed by Mina) are overdue.
func lateWorld(t *testing.T) *boardWorld {
	w := newBoardWorld(t, "socket")
	w.tick(w.acme, w.staff, 1, 2, 3, 4)
	id := w.task(w.acme).ID
	if _, err := w.ws.SendForReview(w.ctx, w.p, w.staff, id, w.clock.Now()); err != nil {
		t.Fatal(err)
	}
	w.tick(w.acme, w.reviewer, 5)
	if _, err := w.ws.Approve(w.ctx, w.p, w.reviewer, id, w.clock.Now()); err != nil {
		t.Fatal(err)
	}
	w.tick(w.acme, w.staff, 6)
	if _, err := w.ws.Deliver(w.ctx, w.p, w.staff, id, w.clock.Now()); err != nil {
		t.Fatal(err)
	}
	w.clock.Set(time.Date(2026, 12, 12, 9, 0, 0, 0, time.UTC))
	return w
}

func TestOverdueAlertsOncePerTaskAndPerson(t *testing.T) {
	t.Parallel()
	w := lateWorld(t)
	beta, gamma := fmt.Sprint(w.task(w.beta).ID), fmt.Sprint(w.task(w.gamma).ID)
	sam, mina := slackfake.DMChannelID(staffID), slackfake.DMChannelID(managerID)

	// Two replicas at once: the claims' key lets each alert through once.
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if err := w.runAlerts(); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	w.deliver()
	got := map[dm]int{}
	for _, d := range w.overdueDMs() {
		got[d]++
	}
	want := map[dm]int{{sam, beta}: 1, {sam, gamma}: 1, {mina, gamma}: 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("overdue DMs %v, want %v", got, want)
	}
	for _, c := range w.fake.Calls("chat.postMessage") {
		if c.Param("channel") == mina {
			mustContain(t, "manager's DM", c.Param("blocks"), "GAMMA · Monthly Bookkeeping Pack", "November 2026", "*2 days overdue* (due Thu 10 Dec)",
				"It is at 1 · Collect documents", "You manage this client; Sam Staff prepares the pack.", `"action_id":"task.open"`)
		}
	}

	// The next run that day, and the days after, send nothing more.
	w.alertRun()
	w.clock.Advance(15 * time.Minute)
	w.alertRun()
	w.clock.Advance(24 * time.Hour)
	w.alertRun()
	if n := len(w.overdueDMs()); n != 3 {
		t.Fatalf("%d overdue DMs after more runs, want the first 3 only", n)
	}
}

func TestOverdueAlertThatFailsIsRetried(t *testing.T) {
	t.Parallel()
	w := lateWorld(t)
	w.fake.FailCall("chat.postMessage", "internal_error", 1)
	w.alertRun()
	got := map[dm]int{}
	for _, d := range w.overdueDMs() {
		got[d]++
	}
	if len(got) != 3 || len(w.overdueDMs()) != 4 {
		t.Fatalf("DMs tried %v, want the 3 alerts, the one that failed tried once more", got)
	}
	var claimed int
	if err := w.pool.QueryRow(w.ctx, `SELECT count(*) FROM task_alerts WHERE practice_id = $1`, w.pid).Scan(&claimed); err != nil {
		t.Fatal(err)
	}
	if claimed != 3 {
		t.Fatalf("%d alerts claimed, want 3", claimed)
	}
	w.alertRun()
	if n := len(w.overdueDMs()); n != 4 {
		t.Fatalf("%d DMs after another run, want 4", n)
	}
}

// A run whose transaction does not commit claims nothing and sends
// nothing: the DMs are queued in it, not sent from inside it.
func TestOverdueAlertsOfAFailedRunAreNotSent(t *testing.T) {
	t.Parallel()
	w := lateWorld(t)
	failed := errors.New("the commit failed")
	err := db.InTx(w.ctx, w.pool, func(tx pgx.Tx) error {
		if err := (tasks.OverdueAlerts{Clock: w.router.Clock, Log: w.router.Log}).AlertOverdueTasks(w.ctx, tx, w.pid); err != nil {
			return err
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatal(err)
	}
	w.deliver()
	if n := len(w.overdueDMs()); n != 0 {
		t.Fatalf("%d DMs from a run that rolled back", n)
	}
	w.alertRun()
	if n := len(w.overdueDMs()); n != 3 {
		t.Fatalf("%d DMs from the next run, want 3", n)
	}
}

func TestMonthlyTasksJob(t *testing.T) {
	t.Parallel()
	w := newBoardWorld(t, "socket")
	if err := bot.RegisterJobs(jobs.NewRegistry(), w.router.Clock, w.router.Log, bot.Portal{URL: "http://127.0.0.1:8080", Secret: []byte("a test secret of thirty-two bytes!")}); err != nil {
		t.Fatal(err)
	}
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	december := func() int {
		var n int
		if err := w.pool.QueryRow(w.ctx, `SELECT count(*) FROM tasks WHERE practice_id = $1 AND period = '2026-12-01'`, w.pid).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	run := func(slot time.Time) {
		t.Helper()
		if err := db.InTx(w.ctx, w.pool, func(tx pgx.Tx) error {
			return workflow.MonthlyTasks{Clock: w.router.Clock, Log: w.router.Log}.Generate(w.ctx, tx, w.pid, slot)
		}); err != nil {
			t.Fatal(err)
		}
	}
	w.clock.Set(time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC))
	run(time.Date(2026, 12, 1, 5, 0, 0, 0, london))
	if n := december(); n != 3 {
		t.Fatalf("%d December tasks, want one per client", n)
	}
	run(time.Date(2026, 12, 1, 5, 0, 0, 0, london))
	if n := december(); n != 3 {
		t.Fatalf("%d December tasks after a second run", n)
	}
	// Down over the whole of January: the engine runs only February's slot,
	// which makes January's tasks as well as February's.
	run(time.Date(2027, 2, 1, 5, 0, 0, 0, london))
	var jan, feb int
	if err := w.pool.QueryRow(w.ctx, `SELECT count(*) FILTER (WHERE period = '2027-01-01'), count(*) FILTER (WHERE period = '2027-02-01')
		FROM tasks WHERE practice_id = $1`, w.pid).Scan(&jan, &feb); err != nil || jan != 3 || feb != 3 {
		t.Fatalf("after a missed January: %d January and %d February tasks, want 3 each: %v", jan, feb, err)
	}
	mustContain(t, "december board", w.board(managerID, "2026-12"), "*Completion* 0% — 0 of 3 packs complete")
}
