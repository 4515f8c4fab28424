package bot_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/bot/admin"
	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/templates"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/slackfake"
	"github.com/atlas-practice/atlas/internal/workflow"
)

const wfManagerID = "UMGR001"

// wfClock fixes "now" at Monday 2 November 2026, so this month's
// tasks are November's.
func wfClock(rt *slackapp.Router) {
	rt.Clock = atlas.NewFixedClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
}

func wfMultiVal(vals ...string) map[string]any {
	opts := []any{}
	for _, v := range vals {
		opts = append(opts, map[string]any{"value": v})
	}
	return map[string]any{"x": map[string]any{"type": "multi_static_select", "selected_options": opts}}
}

func wfCheckedVal(vals ...string) map[string]any {
	m := wfMultiVal(vals...)
	m["x"].(map[string]any)["type"] = "checkboxes"
	return m
}

func wfOverflowClick(h *harness, user, value string) map[string]any {
	c := buttonClick(h, user, templates.ActionTemplateItemMenu, "")
	c["actions"] = []any{map[string]any{"type": "overflow", "action_id": templates.ActionTemplateItemMenu, "block_id": "b",
		"selected_option": map[string]any{"value": value}}}
	return c
}

// wfPractice sets the practice up through the set-up modal, with a
// staff member, a manager and clients ACME, BETA and (archived) GAMMA.
func wfPractice(t *testing.T, h *harness) {
	t.Helper()
	h.fake.AddUser(wfManagerID, "mina", "Mina Manager", "mina@example.com")
	setup := map[string]any{"name": textVal("Ledgerline"), "timezone": selectVal("Europe/London"), "currency": textVal("GBP"), "vat_rate": textVal("20")}
	for range 2 {
		if errs := responseErrors(t, h.interact(submission(adminID, admin.CallbackSetup, "", setup))); errs != nil {
			t.Fatalf("set-up refused: %v", errs)
		}
		h.settle()
	}
	h.command(adminID, "team add <@"+staffID+"> staff")
	h.command(adminID, "team add <@"+wfManagerID+"> manager")
	for _, c := range [][2]string{{"ACME", "Acme Trading Ltd"}, {"BETA", "Beta Ltd"}, {"GAMMA", "Gamma LLP"}} {
		v := clientValues(c[0], c[1], "", "", "hourly")
		v["aliases"] = textVal("")
		if errs := responseErrors(t, h.interact(submission(adminID, admin.CallbackClient, "{}", v))); errs != nil {
			t.Fatalf("client %s refused: %v", c[0], errs)
		}
	}
	h.settle()
	h.command(adminID, "clients archive GAMMA")
}

func wfID(t *testing.T, h *harness, sql string, args ...any) int64 {
	t.Helper()
	var id int64
	if err := h.pool.QueryRow(context.Background(), sql, args...).Scan(&id); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return id
}

// wfTaskItems lists the checklist of a client's November task, "stage:text"
// with "?" after optional items.
func wfTaskItems(t *testing.T, h *harness, code string) []string {
	t.Helper()
	rows, err := h.pool.Query(context.Background(), `SELECT ti.stage, ti.text, ti.mandatory FROM task_items ti
		JOIN tasks tk ON tk.practice_id = ti.practice_id AND tk.id = ti.task_id
		JOIN entities en ON en.practice_id = tk.practice_id AND en.id = tk.entity_id
		WHERE en.code = $1 AND tk.period = '2026-11-01' ORDER BY ti.stage, ti.position, ti.id`, code)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var stage int
		var text string
		var mandatory bool
		if err := rows.Scan(&stage, &text, &mandatory); err != nil {
			t.Fatal(err)
		}
		s := fmt.Sprintf("%d:%s", stage, text)
		if !mandatory {
			s += "?"
		}
		out = append(out, s)
	}
	return out
}

func wfAssignValues(tid int64, preparer, reviewer, extras string, drops ...string) map[string]any {
	v := map[string]any{
		workflow.FieldAssignTemplate: selectVal(fmt.Sprint(tid)),
		workflow.FieldAssignPreparer: usersVal(preparer),
		workflow.FieldAssignReviewer: usersVal(reviewer),
		workflow.FieldAssignExtras:   textVal(extras),
	}
	v[fmt.Sprintf("%s.%d", templates.AssignDropped, tid)] = wfMultiVal(drops...)
	return v
}

