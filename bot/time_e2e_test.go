package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/slack-go/slack"

	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/timetrack"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/slackfake"
	"github.com/atlas-practice/atlas/internal/timeparse"
	"github.com/atlas-practice/atlas/internal/timesheet"
)

const managerID = "UMANAG1"

// timeWorld is a practice ready for time tracking: set up in London, a
// staff member and a manager, clients (two of them both "Northwind", one
// archived), services and a rate card, with the router's clock fixed at
// Wednesday 18 November 2026, 10:00 London.
type timeWorld struct {
	*harness
	clock              *atlas.FixedClock
	p                  practice.Practice
	staff, manager     atlas.MemberID
	acme, nwt, nwh     int64
	payroll            int64
	ctx                context.Context
	store              practice.Store
	pid                atlas.PracticeID
	responsesBefore    int
	ephemeralsBefore   int
	postMessagesBefore int
}

func newTimeWorld(t *testing.T, mode string) *timeWorld {
	t.Helper()
	clock := atlas.NewFixedClock(time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC))
	h := newHarness(t, mode, func(rt *slackapp.Router) { rt.Clock = clock })
	h.fake.AddUser(managerID, "mina", "Mina Manager", "mina@example.com")
	w := &timeWorld{harness: h, clock: clock, ctx: context.Background(), store: practice.Store{DB: h.pool}, pid: slackfake.TeamID}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := w.store.Ensure(w.ctx, w.pid)
	must(err)
	w.p, err = w.store.SaveBasics(w.ctx, w.pid, 0, practice.Basics{Name: "Ledgerline", Timezone: "Europe/London", Currency: "GBP", VATRate: "20"})
	must(err)
	m, err := w.store.AddMember(w.ctx, w.pid, 0, practice.NewMember{SlackUserID: staffID, Name: "Sam Staff", Role: atlas.RoleStaff})
	must(err)
	w.staff = m.ID
	m, err = w.store.AddMember(w.ctx, w.pid, 0, practice.NewMember{SlackUserID: managerID, Name: "Mina Manager", Role: atlas.RoleManager})
	must(err)
	w.manager = m.ID
	entity := func(code, name string) int64 {
		e, err := w.store.SaveEntity(w.ctx, w.pid, 0, 0, practice.EntityInput{Code: code, Name: name})
		must(err)
		return e.ID
	}
	w.acme, w.nwt, w.nwh = entity("ACME", "Acme Trading Ltd"), entity("NWT", "Northwind Traders"), entity("NWH", "Northwind Holdings")
	old := entity("OLDCO", "Oldco Ltd")
	_, err = w.store.ArchiveEntity(w.ctx, w.pid, 0, old, true)
	must(err)
	sv, err := w.store.SaveService(w.ctx, w.pid, 0, "PAYROLL", "Payroll", false)
	must(err)
	w.payroll = sv.ID
	// Time a line names no service for goes to Payroll.
	w.p, err = w.store.SetDefaultService(w.ctx, w.pid, 0, &w.payroll)
	must(err)
	_, err = w.store.SaveRate(w.ctx, w.pid, 0, practice.RateInput{Amount: "100", From: "2026-01-01"}, clock.Now())
	must(err)
	_, err = w.store.SaveRate(w.ctx, w.pid, 0, practice.RateInput{Key: practice.RateKey{EntityID: &w.acme, ServiceID: &w.payroll}, Amount: "150", From: "2026-01-01"}, clock.Now())
	must(err)
	return w
}

// say runs a slash command and returns the text of its answer.
func (w *timeWorld) say(user, command, text string) string {
	w.t.Helper()
	return ackText(w.t, w.slash(user, command, text))
}

// mark notes what has been said so far; said returns what was said since:
// response_url posts, ephemeral messages and posted messages, as text.
func (w *timeWorld) mark() {
	w.responsesBefore = len(w.fake.ResponseURLPosts())
	w.ephemeralsBefore = len(w.fake.Calls("chat.postEphemeral"))
	w.postMessagesBefore = len(w.fake.Calls("chat.postMessage"))
}

func (w *timeWorld) said() string {
	w.t.Helper()
	w.settle()
	var b strings.Builder
	for _, r := range w.fake.ResponseURLPosts()[w.responsesBefore:] {
		b.WriteString(r.Params["text"] + "\n" + r.Params["blocks"] + "\n")
	}
	for _, c := range w.fake.Calls("chat.postEphemeral")[w.ephemeralsBefore:] {
		b.WriteString(c.Param("text") + "\n" + c.Param("blocks") + "\n")
	}
	for _, c := range w.fake.Calls("chat.postMessage")[w.postMessagesBefore:] {
		b.WriteString(c.Param("text") + "\n" + c.Param("blocks") + "\n")
	}
	return b.String()
}

// trigger mints a trigger_id, as Slack sends with every interaction.
func (w *timeWorld) trigger() string { return fmt.Sprintf("trig-w-%d", w.seq.Add(1)) }

// click presses a button (or picks from a select) on a message.
func (w *timeWorld) click(user, actionID, value string) {
	w.t.Helper()
	action := map[string]any{"action_id": actionID, "block_id": "b", "type": "button", "value": value, "action_ts": fmt.Sprint(w.seq.Add(1))}
	w.interact(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user}, "channel": map[string]any{"id": "C0GENERAL"}, "trigger_id": w.trigger(),
		"message":   map[string]any{"ts": "1700000000.000100", "text": "…"},
		"container": map[string]any{"type": "message", "message_ts": "1700000000.000100", "channel_id": "C0GENERAL"},
		"actions":   []any{action},
	})
}

func (w *timeWorld) pick(user, actionID, value string) {
	w.t.Helper()
	w.interact(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user}, "channel": map[string]any{"id": "C0GENERAL"}, "trigger_id": w.trigger(),
		"message":   map[string]any{"ts": "1700000000.000200", "text": "…"},
		"container": map[string]any{"type": "message", "message_ts": "1700000000.000200", "channel_id": "C0GENERAL"},
		"actions": []any{map[string]any{"action_id": actionID, "block_id": "b", "type": "static_select",
			"selected_option": map[string]any{"value": value}}},
	})
}

type row struct {
	entity              int64
	minutes             int
	date                string
	description, source string
	service             *int64
	task                *int64
	billable            bool
	value               string
}

// entries lists a member's entries, oldest first.
func (w *timeWorld) entries(member atlas.MemberID) []row {
	w.t.Helper()
	rows, err := w.pool.Query(w.ctx, `SELECT entity_id, minutes, work_date::text, description, source, service_id, task_id, billable, coalesce(value::text, '')
		FROM time_entries WHERE practice_id = $1 AND member_id = $2 ORDER BY id`, w.pid, int64(member))
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows.Close()
	var out []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.entity, &r.minutes, &r.date, &r.description, &r.source, &r.service, &r.task, &r.billable, &r.value); err != nil {
			w.t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func (w *timeWorld) timers() int {
	var n int
	_ = w.pool.QueryRow(w.ctx, `SELECT count(*) FROM timers WHERE practice_id = $1`, w.pid).Scan(&n)
	return n
}

func mustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(got, want) {
			t.Fatalf("%s: want %q in:\n%s", what, want, got)
		}
	}
}

func TestTimerCommands(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		w := newTimeWorld(t, mode)
		mustContain(t, "/timer with none running", w.say(staffID, "/timer", ""), "no timer running", "/timer start")

		mustContain(t, "start", w.say(staffID, "/timer", "start acme payroll month-end payroll"), "Timer started", "ACME · Acme Trading Ltd", "Payroll", "month-end payroll", "Just started, at ")
		mustContain(t, "show", w.say(staffID, "/timer", ""), "Just started", "timer.stop", "timer.discard")
		mustContain(t, "timesheet", w.say(staffID, "/timesheet", ""), "Timer running, not yet in these totals", "ACME · Acme Trading Ltd", "month-end payroll")

		// Starting another stops and saves the first, and says so.
		w.clock.Advance(90 * time.Minute)
		mustContain(t, "switch", w.say(staffID, "/timer", "start nwt"), "previous timer stopped and was saved", "1h 30m", "£225.00", "Northwind Traders")
		w.clock.Advance(30 * time.Minute)
		mustContain(t, "stop", w.say(staffID, "/timer", "stop reconciled the bank"), "Timer stopped and saved", "30m", "reconciled the bank")
		mustContain(t, "stop again", w.say(staffID, "/timer", "stop"), "no timer running")

		got := w.entries(w.staff)
		if len(got) != 2 || got[0].minutes != 90 || got[0].description != "month-end payroll" || got[0].source != "timer" || got[0].value != "225.00" ||
			got[1].minutes != 30 || got[1].entity != w.nwt || got[1].description != "reconciled the bank" || got[1].date != "2026-11-18" {
			t.Fatalf("saved entries: %+v", got)
		}

		// Bad input: an unknown client, an archived one, a missing one.
		mustContain(t, "unknown client", w.say(staffID, "/timer", "start zzzz"), "No client called", "/atlas clients")
		mustContain(t, "archived client", w.say(staffID, "/timer", "start OLDCO"), "archived")
		mustContain(t, "no client", w.say(staffID, "/timer", "start"), "Say which client", "/timer start acme payroll")
		mustContain(t, "unknown verb", w.say(staffID, "/timer", "pause"), "does not know", "/timer start")
		if w.timers() != 0 {
			t.Fatalf("bad input left %d timers", w.timers())
		}

		// Discard asks first; the confirmation discards that timer only.
		w.say(staffID, "/timer", "start acme")
		var timerID int64
		_ = w.pool.QueryRow(w.ctx, `SELECT id FROM timers WHERE practice_id = $1`, w.pid).Scan(&timerID)
		mustContain(t, "discard asks", w.say(staffID, "/timer", "discard"), "Discard this timer?", "timer.discard.confirm")
		w.mark()
		w.click(staffID, "timer.discard.confirm", fmt.Sprint(timerID))
		mustContain(t, "discarded", w.said(), "discarded")
		w.mark()
		w.click(staffID, "timer.discard.confirm", fmt.Sprint(timerID))
		mustContain(t, "discard twice", w.said(), "already stopped")
		if w.timers() != 0 || len(w.entries(w.staff)) != 2 {
			t.Fatalf("after discard: %d timers, %d entries", w.timers(), len(w.entries(w.staff)))
		}

		// A stranger has no timer to start.
		mustContain(t, "stranger", w.say(strangerID, "/timer", "start acme"), "not on")
	})
}