// TestAssignJourney: a manager assigns clients through the form, with
// extra and dropped items that the month's task reflects; mistakes come
// back on their fields; archived clients and bare commands are refused.
func TestAssignJourney(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		h := newHarness(t, mode, wfClock)
		wfPractice(t, h)

		// Set-up made the standard template once.
		if n := countRows(t, h, `SELECT count(*) FROM templates`); n != 1 {
			t.Fatalf("templates after two set-ups: %d, want 1", n)
		}
		tid := wfID(t, h, `SELECT id FROM templates WHERE name = $1`, workflow.StandardTemplateName)
		if n := countRows(t, h, `SELECT count(*) FROM template_items WHERE template_id = $1`, tid); n != len(workflow.StandardItems) {
			t.Fatalf("standard items: %d", n)
		}
		first := wfID(t, h, `SELECT id FROM template_items WHERE template_id = $1 AND text = 'Payroll reports received'`, tid)
		acme := wfID(t, h, `SELECT id FROM entities WHERE code = 'ACME'`)

		// Without a client: the usage, with an example.
		if got := ackText(t, h.command(wfManagerID, "assign")); !strings.Contains(got, "/atlas assign ACME") {
			t.Fatalf("bare /atlas assign: %s", got)
		}
		// Staff may not assign.
		if got := ackText(t, h.command(staffID, "assign acme")); !strings.Contains(got, "needs the Manager role") {
			t.Fatalf("staff assigning: %s", got)
		}
		// An archived client is refused.
		if got := ackText(t, h.command(wfManagerID, "assign GAMMA")); !strings.Contains(got, "archived") {
			t.Fatalf("archived client: %s", got)
		}
		meta := fmt.Sprintf(`origin:C0GENERAL|{"entity_id":%d}`, wfID(t, h, `SELECT id FROM entities WHERE code = 'GAMMA'`))
		h.interact(submission(wfManagerID, templates.CallbackAssign, meta, wfAssignValues(tid, staffID, wfManagerID, "")))
		h.settle()
		h.fake.WaitForCall(t, "chat.postEphemeral", func(c slackfake.Call) bool { return strings.Contains(c.Param("text"), "archived") })
		if n := countRows(t, h, `SELECT count(*) FROM assignments`); n != 0 {
			t.Fatalf("an archived client was assigned")
		}

		// The form opens with the standard template chosen.
		h.command(wfManagerID, "assign acme")
		open := h.fake.WaitForCall(t, "views.open", func(c slackfake.Call) bool { return strings.Contains(c.Param("view"), templates.CallbackAssign) })
		view := open.Param("view")
		for _, want := range []string{"ACME · Acme Trading Ltd", fmt.Sprintf(`"initial_option":{"text":{"type":"plain_text","text":"%s"`, workflow.StandardTemplateName),
			fmt.Sprintf(`"block_id":"assign_dropped.%d"`, tid)} {
			if !strings.Contains(view, want) {
				t.Errorf("assign modal lacks %s: %s", want, view)
			}
		}

		// Mistakes come back on their fields, each line named.
		meta = fmt.Sprintf(`origin:C0GENERAL|{"entity_id":%d}`, acme)
		errs := responseErrors(t, h.interact(submission(wfManagerID, templates.CallbackAssign, meta,
			wfAssignValues(tid, strangerID, wfManagerID, "3: Cost-centre reporting\nBoard pack\n9: Nothing"))))
		if !strings.Contains(errs[workflow.FieldAssignExtras], "Line 2") || !strings.Contains(errs[workflow.FieldAssignExtras], "Line 3") ||
			strings.Contains(errs[workflow.FieldAssignExtras], "Line 1") || !strings.Contains(errs[workflow.FieldAssignExtras], "3: Cost-centre reporting") {
			t.Errorf("extras error: %q", errs[workflow.FieldAssignExtras])
		}
		if !strings.Contains(errs[workflow.FieldAssignPreparer], "not on the practice's team") {
			t.Errorf("preparer not on the team: %v", errs)
		}
		if n := countRows(t, h, `SELECT count(*) FROM tasks`); n != 0 {
			t.Fatalf("a refused form made %d tasks", n)
		}

		// A good form makes the assignment and this month's task at once.
		ack := h.interact(submission(wfManagerID, templates.CallbackAssign, meta,
			wfAssignValues(tid, staffID, wfManagerID, "3: Cost-centre reporting\n\n4: Board pack (optional)", fmt.Sprint(first))))
		if errs := responseErrors(t, ack); errs != nil {
			t.Fatalf("valid assignment refused: %v", errs)
		}
		h.settle()
		confirm := h.fake.WaitForCall(t, "chat.postEphemeral", func(c slackfake.Call) bool { return strings.Contains(c.Param("text"), "follows") })
		for _, want := range []string{"<@" + staffID + "> prepares", "<@" + wfManagerID + "> reviews", "This month's task (November 2026) exists", "20 items"} {
			if !strings.Contains(confirm.Param("text"), want) {
				t.Errorf("confirmation lacks %q: %s", want, confirm.Param("text"))
			}
		}
		items := wfTaskItems(t, h, "ACME")
		if len(items) != len(workflow.StandardItems)+1 || !slices.Contains(items, "3:Cost-centre reporting") || !slices.Contains(items, "4:Board pack?") || slices.Contains(items, "1:Payroll reports received?") {
			t.Fatalf("ACME's checklist: %v", items)
		}

		// Opening the form again shows what was saved.
		h.command(wfManagerID, "assign ACME")
		open = h.fake.WaitForCall(t, "views.open", func(c slackfake.Call) bool {
			return strings.Contains(c.Param("view"), templates.CallbackAssign) && strings.Contains(c.Param("view"), "initial_user")
		})
		for _, want := range []string{`"initial_user":"` + staffID, `"initial_user":"` + wfManagerID, `3: Cost-centre reporting\n4: Board pack (optional)`, `"initial_options":[{"text":{"type":"plain_text","text":"Payroll reports received"`} {
			if !strings.Contains(open.Param("view"), want) {
				t.Errorf("pre-filled form lacks %s", want)
			}
		}

		// Everyone on the team sees the assignments.
		got := messageStrings(t, h.command(staffID, "assignments"))
		for _, want := range []string{"ACME · Acme Trading Ltd", "+2 extra", "−1 dropped", "prepares <@" + staffID} {
			if !strings.Contains(got, want) {
				t.Errorf("/atlas assignments lacks %q: %s", want, got)
			}
		}
		if got := ackText(t, h.command(staffID, "assignments beta")); !strings.Contains(got, "not assigned a template yet") {
			t.Errorf("/atlas assignments beta: %s", got)
		}
	})
}