func TestTimerRetriedEnvelopeStartsOnce(t *testing.T) {
	t.Parallel()
	w := newTimeWorld(t, "socket")
	cmd := slack.SlashCommand{Command: "/timer", Text: "start acme", UserID: staffID, TeamID: slackfake.TeamID, ChannelID: "C0GENERAL", TriggerID: "trig-retry-1"}
	first := ackText(t, w.fake.SendSlashCommand(cmd).WaitAck(t))
	w.clock.Advance(10 * time.Minute)
	again := ackText(t, w.fake.SendSlashCommand(cmd, slackfake.WithRetry(1, "timeout")).WaitAck(t))
	mustContain(t, "first", first, "Timer started")
	mustContain(t, "retry", again, "Timer started")
	if strings.Contains(again, "previous timer") || w.timers() != 1 || len(w.entries(w.staff)) != 0 {
		t.Fatalf("a retried start stopped its own timer: %s (%d timers, %d entries)", again, w.timers(), len(w.entries(w.staff)))
	}
}

func TestLogCommand(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		w := newTimeWorld(t, mode)
		mustContain(t, "log", w.say(staffID, "/log", "1h30 acme payroll yesterday bank reconciliation"),
			"Logged", "Tue 17 Nov", "1h 30m", "ACME · Acme Trading Ltd", "Payroll", "bank reconciliation", "£225.00")
		mustContain(t, "minutes and a weekday", w.say(staffID, "/log", "45 nwt monday call with the director"), "Mon 16 Nov", "45m (48m billed)", "£80.00")
		mustContain(t, "quoted name and a date", w.say(staffID, "/log", `0.25h "Northwind Holdings" 3 Nov - posted invoices`), "Tue 3 Nov", "15m", "Northwind Holdings", "posted invoices")

		for _, c := range []struct{ text, want string }{
			{"2x acme payroll", "is not a duration"},
			{"0 acme payroll", "Zero minutes"},
			{"25h acme payroll", "more than 24 hours"},
			{"1h acme 2026-12-01 planning", "in the future"},
			{"1h zzzz stuff", "No client called"},
			{"1h OLDCO stuff", "archived"},
		} {
			mustContain(t, "bad /log "+c.text, w.say(staffID, "/log", c.text), c.want)
		}
		if n := len(w.entries(w.staff)); n != 3 {
			t.Fatalf("%d entries after three good /log lines and six bad ones", n)
		}
		got := w.entries(w.staff)
		if got[0].date != "2026-11-17" || got[0].minutes != 90 || *got[0].service != w.payroll || got[2].date != "2026-11-03" || got[2].entity != w.nwh {
			t.Fatalf("entries: %+v", got)
		}
	})
}

func TestAmbiguousClientIsOfferedAsButtons(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		w := newTimeWorld(t, mode)
		got := w.say(staffID, "/log", "2h northwind payroll year-end queries")
		mustContain(t, "ambiguous", got, "matches 2 clients", "pick.client.", "NWT · Northwind Traders", "NWH · Northwind Holdings")
		if n := len(w.entries(w.staff)); n != 0 {
			t.Fatalf("an ambiguous name logged %d entries", n)
		}
		v, _ := json.Marshal(map[string]string{"c": "/log", "t": "2h NWH payroll year-end queries"})
		w.mark()
		w.click(staffID, "pick.client.1", string(v))
		mustContain(t, "picked", w.said(), "Logged", "Northwind Holdings", "year-end queries")
		w.click(staffID, "pick.client.1", string(v)) // a double click
		w.settle()
		if got := w.entries(w.staff); len(got) != 1 || got[0].entity != w.nwh || got[0].minutes != 120 {
			t.Fatalf("after a pick and a double click: %+v", got)
		}
	})
}

func TestLogRetriedEnvelopeLogsOnce(t *testing.T) {
	t.Parallel()
	w := newTimeWorld(t, "socket")
	cmd := slack.SlashCommand{Command: "/log", Text: "1h acme payroll", UserID: staffID, TeamID: slackfake.TeamID, ChannelID: "C0GENERAL", TriggerID: "trig-retry-2"}
	mustContain(t, "first", ackText(t, w.fake.SendSlashCommand(cmd).WaitAck(t)), "Logged")
	mustContain(t, "retry", ackText(t, w.fake.SendSlashCommand(cmd, slackfake.WithRetry(1, "timeout")).WaitAck(t)), "Already logged")
	if n := len(w.entries(w.staff)); n != 1 {
		t.Fatalf("%d entries for one /log sent twice", n)
	}
}

func logValues(client, date, duration, service, task, desc string, billable bool) map[string]any {
	vals := map[string]any{
		"log_client":      map[string]any{"x": map[string]any{"type": "external_select", "selected_option": map[string]any{"value": client}}},
		"log_date":        map[string]any{"x": map[string]any{"type": "datepicker", "selected_date": date}},
		"log_duration":    textVal(duration),
		"log_description": textVal(desc),
		"log_service":     selectVal(service),
		"log_task":        map[string]any{"x": map[string]any{"type": "external_select", "selected_option": map[string]any{"value": task}}},
	}
	var checked []any
	if billable {
		checked = append(checked, map[string]any{"value": "billable"})
	}
	vals["log_billable"] = map[string]any{"x": map[string]any{"type": "checkboxes", "selected_options": checked}}
	return vals
}

func TestLogModalAndShortcuts(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		w := newTimeWorld(t, mode)
		w.say(staffID, "/log", "")
		open := w.fake.WaitForCall(t, "views.open", nil)
		mustContain(t, "modal from /log", open.Param("view"), `"callback_id":"log.modal"`, `"initial_date":"2026-11-18"`, "Payroll", `"action_id":"client.search"`)

		w.interact(map[string]any{"type": "shortcut", "callback_id": "log_time", "user": map[string]any{"id": staffID}, "trigger_id": w.trigger()})
		w.settle()
		if n := len(w.fake.Calls("views.open")); n != 2 {
			t.Fatalf("the global shortcut opened %d modals in all", n)
		}
		w.interact(map[string]any{"type": "message_action", "callback_id": "log_time_for_message", "user": map[string]any{"id": staffID}, "trigger_id": w.trigger(),
			"channel": map[string]any{"id": "C0GENERAL"}, "message": map[string]any{"ts": "1.2", "text": "Can you look at the &lt;VAT&gt; return?"}})
		w.settle()
		calls := w.fake.Calls("views.open")
		mustContain(t, "message shortcut", calls[len(calls)-1].Param("view"), "Can you look at the \\u003cVAT\\u003e return?")

		meta := `{"channel":"C0GENERAL"}`
		acme := fmt.Sprint(w.acme)
		errs := responseErrors(t, w.interact(submission(staffID, "log.modal", meta, logValues(acme, "2026-11-18", "2x", "", "", "", true))))
		mustContain(t, "bad duration", errs["log_duration"], "is not a duration", "1h30")
		errs = responseErrors(t, w.interact(submission(staffID, "log.modal", meta, logValues(acme, "2026-11-19", "1h", "", "", "", true))))
		mustContain(t, "future date", errs["log_date"], "in the future")
		errs = responseErrors(t, w.interact(submission(staffID, "log.modal", meta, logValues("", "2026-11-18", "1h", "", "", "", true))))
		mustContain(t, "no client", errs["log_client"], "Pick a client")
		if n := len(w.entries(w.staff)); n != 0 {
			t.Fatalf("rejected submissions logged %d entries", n)
		}

		w.mark()
		good := submission(staffID, "log.modal", meta, logValues(acme, "2026-11-16", "1:15", fmt.Sprint(w.payroll), "", "P11Ds", false))
		if errs := responseErrors(t, w.interact(good)); errs != nil {
			t.Fatalf("good submission refused: %v", errs)
		}
		mustContain(t, "confirmation", w.said(), "Logged", "1h 15m", "non-billable")
		w.interact(good) // the same view submitted again
		w.settle()
		got := w.entries(w.staff)
		if len(got) != 1 || got[0].minutes != 75 || got[0].billable || got[0].date != "2026-11-16" || got[0].description != "P11Ds" {
			t.Fatalf("modal entries: %+v", got)
		}
	})
}

func TestTaskLinkedLogTime(t *testing.T) {
	t.Parallel()
	w := newTimeWorld(t, "socket")
	var tpl, task int64
	if err := w.pool.QueryRow(w.ctx, `INSERT INTO templates (practice_id, name) VALUES ($1, 'Monthly bookkeeping') RETURNING id`, w.pid).Scan(&tpl); err != nil {
		t.Fatal(err)
	}
	// Written as the workflow store keeps it: stage 3 is the first with an
	// open mandatory item once stage 1's is ticked.
	if err := w.pool.QueryRow(w.ctx, `INSERT INTO tasks (practice_id, entity_id, template_id, period, preparer_id, reviewer_id, due_date, stage_targets,
		stage, items_done, items_total)
		VALUES ($1, $2, $3, '2026-11-01', $4, $5, '2026-12-10', '{2026-11-05,2026-11-15,2026-11-20,2026-11-28,2026-12-05,2026-12-10}', 3, 1, 2) RETURNING id`,
		w.pid, w.acme, tpl, int64(w.staff), int64(w.manager)).Scan(&task); err != nil {
		t.Fatal(err)
	}
	if _, err := w.pool.Exec(w.ctx, `INSERT INTO task_items (practice_id, task_id, stage, position, text, mandatory, done_by, done_at) VALUES
		($1, $2, 1, 0, 'Bank statements received', true, $3, now()), ($1, $2, 3, 0, 'Reconcile the bank', true, NULL, NULL)`, w.pid, task, int64(w.staff)); err != nil {
		t.Fatal(err)
	}
	w.click(staffID, "task.log_time", fmt.Sprint(task))
	open := w.fake.WaitForCall(t, "views.open", nil)
	mustContain(t, "task modal", open.Param("view"), "ACME · Acme Trading Ltd", "ACME · Monthly bookkeeping · Nov 2026", "Monthly bookkeeping (Nov 2026) — 3 · Reconcile bank")

	// The task select offers this month's tasks for the chosen client.
	opts := w.interact(map[string]any{"type": "block_suggestion", "action_id": "log.task_search", "block_id": "log_task", "value": "",
		"user": map[string]any{"id": staffID}, "view": map[string]any{"id": "V9", "state": map[string]any{"values": map[string]any{
			"log_client": map[string]any{"x": map[string]any{"type": "external_select", "selected_option": map[string]any{"value": fmt.Sprint(w.acme)}}}}}}})
	mustContain(t, "task options", string(opts), fmt.Sprint(task), "Monthly bookkeeping")

	// A task of another client is refused on its field.
	errs := responseErrors(t, w.interact(submission(staffID, "log.modal", "{}", logValues(fmt.Sprint(w.nwt), "2026-11-18", "1h", "", fmt.Sprint(task), "x", true))))
	mustContain(t, "wrong client's task", errs["log_task"], "another client")
	if errs := responseErrors(t, w.interact(submission(staffID, "log.modal", "{}", logValues(fmt.Sprint(w.acme), "2026-11-18", "2h", "", fmt.Sprint(task), "Bank rec", true)))); errs != nil {
		t.Fatal(errs)
	}
	w.settle()
	got := w.entries(w.staff)
	if len(got) != 1 || got[0].task == nil || *got[0].task != task || got[0].source != "task" || got[0].minutes != 120 {
		t.Fatalf("task-linked entry: %+v", got)
	}
}