// TestTemplateItemJourney: an admin adds an item through the form; a task
// not started takes it, a task under way does not; staff are refused;
// mistakes come back on their fields; removing asks first.
func TestTemplateItemJourney(t *testing.T) {
	t.Parallel()
	forEachMode(t, func(t *testing.T, mode string) {
		h := newHarness(t, mode, wfClock)
		wfPractice(t, h)
		ctx := context.Background()
		tid := wfID(t, h, `SELECT id FROM templates`)
		for _, code := range []string{"ACME", "BETA"} {
			meta := fmt.Sprintf(`{"entity_id":%d}`, wfID(t, h, `SELECT id FROM entities WHERE code = $1`, code))
			if errs := responseErrors(t, h.interact(submission(wfManagerID, templates.CallbackAssign, meta, wfAssignValues(tid, staffID, wfManagerID, "")))); errs != nil {
				t.Fatalf("assign %s: %v", code, errs)
			}
		}
		h.settle()

		// BETA's task gets under way: an item is ticked.
		ps := practice.Store{DB: h.pool}
		p, err := ps.Get(ctx, slackfake.TeamID)
		if err != nil {
			t.Fatal(err)
		}
		admin, err := ps.MemberBySlackID(ctx, p.ID, adminID)
		if err != nil {
			t.Fatal(err)
		}
		beta := wfID(t, h, `SELECT tk.id FROM tasks tk JOIN entities en ON en.id = tk.entity_id WHERE en.code = 'BETA'`)
		betaItem := wfID(t, h, `SELECT id FROM task_items WHERE task_id = $1 ORDER BY stage, position LIMIT 1`, beta)
		if _, err := (workflow.Store{DB: h.pool}).Tick(ctx, p, admin, beta, nil, map[int64]bool{betaItem: true}, time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}

		// The list, with the admin's buttons; staff see no buttons.
		got := messageStrings(t, h.command(adminID, "templates"))
		for _, want := range []string{workflow.StandardTemplateName, "day 10 of the following month", "Add item", "Edit template", "New template", templates.TemplateChangeNote} {
			if !strings.Contains(got, want) {
				t.Errorf("admin's /atlas templates lacks %q", want)
			}
		}
		if got := messageStrings(t, h.command(staffID, "templates")); strings.Contains(got, "Add item") || !strings.Contains(got, "Bank statements received for every account") {
			t.Errorf("staff's /atlas templates: %s", got)
		}

		// Staff pressing an admin's button or sending its form are refused.
		h.interact(buttonClick(h, staffID, templates.ActionTemplateAddItem, fmt.Sprint(tid)))
		h.settle()
		h.fake.WaitForResponse(t, func(p slackfake.ResponsePost) bool { return strings.Contains(p.Params["text"], "needs the Admin role") })
		item := func(stage, text, position string, mandatory bool) map[string]any {
			v := map[string]any{workflow.FieldItemText: textVal(text), workflow.FieldItemPosition: textVal(position), templates.ItemMandatory: wfCheckedVal()}
			if stage != "" {
				v[workflow.FieldItemStage] = selectVal(stage)
			}
			if mandatory {
				v[templates.ItemMandatory] = wfCheckedVal(templates.ItemMandatoryValue)
			}
			return v
		}
		meta := fmt.Sprintf(`origin:C0GENERAL|{"template_id":%d}`, tid)
		h.interact(submission(staffID, templates.CallbackTemplateItem, meta, item("3", "Sneaky item", "", true)))
		h.settle()
		// The refusal is said where the form was opened.
		h.fake.WaitForCall(t, "chat.postEphemeral", func(c slackfake.Call) bool {
			return c.Param("channel") == "C0GENERAL" && strings.Contains(c.Param("text"), "needs the Admin role")
		})
		if n := countRows(t, h, `SELECT count(*) FROM template_items WHERE text = 'Sneaky item'`); n != 0 {
			t.Fatalf("staff added an item")
		}

		// The admin's button opens the item form.
		h.interact(buttonClick(h, adminID, templates.ActionTemplateAddItem, fmt.Sprint(tid)))
		open := h.fake.WaitForCall(t, "views.open", func(c slackfake.Call) bool { return strings.Contains(c.Param("view"), templates.CallbackTemplateItem) })
		if !strings.Contains(open.Param("view"), workflow.StandardTemplateName) {
			t.Errorf("item modal: %s", open.Param("view"))
		}

		// Empty text and no stage come back on their fields.
		errs := responseErrors(t, h.interact(submission(adminID, templates.CallbackTemplateItem, meta, item("", "   ", "first", true))))
		if !strings.Contains(errs[workflow.FieldItemStage], "Pick a stage") || !strings.Contains(errs[workflow.FieldItemText], "Say what is to be done") ||
			!strings.Contains(errs[workflow.FieldItemPosition], "not a place") {
			t.Fatalf("field errors: %v", errs)
		}

		// A good item goes first in stage 3.
		if errs := responseErrors(t, h.interact(submission(adminID, templates.CallbackTemplateItem, meta, item("3", "Intercompany balances agreed", "1", true)))); errs != nil {
			t.Fatalf("valid item refused: %v", errs)
		}
		h.settle()
		h.fake.WaitForCall(t, "chat.postEphemeral", func(c slackfake.Call) bool {
			return strings.Contains(c.Param("text"), "Added “Intercompany balances agreed”")
		})
		newID := wfID(t, h, `SELECT id FROM template_items WHERE text = 'Intercompany balances agreed' AND stage = 3 AND removed_at IS NULL`)
		if got := wfTaskItems(t, h, "ACME"); !slices.Contains(got, "3:Intercompany balances agreed") || got[4+4] != "3:Intercompany balances agreed" {
			t.Errorf("ACME's unstarted task did not take the item first in stage 3: %v", got)
		}
		if got := wfTaskItems(t, h, "BETA"); slices.Contains(got, "3:Intercompany balances agreed") {
			t.Errorf("BETA's task under way took the item: %v", got)
		}

		// Edit from the item's menu keeps its place when none is given.
		h.interact(wfOverflowClick(h, adminID, templates.ItemMenuValue(templates.ItemMenuEdit, tid, newID)))
		h.fake.WaitForCall(t, "views.open", func(c slackfake.Call) bool {
			return strings.Contains(c.Param("view"), `"initial_value":"Intercompany balances agreed"`) && strings.Contains(c.Param("view"), "Edit item")
		})
		meta = fmt.Sprintf(`{"template_id":%d,"item_id":%d}`, tid, newID)
		if errs := responseErrors(t, h.interact(submission(adminID, templates.CallbackTemplateItem, meta, item("3", "Intercompany balances agreed and signed", "", false)))); errs != nil {
			t.Fatalf("edit refused: %v", errs)
		}
		h.settle()
		if got := wfTaskItems(t, h, "ACME"); got[8] != "3:Intercompany balances agreed and signed?" {
			t.Errorf("edited item in ACME's task: %v", got)
		}

		// Remove asks first, then takes it off.
		h.interact(wfOverflowClick(h, adminID, templates.ItemMenuValue(templates.ItemMenuRemove, tid, newID)))
		h.fake.WaitForCall(t, "views.open", func(c slackfake.Call) bool {
			return strings.Contains(c.Param("view"), templates.CallbackTemplateRemove)
		})
		if n := countRows(t, h, `SELECT count(*) FROM template_items WHERE id = $1 AND removed_at IS NULL`, newID); n != 1 {
			t.Fatalf("the item went before the confirmation")
		}
		h.interact(submission(adminID, templates.CallbackTemplateRemove, meta, map[string]any{}))
		h.settle()
		if n := countRows(t, h, `SELECT count(*) FROM template_items WHERE id = $1 AND removed_at IS NULL`, newID); n != 0 {
			t.Fatalf("the item was not removed")
		}
		if got := wfTaskItems(t, h, "ACME"); len(got) != len(workflow.StandardItems) {
			t.Errorf("ACME's task after the removal: %v", got)
		}

		// A new template: bad values on their fields, then saved.
		h.command(adminID, "templates add")
		h.fake.WaitForCall(t, "views.open", func(c slackfake.Call) bool { return strings.Contains(c.Param("view"), templates.CallbackTemplate+`"`) })
		tv := func(name, day, months, targets string) map[string]any {
			return map[string]any{workflow.FieldTemplateName: textVal(name), templates.TemplateDescription: textVal(""),
				workflow.FieldTemplateDueDay: textVal(day), workflow.FieldTemplateDueMon: selectVal(months), workflow.FieldTemplateTargets: textVal(targets)}
		}
		errs = responseErrors(t, h.interact(submission(adminID, templates.CallbackTemplate, "{}", tv(workflow.StandardTemplateName, "31", "1", "5 15 20"))))
		if !strings.Contains(errs[workflow.FieldTemplateDueDay], "1 to 28") || !strings.Contains(errs[workflow.FieldTemplateTargets], "six") {
			t.Fatalf("template errors: %v", errs)
		}
		errs = responseErrors(t, h.interact(submission(adminID, templates.CallbackTemplate, "{}", tv(workflow.StandardTemplateName, "10", "1", "5 15 20 28 35 40"))))
		if !strings.Contains(errs[workflow.FieldTemplateName], "already exists") {
			t.Fatalf("duplicate name: %v", errs)
		}
		if errs := responseErrors(t, h.interact(submission(adminID, templates.CallbackTemplate, "{}", tv("Payroll only", "5", "0", "1 2 3 4 5 5")))); errs != nil {
			t.Fatalf("new template refused: %v", errs)
		}
		if got := messageStrings(t, h.command(staffID, "templates payroll")); !strings.Contains(got, "day 5 of the month itself") {
			t.Errorf("/atlas templates payroll: %s", got)
		}
		// Picking another template in the assign form refills it with that
		// template's items, keeping the people chosen so far.
		payroll := wfID(t, h, `SELECT id FROM templates WHERE name = 'Payroll only'`)
		h.interact(map[string]any{
			"type": "block_actions", "user": map[string]any{"id": wfManagerID}, "trigger_id": "trig-pick",
			"view": map[string]any{"id": "V0ASSIGN", "hash": "1.h", "type": "modal", "callback_id": templates.CallbackAssign,
				"private_metadata": fmt.Sprintf(`{"entity_id":%d}`, wfID(t, h, `SELECT id FROM entities WHERE code = 'ACME'`)),
				"state": map[string]any{"values": map[string]any{
					workflow.FieldAssignPreparer: usersVal(wfManagerID), workflow.FieldAssignReviewer: usersVal(adminID)}}},
			"actions": []any{map[string]any{"type": "static_select", "action_id": templates.ActionAssignTemplate, "block_id": workflow.FieldAssignTemplate,
				"selected_option": map[string]any{"value": fmt.Sprint(payroll)}}},
		})
		h.settle()
		upd := h.fake.WaitForCall(t, "views.update", nil)
		if v := upd.Param("view"); upd.Param("view_id") != "V0ASSIGN" || !strings.Contains(v, `"initial_user":"`+wfManagerID) ||
			!strings.Contains(v, `"text":"Payroll only"`) || strings.Contains(v, templates.AssignDropped) {
			t.Errorf("refilled assign form (view %s): %s", upd.Param("view_id"), v)
		}

		// Staff may not open the form by command either.
		if got := ackText(t, h.command(staffID, "templates add")); !strings.Contains(got, "Only admins can add templates") {
			t.Errorf("staff /atlas templates add: %s", got)
		}
	})
}