func TestTimesheetEditAndDelete(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		w := newTimeWorld(t, mode)
		w.say(staffID, "/log", "1h30 acme payroll monday payroll run")
		w.say(staffID, "/log", "30m nwt tuesday call")
		w.say(staffID, "/log", "2h nwh 2 Nov - October close")
		w.say(managerID, "/log", "1h acme review")
		var ids []int64
		rows, _ := w.pool.Query(w.ctx, `SELECT id FROM time_entries WHERE practice_id = $1 AND member_id = $2 ORDER BY id`, w.pid, int64(w.staff))
		for rows.Next() {
			var id int64
			_ = rows.Scan(&id)
			ids = append(ids, id)
		}
		rows.Close()
		if len(ids) != 3 {
			t.Fatalf("setup logged %d entries", len(ids))
		}

		week := w.say(staffID, "/timesheet", "")
		mustContain(t, "this week", week, "week of Mon 16 Nov", "Mon 16 Nov", "Tue 17 Nov", "payroll run", "Total 2h", "entry.pick", "timesheet.show.prev")
		if strings.Contains(week, "October close") {
			t.Fatalf("this week shows an entry of 2 Nov:\n%s", week)
		}
		mustContain(t, "month", w.say(staffID, "/timesheet", "month"), "November 2026", "October close", "Total 4h")
		mustContain(t, "last month", w.say(staffID, "/timesheet", "2026-10"), "October 2026", "No time logged")
		mustContain(t, "bad period", w.say(staffID, "/timesheet", "fortnight"), "cannot read", "/timesheet last week")

		// Someone else's: managers yes, staff no.
		mustContain(t, "staff viewing another", w.say(staffID, "/timesheet", "<@"+managerID+"|mina>"), "Only managers")
		mustContain(t, "manager viewing staff", w.say(managerID, "/timesheet", "<@"+staffID+"|sam>"), "Sam Staff's", "payroll run")
		// A name typed as plain text, not linked by Slack, is read as the
		// same person: by handle, or by first name.
		mustContain(t, "plain @handle", w.say(managerID, "/timesheet", "@sam"), "Sam Staff's", "payroll run")
		mustContain(t, "plain @first name", w.say(managerID, "/timesheet", "@Sam last week"), "Sam Staff's", "week of Mon 9 Nov")
		mustContain(t, "staff by plain name", w.say(staffID, "/timesheet", "@mina"), "Only managers")
		mustContain(t, "nobody by that name", w.say(managerID, "/timesheet", "@samuel"), "No one in this Slack workspace is called @samuel")

		// Paging re-runs the command for the earlier week.
		w.mark()
		w.click(staffID, "timesheet.show.prev", "2026-11-09")
		mustContain(t, "previous week", w.said(), "week of Mon 9 Nov")

		// Edit: the pick opens the modal; a save changes and revalues.
		w.pick(staffID, "entry.pick", fmt.Sprint(ids[0]))
		open := w.fake.WaitForCall(t, "views.open", nil)
		mustContain(t, "edit modal", open.Param("view"), `"callback_id":"entry.edit.modal"`, `"initial_value":"1h 30m"`, "entry.delete")
		meta := fmt.Sprintf(`{"entry_id":%d,"channel":"C0GENERAL"}`, ids[0])
		if errs := responseErrors(t, w.interact(submission(staffID, "entry.edit.modal", meta, logValues(fmt.Sprint(w.acme), "2026-11-16", "2h", fmt.Sprint(w.payroll), "", "payroll run and RTI", true)))); errs != nil {
			t.Fatal(errs)
		}
		w.settle()
		if got := w.entries(w.staff)[0]; got.minutes != 120 || got.description != "payroll run and RTI" || got.value != "300.00" {
			t.Fatalf("edited entry: %+v", got)
		}

		// Staff cannot change a colleague's entry.
		var mgrEntry int64
		_ = w.pool.QueryRow(w.ctx, `SELECT id FROM time_entries WHERE member_id = $1`, int64(w.manager)).Scan(&mgrEntry)
		w.mark()
		w.pick(staffID, "entry.pick", fmt.Sprint(mgrEntry))
		mustContain(t, "colleague's entry", w.said(), "Mina Manager's", "manager or a partner")
		errs := responseErrors(t, w.interact(submission(staffID, "entry.edit.modal", fmt.Sprintf(`{"entry_id":%d}`, mgrEntry), logValues(fmt.Sprint(w.acme), "2026-11-18", "5h", "", "", "", true))))
		if errs != nil {
			t.Fatalf("a refusal is not a field error: %v", errs)
		}
		w.settle()
		var mins int
		_ = w.pool.QueryRow(w.ctx, `SELECT minutes FROM time_entries WHERE id = $1`, mgrEntry).Scan(&mins)
		if mins != 60 {
			t.Fatalf("staff changed a manager's entry to %d minutes", mins)
		}

		// A billed entry is locked.
		if _, err := w.pool.Exec(w.ctx, `WITH i AS (INSERT INTO invoices (practice_id, entity_id, kind, status, number, currency)
				VALUES ($1, $2, 'adhoc', 'approved', 'INV-1', 'GBP') RETURNING id),
			l AS (INSERT INTO invoice_lines (practice_id, invoice_id, position, description, amount) SELECT $1, id, 0, 'Time', 1 FROM i RETURNING invoice_id, id)
			UPDATE time_entries SET billing_state = 'billed', invoice_id = l.invoice_id, invoice_line_id = l.id FROM l WHERE time_entries.id = $3`,
			w.pid, w.nwt, ids[1]); err != nil {
			t.Fatal(err)
		}
		w.mark()
		w.pick(staffID, "entry.pick", fmt.Sprint(ids[1]))
		mustContain(t, "billed entry", w.said(), "locked (invoiced)", "locked")
		mustContain(t, "lock shown", w.say(staffID, "/timesheet", ""), ":lock:", "(invoiced)")

		// Delete: the button pushes a confirmation; confirming deletes.
		w.interact(map[string]any{"type": "block_actions", "user": map[string]any{"id": staffID}, "trigger_id": w.trigger(),
			"view":    map[string]any{"id": "V2", "type": "modal", "callback_id": "entry.edit.modal", "private_metadata": fmt.Sprintf(`{"entry_id":%d}`, ids[2])},
			"actions": []any{map[string]any{"action_id": "entry.delete", "block_id": "entry.actions", "type": "button", "value": fmt.Sprint(ids[2])}}})
		push := w.fake.WaitForCall(t, "views.push", nil)
		mustContain(t, "delete confirmation", push.Param("view"), "entry.delete.modal", "October close", "cannot be undone")
		ack := w.interact(submission(staffID, "entry.delete.modal", fmt.Sprintf(`{"entry_id":%d}`, ids[2]), map[string]any{}))
		mustContain(t, "modals cleared", string(ack), `"response_action":"clear"`)
		w.settle()
		if n := len(w.entries(w.staff)); n != 2 {
			t.Fatalf("%d entries after deleting one of three", n)
		}
		w.interact(submission(staffID, "entry.delete.modal", fmt.Sprintf(`{"entry_id":%d}`, ids[1]), map[string]any{}))
		w.settle()
		if n := len(w.entries(w.staff)); n != 2 {
			t.Fatalf("a billed entry was deleted: %d left", n)
		}
	})
}

func TestForgottenTimerReminderAndItsButtons(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		w := newTimeWorld(t, mode)
		remind := func() {
			t.Helper()
			tx, err := w.pool.Begin(w.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := (timetrack.Reminders{Clock: w.router.Clock, Log: w.router.Log}).RemindForgottenTimers(w.ctx, tx, w.pid); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(w.ctx); err != nil {
				t.Fatal(err)
			}
			w.deliver()
		}
		timerID := func() string {
			var id int64
			_ = w.pool.QueryRow(w.ctx, `SELECT id FROM timers WHERE practice_id = $1`, w.pid).Scan(&id)
			return fmt.Sprint(id)
		}
		dms := func() []string {
			var out []string
			for _, c := range w.fake.Calls("chat.postMessage") {
				if strings.Contains(c.Param("text"), "still running") {
					out = append(out, c.Param("blocks"))
				}
			}
			return out
		}

		// Stop now.
		w.say(staffID, "/timer", "start acme payroll")
		w.clock.Advance(9 * time.Hour)
		remind()
		if n := len(dms()); n != 0 {
			t.Fatalf("reminded after 9 hours (limit 10): %d DMs", n)
		}
		w.clock.Advance(75 * time.Minute)
		remind()
		remind() // one DM per timer, however often the job runs
		if got := dms(); len(got) != 1 {
			t.Fatalf("%d reminder DMs", len(got))
		} else {
			mustContain(t, "reminder", got[0], "10h 15m", "Stop now", "Keep running", "Adjust", "timer.stop", "timer.keep", "timer.adjust")
		}
		w.mark()
		w.click(staffID, "timer.stop", timerID())
		mustContain(t, "stop now", w.said(), "Timer stopped and saved", "10h 15m")
		if w.timers() != 0 || len(w.entries(w.staff)) != 1 {
			t.Fatalf("stop now: %d timers, %d entries", w.timers(), len(w.entries(w.staff)))
		}

		// Keep running.
		w.say(staffID, "/timer", "start nwt")
		w.clock.Advance(11 * time.Hour)
		remind()
		id := timerID()
		w.mark()
		w.click(staffID, "timer.keep", id)
		mustContain(t, "keep", w.said(), "Keeping your timer", "will not ask")
		w.clock.Advance(time.Hour)
		remind()
		if w.timers() != 1 || len(dms()) != 2 {
			t.Fatalf("keep running: %d timers, %d DMs", w.timers(), len(dms()))
		}

		// Adjust: the modal sets the real end time.
		w.click(staffID, "timer.adjust", id)
		open := w.fake.WaitForCall(t, "views.open", func(c slackfake.Call) bool { return strings.Contains(c.Param("view"), "timer.adjust.modal") })
		// Twelve hours on, the suggested end is a working day after the start.
		mustContain(t, "adjust modal", open.Param("view"), `"initial_date":"2026-11-19"`, `"initial_time":"04:15"`)
		adjust := func(date, clock string) json.RawMessage {
			return w.interact(submission(staffID, "timer.adjust.modal", `{"timer_id":`+id+`}`, map[string]any{
				"adjust_date": map[string]any{"x": map[string]any{"type": "datepicker", "selected_date": date}},
				"adjust_time": map[string]any{"x": map[string]any{"type": "timepicker", "selected_time": clock}},
			}))
		}
		// The nwt timer started at 20:15 on the 18th (London = UTC in November).
		mustContain(t, "end before start", responseErrors(t, adjust("2026-11-18", "19:00"))["adjust_time"], "must come after")
		mustContain(t, "end in the future", responseErrors(t, adjust("2026-11-20", "09:00"))["adjust_time"], "still to come")
		if errs := responseErrors(t, adjust("2026-11-18", "23:45")); errs != nil {
			t.Fatal(errs)
		}
		w.settle()
		got := w.entries(w.staff)
		if w.timers() != 0 || len(got) != 2 || got[1].minutes != 210 || got[1].date != "2026-11-18" || got[1].entity != w.nwt {
			t.Fatalf("adjusted: %d timers, entries %+v", w.timers(), got)
		}
	})
}

func TestAppHomeShowsTime(t *testing.T) {
	t.Parallel()
	w := newTimeWorld(t, "socket")
	w.say(staffID, "/log", "2h acme payroll monday payroll")
	w.say(staffID, "/log", "1h30 nwt bank rec")
	w.say(staffID, "/timer", "start nwh accounts")
	w.clock.Advance(45 * time.Minute)
	before := len(w.fake.Calls("views.publish"))
	w.event("EvHome1", map[string]any{"type": "app_home_opened", "user": staffID, "channel": "DSTAFF", "tab": "home"}, 0)
	w.settle()
	calls := w.fake.Calls("views.publish")
	if len(calls) <= before {
		t.Fatal("no App Home published")
	}
	mustContain(t, "home", calls[len(calls)-1].Param("view"), "Running for *45m*", "NWH · Northwind Holdings", "timer.stop",
		"*Today* 1h 30m", "*This week* 3h 30m of 37h 30m", "Latest entries", "bank rec")
}

func TestAmbiguousClientInOtherCommands(t *testing.T) {
	t.Parallel()
	w := newTimeWorld(t, "socket")
	got := w.say(adminID, "/atlas", "rates northwind payroll")
	mustContain(t, "rates", got, "matches 2 clients", `rates NWT payroll`, `rates NWH payroll`)
	w.mark()
	v, _ := json.Marshal(map[string]string{"c": "/atlas", "t": "rates NWH payroll"})
	w.click(adminID, "pick.client.1", string(v))
	mustContain(t, "rates after the pick", w.said(), "Northwind Holdings", "£100.00")
}

func TestForgottenTimerReminderThatFailsIsRetriedAlone(t *testing.T) {
	t.Parallel()
	w := newTimeWorld(t, "socket")
	w.say(staffID, "/timer", "start acme")
	w.say(managerID, "/timer", "start nwt")
	w.clock.Advance(11 * time.Hour)
	remind := func() {
		t.Helper()
		tx, err := w.pool.Begin(w.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := (timetrack.Reminders{Clock: w.router.Clock, Log: w.router.Log}).RemindForgottenTimers(w.ctx, tx, w.pid); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(w.ctx); err != nil {
			t.Fatal(err)
		}
		w.deliver()
	}
	perChannel := func() map[string]int {
		out := map[string]int{}
		for _, c := range w.fake.Calls("chat.postMessage") {
			if strings.Contains(c.Param("text"), "still running") {
				out[c.Param("channel")]++
			}
		}
		return out
	}
	w.fake.FailCall("chat.postMessage", "internal_error", 1) // one of the two DMs fails once
	remind()
	var unsent int
	_ = w.pool.QueryRow(w.ctx, `SELECT count(*) FROM timers WHERE practice_id = $1 AND reminded_at IS NULL`, w.pid).Scan(&unsent)
	if unsent != 0 {
		t.Fatalf("%d timers left unreminded, want none: the outbox retries the failed DM", unsent)
	}
	remind()
	got := perChannel()
	staff, manager := got[slackfake.DMChannelID(staffID)], got[slackfake.DMChannelID(managerID)]
	if staff+manager != 3 || staff < 1 || manager < 1 {
		t.Fatalf("DM attempts per channel: %v (want the failed one retried, the sent one not repeated)", got)
	}
}

// The log form's blocks are named as the time store's fields, so a mistake
// the store finds is shown on its own field.
func TestLogFormBlocksAreTheStoreFields(t *testing.T) {
	t.Parallel()
	pairs := [][2]string{
		{timetrack.LogDuration, timesheet.FieldMinutes}, {timetrack.LogDate, timesheet.FieldDate},
		{timetrack.LogDescription, timesheet.FieldDescription}, {timetrack.LogTask, timesheet.FieldTask},
	}
	for _, p := range pairs {
		if p[0] != p[1] {
			t.Errorf("form block %q, store field %q", p[0], p[1])
		}
	}
}

// A month of 1,000 entries is far more than one acknowledgement (or one
// message) holds: the reply still arrives, through the response_url rather
// than an acknowledgement Slack would drop, with the month's totals, and
// every entry is reachable through its pages.
func TestTimesheetOfAThousandEntriesArrives(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		w := newTimeWorld(t, mode)
		const n = 1000
		rows := make([][]any, 0, n)
		want := map[string]bool{}
		total := 0
		for i := range n {
			minutes := 30 + i%60
			total += minutes
			rows = append(rows, []any{string(w.pid), int64(w.staff), w.acme, time.Date(2026, 10, 1+i%31, 0, 0, 0, 0, time.UTC), minutes,
				fmt.Sprintf("Posted purchase invoices, batch %d of the month's supplier statements", i), "manual"})
		}
		if _, err := w.pool.CopyFrom(w.ctx, pgx.Identifier{"time_entries"},
			[]string{"practice_id", "member_id", "entity_id", "work_date", "minutes", "description", "source"}, pgx.CopyFromRows(rows)); err != nil {
			t.Fatal(err)
		}
		ids, err := w.pool.Query(w.ctx, `SELECT id::text FROM time_entries WHERE practice_id = $1`, w.pid)
		if err != nil {
			t.Fatal(err)
		}
		list, err := pgx.CollectRows(ids, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range list {
			want[id] = true
		}

		entryValue := regexp.MustCompile(`"value":"(\d+)"`)
		nextPage := regexp.MustCompile(`"action_id":"timesheet\.show\.pagenext","value":"([^"]*)"`)
		w.mark()
		if ack := w.say(staffID, "/timesheet", "2026-10"); ack != "" {
			t.Fatalf("a reply of 1,000 entries went in the acknowledgement: %d bytes", len(ack))
		}
		seen := map[string]bool{}
		for page := 1; ; page++ {
			got := w.said()
			mustContain(t, "timesheet page", got, "Timesheet · yours · October 2026", "*Total "+timeparse.Format(total)+"*")
			for _, m := range entryValue.FindAllStringSubmatch(got, -1) {
				seen[m[1]] = true
			}
			next := nextPage.FindStringSubmatch(got)
			if next == nil {
				break
			}
			if page > 100 {
				t.Fatal("more than 100 pages")
			}
			w.mark()
			w.click(staffID, "timesheet.show.pagenext", next[1])
		}
		if len(seen) != len(want) {
			t.Fatalf("the pages reach %d of the %d entries", len(seen), len(want))
		}
		for id := range want {
			if !seen[id] {
				t.Fatalf("entry %s is on no page", id)
			}
		}
		if n := w.fake.OversizedAcks(); n != 0 {
			t.Fatalf("%d acknowledgements were over Slack's size limit", n)
		}
	})
}

// Help is grouped by area and its examples name the practice's own clients
// (those it logs most time to) and services; `help` after a command gives
// that command's rules and every example, to those who may use it.
func TestHelpInThePracticesWords(t *testing.T) {
	t.Parallel()
	w := newTimeWorld(t, "socket")
	if _, err := w.store.SaveService(w.ctx, w.pid, 0, "VAT", "VAT returns", false); err != nil {
		t.Fatal(err)
	}
	w.say(staffID, "/log", "1h northwind traders monday")
	w.say(staffID, "/log", "30m nwt tuesday")
	w.say(staffID, "/log", "15m acme")

	help := w.say(staffID, "/atlas", "help")
	mustContain(t, "grouped help", help, "*Time*", "*Tasks*", "*Practice set-up*", "Type `help` after any command",
		"/log 1h30 nwt vat yesterday bank reconciliation", "/log 45 Northwind Traders VAT return", "/timer start nwt vat", "/atlas clients nwt")
	if strings.Index(help, "*Time*") > strings.Index(help, "*Practice set-up*") {
		t.Errorf("time should come before set-up:\n%s", help)
	}

	log := w.say(staffID, "/log", "help")
	mustContain(t, "/log help", log, "Help · /log", "How a line is read", "an hour and a half", "default service", "/log 2h acme 3 Nov", "/log 1 1/2 hours nwt friday")
	// Every /log example in the help, as the help printed it, logs time.
	for _, c := range w.router.Commands() {
		if c.Name != "/log" {
			continue
		}
		for _, ex := range c.Examples {
			typed := strings.NewReplacer("{client}", "nwt", "{client2}", "acme", "{name}", "Northwind Traders", "{service}", "vat").Replace(ex)
			if !strings.Contains(log, typed) {
				t.Errorf("/log help lacks its example %q", typed)
			}
			mustContain(t, typed, w.say(staffID, "/log", strings.TrimPrefix(typed, "/log ")), "Logged")
		}
	}
	timer := w.say(staffID, "/timer", "HELP")
	mustContain(t, "/timer help", timer, "Help · /timer", "/timer start", "/timer stop", "/timer discard", "/timer adjust")
	team := w.say(staffID, "/atlas", "team help")
	mustContain(t, "/atlas team help", team, "Help · /atlas team", "Who is on the team")
	if strings.Contains(team, "team add") {
		t.Errorf("staff's team help offers team add:\n%s", team)
	}
	mustContain(t, "rates help", w.say(staffID, "/atlas", "rates help"), "Which rate applies", "1. client × service × person")
	mustContain(t, "board help for staff", w.say(staffID, "/board", "help"), "needs the Manager role", "your role is Staff")
	mustContain(t, "board help for a manager", w.say(managerID, "/board", "help"), "Help · /board", "/board last month")
	mustContain(t, "help for a stranger", w.say(strangerID, "/log", "help"), "not on this practice's team")
}
